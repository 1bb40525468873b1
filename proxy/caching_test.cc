#include "proxy/caching.h"

#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/cache/store.h"
#include "lib/http/headers.h"
#include "lib/http/message.h"
#include "proxy/forwarding.h"
#include "testing/matchers.h"

namespace proxy {
namespace {

using ::testing_util::IsOk;
using ::testing_util::StatusIs;

const absl::Time kT0 = absl::FromUnixSeconds(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT

http::Headers H(std::initializer_list<std::pair<const char*, const char*>> fields) {
  http::Headers h;
  for (const auto& [name, value] : fields) EXPECT_THAT(h.Add(name, value), IsOk());
  return h;
}

std::vector<std::string> Names(const http::Headers& h) {
  std::vector<std::string> out;
  for (const http::Headers::Field& f : h) out.push_back(f.name);
  return out;
}

TEST(CacheUrlTest, ForwardAndReverseRoutes) {
  Route forward{.kind = Route::kForward, .origin = {"example.test", 8080}, .target = "/a?b",
                .host_header = "Example.TEST:8080"};
  ASSERT_OK_AND_ASSIGN(http::Url url, CacheUrl(forward));
  EXPECT_EQ(url.ToString(), "http://example.test:8080/a?b");
  Route reverse{.kind = Route::kReverse, .origin = {"127.0.0.1", 9000}, .target = "/x",
                .host_header = "www.test"};
  ASSERT_OK_AND_ASSIGN(http::Url rev, CacheUrl(reverse));
  EXPECT_EQ(rev.ToString(), "http://www.test/x");
  Route star{.kind = Route::kReverse, .target = "*", .host_header = "www.test"};
  EXPECT_THAT(CacheUrl(star), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MayCollapseTest, OnlyPlainGets) {
  EXPECT_TRUE(MayCollapse({.method = "GET", .target = "/", .headers = H({{"Accept", "*/*"}})}));
  EXPECT_FALSE(MayCollapse({.method = "HEAD", .target = "/"}));
  EXPECT_FALSE(MayCollapse({.method = "POST", .target = "/"}));
  for (const char* name : {"Authorization", "Range", "If-None-Match", "If-Modified-Since",
                           "If-Match", "If-Unmodified-Since", "If-Range"}) {
    EXPECT_FALSE(MayCollapse({.method = "GET", .target = "/", .headers = H({{name, "x"}})}))
        << name;
  }
}

cache::EntryMeta Meta(int status, http::Headers headers) {
  return cache::EntryMeta{.status = status, .headers = std::move(headers),
                          .request_time = kT0, .response_time = kT0};
}

TEST(StoredResponseHeadTest, AgeLengthAndXCache) {
  cache::EntryMeta m = Meta(200, H({{"Date", "Sun, 06 Nov 1994 08:49:37 GMT"},
                                    {"Age", "10"},
                                    {"Content-Length", "999"},
                                    {"Content-Type", "text/plain"}}));
  http::ResponseHead h = StoredResponseHead(m, 5, kT0 + absl::Seconds(30), "HIT");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.reason, "OK");
  EXPECT_EQ(h.headers.Get("age"), "40");
  EXPECT_EQ(h.headers.Get("content-length"), "5");
  EXPECT_EQ(h.headers.Get("x-cache"), "HIT");
  EXPECT_EQ(h.headers.Get("content-type"), "text/plain");
  EXPECT_THAT(h.headers.GetAll("age"), testing::SizeIs(1));
}

TEST(StoredResponseHeadTest, UnknownSizeIsChunkedAndBodylessStatusesHaveNoFraming) {
  http::ResponseHead streaming = StoredResponseHead(Meta(200, H({})), std::nullopt, kT0, "HIT");
  EXPECT_EQ(streaming.headers.Get("transfer-encoding"), "chunked");
  EXPECT_FALSE(streaming.headers.Has("content-length"));
  http::ResponseHead empty = StoredResponseHead(Meta(204, H({})), 0, kT0, "HIT");
  EXPECT_EQ(empty.reason, "No Content");
  EXPECT_FALSE(empty.headers.Has("content-length"));
  EXPECT_FALSE(empty.headers.Has("transfer-encoding"));
  http::ResponseHead not_found = StoredResponseHead(Meta(404, H({})), 3, kT0, "STALE");
  EXPECT_EQ(not_found.reason, "Not Found");
  EXPECT_EQ(not_found.headers.Get("content-length"), "3");
  EXPECT_EQ(not_found.headers.Get("x-cache"), "STALE");
}

TEST(NotModifiedHeadTest, KeepsValidatorsAndFreshnessFieldsOnly) {
  cache::EntryMeta m = Meta(200, H({{"Date", "Sun, 06 Nov 1994 08:49:37 GMT"},
                                    {"ETag", "\"a\""},
                                    {"Content-Type", "text/plain"},
                                    {"Content-Length", "5"},
                                    {"Cache-Control", "max-age=60"},
                                    {"Last-Modified", "Sun, 06 Nov 1994 08:00:00 GMT"},
                                    {"Vary", "Accept"},
                                    {"Set-Cookie", "a=b"}}));
  http::ResponseHead h = NotModifiedHead(m, kT0 + absl::Seconds(2), "HIT");
  EXPECT_EQ(h.status, 304);
  EXPECT_EQ(h.reason, "Not Modified");
  EXPECT_THAT(Names(h.headers), testing::ElementsAre("Date", "ETag", "Cache-Control",
                                                     "Last-Modified", "Vary", "Age", "X-Cache"));
  EXPECT_EQ(h.headers.Get("age"), "2");
}

TEST(BodyAllowedTest, Statuses) {
  EXPECT_TRUE(BodyAllowed(200));
  EXPECT_TRUE(BodyAllowed(404));
  EXPECT_FALSE(BodyAllowed(204));
  EXPECT_FALSE(BodyAllowed(304));
  EXPECT_FALSE(BodyAllowed(100));
}

}  // namespace
}  // namespace proxy
