// mini-ping across network namespaces this test creates and removes (testing/netns.h): TTL
// expiry at the router, an unreachable host, and loss made with an nftables rule on the router.
// Skipped, with the reason, where the sandbox forbids namespaces.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"
#include "testing/netns.h"
#include "testing/subprocess.h"

namespace ping {
namespace {

using ::testing::HasSubstr;
using ::testing_util::ProcessResult;
using ::testing_util::RoutedNamespaces;

class NetnsTest : public testing_util::NetnsTest {
 protected:
  ProcessResult PingFromH1(const std::vector<std::string>& args) {
    absl::StatusOr<ProcessResult> r =
        net()->Run("h1", testing_util::Runfile("tools/ping/mini-ping"), args);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : ProcessResult{};
  }
};

TEST_F(NetnsTest, ThroughTheRouterTtlDropsByOne) {
  ProcessResult r = PingFromH1({"-c", "2", "-i", "0.05", RoutedNamespaces::kH2});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("64 bytes from 10.77.2.2: icmp_seq=1 ttl=63 time="));
}

TEST_F(NetnsTest, TtlExceededAtTheRouter) {
  ProcessResult r = PingFromH1({"-c", "2", "-i", "0.05", "-W", "1", "-t", "1", RoutedNamespaces::kH2});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("From 10.77.1.1 icmp_seq=1 Time to live exceeded\n"));
  EXPECT_THAT(r.out, HasSubstr("2 packets transmitted, 0 received, +2 errors, 100% packet loss"));
}

TEST_F(NetnsTest, UnreachableHostReportedByRouter) {
  // Nobody owns 10.77.2.99: the router's ARP fails and it answers Host Unreachable (~3 s).
  ProcessResult r = PingFromH1({"-c", "1", "-W", "5", "10.77.2.99"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("From 10.77.1.1 icmp_seq=1 Destination Host Unreachable\n"));
  EXPECT_THAT(r.out, HasSubstr("1 packets transmitted, 0 received, +1 errors, 100% packet loss"));
}

TEST_F(NetnsTest, LossFromAnNftablesRuleOnTheRouter) {
  // Drop every second forwarded echo request.
  ASSERT_TRUE(net()->Shell("r", "nft add table ip loss").ok());
  ASSERT_TRUE(
      net()->Shell("r", "nft add chain ip loss drop_half '{ type filter hook forward priority 0; }'")
          .ok());
  ASSERT_TRUE(
      net()->Shell("r", "nft add rule ip loss drop_half icmp type echo-request numgen inc mod 2 == 1 drop")
          .ok());
  ProcessResult r = PingFromH1({"-q", "-c", "10", "-i", "0.02", "-W", "1", RoutedNamespaces::kH2});
  ASSERT_TRUE(net()->Shell("r", "nft delete table ip loss").ok());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("10 packets transmitted, 5 received, 50% packet loss"));
}

// Replies from testing/icmp_responder in h2, whose kernel stops answering echo requests itself.
class MisbehavingPeerTest : public NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(net()->Shell("h2", "sysctl -qw net.ipv4.icmp_echo_ignore_all=1").ok());
  }
  void TearDown() override {
    responder_.reset();
    if (net() != nullptr) (void)net()->Shell("h2", "sysctl -qw net.ipv4.icmp_echo_ignore_all=0");
  }
  void StartResponder(std::vector<std::string> flags) {
    absl::StatusOr<std::unique_ptr<testing_util::Subprocess>> p =
        net()->Start("h2", testing_util::Runfile("testing/icmp_responder"), flags);
    ASSERT_TRUE(p.ok()) << p.status();
    responder_ = *std::move(p);
    ASSERT_TRUE(responder_->WaitForStdout("ready\n", absl::Seconds(10))) << responder_->Stderr();
  }
  std::unique_ptr<testing_util::Subprocess> responder_;
};

TEST_F(MisbehavingPeerTest, DuplicatedReplies) {
  StartResponder({"--dup"});
  ProcessResult r = PingFromH1({"-c", "3", "-i", "0.1", "-W", "1", RoutedNamespaces::kH2});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("icmp_seq=1 ttl=63 time="));
  EXPECT_THAT(r.out, testing::ContainsRegex("icmp_seq=1 ttl=63 time=[0-9.]+ ms \\(DUP!\\)"));
  // The run ends as soon as the third reply is in, usually before its duplicate (as iputils).
  EXPECT_THAT(r.out, testing::ContainsRegex(
                         "3 packets transmitted, 3 received, \\+[23] duplicates, 0% packet loss"));
}

TEST_F(MisbehavingPeerTest, CorruptedAndMissingReplies) {
  StartResponder({"--corrupt_seq=2", "--drop_seq=3"});
  ProcessResult r = PingFromH1({"-c", "4", "-i", "0.05", "-W", "1", RoutedNamespaces::kH2});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, testing::ContainsRegex("icmp_seq=2 ttl=63 time=[0-9.]+ ms \\(BAD CHECKSUM!\\)"));
  EXPECT_THAT(r.out, testing::Not(HasSubstr("icmp_seq=3 ")));
  EXPECT_THAT(r.out, HasSubstr("4 packets transmitted, 2 received, +1 corrupted, 50% packet loss"));
}

TEST_F(MisbehavingPeerTest, DelayedRepliesShowInRtt) {
  StartResponder({"--delay_ms=60"});
  ProcessResult r = PingFromH1({"-c", "2", "-i", "0.1", "-W", "2", RoutedNamespaces::kH2});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // min RTT ≥ 60 ms: the "rtt min/avg/max/mdev = 6x.xxx/..." line.
  EXPECT_THAT(r.out, testing::ContainsRegex("rtt min/avg/max/mdev = ([6-9][0-9]|[1-9][0-9][0-9])\\."));
}

TEST_F(NetnsTest, UnprivilegedPingSocketPath) {
  // With ping_group_range open, PingSocket::Open takes the SOCK_DGRAM ping socket before any
  // raw one, so this run covers the unprivileged path.
  ASSERT_TRUE(net()->Shell("h1", "sysctl -qw net.ipv4.ping_group_range='0 2147483647'").ok());
  ProcessResult r = PingFromH1({"-c", "2", "-i", "0.05", RoutedNamespaces::kH2});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("64 bytes from 10.77.2.2: icmp_seq=2 ttl=63 time="));
  ASSERT_TRUE(net()->Shell("h1", "sysctl -qw net.ipv4.ping_group_range='1 0'").ok());
}

}  // namespace
}  // namespace ping
