// response_parser_fuzz.cc: fuzzes ParseResponseHead (whole vs split), ResponseBodyFraming
// and, for chunked bodies, ChunkedDecoder on the bytes after the head.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "lib/http/internal/fuzz_util.h"
#include "lib/http/response_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view in(reinterpret_cast<const char*>(data), size);
  http::ResponseHead head;
  absl::StatusOr<size_t> consumed = http::internal::CheckHeadSplit(
      in,
      [](absl::string_view buf, size_t prev, http::ResponseHead* out) {
        return http::ParseResponseHead(buf, prev, http::internal::kFuzzLimits, out);
      },
      &head);
  if (!consumed.ok() || *consumed == 0) return 0;
  // The request method changes the framing; derive it from the status for variety.
  const char* method = head.status % 7 == 0 ? "HEAD" : head.status % 5 == 0 ? "CONNECT" : "GET";
  http::internal::CheckBody(http::ResponseBodyFraming(method, head), in.substr(*consumed));
  return 0;
}
