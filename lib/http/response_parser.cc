#include "lib/http/response_parser.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/http/internal/chars.h"
#include "lib/http/internal/head_parser.h"

namespace http {
namespace {

absl::Status ParseStatusLine(absl::string_view line, ResponseHead* head) {
  constexpr size_t kVersionLen = 8;  // "HTTP/1.1"
  ASSIGN_OR_RETURN(head->version_minor, internal::ParseHttpVersion(line.substr(0, kVersionLen)));
  absl::string_view rest = line.substr(kVersionLen);
  if (rest.size() < 4 || rest[0] != ' ' || (rest.size() > 4 && rest[4] != ' ')) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: malformed status line \"", internal::Quote(line), "\""));
  }
  int status = 0;
  for (char c : rest.substr(1, 3)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("http: status code is not 3 digits in \"", internal::Quote(line), "\""));
    }
    status = status * 10 + (c - '0');
  }
  if (status < 100) {
    return absl::InvalidArgumentError(absl::StrCat("http: status code ", status, " < 100"));
  }
  absl::string_view reason = rest.size() > 4 ? rest.substr(5) : absl::string_view();
  for (char c : reason) {
    if (c != '\t' && c != ' ' && internal::IsCtlOrSpace(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("http: control byte in reason phrase \"", internal::Quote(reason), "\""));
    }
  }
  head->status = status;
  head->reason = std::string(reason);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<size_t> ParseResponseHead(absl::string_view buf, size_t prev_len,
                                         const ParseLimits& limits, ResponseHead* out) {
  ResponseHead head;
  ASSIGN_OR_RETURN(
      size_t end,
      internal::ParseHead(
          buf, prev_len, limits, /*max_leading_empty_lines=*/0,
          [&head](absl::string_view line) { return ParseStatusLine(line, &head); },
          &head.headers));
  if (end > 0) *out = std::move(head);
  return end;
}

absl::StatusOr<BodyFraming> ResponseBodyFraming(absl::string_view request_method,
                                                const ResponseHead& head) {
  const int status = head.status;
  if (request_method == "HEAD" || status / 100 == 1 || status == 204 || status == 304 ||
      (request_method == "CONNECT" && status / 100 == 2)) {
    return BodyFraming{BodyFraming::kNone, 0};
  }
  return internal::FramingFromFields(head.headers, head.version_minor, /*is_request=*/false);
}

}  // namespace http
