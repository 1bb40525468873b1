#include "lib/cache/policy.h"

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/store.h"
#include "lib/http/headers.h"
#include "lib/http/message.h"
#include "lib/http/url.h"
#include "testing/matchers.h"

namespace cache {
namespace {

using Fields = std::initializer_list<std::pair<const char*, const char*>>;

const absl::Time kT0 = absl::FromUnixSeconds(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
constexpr const char* kT0Text = "Sun, 06 Nov 1994 08:49:37 GMT";

http::Headers H(Fields fields) {
  http::Headers h;
  for (const auto& [name, value] : fields) EXPECT_THAT(h.Add(name, value), testing_util::IsOk());
  return h;
}

http::RequestHead Get(Fields fields = {}) {
  return http::RequestHead{.method = "GET", .target = "/", .headers = H(fields)};
}

http::ResponseHead Resp(int status, Fields fields = {}) {
  return http::ResponseHead{.status = status, .headers = H(fields)};
}

// Stored returns a response received at kT0 (sent 1s before) with `fields`.
EntryMeta Stored(Fields fields, int status = 200) {
  return EntryMeta{.status = status, .headers = H(fields), .request_time = kT0 - absl::Seconds(1),
                   .response_time = kT0};
}

// --- Cache-Control parsing ---

TEST(CacheControlTest, CaseInsensitiveNamesAndArguments) {
  CacheControl cc = ParseCacheControl(H({{"Cache-Control", "No-Cache=\"Set-Cookie, X-A\", Max-Age=60"},
                                         {"cache-control", "MUST-REVALIDATE, Private=\"x\""}}));
  EXPECT_TRUE(cc.no_cache);
  EXPECT_THAT(cc.no_cache_fields, testing::ElementsAre("set-cookie", "x-a"));
  EXPECT_EQ(cc.max_age, absl::Seconds(60));
  EXPECT_TRUE(cc.must_revalidate);
  EXPECT_TRUE(cc.is_private);
  EXPECT_TRUE(ParseCacheControl(H({{"Cache-Control", "NO-STORE"}})).no_store);
  EXPECT_EQ(ParseCacheControl(H({{"Cache-Control", "s-maxage=\"10\""}})).s_maxage, absl::Seconds(10));
}

TEST(CacheControlTest, InvalidOrConflictingMaxAgeIsZero) {
  EXPECT_EQ(ParseCacheControl(H({{"Cache-Control", "max-age=abc"}})).max_age, absl::ZeroDuration());
  EXPECT_EQ(ParseCacheControl(H({{"Cache-Control", "max-age=-5"}})).max_age, absl::ZeroDuration());
  EXPECT_EQ(ParseCacheControl(H({{"Cache-Control", "max-age=5, max-age=10"}})).max_age,
            absl::ZeroDuration());
  EXPECT_EQ(ParseCacheControl(H({{"Cache-Control", "max-age=99999999999999"}})).max_age,
            absl::Seconds(kMaxDeltaSeconds));
}

TEST(CacheControlTest, MaxStaleWithAndWithoutArgument) {
  EXPECT_EQ(ParseCacheControl(H({{"Cache-Control", "max-stale"}})).max_stale, absl::InfiniteDuration());
  EXPECT_EQ(ParseCacheControl(H({{"Cache-Control", "max-stale=30"}})).max_stale, absl::Seconds(30));
}

// --- Storability ---

TEST(IsStorableTest, DefaultCacheableStatuses) {
  for (int status : {200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501}) {
    EXPECT_TRUE(IsStorable(Get(), Resp(status))) << status;
    EXPECT_TRUE(IsHeuristicallyCacheable(status)) << status;
  }
  for (int status : {201, 302, 303, 307, 400, 403, 500, 502, 503}) {
    EXPECT_FALSE(IsStorable(Get(), Resp(status))) << status;
    EXPECT_FALSE(IsHeuristicallyCacheable(status)) << status;
    EXPECT_TRUE(IsStorable(Get(), Resp(status, {{"Cache-Control", "max-age=60"}}))) << status;
  }
}

TEST(IsStorableTest, PartialNotModifiedAndInterimNeverStored) {
  EXPECT_TRUE(IsHeuristicallyCacheable(206));
  EXPECT_FALSE(IsStorable(Get(), Resp(206, {{"Cache-Control", "max-age=60"}})));
  EXPECT_FALSE(IsStorable(Get(), Resp(304, {{"Cache-Control", "max-age=60"}})));
  EXPECT_FALSE(IsStorable(Get(), Resp(100)));
}

TEST(IsStorableTest, OnlyGet) {
  for (const char* method : {"HEAD", "POST", "PUT", "DELETE", "BREW"}) {
    http::RequestHead req = Get();
    req.method = method;
    EXPECT_FALSE(IsStorable(req, Resp(200, {{"Cache-Control", "public, max-age=60"}}))) << method;
  }
}

TEST(IsStorableTest, NoStoreAndPrivateInAnyCaseAndWithArguments) {
  for (const char* cc : {"no-store", "NO-STORE", "No-Store", "private", "PRIVATE",
                         "private=\"set-cookie\"", "Private=\"X-Foo\", max-age=60"}) {
    EXPECT_FALSE(IsStorable(Get(), Resp(200, {{"Cache-Control", cc}}))) << cc;
  }
  EXPECT_FALSE(IsStorable(Get({{"Cache-Control", "No-Store"}}), Resp(200)));
  // no-cache (any form) still allows storing; reuse then needs validation.
  EXPECT_TRUE(IsStorable(Get(), Resp(200, {{"Cache-Control", "no-cache=\"set-cookie\""}})));
}

TEST(IsStorableTest, AuthorizationNeedsPublicSMaxageOrMustRevalidate) {
  http::RequestHead auth = Get({{"Authorization", "Basic YTpi"}});
  EXPECT_FALSE(IsStorable(auth, Resp(200)));
  EXPECT_FALSE(IsStorable(auth, Resp(200, {{"Cache-Control", "max-age=60"}})));
  EXPECT_TRUE(IsStorable(auth, Resp(200, {{"Cache-Control", "Public"}})));
  EXPECT_TRUE(IsStorable(auth, Resp(200, {{"Cache-Control", "s-maxage=60"}})));
  EXPECT_TRUE(IsStorable(auth, Resp(200, {{"Cache-Control", "Must-Revalidate"}})));
}

TEST(IsStorableTest, VaryStarNotStored) {
  EXPECT_FALSE(IsStorable(Get(), Resp(200, {{"Vary", "*"}})));
  EXPECT_FALSE(IsStorable(Get(), Resp(200, {{"Vary", "Accept"}, {"Vary", "*"}})));
  EXPECT_TRUE(IsStorable(Get(), Resp(200, {{"Vary", "Accept"}})));
}

// --- Age ---

TEST(ParseAgeTest, PlainNonNegativeIntegerOnly) {
  EXPECT_EQ(ParseAge(H({{"Age", "60"}})), absl::Seconds(60));
  EXPECT_EQ(ParseAge(H({{"Age", "0"}})), absl::ZeroDuration());
  for (const char* bad : {"-1", "1.5", "+5", "abc", "0x10", "", "5s", "\"5\""}) {
    EXPECT_EQ(ParseAge(H({{"Age", bad}})), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseAge(H({{"Age", "999999999999999999999"}})), absl::Seconds(kMaxDeltaSeconds));
  EXPECT_EQ(ParseAge(H({})), std::nullopt);
}

TEST(ParseAgeTest, SeveralAgeFieldsUseTheFirstMember) {
  EXPECT_EQ(ParseAge(H({{"Age", "10, 20"}})), absl::Seconds(10));
  EXPECT_EQ(ParseAge(H({{"Age", "10"}, {"Age", "20"}})), absl::Seconds(10));
  EXPECT_EQ(ParseAge(H({{"Age", "x"}, {"Age", "20"}})), std::nullopt);
}

TEST(CurrentAgeTest, AgeDelayApparentAgeAndResidentTime) {
  // Date 100s before receipt; Age 30; 1s response delay; 50s resident.
  EntryMeta m = Stored({{"Date", kT0Text}, {"Age", "30"}});
  m.response_time = kT0 + absl::Seconds(100);
  m.request_time = m.response_time - absl::Seconds(1);
  EXPECT_EQ(CurrentAge(m, m.response_time + absl::Seconds(50)), absl::Seconds(150));
  // Larger Age wins over apparent age (plus the response delay).
  EntryMeta n = Stored({{"Date", kT0Text}, {"Age", "500"}});
  EXPECT_EQ(CurrentAge(n, kT0 + absl::Seconds(10)), absl::Seconds(511));
}

TEST(CurrentAgeTest, InvalidAgeIgnored) {
  EntryMeta m = Stored({{"Date", kT0Text}, {"Age", "-100"}});
  EXPECT_EQ(CurrentAge(m, kT0 + absl::Seconds(10)), absl::Seconds(11));
  EntryMeta n = Stored({{"Date", kT0Text}, {"Age", "100, 5000"}});
  EXPECT_EQ(CurrentAge(n, kT0), absl::Seconds(101));
}

// --- Freshness lifetime ---

TEST(FreshnessLifetimeTest, Precedence) {
  EXPECT_EQ(FreshnessLifetime(Stored({{"Cache-Control", "max-age=60, s-maxage=5"},
                                      {"Expires", "Sun, 06 Nov 1994 09:49:37 GMT"}})),
            absl::Seconds(5));
  EXPECT_EQ(FreshnessLifetime(Stored({{"Cache-Control", "Max-Age=60"},
                                      {"Expires", "Sun, 06 Nov 1994 09:49:37 GMT"}})),
            absl::Seconds(60));
  EXPECT_EQ(FreshnessLifetime(Stored({{"Date", kT0Text},
                                      {"Expires", "Sun, 06 Nov 1994 09:49:37 GMT"}})),
            absl::Hours(1));
}

TEST(FreshnessLifetimeTest, InvalidOrOtherZoneExpiresIsAlreadyStale) {
  for (const char* bad : {"0", "-1", "never", "Sun, 06 Nov 1994 09:49:37 +0000",
                          "Sun, 06 Nov 1994 09:49:37 CET", "1994-11-06 09:49:37"}) {
    EntryMeta m = Stored({{"Date", kT0Text}, {"Expires", bad}, {"Last-Modified", "Sat, 01 Jan 1994 00:00:00 GMT"}});
    EXPECT_EQ(FreshnessLifetime(m), absl::ZeroDuration()) << bad;
    EXPECT_EQ(DecideReuse(H({}), m, kT0), Reuse::kRevalidate) << bad;
  }
  // Two Expires fields that disagree: stale as well.
  EXPECT_EQ(FreshnessLifetime(Stored({{"Date", kT0Text},
                                      {"Expires", "Sun, 06 Nov 1994 09:49:37 GMT"},
                                      {"Expires", "Sun, 06 Nov 1994 10:49:37 GMT"}})),
            absl::ZeroDuration());
  // The RFC 850 and asctime forms are valid.
  EXPECT_EQ(FreshnessLifetime(Stored({{"Date", kT0Text},
                                      {"Expires", "Sunday, 06-Nov-94 09:49:37 GMT"}})),
            absl::Hours(1));
  EXPECT_EQ(FreshnessLifetime(Stored({{"Date", kT0Text}, {"Expires", "Sun Nov  6 09:49:37 1994"}})),
            absl::Hours(1));
}

TEST(FreshnessLifetimeTest, HeuristicTenPercentOnlyForCacheableStatusOrPublic) {
  Fields lm = {{"Date", kT0Text}, {"Last-Modified", "Thu, 27 Oct 1994 08:49:37 GMT"}};  // 10 days
  for (int status : {200, 204, 404, 405, 414, 501}) {
    EXPECT_EQ(FreshnessLifetime(Stored(lm, status)), absl::Hours(24)) << status;
  }
  EXPECT_EQ(FreshnessLifetime(Stored(lm, 302)), absl::ZeroDuration());
  EXPECT_EQ(FreshnessLifetime(Stored({{"Date", kT0Text},
                                      {"Last-Modified", "Thu, 27 Oct 1994 08:49:37 GMT"},
                                      {"Cache-Control", "public"}},
                                     302)),
            absl::Hours(24));
}

// --- Reuse ---

TEST(DecideReuseTest, FreshThenStale) {
  EntryMeta m = Stored({{"Date", kT0Text}, {"Cache-Control", "max-age=60"}, {"ETag", "\"a\""}});
  EXPECT_EQ(DecideReuse(H({}), m, kT0 + absl::Seconds(30)), Reuse::kFresh);
  EXPECT_EQ(DecideReuse(H({}), m, kT0 + absl::Seconds(61)), Reuse::kRevalidate);
}

TEST(DecideReuseTest, NeitherFreshnessNorValidatorAlwaysGoesToOrigin) {
  EntryMeta m = Stored({{"Date", kT0Text}, {"Content-Type", "text/plain"}});
  EXPECT_EQ(DecideReuse(H({}), m, kT0), Reuse::kFetch);
  EXPECT_EQ(DecideReuse(H({{"Cache-Control", "max-stale"}}), m, kT0), Reuse::kFresh);
}

TEST(DecideReuseTest, ResponseNoCacheInAnyCaseAndWithArgumentsRevalidates) {
  for (const char* cc : {"no-cache", "NO-CACHE", "No-Cache=\"Set-Cookie\"", "max-age=600, no-cache=x"}) {
    EntryMeta m = Stored({{"Cache-Control", cc}, {"ETag", "\"a\""}, {"Date", kT0Text}});
    EXPECT_EQ(DecideReuse(H({}), m, kT0), Reuse::kRevalidate) << cc;
  }
}

TEST(DecideReuseTest, RequestDirectives) {
  EntryMeta m = Stored({{"Date", kT0Text}, {"Cache-Control", "max-age=100"}, {"ETag", "\"a\""}});
  absl::Time at50 = kT0 + absl::Seconds(50);
  EXPECT_EQ(DecideReuse(H({{"Cache-Control", "no-cache"}}), m, at50), Reuse::kRevalidate);
  EXPECT_EQ(DecideReuse(H({{"Pragma", "no-cache"}}), m, at50), Reuse::kRevalidate);
  EXPECT_EQ(DecideReuse(H({{"Pragma", "no-cache"}, {"Cache-Control", "max-stale"}}), m, at50),
            Reuse::kFresh);
  EXPECT_EQ(DecideReuse(H({{"Cache-Control", "max-age=10"}}), m, at50), Reuse::kRevalidate);
  EXPECT_EQ(DecideReuse(H({{"Cache-Control", "max-age=60"}}), m, at50), Reuse::kFresh);
  EXPECT_EQ(DecideReuse(H({{"Cache-Control", "min-fresh=60"}}), m, at50), Reuse::kRevalidate);
  EXPECT_EQ(DecideReuse(H({{"Cache-Control", "min-fresh=40"}}), m, at50), Reuse::kFresh);
  absl::Time at130 = kT0 + absl::Seconds(130);
  EXPECT_EQ(DecideReuse(H({{"Cache-Control", "max-stale=20"}}), m, at130), Reuse::kRevalidate);
  EXPECT_EQ(DecideReuse(H({{"Cache-Control", "max-stale=40"}}), m, at130), Reuse::kFresh);
  EXPECT_EQ(DecideReuse(H({{"Cache-Control", "only-if-cached"}}), m, at130), Reuse::kGatewayTimeout);
  EXPECT_EQ(DecideReuse(H({{"Cache-Control", "only-if-cached"}}), m, at50), Reuse::kFresh);
}

TEST(DecideReuseTest, MustRevalidateProxyRevalidateAndSMaxageForbidStale) {
  for (const char* cc : {"max-age=10, must-revalidate", "max-age=10, Proxy-Revalidate", "s-maxage=10"}) {
    EntryMeta m = Stored({{"Date", kT0Text}, {"Cache-Control", cc}, {"ETag", "\"a\""}});
    EXPECT_EQ(DecideReuse(H({{"Cache-Control", "max-stale"}}), m, kT0 + absl::Seconds(20)),
              Reuse::kRevalidate) << cc;
    EXPECT_EQ(DecideReuse(H({}), m, kT0 + absl::Seconds(5)), Reuse::kFresh) << cc;
  }
}

// --- Preconditions evaluated by the cache ---

TEST(NotModifiedTest, IfNoneMatchWeakComparisonAndStar) {
  EntryMeta m = Stored({{"ETag", "W/\"v1\""}, {"Last-Modified", kT0Text}});
  EXPECT_TRUE(IsConditional(H({{"If-None-Match", "\"v1\""}})));
  EXPECT_FALSE(IsConditional(H({{"If-Match", "\"v1\""}})));
  EXPECT_TRUE(NotModified(H({{"If-None-Match", "\"v1\""}}), m));
  EXPECT_TRUE(NotModified(H({{"If-None-Match", "\"x\", W/\"v1\""}}), m));
  EXPECT_TRUE(NotModified(H({{"If-None-Match", "*"}}), m));
  EXPECT_FALSE(NotModified(H({{"If-None-Match", "\"v2\""}}), m));
  // If-None-Match alone decides, even when If-Modified-Since would match.
  EXPECT_FALSE(NotModified(H({{"If-None-Match", "\"v2\""}, {"If-Modified-Since", kT0Text}}), m));
  // No ETag stored: only "*" matches.
  EXPECT_FALSE(NotModified(H({{"If-None-Match", "\"v1\""}}), Stored({})));
}

TEST(NotModifiedTest, IfModifiedSinceAgainstLastModifiedThenDate) {
  EntryMeta m = Stored({{"Last-Modified", kT0Text}, {"Date", "Sun, 06 Nov 1994 09:00:00 GMT"}});
  EXPECT_TRUE(NotModified(H({{"If-Modified-Since", kT0Text}}), m));
  EXPECT_TRUE(NotModified(H({{"If-Modified-Since", "Sun, 06 Nov 1994 08:50:00 GMT"}}), m));
  EXPECT_FALSE(NotModified(H({{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}}), m));
  EXPECT_FALSE(NotModified(H({{"If-Modified-Since", "yesterday"}}), m));
  EntryMeta dated = Stored({{"Date", kT0Text}});
  EXPECT_TRUE(NotModified(H({{"If-Modified-Since", kT0Text}}), dated));
  EXPECT_FALSE(NotModified(H({{"If-Modified-Since", "Sun, 06 Nov 1994 08:00:00 GMT"}}), dated));
}

// --- Stale content (RFC 5861) ---

TEST(StaleTest, WhileRevalidateWindow) {
  EntryMeta m = Stored({{"Date", kT0Text}, {"Cache-Control", "max-age=10, stale-while-revalidate=30"}});
  EXPECT_TRUE(MayServeStaleWhileRevalidating(H({}), m, kT0 + absl::Seconds(35)));
  EXPECT_FALSE(MayServeStaleWhileRevalidating(H({}), m, kT0 + absl::Seconds(45)));
  EXPECT_FALSE(MayServeStaleWhileRevalidating(H({{"Cache-Control", "no-cache"}}), m,
                                              kT0 + absl::Seconds(20)));
  EXPECT_FALSE(MayServeStaleWhileRevalidating(H({{"Cache-Control", "max-age=5"}}), m,
                                              kT0 + absl::Seconds(20)));
  EXPECT_FALSE(MayServeStaleWhileRevalidating(H({{"Pragma", "no-cache"}}), m, kT0 + absl::Seconds(20)));
  for (const char* cc : {"max-age=10, stale-while-revalidate=30, must-revalidate",
                         "s-maxage=10, stale-while-revalidate=30", "max-age=10",
                         "max-age=10, stale-while-revalidate=x", "no-cache, stale-while-revalidate=30"}) {
    EXPECT_FALSE(MayServeStaleWhileRevalidating(
        H({}), Stored({{"Date", kT0Text}, {"Cache-Control", cc}}), kT0 + absl::Seconds(20)))
        << cc;
  }
}

TEST(StaleTest, IfErrorFromResponseOrRequest) {
  EntryMeta m = Stored({{"Date", kT0Text}, {"Cache-Control", "max-age=10, stale-if-error=60"}});
  EXPECT_TRUE(MayServeStaleOnError(H({}), m, kT0 + absl::Seconds(69)));  // age 70: 1 s delay
  EXPECT_FALSE(MayServeStaleOnError(H({}), m, kT0 + absl::Seconds(71)));
  // The request's own stale-if-error replaces the response's.
  EXPECT_FALSE(MayServeStaleOnError(H({{"Cache-Control", "stale-if-error=5"}}), m,
                                    kT0 + absl::Seconds(30)));
  EntryMeta plain = Stored({{"Date", kT0Text}, {"Cache-Control", "max-age=10"}});
  EXPECT_FALSE(MayServeStaleOnError(H({}), plain, kT0 + absl::Seconds(20)));
  EXPECT_TRUE(MayServeStaleOnError(H({{"Cache-Control", "stale-if-error=20"}}), plain,
                                   kT0 + absl::Seconds(20)));
  EntryMeta strict =
      Stored({{"Date", kT0Text}, {"Cache-Control", "max-age=10, stale-if-error=60, Must-Revalidate"}});
  EXPECT_FALSE(MayServeStaleOnError(H({}), strict, kT0 + absl::Seconds(20)));
  for (int status : {500, 502, 503, 504}) EXPECT_TRUE(IsOriginError(status)) << status;
  for (int status : {200, 304, 404, 501}) EXPECT_FALSE(IsOriginError(status)) << status;
}

// --- Vary ---

TEST(VaryTest, SeveralFieldsAndLists) {
  http::Headers resp = H({{"Vary", "Accept-Encoding, accept"}, {"Vary", "User-Agent"}});
  http::Headers req = H({{"Accept-Encoding", "gzip,  br"}, {"Accept", "text/html"}});
  std::optional<std::vector<VaryValue>> v = VaryValues(resp, req);
  ASSERT_TRUE(v.has_value());
  EXPECT_THAT(*v, testing::ElementsAre(VaryValue{"accept", "text/html"},
                                       VaryValue{"accept-encoding", "gzip, br"},
                                       VaryValue{"user-agent", ""}));
  EntryMeta stored{.headers = resp, .vary_values = *v};
  EXPECT_TRUE(VaryMatches(stored, H({{"accept", "text/html"}, {"ACCEPT-ENCODING", "gzip, br"}})));
  EXPECT_FALSE(VaryMatches(stored, H({{"Accept", "text/html"}, {"Accept-Encoding", "gzip"}})));
  EXPECT_FALSE(VaryMatches(stored, H({{"Accept", "text/html"}, {"Accept-Encoding", "gzip, br"},
                                      {"User-Agent", "curl"}})));
}

TEST(VaryTest, StarNeverMatches) {
  EXPECT_EQ(VaryValues(H({{"Vary", "*"}}), H({})), std::nullopt);
  EntryMeta stored{.headers = H({{"Vary", "Accept, *"}})};
  EXPECT_FALSE(VaryMatches(stored, H({})));
  EXPECT_TRUE(VaryMatches(EntryMeta{}, H({{"Accept", "x"}})));
}

// --- Revalidation ---

TEST(ConditionalTest, ValidatorsBecomeConditionals) {
  EntryMeta m = Stored({{"ETag", "W/\"v1\""}, {"Last-Modified", kT0Text}});
  http::Headers req = H({{"If-None-Match", "\"client\""}, {"Accept", "*/*"}});
  AddConditionalHeaders(m, &req);
  EXPECT_EQ(req.GetAll("if-none-match"), std::vector<absl::string_view>{"W/\"v1\""});
  EXPECT_EQ(req.Get("if-modified-since"), kT0Text);
  EXPECT_EQ(req.Get("accept"), "*/*");
  http::Headers none;
  AddConditionalHeaders(Stored({}), &none);
  EXPECT_TRUE(none.empty());
}

TEST(Selects304Test, ValidatorsOfThe304MustBeTheStoredOnes) {
  const char* kLm = "Sun, 06 Nov 1994 08:49:37 GMT";
  const EntryMeta strong = Stored({{"ETag", "\"a\""}, {"Last-Modified", kLm}});
  const EntryMeta weak = Stored({{"ETag", "W/\"a\""}});
  const EntryMeta dated = Stored({{"Last-Modified", kLm}});
  struct Case {
    const EntryMeta& stored;
    Fields not_modified;
    bool selects;
  } cases[] = {
      {strong, {{"ETag", "\"a\""}}, true},
      {strong, {{"ETag", " \"a\" "}}, true},
      {strong, {{"ETag", "\"b\""}}, false},
      {strong, {{"ETag", "W/\"a\""}}, true},    // weak in the 304: weak comparison
      {weak, {{"ETag", "\"a\""}}, false},       // strong in the 304: the stored one is weak
      {weak, {{"ETag", "W/\"a\""}}, true},
      {weak, {{"ETag", "W/\"b\""}}, false},
      {dated, {{"ETag", "\"a\""}}, false},      // an ETag the stored response never had
      {dated, {{"Last-Modified", kLm}}, true},
      {dated, {{"Last-Modified", "Sunday, 06-Nov-94 08:49:37 GMT"}}, true},  // same date
      {dated, {{"Last-Modified", "Mon, 07 Nov 1994 08:49:37 GMT"}}, false},
      {strong, {{"Last-Modified", "Mon, 07 Nov 1994 08:49:37 GMT"}}, false},
      {weak, {{"Last-Modified", kLm}}, false},
      {strong, {{"ETag", "\"a\""}, {"Last-Modified", "Mon, 07 Nov 1994 08:49:37 GMT"}}, true},
      {strong, {{"Cache-Control", "max-age=60"}}, true},  // no validator: accepted
  };
  for (const Case& c : cases) {
    http::ResponseHead r = Resp(304, c.not_modified);
    EXPECT_EQ(Selects304(c.stored, r), c.selects)
        << c.stored.headers.Get("etag").value_or("-") << " / " << r.headers.Get("etag").value_or("-")
        << " " << r.headers.Get("last-modified").value_or("-");
  }
}

TEST(FreshenFrom304Test, UpdatesHeadersButNotContentLength) {
  EntryMeta m = Stored({{"Content-Length", "1234"}, {"ETag", "\"a\""},
                        {"Cache-Control", "max-age=10"}, {"X-Old", "1"}});
  http::ResponseHead not_modified = Resp(304, {{"Content-Length", "0"},
                                               {"Cache-Control", "max-age=600"},
                                               {"Date", "Sun, 06 Nov 1994 09:00:00 GMT"},
                                               {"Connection", "close, X-Hop"},
                                               {"X-Hop", "h"}});
  absl::Time req_t = kT0 + absl::Minutes(10);
  EntryMeta out = FreshenFrom304(m, not_modified, req_t, req_t + absl::Seconds(1));
  EXPECT_EQ(out.headers.Get("content-length"), "1234");
  EXPECT_EQ(out.headers.GetAll("cache-control"), std::vector<absl::string_view>{"max-age=600"});
  EXPECT_EQ(out.headers.Get("date"), "Sun, 06 Nov 1994 09:00:00 GMT");
  EXPECT_EQ(out.headers.Get("x-old"), "1");
  EXPECT_FALSE(out.headers.Has("connection"));
  EXPECT_FALSE(out.headers.Has("x-hop"));
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.response_time, req_t + absl::Seconds(1));
  EXPECT_EQ(out.request_time, req_t);
}

TEST(StorableHeadersTest, DropsHopByHop) {
  http::Headers h = StorableHeaders(H({{"Connection", "X-A"}, {"Keep-Alive", "5"},
                                       {"Transfer-Encoding", "chunked"}, {"X-A", "1"},
                                       {"Content-Type", "text/plain"}}));
  EXPECT_EQ(h, H({{"Content-Type", "text/plain"}}));
}

// --- Invalidation ---

// Targets returns the cache keys to remove, as text.
std::vector<std::string> Targets(const char* method, int status, Fields fields) {
  absl::StatusOr<http::Url> target = http::Url::Parse("http://a.test/dir/item");
  EXPECT_TRUE(target.ok());
  std::vector<std::string> out;
  for (const http::Url& u : InvalidationTargets(method, *target, Resp(status, fields))) {
    out.push_back(CacheKey::ForRequest("GET", u).ToString());
  }
  return out;
}

TEST(InvalidationTest, UnsafeAndUnknownMethodsInvalidateTargetAndSameOriginLocations) {
  Fields locs = {{"Location", "/dir/new"}, {"Content-Location", "http://a.test:80/cl"}};
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "FROBNICATE"}) {
    EXPECT_THAT(Targets(method, 201, locs),
                testing::ElementsAre("GET http://a.test/dir/item", "GET http://a.test/dir/new",
                                     "GET http://a.test/cl"))
        << method;
  }
  EXPECT_THAT(Targets("POST", 303, {{"Location", "other"}}),
              testing::ElementsAre("GET http://a.test/dir/item", "GET http://a.test/dir/other"));
}

TEST(InvalidationTest, OtherOriginsSafeMethodsAndErrorsDoNothingExtra) {
  EXPECT_THAT(Targets("POST", 200, {{"Location", "http://b.test/x"},
                                    {"Content-Location", "https://a.test/dir/item"}}),
              testing::ElementsAre("GET http://a.test/dir/item"));
  for (const char* method : {"GET", "HEAD", "OPTIONS", "TRACE"}) {
    EXPECT_THAT(Targets(method, 200, {{"Location", "/x"}}), testing::IsEmpty()) << method;
  }
  EXPECT_THAT(Targets("POST", 404, {}), testing::IsEmpty());
  EXPECT_THAT(Targets("POST", 500, {}), testing::IsEmpty());
}

}  // namespace
}  // namespace cache
