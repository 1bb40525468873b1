// Tests of dns::Exchange against loopback replay servers serving recorded nsd replies.
#include "lib/dns/transport.h"

#include <sys/socket.h>

#include <cstdint>
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

TEST(ExchangeTest, PlainAnswerOverUdp) {
  auto server = Replies(Fixture("a_host.bin"));
  ASSERT_OK_AND_ASSIGN(ExchangeResult r,
                       Exchange(server->address(), Bytes(Fixture("a_host.query.bin")), Short()));
  EXPECT_FALSE(r.used_tcp);
  EXPECT_FALSE(r.retried_over_tcp);
  EXPECT_EQ(r.raw, Bytes(Fixture("a_host.bin")));
  ASSERT_THAT(r.message.answers, SizeIs(1));
  EXPECT_EQ(std::get<A>(r.message.answers[0].data).address, (std::array<uint8_t, 4>{192, 0, 2, 10}));
}

TEST(ExchangeTest, ReplyWithWrongIdIsIgnoredUntilTimeout) {
  auto server = Replies(Fixture("a_host.bin"), UdpMode::kWrongId);
  EXPECT_THAT(Exchange(server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       "dns: timed out waiting for " + server->address().ToString()));
}

TEST(ExchangeTest, ReplyFromOtherPortIsIgnored) {
  auto server = Replies(Fixture("a_host.bin"), UdpMode::kFromOtherPort);
  EXPECT_THAT(Exchange(server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(ExchangeTest, ReplyForAnotherQuestionIsIgnored) {
  auto server = Replies(Fixture("nxdomain.bin"));  // nx.example.test, not host.example.test
  EXPECT_THAT(Exchange(server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  auto other_type = Replies(Fixture("aaaa_host.bin"));
  EXPECT_THAT(Exchange(other_type->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(ExchangeTest, QuestionNameMatchesCaseInsensitively) {
  auto server = Replies(Fixture("a_host_mixedcase.bin"));
  EXPECT_THAT(Exchange(server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              testing_util::IsOk());
}

TEST(ExchangeTest, MalformedDatagramIsIgnored) {
  std::string garbage = Fixture("a_host.bin").substr(0, 20);  // header + half a question
  auto server = Replies(garbage);
  EXPECT_THAT(Exchange(server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  auto short_server = Replies("\x12");
  EXPECT_THAT(Exchange(short_server->address(), Bytes(Fixture("a_host.query.bin")), Short()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(ExchangeTest, SilentServerTimesOutAfterEveryAttempt) {
  auto server = Replies(Fixture("a_host.bin"), UdpMode::kSilent);
  const absl::Time start = absl::Now();
  EXPECT_THAT(Exchange(server->address(), Bytes(Fixture("a_host.query.bin")), Short(3)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("timed out waiting for")));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_THAT(server->queries(), SizeIs(3));
}

TEST(ExchangeTest, HostileRepliesAreDroppedAndTheRealOneAccepted) {
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
      Exchange(address, Bytes(Fixture("a_host.query.bin")), Short());
  hostile.join();
  ASSERT_THAT(r, testing_util::IsOk());
  EXPECT_EQ(r->raw, Bytes(reply));
}

TEST(ExchangeTest, TruncatedReplyIsRetriedOverTcp) {
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
      Exchange(tcp->address(), Bytes(Fixture("big_udp_noedns.query.bin")), Short());
  truncating.join();
  ASSERT_THAT(r, testing_util::IsOk());
  EXPECT_TRUE(r->retried_over_tcp);
  EXPECT_TRUE(r->used_tcp);
  EXPECT_FALSE(r->message.header.tc);
  EXPECT_THAT(r->message.answers, SizeIs(40));
  EXPECT_EQ(r->raw, Bytes(Fixture("big_tcp.bin")));
}

TEST(ExchangeTest, TruncatedReplyIsReturnedWhenTcpRetryIsOff) {
  auto server = Replies(Fixture("big_udp_noedns.bin"));
  ExchangeOptions options = Short();
  options.tcp_on_truncation = false;
  ASSERT_OK_AND_ASSIGN(ExchangeResult r,
                       Exchange(server->address(), Bytes(Fixture("big_udp_noedns.query.bin")),
                                options));
  EXPECT_TRUE(r.message.header.tc);
  EXPECT_FALSE(r.used_tcp);
}

TEST(ExchangeTest, TruncatedReplyWithoutTcpListenerIsRefused) {
  auto server = Replies(Fixture("big_udp_noedns.bin"));  // nothing listens on TCP there
  EXPECT_THAT(Exchange(server->address(), Bytes(Fixture("big_udp_noedns.query.bin")), Short()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connection refused")));
}

TEST(ExchangeTest, TcpOnly) {
  testing_util::TcpReplayOptions tcp_options;
  tcp_options.framing = testing_util::Framing::kDnsLength;
  // One response holding a stray message (another question) and then the real reply.
  ASSERT_OK_AND_ASSIGN(auto tcp, TcpReplayServer::Start({WithLength(Fixture("nxdomain.bin")) +
                                                         WithLength(Fixture("a_host_tcp.bin"))},
                                                        tcp_options));
  ExchangeOptions options = Short();
  options.tcp_only = true;
  ASSERT_OK_AND_ASSIGN(ExchangeResult r,
                       Exchange(tcp->address(), Bytes(Fixture("a_host_tcp.query.bin")), options));
  EXPECT_TRUE(r.used_tcp);
  EXPECT_FALSE(r.retried_over_tcp);
  EXPECT_EQ(r.raw, Bytes(Fixture("a_host_tcp.bin")));  // the stray first message was skipped
}

// ClosedAddress returns a loopback address where nothing listens (bound, then released).
net::Address ClosedAddress(int type) {
  net::ListenOptions options;
  options.type = type;
  absl::StatusOr<net::Socket> s = net::Listen(net::Address::Loopback(AF_INET, 0), options);
  EXPECT_TRUE(s.ok()) << s.status();
  return *s->LocalAddress();
}

TEST(ExchangeTest, ClosedUdpPortIsConnectionRefused) {
  EXPECT_THAT(Exchange(ClosedAddress(SOCK_DGRAM), Bytes(Fixture("a_host.query.bin")), Short(2)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connection refused")));
}

TEST(ExchangeTest, ClosedTcpPortIsConnectionRefused) {
  ExchangeOptions options = Short();
  options.tcp_only = true;
  EXPECT_THAT(Exchange(ClosedAddress(SOCK_STREAM), Bytes(Fixture("a_host.query.bin")), options),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connection refused")));
}

TEST(ExchangeTest, QueryWithoutQuestionIsInvalid) {
  std::vector<uint8_t> header_only(12, 0);
  EXPECT_THAT(Exchange(net::Address::Loopback(AF_INET, 53), header_only, Short()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace dns
