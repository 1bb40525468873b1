// request_parser_fuzz.cc: fuzzes ParseRequestHead (whole vs split), RequestBodyFraming and,
// for chunked bodies, ChunkedDecoder on the bytes after the head.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "lib/http/internal/fuzz_util.h"
#include "lib/http/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view in(reinterpret_cast<const char*>(data), size);
  http::RequestHead head;
  absl::StatusOr<size_t> consumed = http::internal::CheckHeadSplit(
      in,
      [](absl::string_view buf, size_t prev, http::RequestHead* out) {
        return http::ParseRequestHead(buf, prev, http::internal::kFuzzLimits, out);
      },
      &head);
  if (!consumed.ok() || *consumed == 0) return 0;
  http::internal::CheckBody(http::RequestBodyFraming(head), in.substr(*consumed));
  return 0;
}
