// fuzz_util.h: checks shared by the lib/http fuzz targets (test-only, private to lib/http).
//
// Each check traps (__builtin_trap) when two ways of parsing the same bytes disagree:
//
//   internal::CheckHeadSplit(in, [](absl::string_view buf, size_t prev, RequestHead* out) {
//     return ParseRequestHead(buf, prev, internal::kFuzzLimits, out);
//   }, &head);
//   internal::CheckChunked(body);
#ifndef LIB_HTTP_INTERNAL_FUZZ_UTIL_H_
#define LIB_HTTP_INTERNAL_FUZZ_UTIL_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/http/chunked.h"
#include "lib/http/message.h"

namespace http {
namespace internal {

// kFuzzLimits are small so that the fuzzer reaches every limit with short inputs.
inline constexpr ParseLimits kFuzzLimits{/*max_line=*/200, /*max_header_bytes=*/1024,
                                         /*max_headers=*/12};

// CheckHeadSplit parses `in` whole and as two halves (the second call with prev_len set) and
// traps unless both give the same verdict. Returns the whole-input result; `*out` is filled
// when it is complete.
template <typename Head, typename Parse>
absl::StatusOr<size_t> CheckHeadSplit(absl::string_view in, Parse parse, Head* out) {
  absl::StatusOr<size_t> whole = parse(in, 0, out);
  const size_t half = in.size() / 2;
  Head split_head;
  absl::StatusOr<size_t> split = parse(in.substr(0, half), 0, &split_head);
  if (split.ok() && *split == 0) split = parse(in, half, &split_head);
  if (whole.status().code() != split.status().code()) __builtin_trap();
  if (whole.ok() && (*whole != *split || (*whole > 0 && !(*out == split_head)))) {
    __builtin_trap();
  }
  return whole;
}

// CheckChunked decodes `body` whole and as two halves and traps unless both agree on the
// verdict, the data, the bytes used and the trailers.
inline void CheckChunked(absl::string_view body) {
  ChunkedDecoder whole(kFuzzLimits);
  std::string whole_data;
  absl::StatusOr<size_t> whole_used = whole.Decode(body, &whole_data);

  ChunkedDecoder split(kFuzzLimits);
  std::string split_data;
  const size_t half = body.size() / 2;
  absl::StatusOr<size_t> split_used = split.Decode(body.substr(0, half), &split_data);
  if (split_used.ok() && !split.done()) {
    absl::StatusOr<size_t> rest = split.Decode(body.substr(half), &split_data);
    split_used = rest.ok() ? absl::StatusOr<size_t>(*split_used + *rest) : rest;
  }
  if (whole_used.status().code() != split_used.status().code()) __builtin_trap();
  if (!whole_used.ok()) return;
  if (*whole_used != *split_used || whole_data != split_data || whole.done() != split.done() ||
      !(whole.trailers() == split.trailers()) || whole.body_bytes() != whole_data.size()) {
    __builtin_trap();
  }
  if (*whole_used > body.size() || (!whole.done() && *whole_used != body.size())) {
    __builtin_trap();
  }
}

// CheckBody runs the body that follows a head of framing `framing` through the decoder.
inline void CheckBody(const absl::StatusOr<BodyFraming>& framing, absl::string_view rest) {
  if (framing.ok() && framing->kind == BodyFraming::kChunked) CheckChunked(rest);
}

}  // namespace internal
}  // namespace http

#endif  // LIB_HTTP_INTERNAL_FUZZ_UTIL_H_
