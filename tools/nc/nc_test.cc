// End-to-end tests of the mini-nc binary against the replay server and against itself.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/sha256.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"
#include "testing/matchers.h"
#include "testing/replay_server.h"
#include "testing/subprocess.h"
#include "tools/nc/nc.h"

namespace nc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing_util::ProcessResult;
using ::testing_util::RunProcess;
using ::testing_util::Subprocess;
using ::testing_util::TcpReplayServer;

const std::string& Nc() {
  static const std::string path = testing_util::Runfile("tools/nc/mini-nc");
  return path;
}

// ClosedPort returns a loopback port with nothing listening (bound, then released).
uint16_t ClosedPort() {
  absl::StatusOr<net::Socket> s = net::Listen(net::Address::Loopback(AF_INET, 0));
  return s->LocalAddress()->port();
}

// ListenPort waits for a `mini-nc -lnv` child to say where it listens and returns the port.
uint16_t ListenPort(Subprocess& p, const std::string& prefix) {
  EXPECT_TRUE(p.WaitForStderr("\n", absl::Seconds(10))) << p.Stderr();
  std::string err = p.Stderr();
  size_t at = err.find(prefix);
  if (at == std::string::npos) return 0;
  std::string rest = err.substr(at + prefix.size());
  rest = rest.substr(0, rest.find('\n'));
  uint32_t port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(rest.substr(rest.rfind(' ') + 1), &port)) << err;
  return static_cast<uint16_t>(port);
}

TEST(ParsePortsTest, SinglesRangesAndErrors) {
  EXPECT_THAT(*ParsePorts({"22", "20-21", "9-8"}), ElementsAre(22, 20, 21, 8, 9));
  EXPECT_THAT(*ParsePorts({"ssh"}), ElementsAre(22));
  EXPECT_THAT(ParsePorts({"99999"}),
              testing_util::StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("port number too large: 99999")));
  EXPECT_THAT(ParsePorts({"1-99999"}), testing_util::StatusIs(absl::StatusCode::kInvalidArgument,
                                                              HasSubstr("port range not valid")));
  EXPECT_THAT(ParsePorts({"nosuchservice"}),
              testing_util::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NcTest, ConnectSendsStdinAndPrintsReply) {
  testing_util::TcpReplayOptions opts;
  opts.framing = testing_util::Framing::kAnyBytes;
  ASSERT_OK_AND_ASSIGN(auto server, TcpReplayServer::Start({"reply from server\n"}, opts));
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess(Nc(), {"-N", "127.0.0.1", absl::StrCat(server->port())},
                                  {.stdin_data = "hello\n"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "reply from server\n");
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(server->requests(), ElementsAre("hello\n"));
}

TEST(NcTest, ReplayedResponseInOneByteSegments) {
  testing_util::TcpReplayOptions opts;
  opts.framing = testing_util::Framing::kNone;
  opts.write_size = 1;
  std::string payload;
  for (int i = 0; i < 3000; ++i) payload.push_back(static_cast<char>(i % 251));
  ASSERT_OK_AND_ASSIGN(auto server, TcpReplayServer::Start({payload}, opts));
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess(Nc(), {"127.0.0.1", absl::StrCat(server->port())}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out == payload) << r.out.size();
}

TEST(NcTest, VerboseScanOfOpenAndClosedPorts) {
  ASSERT_OK_AND_ASSIGN(auto server, TcpReplayServer::Start({}));
  const std::string open = absl::StrCat(server->port());
  const uint16_t closed = ClosedPort();
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess(Nc(), {"-zv", "127.0.0.1", absl::StrCat(closed), open}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, absl::StrCat("nc: connect to 127.0.0.1 port ", closed,
                                " (tcp) failed: Connection refused\n", "Connection to 127.0.0.1 ",
                                open, " port [tcp/*] succeeded!\n"));

  ASSERT_OK_AND_ASSIGN(r, RunProcess(Nc(), {"-z", "127.0.0.1", absl::StrCat(closed)}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "");  // quiet without -v, like nc

  // A range that covers the open port.
  ASSERT_OK_AND_ASSIGN(r, RunProcess(Nc(), {"-z", "127.0.0.1", open + "-" + open}));
  EXPECT_EQ(r.exit_code, 0);
}

TEST(NcTest, ListenAndConnectToItself100MiBWithMatchingSha256) {
  const std::string dir = testing_util::TempDir();
  const std::string src = dir + "/random.bin", dst = dir + "/received.bin";
  base::Sha256 sent_hash;
  {
    std::ofstream out(src, std::ios::binary);
    std::mt19937_64 rng(7);
    std::string block(1 << 20, '\0');
    for (int mb = 0; mb < 100; ++mb) {
      for (size_t i = 0; i < block.size(); i += 8) {
        uint64_t v = rng();
        std::memcpy(&block[i], &v, 8);
      }
      sent_hash.Update(block);
      out.write(block.data(), block.size());
    }
  }
  ASSERT_OK_AND_ASSIGN(auto listener,
                       Subprocess::Start(Nc(), {"-lnv", "127.0.0.1", "0"},
                                         {.stdout_file = dst}));
  uint16_t port = ListenPort(*listener, "Listening on ");
  ASSERT_NE(port, 0);
  ASSERT_OK_AND_ASSIGN(ProcessResult sender,
                       RunProcess(Nc(), {"-N", "127.0.0.1", absl::StrCat(port)},
                                  {.stdin_file = src}));
  EXPECT_EQ(sender.exit_code, 0) << sender.err;
  ASSERT_OK_AND_ASSIGN(ProcessResult recv, listener->Wait(absl::Seconds(60)));
  EXPECT_EQ(recv.exit_code, 0);
  EXPECT_THAT(recv.err, StartsWith("Listening on 127.0.0.1 " + absl::StrCat(port) +
                                   "\nConnection received on 127.0.0.1 "));
  std::ifstream in(dst, std::ios::binary);
  base::Sha256 got_hash;
  std::string buf(1 << 20, '\0');
  uint64_t total = 0;
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
    got_hash.Update(absl::string_view(buf.data(), in.gcount()));
    total += in.gcount();
  }
  EXPECT_EQ(total, 100u << 20);
  EXPECT_EQ(base::HexDigest(got_hash.Finish()), base::HexDigest(sent_hash.Finish()));
  unlink(src.c_str());
  unlink(dst.c_str());
}

TEST(NcTest, HalfCloseLetsPeerAnswerAfterEof) {
  // The peer reads to end of stream, then answers with the byte count: that only works if
  // -N shuts down our write side while we keep reading.
  ASSERT_OK_AND_ASSIGN(net::Socket listener, net::Listen(net::Address::Loopback(AF_INET, 0)));
  const uint16_t port = listener.LocalAddress()->port();
  std::thread peer([&] {
    auto conn = listener.Accept();
    ASSERT_TRUE(conn.ok() && conn->has_value());
    net::Socket& s = (*conn)->first;
    std::string got;
    char buf[4096];
    while (true) {
      absl::StatusOr<size_t> n = s.Read(absl::MakeSpan(buf));
      if (!n.ok() || *n == 0) break;
      got.append(buf, *n);
    }
    ASSERT_TRUE(s.WriteAll(absl::StrCat("got ", got.size(), " bytes\n")).ok());
  });
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess(Nc(), {"-N", "127.0.0.1", absl::StrCat(port)},
                                  {.stdin_data = std::string(100000, 'z')}));
  peer.join();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "got 100000 bytes\n");
}

TEST(NcTest, UnreadableStdinEndsLikeEof) {
  // OpenBSD nc 1.219 with stdin a directory (read(2) fails with EISDIR) says nothing, stops
  // reading stdin as at end of file (so -N shuts the socket down), and exits 0 once the peer
  // is done. The peer here waits at most 10 s for that end of stream, then answers.
  ASSERT_OK_AND_ASSIGN(net::Socket listener, net::Listen(net::Address::Loopback(AF_INET, 0)));
  const uint16_t port = listener.LocalAddress()->port();
  bool peer_saw_eof = false;
  std::thread peer([&] {
    auto conn = listener.Accept();
    ASSERT_TRUE(conn.ok() && conn->has_value());
    net::Socket& s = (*conn)->first;
    struct pollfd p = {s.fd(), POLLIN, 0};
    char c;
    peer_saw_eof = ::poll(&p, 1, 10000) == 1 && ::recv(s.fd(), &c, 1, 0) == 0;
    ASSERT_TRUE(s.WriteAll(peer_saw_eof ? "eof\n" : "no eof\n").ok());
  });
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess(Nc(), {"-N", "127.0.0.1", absl::StrCat(port)},
                                  {.stdin_file = testing_util::TempDir()}, absl::Seconds(20)));
  peer.join();
  EXPECT_TRUE(peer_saw_eof);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "eof\n");
  EXPECT_EQ(r.err, "");

  // Without -N the socket stays open both ways until the peer closes, as in nc.
  testing_util::TcpReplayOptions opts;
  opts.framing = testing_util::Framing::kNone;
  ASSERT_OK_AND_ASSIGN(auto server, TcpReplayServer::Start({"hello\n"}, opts));
  ASSERT_OK_AND_ASSIGN(ProcessResult plain,
                       RunProcess(Nc(), {"127.0.0.1", absl::StrCat(server->port())},
                                  {.stdin_file = testing_util::TempDir()}, absl::Seconds(20)));
  EXPECT_EQ(plain.exit_code, 0);
  EXPECT_EQ(plain.out, "hello\n");
  EXPECT_EQ(plain.err, "");
}

TEST(NcTest, UdpBothWays) {
  ASSERT_OK_AND_ASSIGN(auto listener,
                       Subprocess::Start(Nc(), {"-ulnv", "-w", "1", "127.0.0.1", "0"},
                                         {.keep_stdin_open = true}));
  uint16_t port = ListenPort(*listener, "Bound on ");
  ASSERT_NE(port, 0);
  ASSERT_OK_AND_ASSIGN(auto client, Subprocess::Start(Nc(), {"-u", "-w", "1", "127.0.0.1",
                                                             absl::StrCat(port)},
                                                      {.keep_stdin_open = true}));
  ASSERT_TRUE(client->WriteStdin("ping\n").ok());
  // The listener learns its peer from the first datagram; then it can answer.
  ASSERT_TRUE(listener->WaitForStderr("Connection received on 127.0.0.1 ", absl::Seconds(10)));
  ASSERT_TRUE(listener->WriteStdin("pong\n").ok());
  listener->CloseStdin();
  client->CloseStdin();
  ASSERT_OK_AND_ASSIGN(ProcessResult l, listener->Wait(absl::Seconds(20)));
  ASSERT_OK_AND_ASSIGN(ProcessResult c, client->Wait(absl::Seconds(20)));
  EXPECT_EQ(l.out, "ping\n");
  EXPECT_EQ(c.out, "pong\n");
  EXPECT_FALSE(l.timed_out);
  EXPECT_FALSE(c.timed_out);
}

TEST(NcTest, UnixDomainSocket) {
  char dir[] = "/tmp/nctest-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/s";
  ASSERT_OK_AND_ASSIGN(auto listener, Subprocess::Start(Nc(), {"-lUv", path}));
  ASSERT_TRUE(listener->WaitForStderr("Listening on " + path + "\n", absl::Seconds(10)));
  ASSERT_OK_AND_ASSIGN(ProcessResult c,
                       RunProcess(Nc(), {"-NU", path}, {.stdin_data = "over unix\n"}));
  ASSERT_OK_AND_ASSIGN(ProcessResult l, listener->Wait(absl::Seconds(20)));
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_EQ(l.out, "over unix\n");
  EXPECT_EQ(l.err, "Bound on " + path + "\nListening on " + path + "\nConnection received on " +
                       path + "\n");
  EXPECT_NE(access(path.c_str(), F_OK), 0);  // removed on exit
  rmdir(dir);
}

TEST(NcTest, IdleTimeoutAfterStdinEnds) {
  testing_util::TcpReplayOptions opts;
  opts.never_answer = true;
  opts.framing = testing_util::Framing::kAnyBytes;
  ASSERT_OK_AND_ASSIGN(auto server, TcpReplayServer::Start({}, opts));
  absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess(Nc(), {"-w", "1", "127.0.0.1", absl::StrCat(server->port())},
                                  {.stdin_data = "anyone?\n"}, absl::Seconds(20)));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_GE(absl::Now() - start, absl::Seconds(1));
}

TEST(NcTest, ConnectTimeout) {
  // A backlog-0 listener whose queue is full drops further SYNs: connect stays pending.
  net::ListenOptions lo;
  lo.backlog = 0;
  ASSERT_OK_AND_ASSIGN(net::Socket listener, net::Listen(net::Address::Loopback(AF_INET, 0), lo));
  const net::Address addr = *listener.LocalAddress();
  std::vector<net::Socket> fillers;
  while (true) {
    absl::StatusOr<net::Socket> s = net::Connect(addr, absl::Now() + absl::Milliseconds(300));
    if (!s.ok()) break;
    fillers.push_back(*std::move(s));
    ASSERT_LT(fillers.size(), 16u);
  }
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess(Nc(), {"-v", "-w", "1", "127.0.0.1", absl::StrCat(addr.port())},
                                  {}, absl::Seconds(20)));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, absl::StrCat("nc: connect to 127.0.0.1 port ", addr.port(),
                                " (tcp) timed out: Operation now in progress\n"));
}

TEST(NcTest, BadArguments) {
  struct Case {
    std::vector<std::string> args;
    std::string err_contains;
  };
  for (const Case& c : std::vector<Case>{
           {{"127.0.0.1"}, "nc: missing port number\n"},
           {{"-x", "h", "1"}, "nc: invalid option -- 'x'\n"},
           {{"-w"}, "nc: option requires an argument -- 'w'\n"},
           {{"127.0.0.1", "99999"}, "nc: port number too large: 99999\n"},
           {{"127.0.0.1", "5-1x"}, "nc: port range not valid\n"},
           {{"-k", "127.0.0.1", "1"}, "nc: must use -l with -k\n"},
           {{"-4", "-6", "127.0.0.1", "1"}, "nc: cannot use -4 and -6 together\n"},
           {{"-n", "not-an-ip", "1"}, "nc: getaddrinfo for host \"not-an-ip\" port 1: "},
           {{}, "usage: mini-nc"},
       }) {
    ASSERT_OK_AND_ASSIGN(ProcessResult r, RunProcess(Nc(), c.args));
    EXPECT_EQ(r.exit_code, 1) << c.args.size();
    EXPECT_THAT(r.err, HasSubstr(c.err_contains));
    EXPECT_EQ(r.out, "");
  }
}

}  // namespace
}  // namespace nc
