#include "proxy/forwarding.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/message.h"
#include "testing/matchers.h"

namespace proxy {
namespace {

using ::testing::HasSubstr;
using ::testing_util::StatusIs;

http::RequestHead Req(std::string method, std::string target, int minor = 1) {
  http::RequestHead h;
  h.method = std::move(method);
  h.target = std::move(target);
  h.version_minor = minor;
  return h;
}

TEST(RouteRequestTest, AbsoluteFormIsForwarded) {
  ASSERT_OK_AND_ASSIGN(Route r, RouteRequest(Req("GET", "http://127.0.0.1:81/a?b"), {}));
  EXPECT_EQ(r.kind, Route::kForward);
  EXPECT_EQ(r.origin, (Origin{"127.0.0.1", 81}));
  EXPECT_EQ(r.target, "/a?b");
  EXPECT_EQ(r.host_header, "127.0.0.1:81");
}

TEST(RouteRequestTest, OriginFormNeedsUpstream) {
  EXPECT_THAT(RouteRequest(Req("GET", "/x"), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--upstream")));
  http::RequestHead h = Req("GET", "/x");
  ASSERT_TRUE(h.headers.Add("Host", "site.test").ok());
  ASSERT_OK_AND_ASSIGN(Route r, RouteRequest(h, Origin{"::1", 8080}));
  EXPECT_EQ(r.kind, Route::kReverse);
  EXPECT_EQ(r.origin.Key(), "[::1]:8080");
  EXPECT_EQ(r.host_header, "site.test");
}

TEST(RouteRequestTest, ConnectAndBadSchemes) {
  ASSERT_OK_AND_ASSIGN(Route r, RouteRequest(Req("CONNECT", "[::1]:443"), {}));
  EXPECT_EQ(r.kind, Route::kConnect);
  EXPECT_EQ(r.origin, (Origin{"::1", 443}));
  EXPECT_THAT(RouteRequest(Req("CONNECT", "nohost"), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RouteRequest(Req("GET", "https://x.test/"), {}),
              StatusIs(absl::StatusCode::kUnimplemented));
  EXPECT_THAT(RouteRequest(Req("GET", "http://bad host/"), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ForwardingTest, LoopDetectionLooksAtReceivedBy) {
  http::Headers h;
  ASSERT_TRUE(h.Add("Via", "1.0 fred, 1.1 other (cachingproxy)").ok());
  EXPECT_FALSE(IsLoop(h, "cachingproxy"));
  ASSERT_TRUE(h.Add("Via", "HTTP/1.1 CachingProxy").ok());
  EXPECT_TRUE(IsLoop(h, "cachingproxy"));
}

TEST(ForwardingTest, UpstreamRequestDropsHopByHopAndAddsViaAndXff) {
  http::RequestHead h = Req("GET", "http://127.0.0.1:81/p", 0);
  for (auto [n, v] : {std::pair{"Connection", "keep-alive, X-Secret"}, {"X-Secret", "1"},
                      {"Keep-Alive", "timeout=5"}, {"Proxy-Connection", "keep-alive"},
                      {"TE", "trailers"}, {"Trailer", "X"}, {"Upgrade", "websocket"},
                      {"Proxy-Authorization", "Basic eA=="}, {"Via", "1.1 a"},
                      {"X-Forwarded-For", "10.0.0.1"}, {"Accept", "*/*"}}) {
    ASSERT_TRUE(h.headers.Add(n, v).ok());
  }
  ASSERT_OK_AND_ASSIGN(Route r, RouteRequest(h, {}));
  ASSERT_TRUE(PrepareUpstreamRequest(&h, r, "127.0.0.1", "cachingproxy").ok());
  http::Headers want;
  ASSERT_TRUE(want.Add("Via", "1.1 a, 1.0 cachingproxy").ok());
  ASSERT_TRUE(want.Add("X-Forwarded-For", "10.0.0.1, 127.0.0.1").ok());
  ASSERT_TRUE(want.Add("Accept", "*/*").ok());
  ASSERT_TRUE(want.Add("Host", "127.0.0.1:81").ok());
  EXPECT_EQ(h.headers, want);
  EXPECT_EQ(h.target, "/p");
  EXPECT_EQ(h.version_minor, 1);
}

TEST(ForwardingTest, ConnectionMayListManyFieldsInAnyCaseAcrossFields) {
  http::Headers h;
  for (auto [n, v] : {std::pair{"connection", "close, A, b"}, {"Connection", " C ,,d, E, KEEP-ALIVE"},
                      {"a", "1"}, {"B", "2"}, {"c", "3"}, {"D", "4"}, {"e", "5"}, {"close", "6"},
                      {"Keep-alive", "x"}, {"F", "kept"}, {"Via", "1.1 a"}}) {
    ASSERT_TRUE(h.Add(n, v).ok());
  }
  RemoveHopByHop(&h);
  http::Headers want;
  ASSERT_TRUE(want.Add("F", "kept").ok());
  ASSERT_TRUE(want.Add("Via", "1.1 a").ok());
  EXPECT_EQ(h, want);

  // Nothing hop-by-hop: nothing changes.
  RemoveHopByHop(&h);
  EXPECT_EQ(h, want);
}

TEST(ForwardingTest, ViaNamesTheReceivedVersionWhateverThePseudonym) {
  http::Headers h;
  AppendVia(&h, 0, "p");
  const std::string long_name(100, 'n');  // longer than the stack buffer
  AppendVia(&h, 1, long_name);
  EXPECT_EQ(h.Get("Via"), "1.0 p, 1.1 " + long_name);
}

TEST(ForwardingTest, ChunkedToHttp10ClientIsDechunkedAndClosed) {
  http::ResponseHead r;
  ASSERT_TRUE(r.headers.Add("Transfer-Encoding", "chunked").ok());
  ASSERT_TRUE(r.headers.Add("Connection", "keep-alive").ok());
  ResponsePlan plan =
      PrepareClientResponse(&r, {.kind = http::BodyFraming::kChunked}, 0, false, "cachingproxy");
  EXPECT_TRUE(plan.dechunk);
  EXPECT_TRUE(plan.close_after);
  EXPECT_FALSE(r.headers.Has("Transfer-Encoding"));
  EXPECT_EQ(r.headers.Get("Connection"), "close");
  EXPECT_EQ(r.headers.Get("Via"), "1.1 cachingproxy");

  http::ResponseHead r11;
  ASSERT_TRUE(r11.headers.Add("Transfer-Encoding", "chunked").ok());
  plan = PrepareClientResponse(&r11, {.kind = http::BodyFraming::kChunked}, 1, false, "p");
  EXPECT_FALSE(plan.dechunk);
  EXPECT_FALSE(plan.close_after);
  EXPECT_FALSE(r11.headers.Has("Connection"));
}

TEST(ForwardingTest, KeepAliveForHttp10ClientsThatAskAndRechunkingFor11) {
  http::RequestHead req10{.method = "GET", .target = "/", .version_minor = 0};
  EXPECT_TRUE(ClientWantsClose(req10));
  ASSERT_TRUE(req10.headers.Add("Connection", "Keep-Alive").ok());
  EXPECT_FALSE(ClientWantsClose(req10));
  http::RequestHead req11{.method = "GET", .target = "/"};
  EXPECT_FALSE(ClientWantsClose(req11));
  ASSERT_TRUE(req11.headers.Add("Proxy-Connection", "close").ok());
  EXPECT_TRUE(ClientWantsClose(req11));

  // A 1.0 client kept open is told so; with a close-delimited body it cannot be.
  http::ResponseHead length;
  ResponsePlan plan = PrepareClientResponse(&length, {.kind = http::BodyFraming::kContentLength},
                                            0, false, "p");
  EXPECT_FALSE(plan.close_after);
  EXPECT_EQ(length.headers.Get("Connection"), "keep-alive");
  http::ResponseHead until_close;
  plan = PrepareClientResponse(&until_close, {.kind = http::BodyFraming::kUntilClose}, 0, false, "p");
  EXPECT_TRUE(plan.close_after);
  EXPECT_FALSE(plan.rechunk);
  EXPECT_EQ(until_close.headers.Get("Connection"), "close");

  // A 1.1 client gets a close-delimited body chunked, and stays.
  http::ResponseHead rechunked;
  plan = PrepareClientResponse(&rechunked, {.kind = http::BodyFraming::kUntilClose}, 1, false, "p");
  EXPECT_TRUE(plan.rechunk);
  EXPECT_FALSE(plan.close_after);
  EXPECT_EQ(rechunked.headers.Get("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(rechunked.headers.Has("Connection"));
}

TEST(ForwardingTest, UpstreamReuseAndErrorResponse) {
  http::ResponseHead r;
  EXPECT_TRUE(UpstreamReusable(r, {.kind = http::BodyFraming::kContentLength}));
  EXPECT_FALSE(UpstreamReusable(r, {.kind = http::BodyFraming::kUntilClose}));
  ASSERT_TRUE(r.headers.Add("Connection", "close").ok());
  EXPECT_FALSE(UpstreamReusable(r, {.kind = http::BodyFraming::kNone}));
  EXPECT_EQ(ErrorResponse(508, "", "p"),
            "HTTP/1.1 508 Loop Detected\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n"
            "Connection: close\r\nVia: 1.1 p\r\n\r\n508 Loop Detected\n");
}

}  // namespace
}  // namespace proxy
