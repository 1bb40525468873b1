// Tests of dns::Exchange against loopback replay servers serving recorded nsd replies.
#include "lib/dns/transport.h"

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/dns/message.h"
#include "lib/net/address.h"
#include "lib/net/event_loop.h"
#include "lib/net/socket.h"
#include "testing/matchers.h"
#include "testing/replay_server.h"
#include "testing/subprocess.h"

namespace dns {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing_util::StatusIs;
using ::testing_util::TcpReplayServer;
using ::testing_util::UdpMode;
using ::testing_util::UdpReplayServer;

// Fixture returns the bytes of testdata/dns/<name>.
std::string Fixture(const std::string& name) {
  absl::StatusOr<std::string> bytes =
      testing_util::ReadFile(testing_util::Runfile("testdata/dns/" + name));
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.value_or("");
}

std::vector<uint8_t> Bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// Replies starts a UDP server that answers every query with the fixture `reply`.
std::unique_ptr<UdpReplayServer> Replies(const std::string& reply,
                                         UdpMode mode = UdpMode::kReply) {
  testing_util::UdpReplayOptions options;
  options.mode = mode;
  absl::StatusOr<std::unique_ptr<UdpReplayServer>> server = UdpReplayServer::Start(
      [reply](const std::string&) { return std::optional<std::string>(reply); }, options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

ExchangeOptions Short(int attempts = 1) {
  ExchangeOptions o;
  o.timeout = absl::Milliseconds(100);
  o.attempts = attempts;
  return o;
}

// WithLength adds the DNS-over-TCP 2-byte length prefix.
std::string WithLength(const std::string& message) {
  return std::string{static_cast<char>(message.size() >> 8),
                     static_cast<char>(message.size() & 0xff)} +
         message;
}

// RunOnLoop is Exchange done with LoopExchange on a loop of its own, run until `done`.
absl::StatusOr<ExchangeResult> RunOnLoop(const net::Address& server,
                                         absl::Span<const uint8_t> query,
                                         const ExchangeOptions& options) {
  absl::StatusOr<std::unique_ptr<net::EventLoop>> loop = net::EventLoop::Create();
  if (!loop.ok()) return loop.status();
  std::optional<absl::StatusOr<ExchangeResult>> result;
  std::unique_ptr<LoopExchange> exchange = LoopExchange::Start(
      loop->get(), server, query, options,
      [&](absl::StatusOr<ExchangeResult> r) { result = std::move(r); });
  EXPECT_FALSE(result.has_value()) << "done called from inside Start";
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (!result.has_value() && absl::Now() < give_up) {
    if (absl::Status s = (*loop)->RunOnce(absl::Milliseconds(100)); !s.ok()) return s;
  }
  if (!result.has_value()) return absl::UnknownError("test: the loop exchange never finished");
  return *std::move(result);
}

using Runner = absl::StatusOr<ExchangeResult> (*)(const net::Address&, absl::Span<const uint8_t>,
                                                  const ExchangeOptions&);

// ExchangeTest runs every case with the blocking Exchange and with LoopExchange: both must
// behave the same.
class ExchangeTest : public ::testing::TestWithParam<Runner> {
 protected:
  absl::StatusOr<ExchangeResult> Run(const net::Address& server, absl::Span<const uint8_t> query,
                                     const ExchangeOptions& options) {
    return GetParam()(server, query, options);
  }
};

TEST_P(ExchangeTest, PlainAnswerOverUdp) {
  auto server = Replies(Fixture("a_host.bin"));
  ASSERT_OK_AND_ASSIGN(ExchangeResult r,
                       Run(server->address(), Bytes(Fixture("a_host.query.bin")), Short()));
  EXPECT_FALSE(r.used_tcp);
  EXPECT_FALSE(r.retried_over_tcp);
  EXPECT_EQ(r.raw, Bytes(Fixture("a_host.bin")));
  ASSERT_THAT(r.message.answers, SizeIs(1));
  EXPECT_EQ(std::get<A>(r.message.answers[0].data).address, (std::array<uint8_t, 4>{192, 0, 2, 10}));
}

TEST_P(ExchangeTest, ReplyWithWrongIdIsIgnoredUntilTimeout) {
  auto server = Replies(Fixture("a_host.bin"), UdpMode::kWrongId);
  EXPECT_THAT(Run(server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       "dns: timed out waiting for " + server->address().ToString()));
}

TEST_P(ExchangeTest, ReplyFromOtherPortIsIgnored) {
  auto server = Replies(Fixture("a_host.bin"), UdpMode::kFromOtherPort);
  EXPECT_THAT(Run(server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_P(ExchangeTest, ReplyForAnotherQuestionIsIgnored) {
  auto server = Replies(Fixture("nxdomain.bin"));  // nx.example.test, not host.example.test
  EXPECT_THAT(Run(server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  auto other_type = Replies(Fixture("aaaa_host.bin"));
  EXPECT_THAT(Run(other_type->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_P(ExchangeTest, QuestionNameMatchesCaseInsensitively) {
  auto server = Replies(Fixture("a_host_mixedcase.bin"));
  EXPECT_THAT(Run(server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              testing_util::IsOk());
}

TEST_P(ExchangeTest, MalformedDatagramIsIgnored) {
  std::string garbage = Fixture("a_host.bin").substr(0, 20);  // header + half a question
  auto server = Replies(garbage);
  EXPECT_THAT(Run(server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  auto short_server = Replies("\x12");
  EXPECT_THAT(Run(short_server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_P(ExchangeTest, SilentServerTimesOutAfterEveryAttempt) {
  auto server = Replies(Fixture("a_host.bin"), UdpMode::kSilent);
  const absl::Time start = absl::Now();
  EXPECT_THAT(Run(server->address(), Bytes(Fixture("a_host.query.bin")), Short(3)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("timed out waiting for")));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_THAT(server->queries(), SizeIs(3));
}

TEST_P(ExchangeTest, HostileRepliesAreDroppedAndTheRealOneAccepted) {
  // The test itself plays the server, so it can send several datagrams for one query.
  net::ListenOptions udp;
  udp.type = SOCK_DGRAM;
  ASSERT_OK_AND_ASSIGN(net::Socket server, net::Listen(net::Address::Loopback(AF_INET, 0), udp));
  ASSERT_OK_AND_ASSIGN(net::Socket other, net::Listen(net::Address::Loopback(AF_INET, 0), udp));
  ASSERT_OK_AND_ASSIGN(net::Address address, server.LocalAddress());
  const std::string reply = Fixture("a_host.bin");
  std::thread hostile([&] {
    char buf[512];
    net::Address client;
    absl::StatusOr<size_t> n = server.RecvFrom(absl::MakeSpan(buf), &client);
    ASSERT_TRUE(n.ok()) << n.status();
    std::string wrong_id = reply;
    wrong_id[1] ^= 0x5a;
    std::string not_a_reply = reply;
    not_a_reply[2] &= 0x7f;  // QR=0
    for (const std::string& bad : {std::string("\x12\x34"), wrong_id, not_a_reply,
                                   Fixture("nxdomain.bin"), reply.substr(0, reply.size() - 3)}) {
      (void)server.SendTo(bad, &client);
    }
    (void)other.SendTo(reply, &client);
    (void)server.SendTo(reply, &client);
  });
  absl::StatusOr<ExchangeResult> r =
      Run(address, Bytes(Fixture("a_host.query.bin")), Short());
  hostile.join();
  ASSERT_THAT(r, testing_util::IsOk());
  EXPECT_EQ(r->raw, Bytes(reply));
}

TEST_P(ExchangeTest, TruncatedReplyIsRetriedOverTcp) {
  testing_util::TcpReplayOptions tcp_options;
  tcp_options.framing = testing_util::Framing::kDnsLength;
  ASSERT_OK_AND_ASSIGN(auto tcp,
                       TcpReplayServer::Start({WithLength(Fixture("big_tcp.bin"))}, tcp_options));
  // UDP on the same port number as the TCP listener, answering once with the TC=1 reply.
  net::ListenOptions udp;
  udp.type = SOCK_DGRAM;
  ASSERT_OK_AND_ASSIGN(net::Socket server, net::Listen(tcp->address(), udp));
  std::thread truncating([&] {
    char buf[512];
    net::Address client;
    if (server.RecvFrom(absl::MakeSpan(buf), &client).ok()) {
      (void)server.SendTo(Fixture("big_udp_noedns.bin"), &client);
    }
  });
  absl::StatusOr<ExchangeResult> r =
      Run(tcp->address(), Bytes(Fixture("big_udp_noedns.query.bin")), Short());
  truncating.join();
  ASSERT_THAT(r, testing_util::IsOk());
  EXPECT_TRUE(r->retried_over_tcp);
  EXPECT_TRUE(r->used_tcp);
  EXPECT_FALSE(r->message.header.tc);
  EXPECT_THAT(r->message.answers, SizeIs(40));
  EXPECT_EQ(r->raw, Bytes(Fixture("big_tcp.bin")));
}

TEST_P(ExchangeTest, TruncatedReplyIsReturnedWhenTcpRetryIsOff) {
  auto server = Replies(Fixture("big_udp_noedns.bin"));
  ExchangeOptions options = Short();
  options.tcp_on_truncation = false;
  ASSERT_OK_AND_ASSIGN(ExchangeResult r,
                       Run(server->address(), Bytes(Fixture("big_udp_noedns.query.bin")),
                                options));
  EXPECT_TRUE(r.message.header.tc);
  EXPECT_FALSE(r.used_tcp);
}

TEST_P(ExchangeTest, TruncatedReplyWithoutTcpListenerIsRefused) {
  auto server = Replies(Fixture("big_udp_noedns.bin"));  // nothing listens on TCP there
  EXPECT_THAT(Run(server->address(), Bytes(Fixture("big_udp_noedns.query.bin")), Short()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connection refused")));
}

TEST_P(ExchangeTest, TcpOnly) {
  testing_util::TcpReplayOptions tcp_options;
  tcp_options.framing = testing_util::Framing::kDnsLength;
  // One response holding a stray message (another question) and then the real reply.
  ASSERT_OK_AND_ASSIGN(auto tcp, TcpReplayServer::Start({WithLength(Fixture("nxdomain.bin")) +
                                                         WithLength(Fixture("a_host_tcp.bin"))},
                                                        tcp_options));
  ExchangeOptions options = Short();
  options.tcp_only = true;
  ASSERT_OK_AND_ASSIGN(ExchangeResult r,
                       Run(tcp->address(), Bytes(Fixture("a_host_tcp.query.bin")), options));
  EXPECT_TRUE(r.used_tcp);
  EXPECT_FALSE(r.retried_over_tcp);
  EXPECT_EQ(r.raw, Bytes(Fixture("a_host_tcp.bin")));  // the stray first message was skipped
}

TEST_P(ExchangeTest, TcpReplyArrivingOneByteAtATime) {
  testing_util::TcpReplayOptions tcp_options;
  tcp_options.framing = testing_util::Framing::kDnsLength;
  tcp_options.write_size = 1;
  ASSERT_OK_AND_ASSIGN(auto tcp, TcpReplayServer::Start({WithLength(Fixture("a_host_tcp.bin"))},
                                                        tcp_options));
  ExchangeOptions options = Short();
  options.timeout = absl::Seconds(5);
  options.tcp_only = true;
  ASSERT_OK_AND_ASSIGN(ExchangeResult r,
                       Run(tcp->address(), Bytes(Fixture("a_host_tcp.query.bin")), options));
  EXPECT_EQ(r.raw, Bytes(Fixture("a_host_tcp.bin")));
  EXPECT_THAT(tcp->requests(), ::testing::ElementsAre(WithLength(Fixture("a_host_tcp.query.bin"))));
}

// ClosedAddress returns a loopback address where nothing listens (bound, then released).
net::Address ClosedAddress(int type) {
  net::ListenOptions options;
  options.type = type;
  absl::StatusOr<net::Socket> s = net::Listen(net::Address::Loopback(AF_INET, 0), options);
  EXPECT_TRUE(s.ok()) << s.status();
  return *s->LocalAddress();
}

TEST_P(ExchangeTest, ClosedUdpPortIsConnectionRefused) {
  EXPECT_THAT(Run(ClosedAddress(SOCK_DGRAM), Bytes(Fixture("a_host.query.bin")), Short(2)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connection refused")));
}

TEST_P(ExchangeTest, ClosedTcpPortIsConnectionRefused) {
  ExchangeOptions options = Short();
  options.tcp_only = true;
  EXPECT_THAT(Run(ClosedAddress(SOCK_STREAM), Bytes(Fixture("a_host.query.bin")), options),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connection refused")));
}

TEST_P(ExchangeTest, QueryWithoutQuestionIsInvalid) {
  std::vector<uint8_t> header_only(12, 0);
  EXPECT_THAT(Run(net::Address::Loopback(AF_INET, 53), header_only, Short()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LoopExchangeTest, DestroyedBeforeTheReplyNeverCallsDone) {
  auto server = Replies(Fixture("a_host.bin"), UdpMode::kSilent);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  const int fds_before = testing_util::OpenFdCount();
  bool called = false;
  std::unique_ptr<LoopExchange> exchange =
      LoopExchange::Start(loop.get(), server->address(), Bytes(Fixture("a_host.query.bin")),
                          Short(3), [&](absl::StatusOr<ExchangeResult>) { called = true; });
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (server->queries().empty() && absl::Now() < give_up) {
    ASSERT_THAT(loop->RunOnce(absl::Milliseconds(10)), testing_util::IsOk());
  }
  ASSERT_THAT(server->queries(), SizeIs(1));
  EXPECT_GT(testing_util::OpenFdCount(), fds_before);  // its socket
  exchange.reset();
  EXPECT_EQ(testing_util::OpenFdCount(), fds_before);
  // Past every attempt's deadline: no timer of the exchange may fire now.
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(400)), testing_util::IsOk());
  EXPECT_FALSE(called);
  EXPECT_THAT(server->queries(), SizeIs(1));
}

TEST(LoopExchangeTest, DestroyedBeforeItBeganSendsNothing) {
  auto server = Replies(Fixture("a_host.bin"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  bool called = false;
  LoopExchange::Start(loop.get(), server->address(), Bytes(Fixture("a_host.query.bin")), Short(),
                      [&](absl::StatusOr<ExchangeResult>) { called = true; })
      .reset();
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(200)), testing_util::IsOk());
  EXPECT_FALSE(called);
  EXPECT_THAT(server->queries(), SizeIs(0));
}

TEST(LoopExchangeTest, ManyExchangesShareOneLoop) {
  auto silent = Replies(Fixture("a_host.bin"), UdpMode::kSilent);
  auto a = Replies(Fixture("a_host.bin"));
  auto nx = Replies(Fixture("nxdomain.bin"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  std::vector<absl::StatusOr<ExchangeResult>> results(3, absl::UnknownError("pending"));
  int left = 3;
  std::vector<std::unique_ptr<LoopExchange>> exchanges;
  const std::pair<UdpReplayServer*, const char*> jobs[] = {
      {silent.get(), "a_host.query.bin"}, {a.get(), "a_host.query.bin"},
      {nx.get(), "nxdomain.query.bin"}};
  for (int i = 0; i < 3; ++i) {
    exchanges.push_back(LoopExchange::Start(loop.get(), jobs[i].first->address(),
                                            Bytes(Fixture(jobs[i].second)), Short(2),
                                            [&, i](absl::StatusOr<ExchangeResult> r) {
                                              results[i] = std::move(r);
                                              --left;
                                            }));
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (left > 0 && absl::Now() < give_up) {
    ASSERT_THAT(loop->RunOnce(absl::Milliseconds(100)), testing_util::IsOk());
  }
  EXPECT_THAT(results[0], StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(silent->queries(), SizeIs(2));  // both attempts
  ASSERT_THAT(results[1], testing_util::IsOk());
  EXPECT_EQ(results[1]->raw, Bytes(Fixture("a_host.bin")));
  ASSERT_THAT(results[2], testing_util::IsOk());
  EXPECT_EQ(results[2]->message.header.rcode, kNxDomain);
}

INSTANTIATE_TEST_SUITE_P(BlockingAndLoop, ExchangeTest,
                         ::testing::Values(&Exchange, &RunOnLoop),
                         [](const ::testing::TestParamInfo<Runner>& info) {
                           return info.param == &Exchange ? "Blocking" : "Loop";
                         });

}  // namespace
}  // namespace dns
