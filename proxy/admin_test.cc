#include "proxy/admin.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"
#include "testing/matchers.h"

namespace proxy {
namespace {

using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Metrics() { return "m 1\n"; }
const AdminHandlers kMetricsOnly{.metrics = Metrics};

TEST(AdminResponseTest, RoutesByPath) {
  EXPECT_EQ(AdminResponse("GET", "/health", kMetricsOnly),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            "Connection: close\r\n\r\nok\n");
  EXPECT_THAT(AdminResponse("GET", "/metrics?x=1", kMetricsOnly),
              AllOf(StartsWith("HTTP/1.1 200 OK\r\n"),
                    HasSubstr("Content-Type: text/plain; version=0.0.4"), EndsWith("\r\n\r\nm 1\n")));
  EXPECT_THAT(AdminResponse("HEAD", "/metrics", kMetricsOnly),
              AllOf(HasSubstr("Content-Length: 4\r\n"), EndsWith("\r\n\r\n")));
  EXPECT_THAT(AdminResponse("GET", "/metricsx", kMetricsOnly), StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(AdminResponse("GET", "/", kMetricsOnly), StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(AdminResponse("POST", "/metrics", kMetricsOnly),
              AllOf(StartsWith("HTTP/1.1 405 Method Not Allowed\r\n"), HasSubstr("Allow: GET"),
                    EndsWith("\r\n\r\n405 Method Not Allowed\n")));
}

TEST(AdminResponseTest, PurgeTakesAPercentEncodedUrl) {
  std::vector<std::string> asked;
  AdminHandlers h{.metrics = Metrics, .purge = [&asked](absl::string_view url) -> absl::StatusOr<bool> {
    asked.emplace_back(url);
    if (url == "bad") return absl::InvalidArgumentError("not a URL");
    return url == "http://a.test/x?y=1";
  }};
  EXPECT_THAT(AdminResponse("GET", "/purge?url=http%3A%2F%2Fa.test%2Fx%3Fy%3D1", h),
              AllOf(StartsWith("HTTP/1.1 200 OK\r\n"), EndsWith("\r\n\r\npurged\n")));
  EXPECT_THAT(AdminResponse("POST", "/purge?x=1&url=http://a.test/other", h),
              AllOf(StartsWith("HTTP/1.1 404 Not Found\r\n"), EndsWith("not in the cache\n")));
  EXPECT_THAT(AdminResponse("GET", "/purge?url=bad", h),
              AllOf(StartsWith("HTTP/1.1 400 Bad Request\r\n"), HasSubstr("not a URL")));
  EXPECT_THAT(AdminResponse("GET", "/purge", h), StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(AdminResponse("GET", "/purge?url=%zz", h), StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(AdminResponse("DELETE", "/purge?url=x", h),
              StartsWith("HTTP/1.1 405 Method Not Allowed\r\n"));
  EXPECT_THAT(asked, testing::ElementsAre("http://a.test/x?y=1", "http://a.test/other", "bad"));
  // Without a cache there is no /purge.
  EXPECT_THAT(AdminResponse("GET", "/purge?url=x", kMetricsOnly),
              StartsWith("HTTP/1.1 404 Not Found\r\n"));
}

std::string Fetch(uint16_t port, const std::string& request) {
  absl::StatusOr<net::Socket> s =
      net::Connect(net::Address::Loopback(AF_INET, port), absl::Now() + absl::Seconds(5));
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return "";
  struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
  setsockopt(s->fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  EXPECT_TRUE(s->WriteAll(request).ok());
  std::string out;
  char buf[4096];
  for (;;) {
    absl::StatusOr<size_t> n = s->Read(absl::MakeSpan(buf));
    if (!n.ok() || *n == 0 || *n == net::kWouldBlock) return out;
    out.append(buf, *n);
  }
}

TEST(AdminServerTest, ServesOverLoopbackOnItsOwnPort) {
  int calls = 0;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AdminServer> admin,
                       AdminServer::Start(net::Address::Loopback(AF_INET, 0),
                                          {.metrics = [&calls] {
                                            ++calls;
                                            return std::string("m 1\n");
                                          }}));
  uint16_t port = admin->address().port();
  ASSERT_NE(port, 0);
  EXPECT_THAT(Fetch(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
              AllOf(StartsWith("HTTP/1.1 200 OK\r\n"), EndsWith("\r\n\r\nok\n")));
  EXPECT_THAT(Fetch(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), EndsWith("\r\n\r\nm 1\n"));
  EXPECT_EQ(calls, 1);
  EXPECT_THAT(Fetch(port, "GET /nope HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(Fetch(port, "BAD\r\n\r\n"), StartsWith("HTTP/1.1 400 Bad Request\r\n"));
}

TEST(AdminServerTest, DestructorStopsListening) {
  uint16_t port = 0;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<AdminServer> admin,
                         AdminServer::Start(net::Address::Loopback(AF_INET, 0), kMetricsOnly));
    port = admin->address().port();
  }
  EXPECT_FALSE(net::Connect(net::Address::Loopback(AF_INET, port),
                            absl::Now() + absl::Seconds(1)).ok());
}

}  // namespace
}  // namespace proxy
