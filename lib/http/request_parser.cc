#include "lib/http/request_parser.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/http/internal/chars.h"
#include "lib/http/internal/head_parser.h"

namespace http {
namespace {

constexpr int kMaxLeadingEmptyLines = 4;

absl::Status ParseRequestLine(absl::string_view line, RequestHead* head) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == absl::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: malformed request line \"", internal::Quote(line), "\""));
  }
  absl::string_view method = line.substr(0, sp1);
  absl::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!internal::IsToken(method)) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: bad method \"", internal::Quote(method), "\""));
  }
  if (target.empty()) return absl::InvalidArgumentError("http: empty request target");
  for (size_t i = 0; i < target.size(); ++i) {
    if (internal::IsCtlOrSpace(target[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("http: control byte in request target \"", internal::Quote(target),
                       "\" at offset ", i));
    }
  }
  ASSIGN_OR_RETURN(head->version_minor, internal::ParseHttpVersion(line.substr(sp2 + 1)));
  head->method = std::string(method);
  head->target = std::string(target);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<size_t> ParseRequestHead(absl::string_view buf, size_t prev_len,
                                        const ParseLimits& limits, RequestHead* out) {
  RequestHead head;
  ASSIGN_OR_RETURN(
      size_t end,
      internal::ParseHead(
          buf, prev_len, limits, kMaxLeadingEmptyLines,
          [&head](absl::string_view line) { return ParseRequestLine(line, &head); },
          &head.headers));
  if (end > 0) *out = std::move(head);
  return end;
}

absl::StatusOr<BodyFraming> RequestBodyFraming(const RequestHead& head) {
  return internal::FramingFromFields(head.headers, head.version_minor, /*is_request=*/true);
}

}  // namespace http
