// policy.h: the HTTP caching rules of RFC 9111 for a shared cache, as pure functions.
//
// Nothing here touches a store or a clock: callers pass the request, the response or the
// stored EntryMeta, and the current time.
//
//   if (cache::IsStorable(request, response.head)) { ...store.Insert(key, meta)... }
//   switch (cache::DecideReuse(request.headers, reader->meta(), now)) {
//     case cache::Reuse::kFresh: /* serve, with Age: CurrentAge(...) */ break;
//     case cache::Reuse::kRevalidate: cache::AddConditionalHeaders(meta, &upstream.headers); ...
//     case cache::Reuse::kFetch: /* plain upstream request */ break;
//     case cache::Reuse::kGatewayTimeout: /* only-if-cached: answer 504 */ break;
//   }
#ifndef LIB_CACHE_POLICY_H_
#define LIB_CACHE_POLICY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/store.h"
#include "lib/http/headers.h"
#include "lib/http/message.h"
#include "lib/http/url.h"

namespace cache {

// kMaxDeltaSeconds is what an overlong delta-seconds value means (RFC 9111 §1.2.2).
inline constexpr int64_t kMaxDeltaSeconds = int64_t{1} << 31;

// CacheControl is the parsed union of every Cache-Control field of a message. Directive
// names are case-insensitive and arguments may be tokens or quoted strings.
struct CacheControl {
  bool no_store = false;
  bool no_cache = false;            // qualified or not (field names are in no_cache_fields)
  std::vector<std::string> no_cache_fields;
  bool is_private = false;          // qualified or not
  bool is_public = false;
  bool must_revalidate = false;
  bool proxy_revalidate = false;
  bool only_if_cached = false;
  // A directive whose argument is not delta-seconds, or repeated with different values,
  // is kept as zero for max-age and s-maxage (treat as stale) and dropped otherwise.
  std::optional<absl::Duration> max_age;
  std::optional<absl::Duration> s_maxage;
  std::optional<absl::Duration> min_fresh;
  std::optional<absl::Duration> max_stale;  // InfiniteDuration() when given no argument
  // RFC 5861 extensions (delta-seconds; an invalid value drops the directive).
  std::optional<absl::Duration> stale_while_revalidate;
  std::optional<absl::Duration> stale_if_error;
};

// ParseCacheControl parses the Cache-Control fields of `headers`.
CacheControl ParseCacheControl(const http::Headers& headers);

// IsHeuristicallyCacheable reports whether `status` is cacheable by default (RFC 9110
// §15.1): 200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414 and 501.
bool IsHeuristicallyCacheable(int status);

// IsStorable reports whether a shared cache may store `response` to `request` (RFC 9111
// §3): the request is a GET; the status is final and not 206 (partial content is never
// stored) or 304; neither message says no-store; the response is not private; a request
// with Authorization only with public, s-maxage or must-revalidate; Vary is not "*"; and
// the response has explicit freshness (public, Expires, max-age, s-maxage) or a
// heuristically cacheable status. The caller must commit only a complete body.
bool IsStorable(const http::RequestHead& request, const http::ResponseHead& response);

// ParseAge returns the Age of `headers` (RFC 9111 §5.1): the first member of the first Age
// field, if it is a plain non-negative integer (capped at kMaxDeltaSeconds); else nullopt.
std::optional<absl::Duration> ParseAge(const http::Headers& headers);

// FreshnessLifetime returns how long the stored response is fresh for a shared cache
// (RFC 9111 §4.2.1): s-maxage, else max-age, else Expires − Date (an invalid or repeated
// and different Expires means already stale), else 10% of Date − Last-Modified for
// heuristically cacheable statuses or public responses, else zero. A missing or invalid
// Date is taken as the response time.
absl::Duration FreshnessLifetime(const EntryMeta& stored);

// Summarize computes what the reuse rules need of `stored` (see ResponseSummary in store.h).
ResponseSummary Summarize(const EntryMeta& stored);

// CurrentAge returns the stored response's age at `now` (RFC 9111 §4.2.3): the larger of
// the apparent age and Age plus the response delay, plus the time since it was received.
absl::Duration CurrentAge(const ResponseSummary& stored, absl::Time now);
absl::Duration CurrentAge(const EntryMeta& stored, absl::Time now);

// HasValidator reports whether the stored response has an ETag or Last-Modified.
bool HasValidator(const EntryMeta& stored);

// Reuse is what to do with a stored response for a new request.
enum class Reuse {
  kFresh,           // serve it as is (fresh, or stale within the request's max-stale)
  kRevalidate,      // ask the origin with a conditional request (AddConditionalHeaders)
  kFetch,           // it has no validator: ask the origin with a plain request
  kGatewayTimeout,  // only-if-cached and not usable: answer 504
};

// DecideReuse applies RFC 9111 §4 to a stored response (already selected by key and Vary)
// for a request with `request` headers: request no-cache (or Pragma: no-cache without
// Cache-Control), max-age, min-fresh, max-stale, only-if-cached; response no-cache,
// must-revalidate, proxy-revalidate and s-maxage (no stale serving).
Reuse DecideReuse(const http::Headers& request, const ResponseSummary& stored, absl::Time now);
Reuse DecideReuse(const http::Headers& request, const EntryMeta& stored, absl::Time now);

// IsConditional reports whether `request` carries If-None-Match or If-Modified-Since, the
// preconditions a cache evaluates for GET and HEAD.
bool IsConditional(const http::Headers& request);

// NotModified evaluates a GET/HEAD request's preconditions against the stored response
// (RFC 9110 §13.2.2, RFC 9111 §4.3.2): If-None-Match, when present, alone decides (weak
// comparison; "*" matches); otherwise If-Modified-Since (a valid HTTP-date) matches when
// Last-Modified — or, lacking it, Date or the time the response was received — is not
// later. True means the answer is 304 Not Modified.
bool NotModified(const http::Headers& request, const EntryMeta& stored);

// MayServeStaleWhileRevalidating reports whether a stale stored response may be served at
// `now` while it is revalidated in the background (RFC 5861 §3): the response's
// stale-while-revalidate window covers its staleness, nothing forbids serving stale (response
// no-cache, must-revalidate, proxy-revalidate, s-maxage) and the request does not ask for a
// fresher answer (no-cache, max-age, min-fresh, Pragma: no-cache).
bool MayServeStaleWhileRevalidating(const http::Headers& request, const ResponseSummary& stored,
                                    absl::Time now);
bool MayServeStaleWhileRevalidating(const http::Headers& request, const EntryMeta& stored,
                                    absl::Time now);

// MayServeStaleOnError reports whether the stored response may answer the request when the
// origin failed (unreachable, or 500, 502, 503, 504) at `now` (RFC 5861 §4): stale-if-error
// in the response or the request covers its staleness and must-revalidate, proxy-revalidate
// and s-maxage do not forbid stale use.
bool MayServeStaleOnError(const http::Headers& request, const ResponseSummary& stored,
                          absl::Time now);
bool MayServeStaleOnError(const http::Headers& request, const EntryMeta& stored, absl::Time now);

// IsOriginError reports whether an origin's `status` counts as an error for stale-if-error.
bool IsOriginError(int status);

// VaryValues returns the secondary key for a response with `response` headers to a request
// with `request` headers: each field named by Vary (several fields and lists are merged,
// names lowercased) with the request's normalised value. nullopt for "Vary: *".
std::optional<std::vector<VaryValue>> VaryValues(const http::Headers& response,
                                                 const http::Headers& request);

// VaryMatches reports whether `stored` may answer a request with `request` headers: its
// Vary is not "*" and every listed field has the same normalised value as when stored.
bool VaryMatches(const EntryMeta& stored, const http::Headers& request);

// kPreconditionFields are the request fields that make a request conditional (RFC 9110
// §13.1).
inline constexpr absl::string_view kPreconditionFields[] = {
    "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range"};

// AddConditionalHeaders adds If-None-Match (from ETag) and If-Modified-Since (from
// Last-Modified) for revalidating `stored` (RFC 9111 §4.3.1), replacing any the client sent.
void AddConditionalHeaders(const EntryMeta& stored, http::Headers* request);

// IsServedField reports whether a stored field named `name` is served as is: not Age,
// Content-Length or X-Cache (see EntryReader::AppendFields).
bool IsServedField(absl::string_view name);

// AppendServedFields appends the served fields of `headers` to `out` in wire form (what
// EntryReader::AppendFields does for readers that keep an EntryMeta).
void AppendServedFields(const http::Headers& headers, std::string* out);

// StorableHeaders returns `headers` without hop-by-hop fields (Connection and the fields it
// names, Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, Proxy-*).
http::Headers StorableHeaders(const http::Headers& headers);

// Selects304 reports whether a 304 `not_modified`, the answer to revalidating `stored`, is
// about the stored response and may freshen it (RFC 9111 §4.3.4): its strong ETag is the
// stored one; or, without a strong ETag, its weak ETag matches the stored ETag weakly, or
// (with no ETag) its Last-Modified is the stored one. A 304 with neither field selects the
// stored response (the origin omitted them; most caches accept that, and the RFC's own
// test for it cannot be met by an entry that was revalidated through its validators).
bool Selects304(const EntryMeta& stored, const http::ResponseHead& not_modified);

// FreshenFrom304 returns `stored` updated by a 304 `not_modified` (RFC 9111 §3.2, §4.3.4):
// each storable field of the 304 except Content-Length replaces the stored fields of that
// name, and the request/response times become those of the revalidation.
EntryMeta FreshenFrom304(const EntryMeta& stored, const http::ResponseHead& not_modified,
                         absl::Time request_time, absl::Time response_time);

// InvalidationTargets returns the URLs whose stored responses must be invalidated after a
// response to `method` on `target` (RFC 9111 §4.4): none for safe methods (GET, HEAD,
// OPTIONS, TRACE) or error statuses; otherwise the target plus Location and
// Content-Location when they resolve to the same origin. Unknown methods count as unsafe.
std::vector<http::Url> InvalidationTargets(absl::string_view method, const http::Url& target,
                                           const http::ResponseHead& response);

}  // namespace cache

#endif  // LIB_CACHE_POLICY_H_
