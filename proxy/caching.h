// caching.h: how cachingproxy applies its cache to one request, as pure functions on parsed
// heads (tested without sockets): the URL a request is cached under, which misses may lead a
// collapsed fetch, and the response heads built from a stored entry.
//
//   absl::StatusOr<http::Url> url = proxy::CacheUrl(route);
//   cache::CacheKey key = cache::CacheKey::ForRequest(request.method, *url);
//   std::string fields;
//   reader->AppendFields(&fields);
//   proxy::BodyFollows body = proxy::AppendStoredHead(
//       {.status = 200, .fields = fields, .age = age, .body_size = size, .x_cache = "HIT",
//        .pseudonym = "cachingproxy"}, &out);
//   if (cache::NotModified(request.headers, meta)) head = proxy::NotModifiedHead(meta, now, "HIT");
#ifndef PROXY_CACHING_H_
#define PROXY_CACHING_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/cache/store.h"
#include "lib/http/message.h"
#include "lib/http/url.h"
#include "proxy/forwarding.h"

namespace proxy {

// CacheUrl returns the URL a routed request is cached under: http://<Host sent upstream>
// <origin-form target>, for forward and reverse routes alike. InvalidArgument for a target
// that makes no URL ("*").
absl::StatusOr<http::Url> CacheUrl(const Route& route);

// MayCollapse reports whether a miss for `request` may lead or join a collapsed fetch: a GET
// with no Authorization (its answer may be private), no Range (a part is never stored) and no
// preconditions (a 304 cannot be shared).
bool MayCollapse(const http::RequestHead& request);

// BodyAllowed reports whether a response with `status` carries a body (not 1xx, 204, 304).
bool BodyAllowed(int status);

// StoredHead is what the head of a response served from the cache is made of.
struct StoredHead {
  int status = 200;
  // fields are the stored fields in wire form ("Name: value\r\n"...), as
  // EntryReader::AppendFields gives them (no Age, Content-Length or X-Cache).
  absl::string_view fields;
  absl::Duration age;
  std::optional<uint64_t> body_size;  // nullopt: not known yet (a collapsed fetch streaming)
  absl::string_view x_cache;
  absl::string_view pseudonym;       // in Via
  int client_minor = 1;              // the client's HTTP/1.x
  bool head_request = false;         // HEAD: the length is announced, no body follows
  bool close = false;                // the connection closes after this response
};

// BodyFollows says how the body after a stored head is framed.
enum class BodyFollows { kNone, kLength, kChunked, kUntilClose };

// AppendStoredHead appends the complete head to `out`: the status line with the standard
// reason, the stored fields, Age (whole seconds), Content-Length when the size is known —
// else Transfer-Encoding: chunked for HTTP/1.1 clients, or a close-delimited body for
// HTTP/1.0 ones — Via, X-Cache and Connection: close when closing (keep-alive to an HTTP/1.0
// client that stays). No framing fields for
// statuses without a body (204, 304). Returns how the body follows; kUntilClose implies the
// connection closes.
BodyFollows AppendStoredHead(const StoredHead& h, std::string* out);

// NotModifiedHead builds the 304 the cache answers a matching conditional request with:
// the stored Cache-Control, Content-Location, Date, ETag, Expires, Last-Modified and Vary
// (RFC 9110 §15.4.5), Age and X-Cache; no body fields.
http::ResponseHead NotModifiedHead(const cache::EntryMeta& meta, absl::Time now,
                                   absl::string_view x_cache);

}  // namespace proxy

#endif  // PROXY_CACHING_H_
