#include "lib/http/request_writer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "lib/http/internal/chars.h"
#include "lib/http/internal/head_parser.h"

namespace http {
namespace {

// AppendFieldsAndEnd appends "Name: value\r\n" for each field, then the blank line.
void AppendFieldsAndEnd(const Headers& headers, std::string* out) {
  size_t size = out->size() + 2;
  for (const Headers::Field& f : headers) size += f.name.size() + f.value.size() + 4;
  out->reserve(size);
  for (const Headers::Field& f : headers) {
    out->append(f.name);
    out->append(": ", 2);
    out->append(f.value);
    out->append("\r\n", 2);
  }
  out->append("\r\n", 2);
}

}  // namespace

absl::StatusOr<std::string> SerializeRequestHead(const RequestHead& head) {
  if (!internal::IsToken(head.method)) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: bad method \"", internal::Quote(head.method), "\""));
  }
  if (head.target.empty() ||
      std::any_of(head.target.begin(), head.target.end(), internal::IsCtlOrSpace)) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: bad request target \"", internal::Quote(head.target), "\""));
  }
  if (head.version_minor != 0 && head.version_minor != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: cannot write version HTTP/1.", head.version_minor));
  }
  if (head.version_minor == 1 && !head.headers.Has("Host")) {
    return absl::InvalidArgumentError("http: HTTP/1.1 request without host header");
  }
  std::string out = absl::StrCat(head.method, " ", head.target, " HTTP/1.", head.version_minor,
                                 "\r\n");
  AppendFieldsAndEnd(head.headers, &out);
  return out;
}

std::string SerializeResponseHead(const ResponseHead& head) {
  std::string reason;
  for (char c : head.reason) {
    if (c == '\t' || c == ' ' || !internal::IsCtlOrSpace(c)) reason += c;
  }
  std::string out = absl::StrCat("HTTP/1.", head.version_minor == 0 ? 0 : 1, " ",
                                 std::clamp(head.status, 100, 999), " ", reason, "\r\n");
  AppendFieldsAndEnd(head.headers, &out);
  return out;
}

}  // namespace http
