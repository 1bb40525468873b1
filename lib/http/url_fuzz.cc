// url_fuzz.cc: fuzzes Url::Parse (ToString must re-parse to an equal Url, fragment aside),
// Url::Resolve against a fixed base, and the percent coders (decode(encode(x)) == x).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/http/url.h"

namespace {

void CheckRoundTrip(const http::Url& url) {
  absl::StatusOr<http::Url> again = http::Url::Parse(url.ToString());
  if (!again.ok()) __builtin_trap();
  if (again->scheme() != url.scheme() || again->userinfo() != url.userinfo() ||
      again->host() != url.host() || again->port() != url.port() ||
      again->has_explicit_port() != url.has_explicit_port() || again->path() != url.path() ||
      again->query() != url.query() || again->has_query() != url.has_query() ||
      again->RequestTarget() != url.RequestTarget() || again->HostHeader() != url.HostHeader()) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view in(reinterpret_cast<const char*>(data), size);
  if (absl::StatusOr<http::Url> url = http::Url::Parse(in); url.ok()) CheckRoundTrip(*url);
  if (absl::StatusOr<http::Url> url = http::Url::ParseWithDefaultScheme(in, "http"); url.ok()) {
    CheckRoundTrip(*url);
  }
  static const http::Url* const kBase = new http::Url(*http::Url::Parse("http://a/b/c/d;p?q"));
  if (absl::StatusOr<http::Url> resolved = kBase->Resolve(in); resolved.ok()) {
    (void)resolved->ToString();
  }
  absl::StatusOr<std::string> decoded = http::PercentDecode(http::PercentEncode(in));
  if (!decoded.ok() || *decoded != in) __builtin_trap();
  (void)http::PercentDecode(in);
  return 0;
}
