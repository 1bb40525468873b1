#include "proxy/caching.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/cache/policy.h"
#include "lib/http/reason.h"

namespace proxy {
absl::StatusOr<http::Url> CacheUrl(const Route& route) {
  if (route.target.empty() || route.target[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("cache: target ", route.target, " names no resource"));
  }
  return http::Url::Parse(absl::StrCat("http://", route.host_header, route.target));
}

bool MayCollapse(const http::RequestHead& request) {
  return request.method == "GET" && !request.headers.Has("authorization") &&
         !request.headers.Has("range") && !request.headers.Has("if-range") &&
         !request.headers.Has("if-match") && !request.headers.Has("if-unmodified-since") &&
         !cache::IsConditional(request.headers);
}

bool BodyAllowed(int status) { return status >= 200 && status != 204 && status != 304; }

BodyFollows AppendStoredHead(const StoredHead& h, std::string* out) {
  BodyFollows body = BodyFollows::kNone;
  if (BodyAllowed(h.status)) {
    if (h.body_size.has_value()) {
      body = BodyFollows::kLength;
    } else if (!h.head_request) {
      body = h.client_minor >= 1 ? BodyFollows::kChunked : BodyFollows::kUntilClose;
    }
  }
  bool close = h.close || body == BodyFollows::kUntilClose;
  absl::string_view reason = http::ReasonPhrase(h.status);
  absl::StrAppend(out, "HTTP/1.1 ", h.status, " ", reason, "\r\n");
  out->append(h.fields.data(), h.fields.size());
  absl::StrAppend(out, "Age: ", absl::ToInt64Seconds(h.age), "\r\n");
  if (body == BodyFollows::kLength) absl::StrAppend(out, "Content-Length: ", *h.body_size, "\r\n");
  if (body == BodyFollows::kChunked) out->append("Transfer-Encoding: chunked\r\n");
  absl::StrAppend(out, "Via: 1.1 ", h.pseudonym, "\r\nX-Cache: ", h.x_cache, "\r\n",
                  close                 ? "Connection: close\r\n"
                  : h.client_minor == 0 ? "Connection: keep-alive\r\n"
                                        : "",
                  "\r\n");
  if (h.head_request && body == BodyFollows::kLength) return BodyFollows::kNone;
  return body;
}

http::ResponseHead NotModifiedHead(const cache::EntryMeta& meta, absl::Time now,
                                   absl::string_view x_cache) {
  http::ResponseHead head;
  head.version_minor = 1;
  head.status = 304;
  head.reason = std::string(http::ReasonPhrase(304));
  for (const http::Headers::Field& f : meta.headers) {
    for (absl::string_view keep : {"cache-control", "content-location", "date", "etag",
                                   "expires", "last-modified", "vary"}) {
      if (absl::EqualsIgnoreCase(f.name, keep)) head.headers.Add(f.name, f.value).IgnoreError();
    }
  }
  head.headers.Set("Age", absl::StrCat(absl::ToInt64Seconds(cache::CurrentAge(meta, now))))
      .IgnoreError();
  head.headers.Set("X-Cache", x_cache).IgnoreError();
  return head;
}

}  // namespace proxy
