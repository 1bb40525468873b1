#include "testing/replay_server.h"

#include <poll.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/net/socket.h"
#include "testing/matchers.h"
#include "testing/subprocess.h"

namespace testing_util {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

std::string ReadToEof(net::Socket& s, std::vector<size_t>* reads = nullptr) {
  std::string out;
  char buf[65536];
  while (true) {
    absl::StatusOr<size_t> n = s.Read(absl::MakeSpan(buf));
    if (!n.ok() || *n == 0) return out;
    if (reads) reads->push_back(*n);
    out.append(buf, *n);
  }
}

TEST(TcpReplayServerTest, AnswersHttpRequestsInOrderAndRecordsThem) {
  ASSERT_OK_AND_ASSIGN(auto server, TcpReplayServer::Start({"first", "second"}));
  ASSERT_OK_AND_ASSIGN(net::Socket s, net::Connect(server->address(), Soon()));
  ASSERT_TRUE(s.WriteAll("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                         "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc").ok());
  EXPECT_EQ(ReadToEof(s), "firstsecond");
  EXPECT_THAT(server->requests(),
              ElementsAre(HasSubstr("GET /a"), HasSubstr("Content-Length: 3\r\n\r\nabc")));
  EXPECT_EQ(server->connections(), 1);
}

TEST(TcpReplayServerTest, OneByteWritesAndEarlyClose) {
  TcpReplayOptions opts;
  opts.framing = Framing::kNone;
  opts.close_after_bytes = 5;
  ASSERT_OK_AND_ASSIGN(auto server, TcpReplayServer::Start({"0123456789"}, opts));
  ASSERT_OK_AND_ASSIGN(net::Socket s, net::Connect(server->address(), Soon()));
  EXPECT_EQ(ReadToEof(s), "01234");
}

TEST(TcpReplayServerTest, NeverAnswerKeepsConnectionSilent) {
  TcpReplayOptions opts;
  opts.never_answer = true;
  ASSERT_OK_AND_ASSIGN(auto server, TcpReplayServer::Start({"x"}, opts));
  ASSERT_OK_AND_ASSIGN(net::Socket s, net::Connect(server->address(), Soon()));
  ASSERT_TRUE(s.WriteAll("GET / HTTP/1.0\r\n\r\n").ok());
  pollfd p = {s.fd(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 200), 0);  // nothing arrives
  ASSERT_TRUE(server->WaitForConnections(1, absl::Seconds(5)));
}

TEST(TcpReplayServerTest, DnsLengthFraming) {
  TcpReplayOptions opts;
  opts.framing = Framing::kDnsLength;
  ASSERT_OK_AND_ASSIGN(auto server, TcpReplayServer::StartWithResponder(
                                        [](const std::string& req, size_t) {
                                          return std::optional<std::string>("re:" + req.substr(2));
                                        },
                                        opts));
  ASSERT_OK_AND_ASSIGN(net::Socket s, net::Connect(server->address(), Soon()));
  ASSERT_TRUE(s.WriteAll(std::string("\0\3abc", 5)).ok());
  ASSERT_TRUE(s.ShutdownWrite().ok());
  EXPECT_EQ(ReadToEof(s), "re:abc");
}

TEST(UdpReplayServerTest, PatchesIdAndSupportsSpoofModes) {
  ASSERT_OK_AND_ASSIGN(auto server, UdpReplayServer::Start([](const std::string&) {
                         return std::optional<std::string>(std::string("\0\0reply", 7));
                       }));
  net::ListenOptions udp;
  udp.type = SOCK_DGRAM;
  ASSERT_OK_AND_ASSIGN(net::Socket c, net::Listen(net::Address::Loopback(AF_INET, 0), udp));
  char buf[64];
  net::Address from;

  ASSERT_TRUE(c.SendTo("\x12\x34q", &server->address()).ok());
  ASSERT_OK_AND_ASSIGN(size_t n, c.RecvFrom(absl::MakeSpan(buf), &from));
  EXPECT_EQ(std::string(buf, n), "\x12\x34reply");
  EXPECT_EQ(from, server->address());

  server->set_mode(UdpMode::kWrongId);
  ASSERT_TRUE(c.SendTo("\x12\x34q", &server->address()).ok());
  ASSERT_OK_AND_ASSIGN(n, c.RecvFrom(absl::MakeSpan(buf), &from));
  EXPECT_NE(std::string(buf, 2), "\x12\x34");

  server->set_mode(UdpMode::kFromOtherPort);
  ASSERT_TRUE(c.SendTo("\x12\x34q", &server->address()).ok());
  ASSERT_OK_AND_ASSIGN(n, c.RecvFrom(absl::MakeSpan(buf), &from));
  EXPECT_NE(from, server->address());

  server->set_mode(UdpMode::kSilent);
  ASSERT_TRUE(c.SendTo("\x12\x34q", &server->address()).ok());
  pollfd p = {c.fd(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 200), 0);
  EXPECT_EQ(server->queries().size(), 4u);
}

TEST(UdpReplayServerTest, HostileFirstSendsSpoofsThenTheReply) {
  const std::string reply("\0\0\x81\x80\0\x01\0\0\0\0\0\0\x01x\0\0\x01\0\x01", 19);
  ASSERT_OK_AND_ASSIGN(auto server,
                       UdpReplayServer::Start([&](const std::string&) { return reply; },
                                              {.mode = UdpMode::kHostileFirst}));
  net::ListenOptions udp;
  udp.type = SOCK_DGRAM;
  ASSERT_OK_AND_ASSIGN(net::Socket c, net::Listen(net::Address::Loopback(AF_INET, 0), udp));
  ASSERT_TRUE(c.SendTo(std::string("\x12\x34q", 3), &server->address()).ok());
  std::string patched = reply;
  patched[0] = '\x12';
  patched[1] = '\x34';
  std::vector<std::string> from_server, from_elsewhere;
  char buf[64];
  while (from_server.size() + from_elsewhere.size() < 7) {
    net::Address from;
    ASSERT_OK_AND_ASSIGN(size_t n, c.RecvFrom(absl::MakeSpan(buf), &from));
    (from == server->address() ? from_server : from_elsewhere).emplace_back(buf, n);
  }
  ASSERT_EQ(from_server.size(), 6u);
  EXPECT_EQ(from_server[0], "\x12");
  EXPECT_NE(from_server[1].substr(0, 2), "\x12\x34");                 // another ID
  EXPECT_EQ(from_server[2][2] & 0x80, 0);                             // QR=0
  EXPECT_EQ(from_server[3], patched.substr(0, 13) + "y" + patched.substr(14));  // other name
  EXPECT_EQ(from_server[4], patched.substr(0, patched.size() - 3));   // cut short
  EXPECT_EQ(from_server[5], patched);                                 // the real one, last
  EXPECT_EQ(from_elsewhere, std::vector<std::string>{patched});
}

TEST(SubprocessTest, CapturesOutputsAndExitCode) {
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess("/bin/sh", {"-c", "cat; echo err >&2; exit 3"},
                                  {.stdin_data = "in"}));
  EXPECT_EQ(r.out, "in");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
}

TEST(SubprocessTest, TimeoutKills) {
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess("/bin/sleep", {"30"}, {}, absl::Milliseconds(200)));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGKILL);
}

}  // namespace
}  // namespace testing_util
