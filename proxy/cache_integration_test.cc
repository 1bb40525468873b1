// End-to-end tests of cachingproxy's cache: the real binary between loopback clients and a
// FakeOrigin that counts what it is asked, so every hit is proven by zero new upstream
// requests. Each RFC 9111 / RFC 5861 rule the proxy applies has its own test.
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/message.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"
#include "proxy/test_util.h"
#include "testing/fake_origin.h"
#include "testing/matchers.h"
#include "testing/subprocess.h"

namespace {

using ::proxy::testutil::Dial;
using ::proxy::testutil::Exchange;
using ::proxy::testutil::Fetch;
using ::proxy::testutil::Proxy;
using ::proxy::testutil::ReadToEnd;
using ::proxy::testutil::Reply;
using ::proxy::testutil::WaitForMetrics;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing_util::FakeOrigin;
using ::testing_util::ProcessResult;
using ::testing_util::Response;

// HttpDate formats `t` as an IMF-fixdate.
std::string HttpDate(absl::Time t) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, absl::UTCTimeZone());
}

std::string CacheDir() {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/cache-",
                      testing::UnitTest::GetInstance()->current_test_info()->name());
}

class CacheTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(origin_, FakeOrigin::Start());
  }

  // Start runs a caching proxy over a fresh cache directory, plus `args`.
  void Start(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--mem_cache_size=16M", absl::StrCat("--cache_dir=", CacheDir()),
                               "--admin_listen=127.0.0.1:0", "--workers=2"});
    proxy_ = proxy::testutil::StartProxy(std::move(args));
    ASSERT_NE(proxy_.port, 0);
  }

  // Request builds an absolute-form request for `path` on the origin (one per connection).
  std::string Request(const std::string& path, const std::string& fields = "",
                      const std::string& method = "GET") {
    return absl::StrCat(method, " http://127.0.0.1:", origin_->port(), path,
                        " HTTP/1.1\r\nHost: 127.0.0.1:", origin_->port(), "\r\n", fields,
                        "Connection: close\r\n\r\n");
  }

  Reply Get(const std::string& path, const std::string& fields = "") {
    return Fetch(proxy_.port, Request(path, fields));
  }

  static std::string XCache(const Reply& r) {
    return std::string(r.head.headers.Get("X-Cache").value_or("(none)"));
  }
  static int64_t Age(const Reply& r) {
    int64_t age = -1;
    std::optional<absl::string_view> v = r.head.headers.Get("Age");
    if (v.has_value() && !absl::SimpleAtoi(*v, &age)) age = -2;
    return age;
  }

  std::unique_ptr<FakeOrigin> origin_;
  Proxy proxy_;
};

// --- hits and misses -----------------------------------------------------------------------

TEST_F(CacheTest, MissThenHitWithZeroUpstreamRequests) {
  origin_->Serve("/a", Response(200, "Cache-Control: max-age=600\r\nContent-Type: text/plain\r\n",
                                "cached body"));
  Start();
  Reply first = Get("/a");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "cached body");
  EXPECT_EQ(XCache(first), "MISS");
  Reply second = Get("/a");
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "cached body");
  EXPECT_EQ(XCache(second), "HIT");
  EXPECT_EQ(second.head.headers.Get("Content-Type"), "text/plain");
  EXPECT_EQ(second.head.headers.Get("Content-Length"), "11");
  EXPECT_GE(Age(second), 0);
  EXPECT_THAT(second.head.headers.Get("Via").value_or(""), HasSubstr("cachingproxy"));
  EXPECT_EQ(origin_->count("/a"), 1);

  proxy_.process->Signal(SIGTERM);
  ASSERT_OK_AND_ASSIGN(ProcessResult r, proxy_.process->Wait(absl::Seconds(10)));
  // The access log records what the cache did.
  EXPECT_THAT(r.err, HasSubstr("/a HTTP/1.1\" 200 11 \"-\" \"-\" MISS "));
  EXPECT_THAT(r.err, HasSubstr("/a HTTP/1.1\" 200 11 \"-\" \"-\" HIT -"));
}

TEST_F(CacheTest, LargeHitsToASlowReaderStayWholeAndInOrderWithPipelinedRequests) {
  // 4 MiB hits are written straight from the memory tier, far more than a socket buffer takes
  // at once, so those writes stop part-way; a pipelined request must wait its turn.
  std::string big(4 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  origin_->Serve("/big", Response(200, "Cache-Control: max-age=600\r\n", big));
  origin_->Serve("/small", Response(200, "Cache-Control: max-age=600\r\n", "small body"));
  Start();
  ASSERT_EQ(Get("/big").body, big);  // MISS: now stored
  ASSERT_EQ(Get("/small").body, "small body");
  const std::string host = absl::StrCat("127.0.0.1:", origin_->port());
  net::Socket s = Dial(proxy_.port);
  ASSERT_TRUE(s.WriteAll(absl::StrCat("GET http://", host, "/big HTTP/1.1\r\nHost: ", host,
                                      "\r\n\r\nGET http://", host, "/small HTTP/1.1\r\nHost: ",
                                      host, "\r\n\r\nGET http://", host,
                                      "/big HTTP/1.1\r\nHost: ", host,
                                      "\r\nConnection: close\r\n\r\n"))
                  .ok());
  std::string raw = ReadToEnd(s);
  std::vector<std::string> bodies;
  absl::string_view rest = raw;
  for (int i = 0; i < 3; ++i) {
    Reply r = proxy::testutil::ParseReply(std::string(rest));
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(XCache(r), "HIT") << i;
    size_t head_end = rest.find("\r\n\r\n");
    ASSERT_NE(head_end, absl::string_view::npos);
    bodies.push_back(r.body);
    rest.remove_prefix(head_end + 4 + r.body.size());
  }
  EXPECT_TRUE(rest.empty());
  EXPECT_TRUE(bodies[0] == big);
  EXPECT_EQ(bodies[1], "small body");
  EXPECT_TRUE(bodies[2] == big);
  EXPECT_EQ(origin_->count("/big"), 1);
}

TEST_F(CacheTest, HeadIsAnsweredFromAStoredGet) {
  origin_->Serve("/h", Response(200, "Cache-Control: max-age=600\r\n", "twelve bytes"));
  Start();
  ASSERT_EQ(Get("/h").body, "twelve bytes");
  std::string raw = Exchange(proxy_.port, Request("/h", "", "HEAD"));
  EXPECT_THAT(raw, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(raw, HasSubstr("\r\nContent-Length: 12\r\n"));
  EXPECT_THAT(raw, HasSubstr("\r\nX-Cache: HIT\r\n"));
  EXPECT_TRUE(absl::EndsWith(raw, "\r\n\r\n")) << raw;  // no body
  EXPECT_EQ(origin_->count("/h"), 1);
}

TEST_F(CacheTest, ConditionalRequestGets304FromAFreshEntry) {
  origin_->Serve("/c", Response(200,
                                "Cache-Control: max-age=600\r\nETag: \"v1\"\r\n"
                                "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n",
                                "body"));
  Start();
  ASSERT_EQ(Get("/c").status, 200);
  Reply etag = Get("/c", "If-None-Match: \"v1\"\r\n");
  EXPECT_EQ(etag.status, 304);
  EXPECT_EQ(etag.body, "");
  EXPECT_EQ(etag.head.headers.Get("ETag"), "\"v1\"");
  EXPECT_EQ(XCache(etag), "HIT");
  EXPECT_EQ(Get("/c", "If-None-Match: \"other\"\r\n").status, 200);
  EXPECT_EQ(Get("/c", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n").status, 304);
  EXPECT_EQ(Get("/c", "If-Modified-Since: Sat, 05 Nov 1994 08:49:37 GMT\r\n").status, 200);
  EXPECT_EQ(origin_->count("/c"), 1);
}

TEST_F(CacheTest, AgeCountsIncomingAgeAndIgnoresInvalidOnes) {
  origin_->Serve("/aged", Response(200, "Cache-Control: max-age=600\r\nAge: 100\r\n", "x"));
  origin_->Serve("/junk", Response(200, "Cache-Control: max-age=600\r\nAge: soon\r\n", "x"));
  origin_->Serve("/two", Response(200, "Cache-Control: max-age=600\r\nAge: 7\r\nAge: 900\r\n", "x"));
  Start();
  for (const char* path : {"/aged", "/junk", "/two"}) ASSERT_EQ(Get(path).status, 200);
  Reply aged = Get("/aged");
  EXPECT_EQ(XCache(aged), "HIT");
  EXPECT_GE(Age(aged), 100);
  EXPECT_LT(Age(aged), 110);
  Reply junk = Get("/junk");
  EXPECT_EQ(XCache(junk), "HIT");
  EXPECT_GE(Age(junk), 0);
  EXPECT_LT(Age(junk), 10);
  Reply two = Get("/two");  // the first field counts
  EXPECT_EQ(XCache(two), "HIT");
  EXPECT_GE(Age(two), 7);
  EXPECT_LT(Age(two), 17);
}

TEST_F(CacheTest, ExpiresInvalidOrInAnotherFormatIsAlreadyStale) {
  origin_->Serve("/zero", Response(200, "Expires: 0\r\n", "x"));
  origin_->Serve("/zone", Response(200, absl::StrCat("Expires: ",
      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", absl::Now() + absl::Hours(1),
                       absl::UTCTimeZone()), "\r\n"), "x"));
  origin_->Serve("/good", Response(200, absl::StrCat("Date: ", HttpDate(absl::Now()),
                                                      "\r\nExpires: ",
                                                      HttpDate(absl::Now() + absl::Hours(1)),
                                                      "\r\n"), "x"));
  Start();
  for (int i = 0; i < 2; ++i) {
    for (const char* path : {"/zero", "/zone", "/good"}) ASSERT_EQ(Get(path).status, 200);
  }
  EXPECT_EQ(origin_->count("/zero"), 2);
  EXPECT_EQ(origin_->count("/zone"), 2);
  EXPECT_EQ(origin_->count("/good"), 1);
}

TEST_F(CacheTest, NeitherFreshnessNorValidatorIsNeverReusedWithoutTheOrigin) {
  origin_->Serve("/plain", Response(200, "Content-Type: text/plain\r\n", "x"));
  Start();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(XCache(Get("/plain")), "MISS");
  EXPECT_EQ(origin_->count("/plain"), 3);
}

TEST_F(CacheTest, StorableStatusesIncludingHeuristicOnes) {
  const std::string old = "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n";
  for (int status : {200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501}) {
    origin_->Serve(absl::StrCat("/s", status), Response(status, old, status == 204 ? "" : "b"));
  }
  for (int status : {302, 303, 307, 400, 403, 500, 503}) {
    origin_->Serve(absl::StrCat("/s", status), Response(status, old, "b"));
  }
  origin_->Serve("/s302-explicit", Response(302, "Cache-Control: max-age=60\r\nLocation: /x\r\n", "b"));
  Start();
  for (int i = 0; i < 2; ++i) {
    for (int status : {200, 203, 204, 300, 301, 302, 303, 307, 308, 400, 403, 404, 405, 410, 414,
                       500, 501, 503}) {
      ASSERT_EQ(Get(absl::StrCat("/s", status)).status, status);
    }
    ASSERT_EQ(Get("/s302-explicit").status, 302);
  }
  for (int status : {200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501}) {
    EXPECT_EQ(origin_->count(absl::StrCat("/s", status)), 1) << status << " is heuristically cacheable";
  }
  for (int status : {302, 303, 307, 400, 403, 500, 503}) {
    EXPECT_EQ(origin_->count(absl::StrCat("/s", status)), 2) << status << " is not";
  }
  EXPECT_EQ(origin_->count("/s302-explicit"), 1);
}

TEST_F(CacheTest, NoStorePrivateAndNoCacheInAnyCaseAndWithArguments) {
  origin_->Serve("/ns", Response(200, "Cache-Control: NO-STORE\r\n", "x"));
  origin_->Serve("/pv", Response(200, "Cache-Control: max-age=600, Private=\"Set-Cookie\"\r\n", "x"));
  origin_->Serve("/nc", Response(200, "Cache-Control: max-age=600, No-Cache=\"Set-Cookie\"\r\n"
                                      "ETag: \"n\"\r\n", "x"));
  Start();
  for (int i = 0; i < 2; ++i) {
    for (const char* path : {"/ns", "/pv", "/nc"}) ASSERT_EQ(Get(path).status, 200);
  }
  EXPECT_EQ(origin_->count("/ns"), 2);
  EXPECT_EQ(origin_->count("/pv"), 2);
  // no-cache stores but always asks the origin first: the second request is conditional.
  ASSERT_EQ(origin_->count("/nc"), 2);
  EXPECT_EQ(origin_->requests("/nc")[1].headers.Get("If-None-Match"), "\"n\"");
}

TEST_F(CacheTest, AuthorizationOnlyWithPublicSMaxageOrMustRevalidate) {
  origin_->Serve("/auth", Response(200, "Cache-Control: max-age=600\r\n", "x"));
  origin_->Serve("/auth-public", Response(200, "Cache-Control: max-age=600, public\r\n", "x"));
  origin_->Serve("/auth-s", Response(200, "Cache-Control: s-maxage=600\r\n", "x"));
  Start();
  const std::string auth = "Authorization: Basic dTpw\r\n";
  for (int i = 0; i < 2; ++i) {
    for (const char* path : {"/auth", "/auth-public", "/auth-s"}) ASSERT_EQ(Get(path, auth).status, 200);
  }
  EXPECT_EQ(origin_->count("/auth"), 2);
  EXPECT_EQ(origin_->count("/auth-public"), 1);
  EXPECT_EQ(origin_->count("/auth-s"), 1);
}

TEST_F(CacheTest, RequestDirectives) {
  origin_->Serve("/r", Response(200, "Cache-Control: max-age=600\r\nETag: \"r\"\r\n", "x"));
  Start();
  ASSERT_EQ(Get("/r").status, 200);
  EXPECT_EQ(XCache(Get("/r", "Cache-Control: max-stale=5, min-fresh=10\r\n")), "HIT");
  EXPECT_EQ(origin_->count("/r"), 1);
  // no-cache and max-age=0 make the cache ask the origin (conditionally: it has a validator).
  Get("/r", "Cache-Control: no-cache\r\n");
  Get("/r", "Cache-Control: max-age=0\r\n");
  Get("/r", "Pragma: no-cache\r\n");
  ASSERT_EQ(origin_->count("/r"), 4);
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(origin_->requests("/r")[i].headers.Get("If-None-Match"), "\"r\"") << i;
  }
  // no-store on the request: answered, not stored.
  origin_->Serve("/ns-req", Response(200, "Cache-Control: max-age=600\r\n", "x"));
  Get("/ns-req", "Cache-Control: no-store\r\n");
  Get("/ns-req");
  EXPECT_EQ(origin_->count("/ns-req"), 2);
}

TEST_F(CacheTest, OnlyIfCached) {
  origin_->Serve("/o", Response(200, "Cache-Control: max-age=600\r\n", "x"));
  Start();
  Reply miss = Get("/o", "Cache-Control: only-if-cached\r\n");
  EXPECT_EQ(miss.status, 504);
  EXPECT_EQ(origin_->count("/o"), 0);
  ASSERT_EQ(Get("/o").status, 200);
  Reply hit = Get("/o", "Cache-Control: only-if-cached\r\n");
  EXPECT_EQ(hit.status, 200);
  EXPECT_EQ(XCache(hit), "HIT");
  EXPECT_EQ(origin_->count("/o"), 1);
}

TEST_F(CacheTest, RequestHeadersAreForwardedUnchangedApartFromHopByHop) {
  origin_->Serve("/fwd", Response(200, "Cache-Control: max-age=600\r\n", "x"));
  Start();
  Get("/fwd", "X-Custom: one\r\nCache-Control: max-stale\r\nAccept-Encoding: gzip\r\n"
              "Cookie: a=b\r\nKeep-Alive: 5\r\n");
  ASSERT_EQ(origin_->count("/fwd"), 1);
  http::RequestHead seen = origin_->requests("/fwd")[0];
  EXPECT_EQ(seen.headers.Get("X-Custom"), "one");
  EXPECT_EQ(seen.headers.Get("Cache-Control"), "max-stale");
  EXPECT_EQ(seen.headers.Get("Accept-Encoding"), "gzip");
  EXPECT_EQ(seen.headers.Get("Cookie"), "a=b");
  EXPECT_FALSE(seen.headers.Has("Keep-Alive"));
  EXPECT_FALSE(seen.headers.Has("Connection"));
  EXPECT_FALSE(seen.headers.Has("If-None-Match"));
}

// --- validation ----------------------------------------------------------------------------

TEST_F(CacheTest, StaleEntryRevalidatedWith304IsFreshenedWithoutItsContentLength) {
  // Stale on arrival (Age beyond max-age); the 304 makes it fresh for ten minutes and
  // carries a Content-Length that must not replace the stored body's.
  std::atomic<int> calls{0};
  origin_->Handle("/v", [&calls](const http::RequestHead& r) {
    if (calls++ == 0) {
      return Response(200, "Cache-Control: max-age=60\r\nAge: 120\r\nETag: \"v1\"\r\n"
                           "X-Version: 1\r\n", "the stored body");
    }
    EXPECT_EQ(r.headers.Get("If-None-Match"), "\"v1\"");
    return std::string("HTTP/1.1 304 Not Modified\r\nCache-Control: max-age=600\r\n"
                       "ETag: \"v1\"\r\nX-Version: 2\r\nContent-Length: 0\r\n\r\n");
  });
  Start();
  ASSERT_EQ(Get("/v").body, "the stored body");
  Reply revalidated = Get("/v");
  EXPECT_EQ(revalidated.status, 200);
  EXPECT_EQ(XCache(revalidated), "REVALIDATED");
  EXPECT_EQ(revalidated.body, "the stored body");
  EXPECT_EQ(revalidated.head.headers.Get("Content-Length"), "15");
  EXPECT_EQ(revalidated.head.headers.Get("X-Version"), "2");
  Reply hit = Get("/v");
  EXPECT_EQ(XCache(hit), "HIT");
  EXPECT_EQ(hit.body, "the stored body");
  EXPECT_EQ(hit.head.headers.Get("X-Version"), "2");
  EXPECT_EQ(origin_->count("/v"), 2);
}

TEST_F(CacheTest, StaleEntryReplacedWhenTheOriginSendsANewResponse) {
  std::atomic<int> calls{0};
  origin_->Handle("/n", [&calls](const http::RequestHead&) {
    int n = ++calls;
    return Response(200, absl::StrCat("Cache-Control: max-age=60\r\nAge: ", n == 1 ? 120 : 0,
                                      "\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"),
                    absl::StrCat("version ", n));
  });
  Start();
  EXPECT_EQ(Get("/n").body, "version 1");
  Reply second = Get("/n");
  EXPECT_EQ(second.body, "version 2");
  EXPECT_EQ(XCache(second), "MISS");
  ASSERT_EQ(origin_->count("/n"), 2);
  EXPECT_EQ(origin_->requests("/n")[1].headers.Get("If-Modified-Since"),
            "Sun, 06 Nov 1994 08:49:37 GMT");
  Reply third = Get("/n");
  EXPECT_EQ(third.body, "version 2");
  EXPECT_EQ(XCache(third), "HIT");
  EXPECT_EQ(origin_->count("/n"), 2);
}

TEST_F(CacheTest, A304ForAnotherETagDoesNotFreshenTheEntryAndIsAskedAgainUnconditionally) {
  // The origin answers the revalidation of "v1" with a 304 naming "v2" (its content changed
  // and it compares loosely): that 304 is not about the stored body, which must not be served.
  std::atomic<int> calls{0};
  origin_->Handle("/e", [&calls](const http::RequestHead& r) {
    int n = ++calls;
    if (n == 1) {
      return Response(200, "Cache-Control: max-age=60\r\nAge: 120\r\nETag: \"v1\"\r\n", "old body");
    }
    if (r.headers.Has("If-None-Match")) {
      return std::string("HTTP/1.1 304 Not Modified\r\nETag: \"v2\"\r\nCache-Control: max-age=600\r\n\r\n");
    }
    return Response(200, "Cache-Control: max-age=600\r\nETag: \"v2\"\r\n", "new body");
  });
  Start();
  ASSERT_EQ(Get("/e").body, "old body");
  Reply second = Get("/e");
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "new body");
  EXPECT_EQ(XCache(second), "MISS");
  ASSERT_EQ(origin_->count("/e"), 3);
  EXPECT_EQ(origin_->requests("/e")[1].headers.Get("If-None-Match"), "\"v1\"");
  EXPECT_FALSE(origin_->requests("/e")[2].headers.Has("If-None-Match"));
  Reply third = Get("/e");
  EXPECT_EQ(third.body, "new body");
  EXPECT_EQ(XCache(third), "HIT");
  EXPECT_EQ(origin_->count("/e"), 3);
}

TEST_F(CacheTest, ClientPreconditionsAreEvaluatedAgainstTheRevalidatedEntry) {
  std::atomic<int> calls{0};
  origin_->Handle("/p", [&calls](const http::RequestHead&) {
    if (calls++ == 0) {
      return Response(200, "Cache-Control: max-age=60\r\nAge: 120\r\nETag: \"p\"\r\n", "body");
    }
    return std::string("HTTP/1.1 304 Not Modified\r\nCache-Control: max-age=600\r\n\r\n");
  });
  Start();
  ASSERT_EQ(Get("/p").status, 200);
  Reply r = Get("/p", "If-None-Match: \"p\"\r\n");
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(XCache(r), "REVALIDATED");
  EXPECT_EQ(origin_->count("/p"), 2);
}

// --- Vary ----------------------------------------------------------------------------------

TEST_F(CacheTest, VaryOverSeveralFieldsSelectsTheVariant) {
  origin_->Handle("/vary", [](const http::RequestHead& r) {
    return Response(200, "Cache-Control: max-age=600\r\nVary: Accept-Encoding, Accept-Language\r\n",
                    absl::StrCat("enc=", r.headers.Get("Accept-Encoding").value_or("none"),
                                 " lang=", r.headers.Get("Accept-Language").value_or("none")));
  });
  Start();
  EXPECT_EQ(Get("/vary", "Accept-Encoding: gzip\r\n").body, "enc=gzip lang=none");
  EXPECT_EQ(Get("/vary", "Accept-Encoding: br\r\n").body, "enc=br lang=none");
  EXPECT_EQ(Get("/vary", "Accept-Encoding: gzip\r\nAccept-Language: de\r\n").body,
            "enc=gzip lang=de");
  EXPECT_EQ(origin_->count("/vary"), 3);
  Reply gzip = Get("/vary", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(gzip.body, "enc=gzip lang=none");
  EXPECT_EQ(XCache(gzip), "HIT");
  EXPECT_EQ(Get("/vary", "accept-encoding: br\r\n").body, "enc=br lang=none");
  EXPECT_EQ(Get("/vary", "Accept-Language: de\r\nAccept-Encoding: gzip\r\n").body, "enc=gzip lang=de");
  EXPECT_EQ(origin_->count("/vary"), 3);
}

TEST_F(CacheTest, VaryStarIsNeverServedFromTheCache) {
  origin_->Serve("/star", Response(200, "Cache-Control: max-age=600\r\nVary: *\r\n", "x"));
  Start();
  for (int i = 0; i < 2; ++i) EXPECT_EQ(XCache(Get("/star")), "MISS");
  EXPECT_EQ(origin_->count("/star"), 2);
}

// --- invalidation --------------------------------------------------------------------------

TEST_F(CacheTest, UnsafeMethodsInvalidateTargetLocationAndContentLocation) {
  for (const char* path : {"/t", "/loc", "/cloc", "/kept"}) {
    origin_->Serve(path, Response(200, "Cache-Control: max-age=600\r\n", path));
  }
  origin_->Handle("/post", [](const http::RequestHead& r) {
    return Response(201, "Location: /loc\r\nContent-Location: /cloc\r\n", r.method);
  });
  Start();
  auto warm = [&] {
    for (const char* path : {"/t", "/loc", "/cloc", "/kept"}) ASSERT_EQ(Get(path).status, 200);
  };
  warm();
  // POST to /t invalidates /t only.
  Reply post = Fetch(proxy_.port, absl::StrCat("POST http://127.0.0.1:", origin_->port(),
                                               "/t HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                               "Connection: close\r\n\r\nhi"));
  EXPECT_EQ(XCache(post), "BYPASS");
  EXPECT_EQ(XCache(Get("/t")), "MISS");
  EXPECT_EQ(XCache(Get("/loc")), "HIT");
  // An unknown method counts as unsafe; its Location and Content-Location go too.
  Fetch(proxy_.port, Request("/post", "", "FROB"));
  EXPECT_EQ(XCache(Get("/loc")), "MISS");
  EXPECT_EQ(XCache(Get("/cloc")), "MISS");
  EXPECT_EQ(XCache(Get("/kept")), "HIT");
  EXPECT_EQ(origin_->count("/kept"), 1);
}

TEST_F(CacheTest, ErrorResponsesToUnsafeMethodsInvalidateNothing) {
  origin_->Serve("/e", Response(200, "Cache-Control: max-age=600\r\n", "x"));
  Start();
  ASSERT_EQ(Get("/e").status, 200);
  origin_->Serve("/e", Response(500, "", "boom"));
  Fetch(proxy_.port, Request("/e", "", "DELETE"));
  EXPECT_EQ(XCache(Get("/e")), "HIT");
}

TEST_F(CacheTest, PurgeFromAllowedClientsAndFromTheAdminPort) {
  origin_->Serve("/pg", Response(200, "Cache-Control: max-age=600\r\n", "x"));
  Start();
  ASSERT_EQ(Get("/pg").status, 200);
  Reply purged = Fetch(proxy_.port, Request("/pg", "", "PURGE"));
  EXPECT_EQ(purged.status, 200);
  EXPECT_EQ(Fetch(proxy_.port, Request("/pg", "", "PURGE")).status, 404);
  EXPECT_EQ(XCache(Get("/pg")), "MISS");
  std::string url = absl::StrCat("http%3A%2F%2F127.0.0.1%3A", origin_->port(), "%2Fpg");
  EXPECT_THAT(Exchange(proxy_.admin_port, absl::StrCat("GET /purge?url=", url, " HTTP/1.1\r\n\r\n")),
              StartsWith("HTTP/1.1 200 OK"));
  EXPECT_EQ(XCache(Get("/pg")), "MISS");
  EXPECT_EQ(origin_->count("/pg"), 3);
}

TEST_F(CacheTest, PurgeRefusedOutsidePurgeAllow) {
  origin_->Serve("/pg", Response(200, "Cache-Control: max-age=600\r\n", "x"));
  Start({"--purge_allow=10.0.0.0/8"});
  ASSERT_EQ(Get("/pg").status, 200);
  EXPECT_EQ(Fetch(proxy_.port, Request("/pg", "", "PURGE")).status, 403);
  EXPECT_EQ(XCache(Get("/pg")), "HIT");
}

// --- stale content (RFC 5861) --------------------------------------------------------------

TEST_F(CacheTest, StaleWhileRevalidateAnswersAtOnceAndRefreshesInTheBackground) {
  std::atomic<int> calls{0};
  origin_->Handle("/swr", [&calls](const http::RequestHead&) {
    int n = ++calls;
    return Response(200, absl::StrCat("Cache-Control: max-age=60, stale-while-revalidate=600\r\n",
                                      "Age: ", n == 1 ? 100 : 0, "\r\n"),
                    absl::StrCat("version ", n));
  });
  Start();
  ASSERT_EQ(Get("/swr").body, "version 1");
  Reply stale = Get("/swr");
  EXPECT_EQ(stale.body, "version 1");
  EXPECT_EQ(XCache(stale), "STALE");
  // The refresh runs without a client; once the origin answered it, a request sees it.
  ASSERT_TRUE(origin_->WaitForCount("/swr", 2, absl::Seconds(10)));
  Reply fresh;
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    fresh = Get("/swr");
  } while (fresh.body != "version 2" && absl::Now() < deadline);
  EXPECT_EQ(fresh.body, "version 2");
  EXPECT_EQ(XCache(fresh), "HIT");
  EXPECT_EQ(origin_->count("/swr"), 2);
}

TEST_F(CacheTest, StaleIfErrorOn5xxAndOnAnUnreachableOrigin) {
  std::atomic<int> calls{0};
  origin_->Handle("/sie", [&calls](const http::RequestHead&) {
    if (calls++ == 0) {
      return Response(200, "Cache-Control: max-age=60, stale-if-error=600\r\nAge: 100\r\n", "old");
    }
    return Response(503, "", "down");
  });
  origin_->Serve("/plain", Response(200, "Cache-Control: max-age=60\r\nAge: 100\r\n", "plain"));
  // Reverse proxy mode, so the same URLs still route once the origin is gone.
  Start({absl::StrCat("--upstream=127.0.0.1:", origin_->port())});
  auto get = [&](const std::string& path, const std::string& fields = "") {
    return Fetch(proxy_.port, absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: site.test\r\n",
                                           fields, "Connection: close\r\n\r\n"));
  };
  ASSERT_EQ(get("/sie").body, "old");
  ASSERT_EQ(get("/plain").body, "plain");
  Reply on_503 = get("/sie");
  EXPECT_EQ(on_503.status, 200);
  EXPECT_EQ(on_503.body, "old");
  EXPECT_EQ(XCache(on_503), "STALE");
  origin_->Stop();
  Reply unreachable = get("/sie");
  EXPECT_EQ(unreachable.status, 200);
  EXPECT_EQ(unreachable.body, "old");
  EXPECT_EQ(XCache(unreachable), "STALE");
  // Without stale-if-error, an unreachable origin is a 502; with it on the request, stale.
  EXPECT_EQ(get("/plain").status, 502);
  Reply asked = get("/plain", "Cache-Control: stale-if-error=3600\r\n");
  EXPECT_EQ(asked.status, 200);
  EXPECT_EQ(XCache(asked), "STALE");
}

// --- request collapsing --------------------------------------------------------------------

TEST_F(CacheTest, HundredConcurrentMissesMakeOneUpstreamRequest) {
  absl::Notification release;
  origin_->Handle("/hot", [&release](const http::RequestHead&) {
    release.WaitForNotificationWithTimeout(absl::Seconds(20));
    return Response(200, "Cache-Control: max-age=600\r\n", std::string(100000, 'h'));
  });
  Start();
  constexpr int kClients = 100;
  std::vector<std::thread> clients;
  std::vector<Reply> replies(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] { replies[i] = Get("/hot"); });
  }
  // Hold the origin until the other 99 have joined the first one's fetch.
  std::string metrics =
      WaitForMetrics(proxy_.admin_port, {absl::StrCat("cachingproxy_cache_collapsed_total ", kClients - 1)});
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("cachingproxy_cache_collapsed_total ", kClients - 1)));
  release.Notify();
  for (std::thread& t : clients) t.join();
  for (const Reply& r : replies) {
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.size(), 100000u);
  }
  EXPECT_EQ(origin_->count("/hot"), 1);
}

// A waiter receives the body as the leader's fetch streams it in, before the fetch is done.
TEST_F(CacheTest, CollapsedWaitersStreamTheBodyAsItArrives) {
  absl::StatusOr<net::Socket> listener = net::Listen(net::Address::Loopback(AF_INET, 0));
  ASSERT_TRUE(listener.ok());
  uint16_t port = listener->LocalAddress()->port();
  absl::Notification second_half;
  std::thread slow_origin([&] {
    absl::StatusOr<std::optional<std::pair<net::Socket, net::Address>>> c = listener->Accept();
    ASSERT_TRUE(c.ok() && c->has_value());
    net::Socket& conn = (*c)->first;
    char buf[4096];
    ASSERT_TRUE(conn.Read(absl::MakeSpan(buf)).ok());
    ASSERT_TRUE(conn.WriteAll("HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\n"
                              "Content-Length: 10\r\n\r\nfirst").ok());
    second_half.WaitForNotificationWithTimeout(absl::Seconds(20));
    ASSERT_TRUE(conn.WriteAll("-last").ok());
  });
  Start();
  std::string request = absl::StrCat("GET http://127.0.0.1:", port, "/s HTTP/1.1\r\nHost: x\r\n"
                                     "Connection: close\r\n\r\n");
  net::Socket leader = Dial(proxy_.port);
  ASSERT_TRUE(leader.WriteAll(request).ok());
  // The leader has the first half; then a waiter joins and must get it too, at once.
  std::string leader_got;
  char buf[4096];
  while (!absl::EndsWith(leader_got, "first")) {
    absl::StatusOr<size_t> n = leader.Read(absl::MakeSpan(buf));
    ASSERT_TRUE(n.ok() && *n > 0 && *n != net::kWouldBlock);
    leader_got.append(buf, *n);
  }
  net::Socket waiter = Dial(proxy_.port);
  ASSERT_TRUE(waiter.WriteAll(request).ok());
  std::string waiter_got;
  while (!absl::EndsWith(waiter_got, "first")) {
    absl::StatusOr<size_t> n = waiter.Read(absl::MakeSpan(buf));
    ASSERT_TRUE(n.ok() && *n > 0 && *n != net::kWouldBlock) << waiter_got;
    waiter_got.append(buf, *n);
  }
  EXPECT_THAT(waiter_got, HasSubstr("X-Cache: HIT"));
  second_half.Notify();
  EXPECT_TRUE(absl::EndsWith(leader_got + ReadToEnd(leader), "first-last"));
  EXPECT_TRUE(absl::EndsWith(waiter_got + ReadToEnd(waiter), "first-last"));
  slow_origin.join();
}

// Collapsed requests share a Vary response only when their own values select it.
TEST_F(CacheTest, CollapsedWaitersCheckVaryAgainstTheirOwnRequest) {
  absl::Notification release;
  std::atomic<int> calls{0};
  origin_->Handle("/cv", [&](const http::RequestHead& r) {
    if (calls++ == 0) release.WaitForNotificationWithTimeout(absl::Seconds(20));
    return Response(200, "Cache-Control: max-age=600\r\nVary: Accept-Language\r\n",
                    std::string(r.headers.Get("Accept-Language").value_or("none")));
  });
  Start();
  std::vector<std::string> langs = {"de", "de", "de", "fr"};
  std::vector<Reply> replies(langs.size());
  std::vector<std::thread> clients;
  auto client = [&](size_t i) {
    clients.emplace_back([&, i] {
      replies[i] = Get("/cv", absl::StrCat("Accept-Language: ", langs[i], "\r\n"));
    });
  };
  client(0);  // leads: its fetch is held at the origin
  ASSERT_TRUE(origin_->WaitForCount("/cv", 1, absl::Seconds(10)));
  for (size_t i = 1; i < langs.size(); ++i) client(i);
  WaitForMetrics(proxy_.admin_port, {"cachingproxy_cache_collapsed_total 3"});
  release.Notify();
  for (std::thread& t : clients) t.join();
  for (size_t i = 0; i < langs.size(); ++i) EXPECT_EQ(replies[i].body, langs[i]) << i;
  // The "de" fetch served all three "de" requests; "fr" had to ask for its own variant.
  EXPECT_EQ(origin_->count("/cv"), 2);
}

TEST_F(CacheTest, UncacheableAnswerSendsTheWaitersUpstreamThemselves) {
  absl::Notification release;
  std::atomic<int> calls{0};
  origin_->Handle("/private", [&](const http::RequestHead&) {
    if (calls++ == 0) release.WaitForNotificationWithTimeout(absl::Seconds(20));
    return Response(200, "Cache-Control: private\r\n", "mine");
  });
  Start();
  constexpr int kClients = 5;
  std::vector<std::thread> clients;
  std::vector<Reply> replies(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] { replies[i] = Get("/private"); });
  }
  WaitForMetrics(proxy_.admin_port, {absl::StrCat("cachingproxy_cache_collapsed_total ", kClients - 1)});
  release.Notify();
  for (std::thread& t : clients) t.join();
  for (const Reply& r : replies) EXPECT_EQ(r.body, "mine");
  EXPECT_EQ(origin_->count("/private"), kClients);
}

TEST_F(CacheTest, ASlowFillReleasesItsWaitersAfterTheCollapseTimeout) {
  absl::Notification release;
  std::atomic<int> calls{0};
  origin_->Handle("/slow", [&](const http::RequestHead&) {
    if (calls++ == 0) release.WaitForNotificationWithTimeout(absl::Seconds(20));
    return Response(200, "Cache-Control: max-age=600\r\n", "slow");
  });
  Start({"--collapse_timeout=300ms"});
  std::thread leader([&] { EXPECT_EQ(Get("/slow").body, "slow"); });
  ASSERT_TRUE(origin_->WaitForCount("/slow", 1, absl::Seconds(10)));
  // This one joins, times out waiting, and fetches for itself while the first is stuck.
  EXPECT_EQ(Get("/slow").body, "slow");
  EXPECT_EQ(origin_->count("/slow"), 2);
  release.Notify();
  leader.join();
}

// --- metrics -------------------------------------------------------------------------------

TEST_F(CacheTest, MetricsCountResultsEntriesAndHitRatio) {
  origin_->Serve("/m", Response(200, "Cache-Control: max-age=600\r\n", "x"));
  Start();
  Get("/m");
  Get("/m");
  Get("/m");
  std::string text = WaitForMetrics(proxy_.admin_port, {
      "cachingproxy_cache_requests_total{result=\"HIT\"} 2",
      "cachingproxy_cache_requests_total{result=\"MISS\"} 1",
  });
  EXPECT_THAT(text, HasSubstr("cachingproxy_cache_requests_total{result=\"HIT\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("cachingproxy_cache_hit_ratio 0.666667\n"));
  EXPECT_THAT(text, HasSubstr("cachingproxy_cache_entries{tier=\"memory\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cachingproxy_cache_entries{tier=\"disk\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cachingproxy_cache_evictions_total{tier=\"memory\"} 0\n"));
}

// --- the disk tier -------------------------------------------------------------------------

TEST_F(CacheTest, RestartKeepsDiskHits) {
  origin_->Serve("/d", Response(200, "Cache-Control: max-age=600\r\n", "from disk"));
  Start();
  ASSERT_EQ(Get("/d").body, "from disk");
  proxy_.process->Signal(SIGTERM);
  ASSERT_OK_AND_ASSIGN(ProcessResult r, proxy_.process->Wait(absl::Seconds(10)));
  ASSERT_EQ(r.exit_code, 0);
  Start();
  Reply after = Get("/d");
  EXPECT_EQ(after.body, "from disk");
  EXPECT_EQ(XCache(after), "HIT");
  EXPECT_EQ(origin_->count("/d"), 1);
  EXPECT_THAT(proxy_.process->Stderr(), HasSubstr("(1 entries"));
}

TEST_F(CacheTest, KillDuringHeavyInsertsNeverServesACorruptEntry) {
  // Each path's body is derived from the path, so a wrong or torn body is recognisable.
  auto body_for = [](absl::string_view path) {
    std::string b;
    while (b.size() < 200000) absl::StrAppend(&b, path, ";");
    return b;
  };
  constexpr int kPaths = 200;
  for (int i = 0; i < kPaths; ++i) {
    std::string path = absl::StrCat("/k", i);
    origin_->Serve(path, Response(200, "Cache-Control: max-age=600\r\n", body_for(path)));
  }
  Start({"--mem_cache_size=1M"});
  std::atomic<bool> stop{false};
  std::vector<std::thread> loaders;
  for (int t = 0; t < 4; ++t) {
    loaders.emplace_back([&, t] {
      for (int i = t; i < kPaths && !stop; i += 4) Get(absl::StrCat("/k", i));
    });
  }
  // Kill it in the middle of the inserts.
  ASSERT_TRUE(origin_->WaitForCount(absl::StrCat("/k", kPaths / 2), 1, absl::Seconds(30)));
  proxy_.process->Signal(SIGKILL);
  stop = true;
  for (std::thread& t : loaders) t.join();
  ASSERT_OK_AND_ASSIGN(ProcessResult killed, proxy_.process->Wait(absl::Seconds(10)));
  EXPECT_EQ(killed.term_signal, SIGKILL);
  Start({"--mem_cache_size=1M"});
  int hits = 0;
  for (int i = 0; i < kPaths; ++i) {
    std::string path = absl::StrCat("/k", i);
    Reply r = Get(path);
    ASSERT_EQ(r.status, 200) << path;
    ASSERT_EQ(r.body, body_for(path)) << path << " " << XCache(r);
    hits += XCache(r) == "HIT";
  }
  EXPECT_GT(hits, 0);  // some entries survived the kill and were served from disk
}

TEST_F(CacheTest, AFullDiskIsSurvivedInMemory) {
  // A 64 KiB tmpfs in the proxy's own mount namespace: disk writes fail with ENOSPC.
  std::string dir = CacheDir();
  ASSERT_EQ(::system(absl::StrCat("mkdir -p ", dir).c_str()), 0);
  if (::system("unshare -m true 2>/dev/null") != 0) GTEST_SKIP() << "no mount namespaces here";
  origin_->Serve("/big", Response(200, "Cache-Control: max-age=600\r\n", std::string(200000, 'b')));
  proxy_ = proxy::testutil::StartProgram(
      "/usr/bin/unshare",
      {"-m", "sh", "-c",
       absl::StrCat("mount -t tmpfs -o size=64k none ", dir, " && exec ",
                    proxy::testutil::ProxyBinary(), " \"$@\""),
       "cachingproxy", "--listen=127.0.0.1:0", "--resolver=numeric", "--mem_cache_size=16M",
       absl::StrCat("--cache_dir=", dir)});
  ASSERT_NE(proxy_.port, 0);
  auto get = [&] { return Get("/big"); };
  Reply first = get();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body.size(), 200000u);
  Reply second = get();
  EXPECT_EQ(second.body.size(), 200000u);
  EXPECT_EQ(XCache(second), "HIT");
  EXPECT_EQ(origin_->count("/big"), 1);
  EXPECT_TRUE(proxy_.process->WaitForStderr("No space left on device", absl::Seconds(5)))
      << proxy_.process->Stderr();
  proxy_.process->Signal(SIGTERM);
  ASSERT_OK_AND_ASSIGN(ProcessResult r, proxy_.process->Wait(absl::Seconds(10)));
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(CacheTest, AnUnusableCacheDirectoryLeavesTheMemoryTier) {
  std::string file = absl::StrCat(std::getenv("TEST_TMPDIR"), "/not-a-dir");
  ASSERT_EQ(::system(absl::StrCat("touch ", file).c_str()), 0);
  origin_->Serve("/u", Response(200, "Cache-Control: max-age=600\r\n", "x"));
  proxy_ = proxy::testutil::StartProxy({"--mem_cache_size=1M", absl::StrCat("--cache_dir=", file, "/sub")});
  ASSERT_NE(proxy_.port, 0);
  EXPECT_THAT(proxy_.process->Stderr(), HasSubstr("no disk tier"));
  Get("/u");
  EXPECT_EQ(XCache(Get("/u")), "HIT");
  EXPECT_EQ(origin_->count("/u"), 1);
}

}  // namespace
