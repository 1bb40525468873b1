// chunked.h: a resumable decoder for the chunked transfer coding (RFC 9112 §7.1) and encoders.
//
// The decoder keeps its state between calls, so a body may arrive in pieces split anywhere.
// Data is handed out as views into the caller's input (no copy); chunk extensions are
// checked and dropped; trailer fields are collected. Framing lines must end in CRLF.
//
//   http::ChunkedDecoder decoder;
//   while (!decoder.done()) {
//     std::string in = ReadSome();
//     ASSIGN_OR_RETURN(size_t used, decoder.Decode(in, [&](absl::string_view data) {
//       sink.Write(data);
//     }));
//     if (decoder.done()) leftover = in.substr(used);  // start of the next message
//   }
//   out += http::EncodeChunk("hello") + http::EncodeLastChunk();
#ifndef LIB_HTTP_CHUNKED_H_
#define LIB_HTTP_CHUNKED_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/http/headers.h"
#include "lib/http/message.h"

namespace http {

class ChunkedDecoder {
 public:
  // kOverheadAllowance is how many framing bytes (size lines, extensions, CRLFs, trailers) a
  // body may use before framing must stay no larger than the data it carries.
  static constexpr uint64_t kOverheadAllowance = 64 * 1024;

  // ChunkedDecoder caps a chunk-size line (with extensions) at `limits.max_line` bytes, and the
  // trailer section at `limits.max_header_bytes` bytes and `limits.max_headers` fields.
  explicit ChunkedDecoder(const ParseLimits& limits = ParseLimits()) : limits_(limits) {}

  // Decode consumes the next bytes of the chunked body, `in`, and calls `on_data` with each
  // run of body data; the views point into `in` and are not kept. It returns how many bytes of
  // `in` belong to the body: all of them until done(), then the bytes after the final CRLF are
  // left (pipelined data). Errors: a bad chunk size (not hex, more than 16 hex digits,
  // >= 2^63, missing), bad extension bytes, a missing CRLF or a bad trailer field is
  // InvalidArgument; a long size line, large trailers or framing overhead beyond the allowance
  // is ResourceExhausted. After an error every call returns the same error; after done() every
  // call returns 0.
  absl::StatusOr<size_t> Decode(absl::string_view in,
                                absl::FunctionRef<void(absl::string_view)> on_data) {
    // Fast path, inline: `in` lies within the current chunk's data (a body read in small
    // pieces is mostly this).
    if (state_ == State::kData && in.size() <= remaining_ && !in.empty() && error_.ok()) {
      on_data(in);
      remaining_ -= in.size();
      data_bytes_ += in.size();
      if (remaining_ == 0) state_ = State::kDataCr;
      return in.size();
    }
    return DecodeFraming(in, on_data);
  }

  // Decode appends the body data to `*body_out`; otherwise as above.
  absl::StatusOr<size_t> Decode(absl::string_view in, std::string* body_out);

  // done reports whether the last chunk and the trailer section have been read.
  bool done() const { return state_ == State::kDone; }

  // trailers returns the trailer fields read so far (complete once done()).
  const Headers& trailers() const { return trailers_; }

  // body_bytes returns the number of data bytes decoded so far.
  uint64_t body_bytes() const { return data_bytes_; }

 private:
  enum class State { kSizeLine, kData, kDataCr, kDataLf, kTrailerLine, kDone };

  // DecodeFraming is Decode for input that holds framing bytes (or an error is set).
  absl::StatusOr<size_t> DecodeFraming(absl::string_view in,
                                       absl::FunctionRef<void(absl::string_view)> on_data);
  absl::StatusOr<size_t> DecodeSome(absl::string_view in,
                                    absl::FunctionRef<void(absl::string_view)> on_data);
  absl::Status EndSizeLine();
  absl::Status EndTrailerLine();
  absl::Status CheckOverhead() const;

  ParseLimits limits_;
  State state_ = State::kSizeLine;
  absl::Status error_;
  std::string line_;  // the framing line being read, up to and including its LF
  uint64_t remaining_ = 0;  // data bytes left in the current chunk
  uint64_t data_bytes_ = 0;
  uint64_t overhead_bytes_ = 0;
  size_t trailer_bytes_ = 0;
  Headers trailers_;
};

// EncodeChunk returns `data` as one chunk: hex size, CRLF, data, CRLF. Empty data gives ""
// (an empty chunk would end the body).
std::string EncodeChunk(absl::string_view data);

// EncodeLastChunk returns the last chunk with an empty trailer section: "0\r\n\r\n".
std::string EncodeLastChunk();

}  // namespace http

#endif  // LIB_HTTP_CHUNKED_H_
