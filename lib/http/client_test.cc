#include "lib/http/client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/headers.h"
#include "lib/http/message.h"
#include "lib/http/url.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"
#include "testing/matchers.h"
#include "testing/replay_server.h"

namespace http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;
using ::testing_util::TcpReplayOptions;
using ::testing_util::TcpReplayServer;

std::string Fixture(const std::string& name) {
  absl::StatusOr<std::string> s = testing_util::ReadFile("testdata/http/" + name + ".http");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.value_or("");
}

// KeepAlive turns a recorded "Connection: close" response into a keep-alive one.
std::string KeepAlive(const std::string& response) {
  return absl::StrReplaceAll(response, {{"Connection: close\r\n", "Connection: keep-alive\r\n"}});
}

// BodyOf returns what follows the last head in a recorded response.
std::string BodyOf(const std::string& response) {
  return response.substr(response.rfind("\r\n\r\n") + 4);
}

Url MustUrl(const std::string& s) { return *Url::Parse(s); }

std::string Base(const TcpReplayServer& server) {
  return absl::StrCat("http://127.0.0.1:", server.port());
}

// Fetched is the outcome of one Fetch with everything the callbacks saw.
struct Fetched {
  absl::StatusOr<FetchResult> result;
  std::string body;
  std::vector<int> statuses;  // every response head, interim ones included
  std::vector<std::string> info;
  Headers trailers;
};

Fetched Get(Client& client, const std::string& url,
            const std::function<void(Request&)>& tweak = nullptr) {
  Fetched f{absl::UnknownError("unset")};
  Request request(MustUrl(url));
  if (tweak) tweak(request);
  FetchCallbacks cb;
  cb.body = [&](absl::string_view d) {
    f.body.append(d.data(), d.size());
    return absl::OkStatus();
  };
  cb.response_head = [&](const ResponseHead& h, absl::string_view) { f.statuses.push_back(h.status); };
  cb.info = [&](absl::string_view line) { f.info.emplace_back(std::string(line)); };
  cb.trailers = [&](const Headers& t) { f.trailers = t; };
  f.result = client.Fetch(request, cb);
  return f;
}

class FixtureTest : public ::testing::TestWithParam<size_t> {};

TEST_P(FixtureTest, EveryFramingInEveryWriteSize) {
  struct Case {
    std::string fixture;
    std::string method;
    int status;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"content_length", "GET", 200, "Hello from the fixture server.\n"},
      {"chunked_trailers", "GET", 200, "Hello, chunky world of trailers 123456\n"},
      {"close_delimited", "GET", 200, BodyOf(Fixture("close_delimited"))},
      {"early_hints", "GET", 200, "<html>early hints</html>\n"},
      {"processing_102", "GET", 200, BodyOf(Fixture("processing_102"))},
      {"no_content_204", "GET", 204, ""},
      {"not_modified", "GET", 304, ""},
      {"head", "HEAD", 200, ""},
      {"pyhttp_10", "GET", 200, "Hello from the fixture server.\n"},
      {"not_found_404", "GET", 404, BodyOf(Fixture("not_found_404"))},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fixture);
    TcpReplayOptions o;
    o.write_size = GetParam();
    auto server = TcpReplayServer::Start({Fixture(c.fixture)}, o);
    ASSERT_THAT(server, IsOk());
    Client client;
    Fetched f = Get(client, Base(**server) + "/x", [&](Request& r) { r.method = c.method; });
    ASSERT_THAT(f.result, IsOk());
    EXPECT_EQ(f.result->head.status, c.status);
    EXPECT_EQ(f.body, c.body);
    EXPECT_EQ(f.result->num_connects, 1);
  }
}

INSTANTIATE_TEST_SUITE_P(WriteSizes, FixtureTest, ::testing::Values(1, 1400, 0));

TEST(ClientTest, InterimResponsesAreReportedThenSkipped) {
  auto server = TcpReplayServer::Start({Fixture("early_hints")});
  ASSERT_THAT(server, IsOk());
  Client client;
  Fetched f = Get(client, Base(**server) + "/early-hints");
  ASSERT_THAT(f.result, IsOk());
  EXPECT_THAT(f.statuses, ElementsAre(103, 200));
}

TEST(ClientTest, ChunkedTrailersAreHandedOver) {
  auto server = TcpReplayServer::Start({Fixture("chunked_trailers")});
  ASSERT_THAT(server, IsOk());
  Client client;
  Fetched f = Get(client, Base(**server) + "/chunked-trailers");
  ASSERT_THAT(f.result, IsOk());
  EXPECT_EQ(f.trailers.Get("X-Checksum"), "abc123");
}

TEST(ClientTest, SendsHostFirstThenCallerHeaders) {
  auto server = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(server, IsOk());
  Client client;
  ASSERT_THAT(Get(client, Base(**server) + "/small.txt?q=1#frag",
                  [](Request& r) {
                    ASSERT_THAT(r.headers.Add("User-Agent", "mini-curl/0.1"), IsOk());
                    ASSERT_THAT(r.headers.Add("Accept", "*/*"), IsOk());
                  })
                  .result,
              IsOk());
  EXPECT_THAT((*server)->requests(),
              ElementsAre(absl::StrCat("GET /small.txt?q=1 HTTP/1.1\r\nHost: 127.0.0.1:",
                                       (*server)->port(),
                                       "\r\nUser-Agent: mini-curl/0.1\r\nAccept: */*\r\n\r\n")));
}

TEST(ClientTest, KeepAliveReusesOneConnectionPerOrigin) {
  const std::string ok = KeepAlive(Fixture("content_length"));
  TcpReplayOptions o;
  o.close_after_last = false;
  auto server = TcpReplayServer::Start({ok, ok, ok}, o);
  ASSERT_THAT(server, IsOk());
  Client client;
  for (int i = 0; i < 3; ++i) {
    Fetched f = Get(client, Base(**server) + "/small.txt");
    ASSERT_THAT(f.result, IsOk());
    EXPECT_EQ(f.result->num_connects, i == 0 ? 1 : 0);
    if (i > 0) {
      EXPECT_THAT(f.info, testing::Contains("Re-using existing connection #0 with host 127.0.0.1"));
    }
  }
  EXPECT_EQ((*server)->connections(), 1);
  EXPECT_EQ((*server)->requests().size(), 3u);
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST(ClientTest, ConnectionCloseAndHttp10AreNotReused) {
  for (const char* fixture : {"content_length", "pyhttp_10", "close_delimited"}) {
    SCOPED_TRACE(fixture);
    auto server = TcpReplayServer::Start({Fixture(fixture)});
    ASSERT_THAT(server, IsOk());
    Client client;
    Fetched f = Get(client, Base(**server) + "/");
    ASSERT_THAT(f.result, IsOk());
    EXPECT_EQ(client.idle_connections(), 0u);
    EXPECT_THAT(f.info, testing::Contains("Closing connection 0"));
  }
}

TEST(ClientTest, Http10RequestWithoutKeepAliveClosesAfterwards) {
  const std::string ok = KeepAlive(Fixture("content_length"));
  auto server = TcpReplayServer::Start({absl::StrReplaceAll(ok, {{"Connection: keep-alive\r\n", ""}})});
  ASSERT_THAT(server, IsOk());
  Client client;
  ASSERT_THAT(Get(client, Base(**server) + "/", [](Request& r) { r.version_minor = 0; }).result,
              IsOk());
  EXPECT_THAT((*server)->requests(), ElementsAre(StartsWith("GET / HTTP/1.0\r\n")));
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST(ClientTest, StaleIdleConnectionIsRetriedOnANewOne) {
  // The first connection serves one response, then the server closes it while it is idle.
  auto server = TcpReplayServer::Start({KeepAlive(Fixture("content_length"))});
  ASSERT_THAT(server, IsOk());
  Client client;
  ASSERT_THAT(Get(client, Base(**server) + "/").result, IsOk());
  ASSERT_TRUE((*server)->WaitForClosed(1, absl::Seconds(10)));
  Fetched f = Get(client, Base(**server) + "/");
  ASSERT_THAT(f.result, IsOk());
  EXPECT_EQ(f.result->num_connects, 1);
  EXPECT_EQ((*server)->connections(), 2);
}

std::string Redirect(int status, const std::string& location) {
  return absl::StrCat("HTTP/1.1 ", status, " Moved\r\nLocation: ", location,
                      "\r\nContent-Length: 5\r\n\r\nmoved");
}

TEST(ClientTest, FollowsRelativeAndAbsoluteRedirectsOnOneConnection) {
  std::string port;
  auto server = TcpReplayServer::StartWithResponder(
      [&](const std::string& req, size_t) -> std::optional<std::string> {
        if (absl::StartsWith(req, "GET /redirect/1 ")) return KeepAlive(Fixture("redirect_301"));
        if (absl::StartsWith(req, "GET /redirect/2 ")) {
          return absl::StrReplaceAll(KeepAlive(Fixture("redirect_302")), {{"8089", port}});
        }
        return KeepAlive(Fixture("content_length"));
      });
  ASSERT_THAT(server, IsOk());
  port = absl::StrCat((*server)->port());
  Client client({.follow_redirects = true});
  Fetched f = Get(client, Base(**server) + "/redirect/1");
  ASSERT_THAT(f.result, IsOk());
  EXPECT_EQ(f.body, "Hello from the fixture server.\n");  // redirect bodies are dropped
  EXPECT_EQ(f.result->redirects, 2);
  EXPECT_EQ(f.result->num_connects, 1);
  EXPECT_EQ(f.result->effective_url, Base(**server) + "/small.txt");
  EXPECT_THAT(f.statuses, ElementsAre(301, 302, 200));
  EXPECT_THAT((*server)->requests(),
              ElementsAre(StartsWith("GET /redirect/1 "), StartsWith("GET /redirect/2 "),
                          StartsWith("GET /small.txt ")));
  EXPECT_EQ((*server)->connections(), 1);
}

// Events logs the info lines and the request_start/request_done calls of one Fetch in order.
std::vector<std::string> Events(Client& client, const std::string& url) {
  std::vector<std::string> log;
  FetchCallbacks cb;
  cb.info = [&](absl::string_view line) { log.emplace_back(line); };
  cb.request_start = [&](bool reused) { log.push_back(reused ? "start(reused)" : "start(new)"); };
  cb.request_done = [&](const absl::Status& s, const FetchResult& so_far) {
    log.push_back(absl::StrCat("done(", ClientErrorCode(s), ")"));
    if (so_far.head.status != 0) {
      log.push_back(absl::StrCat(so_far.head.status, " ", so_far.body_bytes, " ",
                                 so_far.effective_url));
    }
  };
  cb.body_read = [&](uint64_t n, uint64_t, std::optional<uint64_t>) {
    log.push_back(absl::StrCat("read ", n));
  };
  (void)client.Fetch(Request(MustUrl(url)), cb);
  return log;
}

TEST(ClientTest, EachRequestEndsBeforeItsConnectionIsKeptOrClosed) {
  auto server = TcpReplayServer::StartWithResponder(
      [&](const std::string& req, size_t) -> std::optional<std::string> {
        if (absl::StartsWith(req, "GET /old ")) return KeepAlive(Redirect(301, "/new"));
        return KeepAlive(Fixture("content_length"));
      });
  ASSERT_THAT(server, IsOk());
  Client client({.follow_redirects = true});
  const std::string base = Base(**server);
  std::vector<std::string> log = Events(client, base + "/old");
  ASSERT_EQ(log.size(), 17u);
  EXPECT_THAT(log[9], testing::MatchesRegex("Found bundle for host: 0x[0-9a-f]+ \\[serially\\]"));
  log[9] = "Found bundle";
  const std::string port = absl::StrCat((*server)->port());
  EXPECT_THAT(log, ElementsAre("start(new)", "  Trying 127.0.0.1:" + port + "...",
                               "Connected to 127.0.0.1 (127.0.0.1) port " + port + " (#0)",
                               "Ignoring the response-body", "read 5", "done(0)",
                               "301 5 " + base + "/old",
                               "Connection #0 to host 127.0.0.1 left intact",
                               "Issue another request to this URL: '" + base + "/new'",
                               "Found bundle", "Can not multiplex, even if we wanted to",
                               "Re-using existing connection #0 with host 127.0.0.1",
                               "start(reused)", "read 31", "done(0)",
                               "200 31 " + base + "/new",
                               "Connection #0 to host 127.0.0.1 left intact"));
}

TEST(ClientTest, FailuresEndTheRequestThenCloseItsConnection) {
  absl::StatusOr<net::Socket> s = net::Listen(net::Address::Loopback(AF_INET, 0));
  ASSERT_THAT(s, IsOk());
  const std::string port = absl::StrCat(s->LocalAddress()->port());
  s->Close();
  Client client;
  const std::string refused = "http://127.0.0.1:" + port + "/";
  std::vector<std::string> log = Events(client, refused);
  ASSERT_EQ(log.size(), 5u);
  EXPECT_THAT(log, ElementsAre("start(new)", "  Trying 127.0.0.1:" + port + "...",
                               "connect to 127.0.0.1 port " + port + " failed: Connection refused",
                               "done(7)", "Closing connection 0"));
  // The address is in the "DNS cache" now, and a failed connection used up its number.
  EXPECT_THAT(Events(client, refused),
              ElementsAre("Hostname 127.0.0.1 was found in DNS cache", "start(new)", testing::_,
                          testing::_, "done(7)", "Closing connection 1"));
  EXPECT_THAT(Events(client, "foo://x/"), ElementsAre("done(1)", "Closing connection -1"));
}

TEST(ClientTest, RedirectMethodAndBodyRules) {
  struct Case {
    int status;
    std::string method;
    std::string want_second;  // start of the second request
    bool body_kept;
  };
  for (const Case& c : std::vector<Case>{{301, "POST", "GET /b ", false},
                                         {302, "POST", "GET /b ", false},
                                         {303, "POST", "GET /b ", false},
                                         {303, "PUT", "GET /b ", false},
                                         {302, "PUT", "PUT /b ", true},
                                         {307, "POST", "POST /b ", true},
                                         {308, "POST", "POST /b ", true}}) {
    SCOPED_TRACE(absl::StrCat(c.status, " ", c.method));
    auto server = TcpReplayServer::Start(
        {KeepAlive(Redirect(c.status, "/b")), KeepAlive(Fixture("content_length"))},
        {.close_after_last = false});
    ASSERT_THAT(server, IsOk());
    Client client({.follow_redirects = true});
    auto post = [&](Request& r) {
      r.method = c.method;
      r.body = "a=1";
      ASSERT_THAT(r.headers.Add("Content-Type", "application/x-www-form-urlencoded"), IsOk());
    };
    ASSERT_THAT(Get(client, Base(**server) + "/a", post).result, IsOk());
    std::vector<std::string> reqs = (*server)->requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_THAT(reqs[1], StartsWith(c.want_second));
    EXPECT_EQ(absl::EndsWith(reqs[1], "\r\n\r\na=1"), c.body_kept) << reqs[1];
    EXPECT_EQ(absl::StrContains(reqs[1], "Content-Type"), c.body_kept);
  }
}

TEST(ClientTest, TooManyRedirectsIs47AndNoFollowReturnsTheRedirect) {
  auto loop = [](const std::string&, size_t) -> std::optional<std::string> {
    return KeepAlive(Redirect(302, "/again"));
  };
  auto server = TcpReplayServer::StartWithResponder(loop);
  ASSERT_THAT(server, IsOk());
  Client follow({.follow_redirects = true, .max_redirects = 3});
  Fetched f = Get(follow, Base(**server) + "/");
  EXPECT_THAT(f.result, StatusIs(absl::StatusCode::kFailedPrecondition,
                                 "Maximum (3) redirects followed"));
  EXPECT_EQ(ClientErrorCode(f.result.status()), 47);
  EXPECT_EQ((*server)->requests().size(), 4u);

  Client plain;
  Fetched g = Get(plain, Base(**server) + "/");
  ASSERT_THAT(g.result, IsOk());
  EXPECT_EQ(g.result->head.status, 302);
  EXPECT_EQ(g.body, "moved");
}

TEST(ClientTest, ProxyModeSendsAbsoluteForm) {
  auto server = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(server, IsOk());
  Client client({.proxy = MustUrl(Base(**server))});
  Fetched f = Get(client, "http://origin.test:8080/small.txt");
  ASSERT_THAT(f.result, IsOk());
  EXPECT_THAT((*server)->requests(),
              ElementsAre("GET http://origin.test:8080/small.txt HTTP/1.1\r\n"
                          "Host: origin.test:8080\r\nProxy-Connection: Keep-Alive\r\n\r\n"));
}

TEST(ClientTest, DecompressesGzipToTheIdentityBody) {
  for (size_t write_size : {1, 1400, 0}) {
    auto server = TcpReplayServer::Start({Fixture("gzip")}, {.write_size = write_size});
    ASSERT_THAT(server, IsOk());
    Client client({.decompress = true});
    Fetched f = Get(client, Base(**server) + "/text.txt");
    ASSERT_THAT(f.result, IsOk());
    EXPECT_EQ(f.body, BodyOf(Fixture("gzip_identity")));
  }
}

struct HostileCase {
  std::string name;
  std::string response;
  int curl_code;
  std::string message;
};

TEST(ClientTest, HostileResponsesMapToCurlCodes) {
  const std::vector<HostileCase> cases = {
      {"truncated", Fixture("truncated"), 18, "transfer closed with 90 bytes remaining to read"},
      {"empty", "", 52, "Empty reply from server"},
      {"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n", 56,
       "Illegal or missing hexadecimal sequence"},
      {"chunked cut", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 18,
       "transfer closed with outstanding read data remaining"},
      {"oversized head",
       absl::StrCat("HTTP/1.1 200 OK\r\n", std::string(70000, 'a'), ": b\r\n\r\n"), 56,
       "Too large response headers"},
      {"endless headers", [] {
         std::string s = "HTTP/1.1 200 OK\r\n";
         for (int i = 0; i < 20000; ++i) absl::StrAppend(&s, "X-", i, ": y\r\n");
         return s;
       }(), 56, "Too large response headers"},
      {"not http", "SSH-2.0-OpenSSH\r\n\r\n", 8, "Weird server reply"},
      {"cut head", "HTTP/1.1 200 OK\r\nContent-", 56, "Recv failure"},
      {"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 8,
       "Weird server reply"},
  };
  for (const HostileCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto server = TcpReplayServer::Start({c.response});
    ASSERT_THAT(server, IsOk());
    Client client({.total_timeout = absl::Seconds(10)});
    Fetched f = Get(client, Base(**server) + "/");
    EXPECT_FALSE(f.result.ok());
    EXPECT_EQ(ClientErrorCode(f.result.status()), c.curl_code) << f.result.status();
    EXPECT_THAT(std::string(f.result.status().message()), HasSubstr(c.message));
  }
}

TEST(ClientTest, IdleIsCalledAt200msThenEverySecondOfWaiting) {
  auto server = TcpReplayServer::Start({}, {.never_answer = true});
  ASSERT_THAT(server, IsOk());
  Client client({.total_timeout = absl::Milliseconds(1500)});
  const absl::Time start = absl::Now();
  std::vector<absl::Duration> calls;
  FetchCallbacks cb;
  cb.idle = [&] { calls.push_back(absl::Now() - start); };
  EXPECT_THAT(client.Fetch(Request(MustUrl(Base(**server) + "/hang")), cb),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  ASSERT_GE(calls.size(), 1u);
  ASSERT_LE(calls.size(), 2u);
  EXPECT_GE(calls[0], absl::Milliseconds(200));
  if (calls.size() == 2) EXPECT_GE(calls[1] - calls[0], absl::Seconds(1));

  // A quick exchange has nothing to wait for.
  auto quick = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(quick, IsOk());
  int idle = 0;
  FetchCallbacks none;
  none.idle = [&] { ++idle; };
  const absl::Time begin = absl::Now();
  EXPECT_THAT(client.Fetch(Request(MustUrl(Base(**quick) + "/")), none), IsOk());
  if (absl::Now() - begin < absl::Milliseconds(200)) EXPECT_EQ(idle, 0);
}

TEST(ClientTest, ServerThatNeverAnswersTimesOut) {
  auto server = TcpReplayServer::Start({}, {.never_answer = true});
  ASSERT_THAT(server, IsOk());
  Client client({.total_timeout = absl::Milliseconds(300)});
  absl::Time start = absl::Now();
  Fetched f = Get(client, Base(**server) + "/hang");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_THAT(f.result, StatusIs(absl::StatusCode::kDeadlineExceeded,
                                 testing::MatchesRegex("Operation timed out after [0-9]+ "
                                                       "milliseconds with 0 bytes received")));
  EXPECT_EQ(ClientErrorCode(f.result.status()), 28);
}

TEST(ClientTest, RefusedIs7UnsupportedIs1UnresolvableIs6) {
  absl::StatusOr<net::Socket> s = net::Listen(net::Address::Loopback(AF_INET, 0));
  ASSERT_THAT(s, IsOk());
  uint16_t port = s->LocalAddress()->port();
  s->Close();
  Client client;
  Fetched f = Get(client, absl::StrCat("http://127.0.0.1:", port, "/"));
  EXPECT_EQ(ClientErrorCode(f.result.status()), 7);
  EXPECT_THAT(std::string(f.result.status().message()),
              testing::MatchesRegex(absl::StrCat("Failed to connect to 127.0.0.1 port ", port,
                                                 " after [0-9]+ ms: Couldn't connect to server")));

  Fetched https = Get(client, "https://127.0.0.1/");
  EXPECT_EQ(ClientErrorCode(https.result.status()), 1);
  EXPECT_THAT(std::string(https.result.status().message()), HasSubstr("Protocol \"https\""));

  Client no_dns({.resolve = [](const std::string&, uint16_t, int)
                     -> absl::StatusOr<std::vector<net::Address>> {
    return absl::NotFoundError("no");
  }});
  Fetched nx = Get(no_dns, "http://nowhere.test/");
  EXPECT_EQ(ClientErrorCode(nx.result.status()), 6);
  EXPECT_EQ(nx.result.status().message(), "Could not resolve host: nowhere.test");
}

TEST(ClientTest, ResolveOverrideAndFamilyFilter) {
  auto server = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(server, IsOk());
  ClientOptions o;
  o.resolve_overrides["example.test:80"] = {(*server)->address()};
  Client client(o);
  ASSERT_THAT(Get(client, "http://example.test/small.txt").result, IsOk());
  EXPECT_THAT((*server)->requests(), ElementsAre(HasSubstr("Host: example.test\r\n")));

  o.family = AF_INET6;
  Client v6(o);
  EXPECT_EQ(ClientErrorCode(Get(v6, "http://example.test/").result.status()), 6);
}

TEST(ClientTest, FailOnHttpErrorStopsBeforeTheBody) {
  auto server = TcpReplayServer::Start({Fixture("not_found_404")});
  ASSERT_THAT(server, IsOk());
  Client client({.fail_on_http_error = true});
  Fetched f = Get(client, Base(**server) + "/missing.txt");
  EXPECT_EQ(ClientErrorCode(f.result.status()), 22);
  EXPECT_EQ(f.result.status().message(), "The requested URL returned error: 404");
  EXPECT_EQ(f.body, "");
}

TEST(ClientTest, SinkErrorIs23) {
  auto server = TcpReplayServer::Start({Fixture("content_length")});
  ASSERT_THAT(server, IsOk());
  Client client;
  Request r(MustUrl(Base(**server) + "/"));
  FetchCallbacks cb;
  cb.body = [](absl::string_view) { return absl::ResourceExhaustedError("disk full"); };
  EXPECT_EQ(ClientErrorCode(client.Fetch(r, cb).status()), 23);
}

}  // namespace
}  // namespace http

namespace http {
namespace {

// Splice is one Fetch whose body goes to `fd` (body_fd). Returns its result; `counted` gets
// the body bytes body_read reported.
absl::StatusOr<FetchResult> Splice(const TcpReplayServer& server, int fd, uint64_t* counted) {
  Client client({.total_timeout = absl::Seconds(20)});  // a hang fails with code 28
  FetchCallbacks cb;
  cb.body_fd = [fd] { return fd; };
  cb.body_read = [counted](uint64_t, uint64_t total, std::optional<uint64_t>) { *counted = total; };
  return client.Fetch(Request(MustUrl(Base(server) + "/")), cb);
}

// PipeReader reads a pipe to its end: on its own thread from the start, as the reader of a
// pipeline does, or (`concurrent` false) only in Finish, as a reader that waits does.
class PipeReader {
 public:
  explicit PipeReader(bool concurrent = true) {
    EXPECT_EQ(::pipe(fds_), 0);
    if (concurrent) thread_ = std::thread([this] { Drain(); });
  }
  ~PipeReader() { Finish(); }
  int fd() const { return fds_[1]; }
  // Finish closes the write end and returns everything read.
  const std::string& Finish() {
    if (fds_[1] >= 0) {
      ::close(fds_[1]);
      fds_[1] = -1;
      if (thread_.joinable()) {
        thread_.join();
      } else {
        Drain();
      }
      ::close(fds_[0]);
    }
    return got_;
  }

 private:
  void Drain() {
    char buf[65536];
    for (ssize_t n; (n = ::read(fds_[0], buf, sizeof(buf))) > 0;) got_.append(buf, n);
  }

  int fds_[2] = {-1, -1};
  std::thread thread_;
  std::string got_;
};

std::string LargeResponse(const std::string& body) {
  return absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", body.size(),
                      "\r\nConnection: close\r\n\r\n", body);
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

TEST(ClientSpliceTest, ContentLengthBodyIsSplicedIntoAPipeAndTruncationIsStill18) {
  for (const char* fixture : {"content_length", "truncated"}) {
    SCOPED_TRACE(fixture);
    for (size_t write_size : {1, 0}) {
      SCOPED_TRACE(absl::StrCat("write_size ", write_size));
      auto server = TcpReplayServer::Start({Fixture(fixture)}, {.write_size = write_size});
      ASSERT_THAT(server, IsOk());
      PipeReader pipe;
      uint64_t counted = 0;
      absl::StatusOr<FetchResult> f = Splice(**server, pipe.fd(), &counted);
      const std::string& got = pipe.Finish();
      if (std::string(fixture) == "content_length") {
        ASSERT_THAT(f, IsOk());
        EXPECT_EQ(got, "Hello from the fixture server.\n");
        EXPECT_EQ(counted, 31u);
      } else {
        EXPECT_EQ(ClientErrorCode(f.status()), 18);
        EXPECT_EQ(f.status().message(), "transfer closed with 90 bytes remaining to read");
        EXPECT_EQ(got, "0123456789");
      }
    }
  }
}

TEST(ClientSpliceTest, ABodyArrivingAByteASegmentFitsThePipeLikeWrittenBytes) {
  // Spliced, each 1-byte segment would take one of the pipe's 16 buffer slots and the 17th
  // would block until the pipe is read, which here happens only after Fetch returns.
  const std::string body = Pattern(100);
  auto server = TcpReplayServer::Start(
      {LargeResponse(body)}, {.write_size = 1, .write_pause = absl::Milliseconds(1)});
  ASSERT_THAT(server, IsOk());
  PipeReader pipe(/*concurrent=*/false);
  uint64_t counted = 0;
  absl::StatusOr<FetchResult> f = Splice(**server, pipe.fd(), &counted);
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(pipe.Finish(), body);
  EXPECT_EQ(counted, body.size());
}

TEST(ClientSpliceTest, LargeBodiesAreSplicedIntoAPipeAndAFile) {
  const std::string body = Pattern(3 << 20);  // more than the receive buffer and a splice piece
  for (size_t write_size : {0, 1400}) {
    SCOPED_TRACE(absl::StrCat("write_size ", write_size));
    {
      auto server = TcpReplayServer::Start({LargeResponse(body)}, {.write_size = write_size});
      ASSERT_THAT(server, IsOk());
      PipeReader pipe;
      uint64_t counted = 0;
      ASSERT_THAT(Splice(**server, pipe.fd(), &counted), IsOk());
      EXPECT_TRUE(pipe.Finish() == body);
      EXPECT_EQ(counted, body.size());
    }
    {
      auto server = TcpReplayServer::Start({LargeResponse(body)}, {.write_size = write_size});
      ASSERT_THAT(server, IsOk());
      const std::string path = absl::StrCat(::testing::TempDir(), "/spliced_", write_size);
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      ASSERT_GE(fd, 0);
      uint64_t counted = 0;
      absl::StatusOr<FetchResult> f = Splice(**server, fd, &counted);
      ::close(fd);
      ASSERT_THAT(f, IsOk());
      absl::StatusOr<std::string> written = testing_util::ReadFile(path);
      ASSERT_THAT(written, IsOk());
      EXPECT_TRUE(*written == body) << written->size();
      EXPECT_EQ(counted, body.size());
    }
  }
}

}  // namespace
}  // namespace http
