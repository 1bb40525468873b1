#include "lib/cache/policy.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include "lib/http/date.h"

namespace cache {
namespace {

// SplitList splits comma-separated list members, keeping commas inside quoted strings.
std::vector<absl::string_view> SplitList(absl::string_view value) {
  std::vector<absl::string_view> out;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] == '"') quoted = !quoted;
    if (i < value.size() && value[i] == '\\' && quoted) {
      ++i;
      continue;
    }
    if (i == value.size() || (value[i] == ',' && !quoted)) {
      absl::string_view member = absl::StripAsciiWhitespace(value.substr(start, i - start));
      if (!member.empty()) out.push_back(member);
      start = i + 1;
    }
  }
  return out;
}

std::vector<absl::string_view> ListMembers(const http::Headers& headers, absl::string_view name) {
  std::vector<absl::string_view> out;
  for (absl::string_view field : headers.GetAll(name)) {
    for (absl::string_view member : SplitList(field)) out.push_back(member);
  }
  return out;
}

std::string Unquote(absl::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

// ParseDeltaSeconds accepts only digits; overlong values become kMaxDeltaSeconds.
std::optional<absl::Duration> ParseDeltaSeconds(absl::string_view v) {
  if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int64_t n;
  if (!absl::SimpleAtoi(v, &n) || n > kMaxDeltaSeconds) n = kMaxDeltaSeconds;
  return absl::Seconds(n);
}

// SetDelta records a delta-seconds directive; a bad or conflicting value becomes `invalid`.
void SetDelta(std::optional<absl::Duration>* slot, bool has_arg, const std::string& arg,
              std::optional<absl::Duration> invalid) {
  std::optional<absl::Duration> v = has_arg ? ParseDeltaSeconds(arg) : std::nullopt;
  if (!v.has_value() || (slot->has_value() && **slot != *v)) {
    *slot = invalid;
    return;
  }
  *slot = v;
}

std::vector<std::string> FieldNames(const std::string& arg) {
  std::vector<std::string> out;
  for (absl::string_view f : absl::StrSplit(arg, ',', absl::SkipWhitespace())) {
    out.push_back(absl::AsciiStrToLower(absl::StripAsciiWhitespace(f)));
  }
  return out;
}

absl::Time DateValue(const EntryMeta& stored) {
  std::optional<absl::string_view> date = stored.headers.Get("date");
  std::optional<absl::Time> t = date ? http::ParseHttpDate(*date) : std::nullopt;
  return t.value_or(stored.response_time);
}

// ExpiresValue returns the Expires time; an invalid one, or several that differ, is
// InfinitePast (already stale). nullopt when there is no Expires.
std::optional<absl::Time> ExpiresValue(const http::Headers& headers) {
  std::vector<absl::string_view> all = headers.GetAll("expires");
  if (all.empty()) return std::nullopt;
  std::optional<absl::Time> first = http::ParseHttpDate(all[0]);
  for (absl::string_view other : all) {
    if (!first.has_value() || http::ParseHttpDate(other) != first) return absl::InfinitePast();
  }
  return first;
}

// StaleForbidden reports whether response directives forbid serving it stale (RFC 9111
// §4.2.4; s-maxage implies proxy-revalidate, §5.2.2.10).
bool StaleForbidden(const CacheControl& resp) {
  return resp.must_revalidate || resp.proxy_revalidate || resp.s_maxage.has_value();
}

// WeakTag returns an entity-tag without its weakness prefix, for weak comparison
// (RFC 9110 §8.8.3.2).
absl::string_view WeakTag(absl::string_view tag) {
  tag = absl::StripAsciiWhitespace(tag);
  if (absl::StartsWith(tag, "W/")) tag.remove_prefix(2);
  return tag;
}

// PragmaNoCache: "Pragma: no-cache" counts only without Cache-Control (RFC 9111 §5.4).
bool PragmaNoCache(const http::Headers& request) {
  return !request.Has("cache-control") && request.HasToken("pragma", "no-cache");
}

bool IsSafeMethod(absl::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

bool SameOrigin(const http::Url& a, const http::Url& b) {
  return a.scheme() == b.scheme() && a.host() == b.host() && a.port() == b.port();
}

}  // namespace

CacheControl ParseCacheControl(const http::Headers& headers) {
  CacheControl cc;
  if (!headers.Has("cache-control")) return cc;
  for (absl::string_view member : ListMembers(headers, "cache-control")) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(member, absl::MaxSplits('=', 1));
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(kv.first));
    bool has_arg = member.find('=') != absl::string_view::npos;
    std::string arg = Unquote(absl::StripAsciiWhitespace(kv.second));
    if (name == "no-store") {
      cc.no_store = true;
    } else if (name == "no-cache") {
      cc.no_cache = true;
      if (has_arg) {
        for (std::string& f : FieldNames(arg)) cc.no_cache_fields.push_back(std::move(f));
      }
    } else if (name == "private") {
      cc.is_private = true;
    } else if (name == "public") {
      cc.is_public = true;
    } else if (name == "must-revalidate") {
      cc.must_revalidate = true;
    } else if (name == "proxy-revalidate") {
      cc.proxy_revalidate = true;
    } else if (name == "only-if-cached") {
      cc.only_if_cached = true;
    } else if (name == "max-age") {
      SetDelta(&cc.max_age, has_arg, arg, absl::ZeroDuration());
    } else if (name == "s-maxage") {
      SetDelta(&cc.s_maxage, has_arg, arg, absl::ZeroDuration());
    } else if (name == "min-fresh") {
      SetDelta(&cc.min_fresh, has_arg, arg, std::nullopt);
    } else if (name == "stale-while-revalidate") {
      SetDelta(&cc.stale_while_revalidate, has_arg, arg, std::nullopt);
    } else if (name == "stale-if-error") {
      SetDelta(&cc.stale_if_error, has_arg, arg, std::nullopt);
    } else if (name == "max-stale") {
      if (has_arg) {
        SetDelta(&cc.max_stale, has_arg, arg, std::nullopt);
      } else {
        cc.max_stale = absl::InfiniteDuration();
      }
    }
  }
  return cc;
}

bool IsHeuristicallyCacheable(int status) {
  switch (status) {
    case 200: case 203: case 204: case 206: case 300: case 301: case 308:
    case 404: case 405: case 410: case 414: case 501:
      return true;
    default:
      return false;
  }
}

bool IsStorable(const http::RequestHead& request, const http::ResponseHead& response) {
  if (request.method != "GET") return false;
  if (response.status < 200 || response.status == 206 || response.status == 304) return false;
  CacheControl req = ParseCacheControl(request.headers);
  CacheControl resp = ParseCacheControl(response.headers);
  if (req.no_store || resp.no_store || resp.is_private) return false;
  if (request.headers.Has("authorization") &&
      !(resp.is_public || resp.s_maxage.has_value() || resp.must_revalidate)) {
    return false;
  }
  if (!VaryValues(response.headers, request.headers).has_value()) return false;
  return resp.is_public || resp.max_age.has_value() || resp.s_maxage.has_value() ||
         response.headers.Has("expires") || IsHeuristicallyCacheable(response.status);
}

std::optional<absl::Duration> ParseAge(const http::Headers& headers) {
  std::optional<absl::string_view> first = headers.Get("age");
  if (!first.has_value()) return std::nullopt;
  std::vector<absl::string_view> members = SplitList(*first);
  if (members.empty()) return std::nullopt;
  return ParseDeltaSeconds(members[0]);
}

absl::Duration FreshnessLifetime(const EntryMeta& stored) {
  CacheControl cc = ParseCacheControl(stored.headers);
  if (cc.s_maxage.has_value()) return *cc.s_maxage;
  if (cc.max_age.has_value()) return *cc.max_age;
  absl::Time date = DateValue(stored);
  if (std::optional<absl::Time> expires = ExpiresValue(stored.headers)) {
    return std::max(absl::ZeroDuration(), *expires - date);
  }
  std::optional<absl::string_view> lm = stored.headers.Get("last-modified");
  std::optional<absl::Time> last_modified = lm ? http::ParseHttpDate(*lm) : std::nullopt;
  if (last_modified.has_value() && (IsHeuristicallyCacheable(stored.status) || cc.is_public)) {
    return std::max(absl::ZeroDuration(), (date - *last_modified) / 10);
  }
  return absl::ZeroDuration();
}

ResponseSummary Summarize(const EntryMeta& stored) {
  CacheControl cc = ParseCacheControl(stored.headers);
  absl::Duration apparent_age =
      std::max(absl::ZeroDuration(), stored.response_time - DateValue(stored));
  absl::Duration response_delay =
      std::max(absl::ZeroDuration(), stored.response_time - stored.request_time);
  absl::Duration corrected_age =
      ParseAge(stored.headers).value_or(absl::ZeroDuration()) + response_delay;
  return ResponseSummary{
      .status = stored.status,
      .response_time = stored.response_time,
      .lifetime = FreshnessLifetime(stored),
      .initial_age = std::max(apparent_age, corrected_age),
      .stale_while_revalidate = cc.stale_while_revalidate,
      .stale_if_error = cc.stale_if_error,
      .no_cache = cc.no_cache,
      .stale_forbidden = StaleForbidden(cc),
      .has_validator = HasValidator(stored),
      .has_vary = stored.headers.Has("vary"),
  };
}

absl::Duration CurrentAge(const ResponseSummary& stored, absl::Time now) {
  absl::Duration resident_time = std::max(absl::ZeroDuration(), now - stored.response_time);
  return stored.initial_age + resident_time;
}

absl::Duration CurrentAge(const EntryMeta& stored, absl::Time now) {
  return CurrentAge(Summarize(stored), now);
}

bool HasValidator(const EntryMeta& stored) {
  return stored.headers.Has("etag") || stored.headers.Has("last-modified");
}

Reuse DecideReuse(const http::Headers& request, const ResponseSummary& stored, absl::Time now) {
  CacheControl req = ParseCacheControl(request);
  bool must_validate = req.no_cache || stored.no_cache || PragmaNoCache(request);
  absl::Duration age = CurrentAge(stored, now);
  if (req.max_age.has_value() && age > *req.max_age) must_validate = true;
  absl::Duration min_fresh = req.min_fresh.value_or(absl::ZeroDuration());
  if (!must_validate) {
    if (stored.lifetime > age + min_fresh) return Reuse::kFresh;
    bool stale_allowed = !stored.stale_forbidden && req.max_stale.has_value();
    if (stale_allowed && age - stored.lifetime <= *req.max_stale) return Reuse::kFresh;
  }
  if (req.only_if_cached) return Reuse::kGatewayTimeout;
  return stored.has_validator ? Reuse::kRevalidate : Reuse::kFetch;
}

Reuse DecideReuse(const http::Headers& request, const EntryMeta& stored, absl::Time now) {
  return DecideReuse(request, Summarize(stored), now);
}

bool IsConditional(const http::Headers& request) {
  return request.Has("if-none-match") || request.Has("if-modified-since");
}

bool NotModified(const http::Headers& request, const EntryMeta& stored) {
  if (request.Has("if-none-match")) {
    std::optional<absl::string_view> etag = stored.headers.Get("etag");
    for (absl::string_view member : ListMembers(request, "if-none-match")) {
      if (member == "*") return true;
      if (etag.has_value() && WeakTag(member) == WeakTag(*etag)) return true;
    }
    return false;
  }
  std::optional<absl::string_view> ims = request.Get("if-modified-since");
  std::optional<absl::Time> since = ims ? http::ParseHttpDate(*ims) : std::nullopt;
  if (!since.has_value()) return false;
  std::optional<absl::string_view> lm = stored.headers.Get("last-modified");
  std::optional<absl::Time> modified = lm ? http::ParseHttpDate(*lm) : std::nullopt;
  return modified.value_or(DateValue(stored)) <= *since;
}

bool MayServeStaleWhileRevalidating(const http::Headers& request, const ResponseSummary& stored,
                                    absl::Time now) {
  if (!stored.stale_while_revalidate.has_value() || stored.stale_forbidden || stored.no_cache) {
    return false;
  }
  CacheControl req = ParseCacheControl(request);
  if (req.no_cache || req.max_age.has_value() || req.min_fresh.has_value() ||
      PragmaNoCache(request)) {
    return false;
  }
  absl::Duration staleness = CurrentAge(stored, now) - stored.lifetime;
  return staleness <= *stored.stale_while_revalidate;
}

bool MayServeStaleWhileRevalidating(const http::Headers& request, const EntryMeta& stored,
                                    absl::Time now) {
  return MayServeStaleWhileRevalidating(request, Summarize(stored), now);
}

bool MayServeStaleOnError(const http::Headers& request, const ResponseSummary& stored,
                          absl::Time now) {
  if (stored.stale_forbidden) return false;
  std::optional<absl::Duration> window = stored.stale_if_error;
  CacheControl req = ParseCacheControl(request);
  if (req.stale_if_error.has_value()) window = req.stale_if_error;
  if (!window.has_value()) return false;
  absl::Duration staleness = CurrentAge(stored, now) - stored.lifetime;
  return staleness <= *window;
}

bool MayServeStaleOnError(const http::Headers& request, const EntryMeta& stored, absl::Time now) {
  return MayServeStaleOnError(request, Summarize(stored), now);
}

bool IsOriginError(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

std::optional<std::vector<VaryValue>> VaryValues(const http::Headers& response,
                                                 const http::Headers& request) {
  std::vector<VaryValue> out;
  for (absl::string_view member : ListMembers(response, "vary")) {
    if (member == "*") return std::nullopt;
    std::string name = absl::AsciiStrToLower(member);
    if (std::any_of(out.begin(), out.end(), [&](const VaryValue& v) { return v.first == name; })) {
      continue;
    }
    out.emplace_back(name, NormaliseVaryValue(request, name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool VaryMatches(const EntryMeta& stored, const http::Headers& request) {
  std::optional<std::vector<VaryValue>> now = VaryValues(stored.headers, request);
  if (!now.has_value()) return false;
  std::vector<VaryValue> then = stored.vary_values;
  std::sort(then.begin(), then.end());
  return *now == then;
}

void AddConditionalHeaders(const EntryMeta& stored, http::Headers* request) {
  for (absl::string_view name : kPreconditionFields) request->Remove(name);
  if (std::optional<absl::string_view> etag = stored.headers.Get("etag")) {
    request->Set("If-None-Match", std::string(*etag)).IgnoreError();
  }
  if (std::optional<absl::string_view> lm = stored.headers.Get("last-modified")) {
    request->Set("If-Modified-Since", std::string(*lm)).IgnoreError();
  }
}

bool IsServedField(absl::string_view name) {
  return !absl::EqualsIgnoreCase(name, "age") && !absl::EqualsIgnoreCase(name, "content-length") &&
         !absl::EqualsIgnoreCase(name, "x-cache");
}

void AppendServedFields(const http::Headers& headers, std::string* out) {
  for (const http::Headers::Field& f : headers) {
    if (IsServedField(f.name)) absl::StrAppend(out, f.name, ": ", f.value, "\r\n");
  }
}

http::Headers StorableHeaders(const http::Headers& headers) {
  absl::flat_hash_set<std::string> drop = {"connection",          "keep-alive",
                                           "proxy-connection",    "te",
                                           "transfer-encoding",   "upgrade",
                                           "proxy-authenticate",  "proxy-authorization",
                                           "proxy-authentication-info"};
  for (absl::string_view member : ListMembers(headers, "connection")) {
    drop.insert(absl::AsciiStrToLower(member));
  }
  http::Headers out;
  for (const http::Headers::Field& f : headers) {
    if (!drop.contains(absl::AsciiStrToLower(f.name))) out.Add(f.name, f.value).IgnoreError();
  }
  return out;
}

bool Selects304(const EntryMeta& stored, const http::ResponseHead& not_modified) {
  std::optional<absl::string_view> stored_tag = stored.headers.Get("etag");
  if (std::optional<absl::string_view> tag = not_modified.headers.Get("etag")) {
    const absl::string_view got = absl::StripAsciiWhitespace(*tag);
    if (!stored_tag.has_value()) return false;
    const absl::string_view have = absl::StripAsciiWhitespace(*stored_tag);
    if (!absl::StartsWith(got, "W/")) return !absl::StartsWith(have, "W/") && got == have;
    return WeakTag(got) == WeakTag(have);
  }
  if (std::optional<absl::string_view> lm = not_modified.headers.Get("last-modified")) {
    std::optional<absl::string_view> stored_lm = stored.headers.Get("last-modified");
    if (!stored_lm.has_value()) return false;
    std::optional<absl::Time> got = http::ParseHttpDate(*lm);
    std::optional<absl::Time> have = http::ParseHttpDate(*stored_lm);
    return got.has_value() && have.has_value() && *got == *have;
  }
  return true;
}

EntryMeta FreshenFrom304(const EntryMeta& stored, const http::ResponseHead& not_modified,
                         absl::Time request_time, absl::Time response_time) {
  EntryMeta out = stored;
  http::Headers update = StorableHeaders(not_modified.headers);
  update.Remove("content-length");
  for (const http::Headers::Field& f : update) out.headers.Remove(f.name);
  for (const http::Headers::Field& f : update) out.headers.Add(f.name, f.value).IgnoreError();
  out.request_time = request_time;
  out.response_time = response_time;
  return out;
}

std::vector<http::Url> InvalidationTargets(absl::string_view method, const http::Url& target,
                                           const http::ResponseHead& response) {
  std::vector<http::Url> out;
  if (IsSafeMethod(method) || response.status < 200 || response.status >= 400) return out;
  out.push_back(target);
  for (absl::string_view name : {"location", "content-location"}) {
    std::optional<absl::string_view> value = response.headers.Get(name);
    if (!value.has_value()) continue;
    absl::StatusOr<http::Url> url = target.Resolve(*value);
    if (url.ok() && SameOrigin(*url, target)) out.push_back(*std::move(url));
  }
  return out;
}

}  // namespace cache
