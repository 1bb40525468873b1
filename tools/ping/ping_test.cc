// End-to-end tests of mini-ping against loopback (needs a ping socket or CAP_NET_RAW).
#include <signal.h>
#include <sys/socket.h>

#include <string>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/icmp/ping_socket.h"
#include "testing/matchers.h"
#include "testing/subprocess.h"
#include "tools/ping/ping.h"

namespace ping {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing_util::ProcessResult;
using ::testing_util::RunProcess;

const std::string& Ping() {
  static const std::string path = testing_util::Runfile("tools/ping/mini-ping");
  return path;
}

// Skips (never silently passes) where this sandbox allows neither socket kind.
#define REQUIRE_ICMP(family)                                                     \
  do {                                                                           \
    absl::StatusOr<icmp::PingSocket> probe = icmp::PingSocket::Open(family);     \
    if (!probe.ok()) GTEST_SKIP() << "no ICMP socket here: " << probe.status();  \
  } while (false)

TEST(FormatRttTest, IputilsPrecision) {
  EXPECT_EQ(FormatRtt(45), "0.045");
  EXPECT_EQ(FormatRtt(999), "0.999");
  EXPECT_EQ(FormatRtt(1234), "1.23");
  EXPECT_EQ(FormatRtt(12345), "12.3");
  EXPECT_EQ(FormatRtt(123456), "123");
}

TEST(PingTest, ThreeRepliesFromIpv4Loopback) {
  REQUIRE_ICMP(AF_INET);
  ASSERT_OK_AND_ASSIGN(ProcessResult r, RunProcess(Ping(), {"-c", "3", "-i", "0.05", "127.0.0.1"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string reply =
      "64 bytes from 127\\.0\\.0\\.1: icmp_seq=%d ttl=64 time=[0-9]+\\.[0-9]+ ms\n";
  std::string want = "PING 127\\.0\\.0\\.1 \\(127\\.0\\.0\\.1\\) 56\\(84\\) bytes of data\\.\n";
  for (int i = 1; i <= 3; ++i) {
    want += absl::StrReplaceAll(reply, {{"%d", std::to_string(i)}});
  }
  want +=
      "\n--- 127\\.0\\.0\\.1 ping statistics ---\n"
      "3 packets transmitted, 3 received, 0% packet loss, time [0-9]+ms\n"
      "rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms\n";
  EXPECT_THAT(r.out, MatchesRegex(want));
}

TEST(PingTest, Ipv6LoopbackAndSize) {
  REQUIRE_ICMP(AF_INET6);
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess(Ping(), {"-6", "-c", "2", "-i", "0.05", "-s", "100", "::1"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("PING ::1(::1) 100 data bytes\n"));
  EXPECT_THAT(r.out, ContainsRegex("108 bytes from ::1: icmp_seq=2 ttl=64 time="));
  EXPECT_THAT(r.out, HasSubstr("2 packets transmitted, 2 received, 0% packet loss"));
}

TEST(PingTest, QuietAndTinyPayloadWithoutTiming) {
  REQUIRE_ICMP(AF_INET);
  ASSERT_OK_AND_ASSIGN(ProcessResult q, RunProcess(Ping(), {"-qc2", "-i", "0.05", "127.0.0.1"}));
  EXPECT_EQ(q.exit_code, 0);
  EXPECT_THAT(q.out, Not(HasSubstr("bytes from")));
  EXPECT_THAT(q.out, HasSubstr("2 packets transmitted, 2 received"));
  // Fewer than 16 data bytes leave no room for the timestamp: no time= and no rtt line.
  ASSERT_OK_AND_ASSIGN(ProcessResult t, RunProcess(Ping(), {"-c1", "-s", "8", "127.0.0.1"}));
  EXPECT_THAT(t.out, HasSubstr("PING 127.0.0.1 (127.0.0.1) 8(36) bytes of data.\n"
                               "16 bytes from 127.0.0.1: icmp_seq=1 ttl=64\n"));
  EXPECT_THAT(t.out, Not(HasSubstr("rtt ")));
}

TEST(PingTest, TtlOptionIsApplied) {
  REQUIRE_ICMP(AF_INET);
  // On loopback the reply is the kernel's, with its own TTL: the request's TTL only has to be
  // accepted and the ping to work.
  ASSERT_OK_AND_ASSIGN(ProcessResult r, RunProcess(Ping(), {"-c1", "-t", "1", "127.0.0.1"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(PingTest, DeadlineStopsEarlyWithExitOne) {
  REQUIRE_ICMP(AF_INET);
  absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       RunProcess(Ping(), {"-q", "-c", "1000", "-i", "0.2", "-w", "1", "127.0.0.1"}));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(r.exit_code, 1);  // count and deadline given, fewer replies than count
  EXPECT_THAT(r.out, ContainsRegex("[4-6] packets transmitted, [4-6] received"));
}

TEST(PingTest, InterruptPrintsStatistics) {
  REQUIRE_ICMP(AF_INET);
  ASSERT_OK_AND_ASSIGN(auto p, testing_util::Subprocess::Start(Ping(), {"-i", "0.05", "127.0.0.1"}));
  // Interrupt once a few replies have come in.
  ASSERT_TRUE(p->WaitForStdout("icmp_seq=3 ", absl::Seconds(10)));
  p->Signal(SIGINT);
  ASSERT_OK_AND_ASSIGN(ProcessResult r, p->Wait(absl::Seconds(10)));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("--- 127.0.0.1 ping statistics ---"));
  EXPECT_THAT(r.out, ContainsRegex("rtt min/avg/max/mdev = "));
}

TEST(PingTest, BadArguments) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  for (const Case& c : std::vector<Case>{
           {{}, "ping: usage error: Destination address required\n"},
           {{"-c", "0", "127.0.0.1"}, "ping: invalid argument: '0'"},
           {{"-s", "70000", "127.0.0.1"}, "ping: invalid argument: '70000'"},
           {{"-t", "300", "127.0.0.1"}, "ping: invalid argument: '300'"},
           {{"-i", "x", "127.0.0.1"}, "ping: bad timing interval: x\n"},
           {{"-4", "-6", "127.0.0.1"}, "ping: only one -4 or -6 option may be specified\n"},
           {{"-Z", "127.0.0.1"}, "ping: invalid option -- 'Z'"},
       }) {
    ASSERT_OK_AND_ASSIGN(ProcessResult r, RunProcess(Ping(), c.args));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr(c.err));
    EXPECT_EQ(r.out, "");
  }
}

}  // namespace
}  // namespace ping
