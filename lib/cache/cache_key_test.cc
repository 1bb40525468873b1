#include "lib/cache/cache_key.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/headers.h"
#include "lib/http/url.h"
#include "testing/matchers.h"

namespace cache {
namespace {

CacheKey Key(absl::string_view method, absl::string_view url) {
  absl::StatusOr<http::Url> parsed = http::Url::Parse(url);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return CacheKey::ForRequest(method, *parsed);
}

TEST(CacheKeyTest, NormalisesHostPortPathAndMethod) {
  EXPECT_EQ(Key("GET", "http://Example.COM:80/a/./b/../c?q=1#frag").ToString(),
            "GET http://example.com/a/c?q=1");
  EXPECT_EQ(Key("get", "https://example.com:443/").ToString(), "GET https://example.com/");
  EXPECT_EQ(Key("GET", "http://example.com:8080").ToString(), "GET http://example.com:8080/");
  EXPECT_EQ(Key("GET", "http://[::1]:8080/x").ToString(), "GET http://[::1]:8080/x");
}

TEST(CacheKeyTest, HeadSharesGetsEntryOtherMethodsDoNot) {
  EXPECT_EQ(Key("HEAD", "http://a/x"), Key("GET", "http://a/x"));
  EXPECT_NE(Key("POST", "http://a/x"), Key("GET", "http://a/x"));
}

TEST(CacheKeyTest, PercentEncodingNormalised) {
  EXPECT_EQ(Key("GET", "http://a/%7euser/%2f%41?x=%3d").ToString(),
            "GET http://a/~user/%2FA?x=%3D");
}

TEST(CacheKeyTest, QueryAbsentDiffersFromEmpty) {
  EXPECT_NE(Key("GET", "http://a/x?"), Key("GET", "http://a/x"));
  EXPECT_NE(Key("GET", "http://a/x?b=1&a=2"), Key("GET", "http://a/x?a=2&b=1"));
}

TEST(CacheKeyTest, DefaultPortElidedOnlyForItsScheme) {
  EXPECT_EQ(Key("GET", "http://a:80/").port(), 0);
  EXPECT_EQ(Key("GET", "https://a:80/").port(), 80);
  EXPECT_NE(Key("GET", "http://a:443/"), Key("GET", "https://a/"));
}

TEST(CacheKeyTest, VarianceIsSortedLowercasedAndPartOfTheKey) {
  CacheKey base = Key("GET", "http://a/x");
  CacheKey v1 = base.WithVariance({{"Accept-Encoding", "gzip"}, {"Accept", "text/html"}});
  CacheKey v2 = base.WithVariance({{"accept", "text/html"}, {"accept-encoding", "gzip"}});
  EXPECT_EQ(v1, v2);
  EXPECT_EQ(v1.ToString(), "GET http://a/x\naccept:text/html\naccept-encoding:gzip");
  EXPECT_NE(v1, base);
  EXPECT_NE(v1, base.WithVariance({{"accept", "text/html"}, {"accept-encoding", "br"}}));
  EXPECT_EQ(base.WithVariance({}), base);
}

TEST(CacheKeyTest, DigestIsStableSha256Hex) {
  CacheKey k = Key("GET", "http://a/x");
  EXPECT_EQ(k.Digest().size(), 64u);
  EXPECT_EQ(k.Digest(), Key("HEAD", "http://A:80/x").Digest());
  EXPECT_NE(k.Digest(), Key("GET", "http://a/y").Digest());
}

TEST(CacheKeyTest, NormaliseVaryValueJoinsFieldsAndWhitespace) {
  http::Headers h;
  ASSERT_THAT(h.Add("Accept-Encoding", "gzip ,  br"), testing_util::IsOk());
  ASSERT_THAT(h.Add("accept-encoding", "deflate"), testing_util::IsOk());
  EXPECT_EQ(NormaliseVaryValue(h, "ACCEPT-ENCODING"), "gzip, br, deflate");
  EXPECT_EQ(NormaliseVaryValue(h, "accept-language"), "");
}

}  // namespace
}  // namespace cache
