// End-to-end tests: the real cachingproxy binary between raw loopback clients and
// TcpReplayServer origins.
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/time.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/dns/message.h"
#include "lib/dns/parser.h"
#include "lib/dns/writer.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"
#include "testing/matchers.h"
#include "testing/replay_server.h"
#include "proxy/test_util.h"
#include "testing/subprocess.h"

namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing_util::Framing;
using ::testing_util::ProcessResult;
using ::testing_util::Subprocess;
using ::testing_util::TcpReplayOptions;
using ::testing_util::TcpReplayServer;

constexpr char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

using ::proxy::testutil::Dial;
using ::proxy::testutil::Exchange;
using ::proxy::testutil::Proxy;
using ::proxy::testutil::ReadToEnd;
using ::proxy::testutil::WaitForMetrics;

// StartProxy runs the engine's tests without a cache (cache_integration_test.cc has those).
Proxy StartProxy(std::vector<std::string> args) {
  args.insert(args.begin(), {"--mem_cache_size=0", "--disk_cache_size=0"});
  return proxy::testutil::StartProxy(std::move(args));
}

std::string Get(uint16_t origin_port, const std::string& path = "/", const std::string& extra = "") {
  return absl::StrCat("GET http://127.0.0.1:", origin_port, path, " HTTP/1.1\r\nHost: 127.0.0.1:",
                      origin_port, "\r\n", extra, "Connection: close\r\n\r\n");
}

uint16_t ClosedPort() {
  absl::StatusOr<net::Socket> s = net::Listen(net::Address::Loopback(AF_INET, 0));
  return s->LocalAddress()->port();
}

TEST(ProxyTest, ForwardRewritesHopByHopAndAddsViaAndForwardedFor) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start(
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
       "Keep-Alive: timeout=5\r\nX-End: 1\r\n\r\nhello"}));
  Proxy proxy = StartProxy({});
  std::string reply = Exchange(
      proxy.port, Get(origin->port(), "/a?b=1",
                      "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic eA==\r\n"
                      "TE: trailers\r\nUpgrade: h2c\r\nConnection: X-Private\r\nX-Private: 1\r\n"
                      "Via: 1.1 edge\r\nX-Forwarded-For: 10.9.8.7\r\nX-Keep: yes\r\n"));
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(reply, AllOf(HasSubstr("\r\nVia: 1.1 cachingproxy\r\n"), HasSubstr("X-End: 1"),
                           Not(HasSubstr("X-Hop")), Not(HasSubstr("Keep-Alive")),
                           EndsWith("\r\n\r\nhello")));
  ASSERT_THAT(origin->requests(), SizeIs(1));
  std::string seen = origin->requests()[0];
  EXPECT_THAT(seen, StartsWith("GET /a?b=1 HTTP/1.1\r\n"));
  EXPECT_THAT(seen, AllOf(HasSubstr(absl::StrCat("\r\nHost: 127.0.0.1:", origin->port(), "\r\n")),
                          HasSubstr("\r\nVia: 1.1 edge, 1.1 cachingproxy\r\n"),
                          HasSubstr("\r\nX-Forwarded-For: 10.9.8.7, 127.0.0.1\r\n"),
                          HasSubstr("\r\nX-Keep: yes\r\n")));
  for (const char* gone : {"Proxy-Connection", "Proxy-Authorization", "TE:", "Upgrade",
                           "Connection", "X-Private"}) {
    EXPECT_THAT(seen, Not(HasSubstr(gone)));
  }
  proxy.process->Signal(SIGTERM);
  ASSERT_OK_AND_ASSIGN(ProcessResult r, proxy.process->Wait(absl::Seconds(10)));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("127.0.0.1 - - [")));
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("\"GET http://127.0.0.1:", origin->port(),
                                            "/a?b=1 HTTP/1.1\" 200 5 \"-\" \"-\" - ")));
}

TEST(ProxyTest, ReverseProxySendsOriginFormToUpstream) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start({kOk}));
  Proxy proxy = StartProxy({absl::StrCat("--upstream=127.0.0.1:", origin->port())});
  std::string reply =
      Exchange(proxy.port, "GET /r?x HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(reply, AllOf(StartsWith("HTTP/1.1 200 OK"), HasSubstr("Connection: close"),
                           EndsWith("hello")));
  ASSERT_THAT(origin->requests(), SizeIs(1));
  EXPECT_THAT(origin->requests()[0],
              AllOf(StartsWith("GET /r?x HTTP/1.1\r\n"), HasSubstr("Host: site.test\r\n")));
}

TEST(ProxyTest, KeepAliveReusesClientAndUpstreamConnections) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start({kOk, kOk, kOk}));
  Proxy proxy = StartProxy({"--workers=1"});
  net::Socket s = Dial(proxy.port);
  std::string first = absl::StrCat("GET http://127.0.0.1:", origin->port(),
                                   "/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(s.WriteAll(first).ok());
  char buf[4096];
  std::string got;
  while (got.find("hello") == std::string::npos) {
    absl::StatusOr<size_t> n = s.Read(absl::MakeSpan(buf));
    ASSERT_TRUE(n.ok() && *n > 0 && *n != net::kWouldBlock);
    got.append(buf, *n);
  }
  // Two pipelined requests in one write: answered in order on the same connection.
  ASSERT_TRUE(s.WriteAll(absl::StrCat(first, Get(origin->port(), "/3"))).ok());
  got += ReadToEnd(s);
  EXPECT_THAT(got, AllOf(StartsWith("HTTP/1.1 200 OK"), EndsWith("hello")));
  size_t count = 0;
  for (size_t at = 0; (at = got.find("HTTP/1.1 200 OK", at)) != std::string::npos; ++at) ++count;
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(origin->connections(), 1);
  EXPECT_THAT(origin->requests(), ElementsAre(StartsWith("GET /1 "), StartsWith("GET /1 "),
                                              StartsWith("GET /3 ")));
}

TEST(ProxyTest, ConnectTunnelsToAllowedPortsOnly) {
  TcpReplayOptions echo_opts;
  echo_opts.framing = Framing::kAnyBytes;
  ASSERT_OK_AND_ASSIGN(auto echo, TcpReplayServer::StartWithResponder(
      [](const std::string& req, size_t) -> std::optional<std::string> {
        return "echo:" + req;
      }, echo_opts));
  Proxy proxy = StartProxy({absl::StrCat("--connect_ports=443,", echo->port())});
  net::Socket s = Dial(proxy.port);
  ASSERT_TRUE(s.WriteAll(absl::StrCat("CONNECT 127.0.0.1:", echo->port(),
                                      " HTTP/1.1\r\nHost: x\r\n\r\n")).ok());
  std::string want = "HTTP/1.1 200 Connection Established\r\n\r\n";
  std::string got;
  char buf[4096];
  while (got.size() < want.size()) {
    absl::StatusOr<size_t> n = s.Read(absl::MakeSpan(buf));
    ASSERT_TRUE(n.ok() && *n > 0 && *n != net::kWouldBlock) << got;
    got.append(buf, *n);
  }
  EXPECT_EQ(got, want);
  ASSERT_TRUE(s.WriteAll("ping").ok());
  ASSERT_TRUE(s.ShutdownWrite().ok());
  EXPECT_EQ(ReadToEnd(s), "echo:ping");

  std::string refused = Exchange(proxy.port, "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 403 Forbidden\r\n"));
}

// Refusal is a request and the status line the proxy must answer it with.
struct Refusal {
  std::string name;
  std::string request;
  std::string status_line;
};

TEST(ProxyTest, RefusalsGetTheRightStatusAndTheProxyKeepsRunning) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start({kOk}));
  TcpReplayOptions silent;
  silent.never_answer = true;
  ASSERT_OK_AND_ASSIGN(auto mute, TcpReplayServer::Start({kOk}, silent));
  Proxy proxy = StartProxy({"--upstream_timeout=500ms"});
  std::string o = absl::StrCat(origin->port());
  std::vector<Refusal> cases = {
      {"malformed", "GET / HTTP/1.1 extra\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"cl+te", Get(origin->port(), "/", "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"),
       "HTTP/1.1 400 Bad Request"},
      {"two lengths", Get(origin->port(), "/", "Content-Length: 3\r\nContent-Length: 4\r\n"),
       "HTTP/1.1 400 Bad Request"},
      {"no upstream", "GET /origin-form HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"huge head", Get(origin->port(), "/", absl::StrCat("X-Big: ", std::string(7000, 'a'), "\r\n",
                                                          "X-Big2: ", std::string(7000, 'a'), "\r\n",
                                                          "X-Big3: ", std::string(7000, 'a'), "\r\n",
                                                          "X-Big4: ", std::string(7000, 'a'), "\r\n",
                                                          "X-Big5: ", std::string(7000, 'a'), "\r\n",
                                                          "X-Big6: ", std::string(7000, 'a'), "\r\n",
                                                          "X-Big7: ", std::string(7000, 'a'), "\r\n",
                                                          "X-Big8: ", std::string(7000, 'a'), "\r\n",
                                                          "X-Big9: ", std::string(7000, 'a'), "\r\n",
                                                          "X-Big10: ", std::string(7000, 'a'), "\r\n")),
       "HTTP/1.1 431 Request Header Fields Too Large"},
      {"long uri", Get(origin->port(), "/" + std::string(9000, 'u')), "HTTP/1.1 414 URI Too Long"},
      {"unresolvable", "GET http://no-such-host.test/ HTTP/1.1\r\nHost: no-such-host.test\r\n\r\n",
       "HTTP/1.1 502 Bad Gateway"},
      {"refused", Get(ClosedPort()), "HTTP/1.1 502 Bad Gateway"},
      {"timeout", Get(mute->port()), "HTTP/1.1 504 Gateway Timeout"},
      {"loop", Get(origin->port(), "/", "Via: 1.1 cachingproxy\r\n"), "HTTP/1.1 508 Loop Detected"},
      {"https", "GET https://127.0.0.1/ HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 501 Not Implemented"},
  };
  for (const Refusal& c : cases) {
    SCOPED_TRACE(c.name);
    std::string reply = Exchange(proxy.port, c.request);
    EXPECT_THAT(reply, AllOf(StartsWith(c.status_line + "\r\n"), HasSubstr("Connection: close")));
  }
  // Still serving.
  EXPECT_THAT(Exchange(proxy.port, Get(origin->port())), EndsWith("hello"));
  EXPECT_THAT(origin->requests(), SizeIs(1));
}

TEST(ProxyTest, ClientsOutsideAllowListGet403) {
  Proxy proxy = StartProxy({"--allow=10.0.0.0/8"});
  EXPECT_THAT(Exchange(proxy.port, Get(80)), StartsWith("HTTP/1.1 403 Forbidden\r\n"));
}

TEST(ProxyTest, SlowHeadGets408WhileOthersAreServed) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start({kOk}));
  Proxy proxy = StartProxy({"--header_timeout=700ms", "--workers=1"});
  net::Socket slow = Dial(proxy.port);
  ASSERT_TRUE(slow.WriteAll("GET http://127.0.0.1/ HTTP/1.1\r\nX-Slow: ").ok());
  EXPECT_THAT(Exchange(proxy.port, Get(origin->port())), EndsWith("hello"));
  absl::Time start = absl::Now();
  EXPECT_THAT(ReadToEnd(slow), StartsWith("HTTP/1.1 408 Request Timeout\r\n"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(ProxyTest, UpstreamDyingMidResponseClosesTheClient) {
  TcpReplayOptions opts;
  opts.close_after_bytes = 60;
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start(
      {absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", std::string(1000, 'b'))},
      opts));
  Proxy proxy = StartProxy({});
  net::Socket s = Dial(proxy.port);
  // Keep-alive request: only the proxy closing the connection ends the read.
  ASSERT_TRUE(s.WriteAll(absl::StrCat("GET http://127.0.0.1:", origin->port(),
                                      "/ HTTP/1.1\r\nHost: x\r\n\r\n")).ok());
  absl::Time start = absl::Now();
  std::string got = ReadToEnd(s);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_THAT(got, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_LT(got.size(), 1000u);
}

TEST(ProxyTest, ChunkedResponseIsDechunkedForHttp10Clients) {
  std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start({chunked, chunked}));
  Proxy proxy = StartProxy({"--workers=1"});
  std::string reply = Exchange(proxy.port, absl::StrCat("GET http://127.0.0.1:", origin->port(),
                                                        "/ HTTP/1.0\r\n\r\n"));
  EXPECT_THAT(reply, AllOf(StartsWith("HTTP/1.1 200 OK\r\n"), Not(HasSubstr("chunked")),
                           HasSubstr("Connection: close\r\n"), EndsWith("\r\n\r\nhello world")));
  reply = Exchange(proxy.port, Get(origin->port()));
  EXPECT_THAT(reply, AllOf(HasSubstr("Transfer-Encoding: chunked\r\n"),
                           EndsWith("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")));
}

// An HTTP/1.0 client that asks for keep-alive keeps its connection when the response has a
// length; a close-delimited response to an HTTP/1.1 client is re-chunked so it stays open too.
TEST(ProxyTest, Http10KeepAliveAndRechunkedCloseDelimitedBodies) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start({kOk, kOk}));
  TcpReplayOptions one_each;
  ASSERT_OK_AND_ASSIGN(auto closing, TcpReplayServer::Start(
      {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"}, one_each));
  Proxy proxy = StartProxy({"--workers=1"});
  net::Socket s = Dial(proxy.port);
  std::string req10 = absl::StrCat("GET http://127.0.0.1:", origin->port(),
                                   "/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  std::string got;
  char buf[4096];
  ASSERT_TRUE(s.WriteAll(req10).ok());
  while (!absl::EndsWith(got, "hello")) {
    absl::StatusOr<size_t> n = s.Read(absl::MakeSpan(buf));
    ASSERT_TRUE(n.ok() && *n > 0 && *n != net::kWouldBlock) << got;
    got.append(buf, *n);
  }
  EXPECT_THAT(got, HasSubstr("\r\nConnection: keep-alive\r\n"));
  // The same connection serves a second 1.0 request, then a 1.1 one whose origin closes.
  ASSERT_TRUE(s.WriteAll(req10).ok());
  ASSERT_TRUE(s.WriteAll(absl::StrCat("GET http://127.0.0.1:", closing->port(),
                                      "/ HTTP/1.1\r\nHost: x\r\n\r\n")).ok());
  got.clear();
  while (!absl::EndsWith(got, "0\r\n\r\n")) {
    absl::StatusOr<size_t> n = s.Read(absl::MakeSpan(buf));
    ASSERT_TRUE(n.ok() && *n > 0 && *n != net::kWouldBlock) << got;
    got.append(buf, *n);
  }
  EXPECT_THAT(got, AllOf(StartsWith("HTTP/1.1 200 OK\r\n"), HasSubstr("hello"),
                         HasSubstr("\r\nTransfer-Encoding: chunked\r\n"),
                         EndsWith("\r\n\r\nd\r\nuntil the end\r\n0\r\n\r\n")));
  EXPECT_THAT(got, Not(HasSubstr("Connection: close")));
  EXPECT_EQ(origin->connections(), 1);
}

TEST(ProxyTest, HeadAnd304HaveNoBody) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start(
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n", kOk}));
  Proxy proxy = StartProxy({"--workers=1"});
  net::Socket s = Dial(proxy.port);
  std::string target = absl::StrCat("http://127.0.0.1:", origin->port(), "/");
  ASSERT_TRUE(s.WriteAll(absl::StrCat("HEAD ", target, " HTTP/1.1\r\nHost: x\r\n\r\nGET ", target,
                                      " HTTP/1.1\r\nHost: x\r\n\r\n", Get(origin->port())))
                  .ok());
  std::string got = ReadToEnd(s);
  EXPECT_THAT(got, AllOf(StartsWith("HTTP/1.1 200 OK\r\n"), HasSubstr("HTTP/1.1 304 Not Modified"),
                         EndsWith("hello")));
  EXPECT_EQ(origin->connections(), 1);
}

TEST(ProxyTest, RequestBodyAndExpectContinuePassThrough) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::StartWithResponder(
      [](const std::string& req, size_t) -> std::optional<std::string> {
        return absl::StrCat("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }));
  Proxy proxy = StartProxy({});
  std::string body(300000, 'p');
  std::string reply = Exchange(
      proxy.port, Get(origin->port(), "/up", absl::StrCat("Expect: 100-continue\r\nContent-Length: ",
                                                          body.size(), "\r\n")) + body);
  EXPECT_THAT(reply, AllOf(StartsWith("HTTP/1.1 100 Continue\r\n"), HasSubstr("HTTP/1.1 200 OK"),
                           EndsWith("ok")));
  ASSERT_THAT(origin->requests(), SizeIs(1));
  EXPECT_THAT(origin->requests()[0], AllOf(HasSubstr("Expect: 100-continue"), EndsWith(body)));
}

TEST(ProxyTest, SlowClientStopsTheUpstreamRead) {
  // A raw origin that writes a 64 MiB body as fast as it is let, counting what it wrote.
  constexpr size_t kTotal = 64 << 20;
  ASSERT_OK_AND_ASSIGN(net::Socket listener, net::Listen(net::Address::Loopback(AF_INET, 0)));
  uint16_t origin_port = listener.LocalAddress()->port();
  std::atomic<size_t> written{0};
  std::thread origin([&] {
    absl::StatusOr<std::optional<std::pair<net::Socket, net::Address>>> a = listener.Accept();
    if (!a.ok() || !a->has_value()) return;
    net::Socket& s = (*a)->first;
    char buf[4096];
    if (!s.Read(absl::MakeSpan(buf)).ok()) return;
    std::string chunk(64 * 1024, 'z');
    if (!s.WriteAll(absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", kTotal, "\r\n\r\n")).ok()) return;
    for (size_t sent = 0; sent < kTotal; sent += chunk.size()) {
      if (!s.WriteAll(chunk).ok()) return;
      written.store(sent + chunk.size());
    }
  });
  Proxy proxy = StartProxy({});
  net::Socket s = Dial(proxy.port);
  ASSERT_TRUE(s.WriteAll(Get(origin_port)).ok());
  absl::SleepFor(absl::Seconds(1));  // not reading
  // Socket buffers on both hops (a few MiB each) plus the proxy's 256 KiB, not the whole body.
  EXPECT_LT(written.load(), kTotal / 2);
  size_t got = ReadToEnd(s).size();
  EXPECT_GT(got, kTotal);
  EXPECT_EQ(written.load(), kTotal);
  origin.join();
}

TEST(ProxyTest, ManyConcurrentClients) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::StartWithResponder(
      [](const std::string&, size_t) -> std::optional<std::string> { return std::string(kOk); }));
  Proxy proxy = StartProxy({"--workers=2"});
  constexpr int kClients = 1000;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  absl::Time start = absl::Now();
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      if (absl::EndsWith(Exchange(proxy.port, Get(origin->port(), absl::StrCat("/", i))), "hello")) {
        ok.fetch_add(1);
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients);
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
}

// With many connections open the proxy frees each emptied large buffer after a response
// (see ClientConnection::ReleaseIfLarge); responses on reused connections must stay whole.
TEST(ProxyTest, ManyOpenConnectionsGetLargeBodiesWholeOnReuse) {
  auto body_for = [](absl::string_view path) {
    std::string body(20000, static_cast<char>('a' + path.size() % 26));
    body.replace(0, path.size(), path.data(), path.size());
    return absl::StrCat(body, "END", path);
  };
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::StartWithResponder(
      [&](const std::string& req, size_t) -> std::optional<std::string> {
        const size_t from = req.find(' ') + 1;
        const std::string path = req.substr(from, req.find(' ', from) - from);
        const std::string body = body_for(path);
        return absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
      }));
  Proxy proxy = StartProxy({"--workers=1", absl::StrCat("--upstream=127.0.0.1:", origin->port())});
  constexpr int kConnections = 100;  // more than the 64 below which buffers are kept
  std::vector<net::Socket> conns;
  for (int i = 0; i < kConnections; ++i) conns.push_back(Dial(proxy.port));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kConnections; ++i) {
      const std::string path = absl::StrCat("/", i, "-", round);
      ASSERT_TRUE(conns[i].WriteAll(absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: o\r\n\r\n")).ok());
      const std::string want = body_for(path);
      std::string got;
      char buf[8192];
      while (!absl::EndsWith(got, absl::StrCat("END", path))) {
        absl::StatusOr<size_t> n = conns[i].Read(absl::MakeSpan(buf));
        ASSERT_TRUE(n.ok() && *n > 0 && *n != net::kWouldBlock) << path << " after " << got.size();
        got.append(buf, *n);
      }
      ASSERT_THAT(got, StartsWith("HTTP/1.1 200 OK\r\n")) << path;
      const size_t head_end = got.find("\r\n\r\n");
      ASSERT_NE(head_end, std::string::npos);
      ASSERT_EQ(got.substr(head_end + 4), want) << path;
    }
  }
}

// AcceptQueue returns how many connections wait in `listener`'s accept queue (for a listening
// TCP socket the kernel reports it in tcpi_unacked).
uint32_t AcceptQueue(const net::Socket& listener) {
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (getsockopt(listener.fd(), IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return UINT32_MAX;
  return info.tcpi_unacked;
}

TEST(ProxyTest, BurstOnAColdPoolOpensNewUpstreamConnectionsAtTheCapOnly) {
  // An origin that accepts nothing until the proxy has queued the burst: every connect the
  // proxy makes sits in the accept queue, where the test can count them.
  ASSERT_OK_AND_ASSIGN(net::Socket listener, net::Listen(net::Address::Loopback(AF_INET, 0)));
  const uint16_t origin_port = listener.LocalAddress()->port();
  Proxy proxy = StartProxy({"--admin_listen=127.0.0.1:0", "--workers=1", "--upstream_max_new=3",
                            absl::StrCat("--upstream=127.0.0.1:", origin_port)});
  constexpr int kClients = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      std::string reply = Exchange(proxy.port, absl::StrCat("GET /", i,
                                                            " HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n"));
      if (absl::StartsWith(reply, "HTTP/1.1 200") && absl::EndsWith(reply, "hello")) ok.fetch_add(1);
    });
  }
  // Three requests hold the three slots, the others wait in the pool's queue.
  std::string metrics = WaitForMetrics(proxy.admin_port, {"cachingproxy_upstream_waiting 37"});
  EXPECT_THAT(metrics, HasSubstr("cachingproxy_upstream_waiting 37\n"));
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (AcceptQueue(listener) < 3 && absl::Now() < deadline) {
    pollfd p{listener.fd(), POLLIN, 0};
    ::poll(&p, 1, 10);
  }
  EXPECT_EQ(AcceptQueue(listener), 3u);  // the cap, not one connection per waiting request

  // Now serve: each answer proves a connection, which then carries the waiting requests.
  std::vector<net::Socket> conns;
  int answered = 0;
  size_t most_queued = 0;
  while (answered < kClients && absl::Now() < deadline) {
    most_queued = std::max<size_t>(most_queued, AcceptQueue(listener));
    std::vector<pollfd> fds{{listener.fd(), POLLIN, 0}};
    for (const net::Socket& c : conns) fds.push_back({c.fd(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      absl::StatusOr<std::optional<std::pair<net::Socket, net::Address>>> a = listener.Accept();
      if (a.ok() && a->has_value()) conns.push_back(std::move((*a)->first));
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      absl::StatusOr<size_t> n = conns[i - 1].Read(absl::MakeSpan(buf));
      if (!n.ok() || *n == 0) continue;
      // One request per read: the proxy sends the next only after this answer.
      if (conns[i - 1].WriteAll("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").ok()) {
        ++answered;
      }
    }
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients);
  EXPECT_LE(most_queued, 3u);
  EXPECT_LT(conns.size(), static_cast<size_t>(kClients));  // pooled connections were reused
  EXPECT_THAT(WaitForMetrics(proxy.admin_port, {"cachingproxy_upstream_waiting 0"}),
              HasSubstr("cachingproxy_upstream_queued_total 37\n"));
}

TEST(ProxyTest, SigtermDuringTransferFinishesItAndExitsZero) {
  TcpReplayOptions slow;
  slow.write_size = 100;
  slow.write_pause = absl::Milliseconds(20);
  std::string body(3000, 's');
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start(
      {absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", body.size(), "\r\n\r\n", body)}, slow));
  Proxy proxy = StartProxy({"--shutdown_grace=10s"});
  net::Socket s = Dial(proxy.port);
  ASSERT_TRUE(s.WriteAll(absl::StrCat("GET http://127.0.0.1:", origin->port(),
                                      "/ HTTP/1.1\r\nHost: x\r\n\r\n")).ok());
  char buf[16];
  ASSERT_TRUE(s.Read(absl::MakeSpan(buf)).ok());  // the transfer has started
  proxy.process->Signal(SIGTERM);
  std::string rest = ReadToEnd(s);
  EXPECT_THAT(rest, EndsWith(body));
  ASSERT_OK_AND_ASSIGN(ProcessResult r, proxy.process->Wait(absl::Seconds(15)));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Stopped accepting.
  EXPECT_FALSE(net::Connect(net::Address::Loopback(AF_INET, proxy.port),
                            absl::Now() + absl::Seconds(1)).ok());
}

TEST(ProxyTest, AdminListenerServesMetricsAndHealth) {
  constexpr char kNotFound[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope";
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::StartWithResponder(
      [&](const std::string& req, size_t) -> std::optional<std::string> {
        return std::string(absl::StartsWith(req, "GET /missing") ? kNotFound : kOk);
      }));
  Proxy proxy = StartProxy({"--admin_listen=127.0.0.1:0", "--workers=2"});
  ASSERT_NE(proxy.admin_port, 0);
  ASSERT_NE(proxy.admin_port, proxy.port);

  uint64_t client_in = 0, client_out = 0;
  auto through = [&](const std::string& request) {
    std::string reply = Exchange(proxy.port, request);
    client_in += request.size();
    client_out += reply.size();
    return reply;
  };
  for (int i = 0; i < 3; ++i) EXPECT_THAT(through(Get(origin->port(), "/ok")), EndsWith("hello"));
  EXPECT_THAT(through(Get(origin->port(), "/missing")), EndsWith("nope"));
  EXPECT_THAT(through(Get(ClosedPort())), StartsWith("HTTP/1.1 502 "));
  // One client connection stays open (keep-alive, nothing sent yet).
  net::Socket idle = Dial(proxy.port);

  std::string text = WaitForMetrics(proxy.admin_port, {
      "cachingproxy_requests_total{code=\"200\"} 3",
      "cachingproxy_requests_total{code=\"404\"} 1",
      "cachingproxy_requests_total{code=\"502\"} 1",
      "cachingproxy_request_duration_seconds_count 5",
      "cachingproxy_request_duration_seconds_bucket{le=\"+Inf\"} 5",
      "cachingproxy_upstream_errors_total{kind=\"connect\"} 1",
      "cachingproxy_upstream_errors_total{kind=\"timeout\"} 0",
      absl::StrCat("cachingproxy_client_received_bytes_total ", client_in),
      absl::StrCat("cachingproxy_client_sent_bytes_total ", client_out),
      absl::StrCat("cachingproxy_upstream_received_bytes_total ",
                   3 * std::string(kOk).size() + std::string(kNotFound).size()),
      "cachingproxy_client_connections_accepted_total 6",
      "cachingproxy_client_connections 1",
  });
  EXPECT_THAT(text, AllOf(StartsWith("HTTP/1.1 200 OK\r\n"),
                          HasSubstr("Content-Type: text/plain; version=0.0.4"),
                          HasSubstr("# TYPE cachingproxy_request_duration_seconds histogram\n"),
                          HasSubstr("cachingproxy_request_duration_seconds_sum "),
                          HasSubstr("# TYPE cachingproxy_client_connections gauge\n")));
  for (const char* line : {"cachingproxy_requests_total{code=\"200\"} 3\n",
                           "cachingproxy_requests_total{code=\"404\"} 1\n",
                           "cachingproxy_requests_total{code=\"502\"} 1\n",
                           "cachingproxy_upstream_errors_total{kind=\"connect\"} 1\n",
                           "cachingproxy_request_duration_seconds_count 5\n",
                           "cachingproxy_client_connections 1\n"}) {
    EXPECT_THAT(text, HasSubstr(line));
  }
  EXPECT_THAT(text, HasSubstr(absl::StrCat("cachingproxy_client_sent_bytes_total ", client_out, "\n")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("cachingproxy_client_received_bytes_total ", client_in, "\n")));
  EXPECT_THAT(text, Not(HasSubstr("code=\"500\"")));

  EXPECT_THAT(Exchange(proxy.admin_port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
              AllOf(StartsWith("HTTP/1.1 200 OK\r\n"), EndsWith("\r\n\r\nok\n")));
  EXPECT_THAT(Exchange(proxy.admin_port, "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n"),
              StartsWith("HTTP/1.1 404 Not Found\r\n"));
  // The admin port serves no proxy traffic, and the proxy port no metrics.
  EXPECT_THAT(Exchange(proxy.admin_port, Get(origin->port(), "/ok")),
              StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(Exchange(proxy.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
              StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_EQ(origin->requests().size(), 4u);
}

// Names resolve with lib/dns: the hosts file first, then DNS (here a loopback server that
// answers every A query for dns.test with 127.0.0.1), NXDOMAIN is a 502.
TEST(ProxyTest, ForwardResolvesNamesThroughHostsAndDns) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start({kOk, kOk}));
  ASSERT_OK_AND_ASSIGN(
      auto dns_server,
      testing_util::UdpReplayServer::Start([](const std::string& query) -> std::optional<std::string> {
        absl::StatusOr<dns::Message> q = dns::ParseMessage(absl::Span<const uint8_t>(
            reinterpret_cast<const uint8_t*>(query.data()), query.size()));
        if (!q.ok() || q->questions.empty()) return std::nullopt;
        dns::Message r;
        r.header = q->header;
        r.header.qr = true;
        r.header.ra = true;
        r.questions = q->questions;
        const dns::Question& question = q->questions[0];
        if (question.name != "dns.test.") {
          r.header.rcode = dns::kNxDomain;
        } else if (question.type == dns::kA) {
          r.answers.push_back({"dns.test.", dns::kA, dns::kClassIN, 60, dns::A{{127, 0, 0, 1}}});
        }
        absl::StatusOr<std::vector<uint8_t>> wire = dns::WriteMessage(r);
        if (!wire.ok()) return std::nullopt;
        return std::string(wire->begin(), wire->end());
      }));
  std::string dir = testing_util::TempDir();
  std::string hosts = absl::StrCat(dir, "/proxy-hosts");
  std::string resolv = absl::StrCat(dir, "/proxy-resolv.conf");
  ASSERT_TRUE(testing_util::WriteFile(hosts, "127.0.0.1 hosts.test\n").ok());
  ASSERT_TRUE(testing_util::WriteFile(resolv, "options timeout:1 attempts:1\n").ok());
  Proxy proxy = StartProxy({"--resolver=system", absl::StrCat("--hosts_file=", hosts),
                            absl::StrCat("--resolv_conf=", resolv),
                            absl::StrCat("--nameservers=", dns_server->address().ToString())});
  for (const char* host : {"hosts.test", "dns.test"}) {
    SCOPED_TRACE(host);
    std::string reply = Exchange(proxy.port, absl::StrCat("GET http://", host, ":", origin->port(),
                                                         "/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    EXPECT_THAT(reply, AllOf(StartsWith("HTTP/1.1 200 OK"), EndsWith("hello")));
  }
  EXPECT_THAT(Exchange(proxy.port, "GET http://nope.test/ HTTP/1.1\r\nHost: nope.test\r\n\r\n"),
              StartsWith("HTTP/1.1 502 Bad Gateway"));
  EXPECT_THAT(dns_server->queries(), Not(testing::IsEmpty()));
  EXPECT_THAT(origin->requests(), SizeIs(2));
}

// Two chained proxies need different pseudonyms: with the same one the second sees a loop.
TEST(ProxyTest, ChainedProxiesWithDistinctPseudonyms) {
  ASSERT_OK_AND_ASSIGN(auto origin, TcpReplayServer::Start({kOk}));
  Proxy inner = StartProxy({absl::StrCat("--upstream=127.0.0.1:", origin->port())});
  Proxy edge = StartProxy({absl::StrCat("--upstream=127.0.0.1:", inner.port), "--pseudonym=edge"});
  Proxy same = StartProxy({absl::StrCat("--upstream=127.0.0.1:", inner.port)});
  std::string request = "GET /c HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n";
  EXPECT_THAT(Exchange(edge.port, request),
              AllOf(StartsWith("HTTP/1.1 200 OK"), HasSubstr("Via: 1.1 cachingproxy, 1.1 edge\r\n"),
                    EndsWith("hello")));
  ASSERT_THAT(origin->requests(), SizeIs(1));
  EXPECT_THAT(origin->requests()[0], HasSubstr("\r\nVia: 1.1 edge, 1.1 cachingproxy\r\n"));
  EXPECT_THAT(Exchange(same.port, request), StartsWith("HTTP/1.1 508 Loop Detected"));
}

TEST(ProxyTest, HelpListsFlagsWithDefaults) {
  ASSERT_OK_AND_ASSIGN(ProcessResult r, testing_util::RunProcess(
      testing_util::Runfile("proxy/cachingproxy"), {"--helpon=proxy_main"}));
  std::string all = r.out + r.err;
  EXPECT_THAT(all, AllOf(HasSubstr("-listen"), HasSubstr("default: \"127.0.0.1:8080\""),
                         HasSubstr("-upstream_timeout"), HasSubstr("-connect_ports"),
                         HasSubstr("-admin_listen"), HasSubstr("/metrics")));
}

}  // namespace
