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

TEST(AppendStoredHeadTest, FieldsAgeLengthViaAndXCache) {
  std::string out;
  StoredHead h{.status = 200, .fields = "Content-Type: text/plain\r\nETag: \"a\"\r\n",
               .age = absl::Seconds(40) + absl::Milliseconds(900), .body_size = 5,
               .x_cache = "HIT", .pseudonym = "cp"};
  EXPECT_EQ(AppendStoredHead(h, &out), BodyFollows::kLength);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nETag: \"a\"\r\nAge: 40\r\n"
                 "Content-Length: 5\r\nVia: 1.1 cp\r\nX-Cache: HIT\r\n\r\n");
  // The head already in `out` stays; a HEAD request announces the length, no body follows.
  h.head_request = true;
  h.close = true;
  EXPECT_EQ(AppendStoredHead(h, &out), BodyFollows::kNone);
  EXPECT_THAT(out, testing::EndsWith("Content-Length: 5\r\nVia: 1.1 cp\r\nX-Cache: HIT\r\n"
                                     "Connection: close\r\n\r\n"));
}

TEST(AppendStoredHeadTest, UnknownSizeIsChunkedFor11AndCloseDelimitedFor10) {
  StoredHead h{.status = 404, .x_cache = "HIT", .pseudonym = "cp"};
  std::string v11;
  EXPECT_EQ(AppendStoredHead(h, &v11), BodyFollows::kChunked);
  EXPECT_THAT(v11, testing::StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(v11, testing::HasSubstr("\r\nTransfer-Encoding: chunked\r\n"));
  EXPECT_THAT(v11, testing::Not(testing::HasSubstr("Connection: close")));
  h.client_minor = 0;
  std::string v10;
  EXPECT_EQ(AppendStoredHead(h, &v10), BodyFollows::kUntilClose);
  EXPECT_THAT(v10, testing::Not(testing::HasSubstr("Transfer-Encoding")));
  EXPECT_THAT(v10, testing::HasSubstr("\r\nConnection: close\r\n"));
}

TEST(AppendStoredHeadTest, BodylessStatusesHaveNoFraming) {
  for (int status : {204, 304}) {
    std::string out;
    StoredHead h{.status = status, .body_size = 0, .x_cache = "HIT", .pseudonym = "cp"};
    EXPECT_EQ(AppendStoredHead(h, &out), BodyFollows::kNone);
    EXPECT_THAT(out, testing::Not(testing::HasSubstr("Content-Length")));
    EXPECT_THAT(out, testing::Not(testing::HasSubstr("Transfer-Encoding")));
  }
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
