#include "lib/http/request_writer.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/http/internal/chars.h"
#include "lib/http/internal/head_parser.h"

namespace http {
namespace {

// FieldsSize is the size of "Name: value\r\n" for every field, plus the blank line.
size_t FieldsSize(const Headers& headers) {
  size_t size = 2;
  for (const Headers::Field& f : headers) size += f.name.size() + f.value.size() + 4;
  return size;
}

// AppendFieldsAndEnd appends "Name: value\r\n" for each field, then the blank line; the
// caller has reserved room for them.
void AppendFieldsAndEnd(const Headers& headers, std::string* out) {
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
  std::string out;
  RETURN_IF_ERROR(AppendRequestHead(head, &out));
  return out;
}

absl::Status AppendRequestHead(const RequestHead& head, std::string* out) {
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
  constexpr absl::string_view kVersion = " HTTP/1.x\r\n";
  out->reserve(out->size() + head.method.size() + 1 + head.target.size() + kVersion.size() +
               FieldsSize(head.headers));
  out->append(head.method);
  out->push_back(' ');
  out->append(head.target);
  out->append(kVersion.data(), kVersion.size() - 3);
  out->push_back(head.version_minor == 0 ? '0' : '1');
  out->append("\r\n", 2);
  AppendFieldsAndEnd(head.headers, out);
  return absl::OkStatus();
}

std::string SerializeResponseHead(const ResponseHead& head) {
  std::string out;
  AppendResponseHead(head, &out);
  return out;
}

void AppendResponseHead(const ResponseHead& head, std::string* out) {
  constexpr absl::string_view kStatusLine = "HTTP/1.x 200 \r\n";
  out->reserve(out->size() + kStatusLine.size() + head.reason.size() + FieldsSize(head.headers));
  out->append("HTTP/1.", 7);
  out->push_back(head.version_minor == 0 ? '0' : '1');
  out->push_back(' ');
  const int status = std::clamp(head.status, 100, 999);
  out->push_back(static_cast<char>('0' + status / 100));
  out->push_back(static_cast<char>('0' + status / 10 % 10));
  out->push_back(static_cast<char>('0' + status % 10));
  out->push_back(' ');
  for (char c : head.reason) {
    if (c == '\t' || c == ' ' || !internal::IsCtlOrSpace(c)) out->push_back(c);
  }
  out->append("\r\n", 2);
  AppendFieldsAndEnd(head.headers, out);
}

}  // namespace http
