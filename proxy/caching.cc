#include "proxy/caching.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/cache/policy.h"
#include "lib/http/reason.h"

namespace proxy {
namespace {

std::string AgeSeconds(const cache::EntryMeta& meta, absl::Time now) {
  return absl::StrCat(absl::ToInt64Seconds(cache::CurrentAge(meta, now)));
}

}  // namespace

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

http::ResponseHead StoredResponseHead(const cache::EntryMeta& meta,
                                      std::optional<uint64_t> body_size, absl::Time now,
                                      absl::string_view x_cache) {
  http::ResponseHead head;
  head.version_minor = 1;
  head.status = meta.status;
  head.reason = std::string(http::ReasonPhrase(meta.status));
  head.headers = meta.headers;
  // Stored values are valid fields, and these are digits and tokens: Set cannot fail.
  head.headers.Set("Age", AgeSeconds(meta, now)).IgnoreError();
  head.headers.Remove("Content-Length");
  head.headers.Remove("Transfer-Encoding");
  if (BodyAllowed(meta.status)) {
    if (body_size.has_value()) {
      head.headers.Set("Content-Length", absl::StrCat(*body_size)).IgnoreError();
    } else {
      head.headers.Set("Transfer-Encoding", "chunked").IgnoreError();
    }
  }
  head.headers.Set("X-Cache", x_cache).IgnoreError();
  return head;
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
  head.headers.Set("Age", AgeSeconds(meta, now)).IgnoreError();
  head.headers.Set("X-Cache", x_cache).IgnoreError();
  return head;
}

}  // namespace proxy
