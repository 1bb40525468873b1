// decompress.h: streaming inflate of gzip / deflate Content-Encoding (zlib), one piece at a time.
//
// The whole body is never held: each Feed inflates what it is given into a fixed buffer and
// hands each filled run to `out`.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<http::Inflater> inflater, http::Inflater::Create("gzip"));
//   RETURN_IF_ERROR(inflater->Feed(piece, [&](absl::string_view plain) { return sink(plain); }));
//   RETURN_IF_ERROR(inflater->Finish());   // DataLoss if the stream was cut short
#ifndef LIB_HTTP_DECOMPRESS_H_
#define LIB_HTTP_DECOMPRESS_H_

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace http {

class Inflater {
 public:
  // IsSupportedEncoding reports whether Create accepts `content_encoding` ("gzip", "x-gzip",
  // "deflate"; case-insensitive). "identity" and "" are not encodings and return false.
  static bool IsSupportedEncoding(absl::string_view content_encoding);

  // Create makes an inflater for one Content-Encoding value. InvalidArgument if unsupported.
  static absl::StatusOr<std::unique_ptr<Inflater>> Create(absl::string_view content_encoding);

  virtual ~Inflater() = default;

  // Feed inflates `in` (not kept) and calls `out` with each run of output; the view is valid
  // only during the call. Returns the first error of `out`, or DataLoss for corrupt input.
  // Bytes after the end of the compressed stream are ignored.
  virtual absl::Status Feed(absl::string_view in,
                            absl::FunctionRef<absl::Status(absl::string_view)> out) = 0;

  // Finish reports DataLoss if the compressed stream has not ended.
  virtual absl::Status Finish() = 0;
};

}  // namespace http

#endif  // LIB_HTTP_DECOMPRESS_H_
