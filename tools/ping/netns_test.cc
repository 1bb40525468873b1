// mini-ping across network namespaces this test creates and removes:
//
//   h1 (10.77.1.2) ── veth ── r (10.77.1.1 | 10.77.2.1, forwarding) ── veth ── h2 (10.77.2.2)
//
// TTL expiry at the router, an unreachable host, and packet loss made with an nftables rule on
// the router. Skipped (with the reason) where the sandbox forbids namespaces.
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"
#include "testing/subprocess.h"

namespace ping {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing_util::ProcessResult;
using ::testing_util::RunProcess;

// Bazel runs tests with PATH=/bin:/usr/bin; ip, sysctl and nft live in sbin.
const std::string kPath = "PATH=/usr/sbin:/sbin:/usr/bin:/bin; export PATH; ";

std::string IpBinary() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "ip";
}

class NetnsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suffix_ = absl::StrCat(getpid() % 100000);
    const std::string h1 = "h1_" + suffix_, r = "r_" + suffix_, h2 = "h2_" + suffix_;
    const std::string a = "va" + suffix_, b = "vb" + suffix_;
    // Each command must succeed; the first failure explains the skip.
    const std::vector<std::string> setup = {
        "ip netns add " + h1, "ip netns add " + r, "ip netns add " + h2,
        "ip link add " + a + " netns " + h1 + " type veth peer name " + a + "r netns " + r,
        "ip link add " + b + " netns " + h2 + " type veth peer name " + b + "r netns " + r,
        "ip -n " + h1 + " addr add 10.77.1.2/24 dev " + a,
        "ip -n " + r + " addr add 10.77.1.1/24 dev " + a + "r",
        "ip -n " + r + " addr add 10.77.2.1/24 dev " + b + "r",
        "ip -n " + h2 + " addr add 10.77.2.2/24 dev " + b,
        "ip -n " + h1 + " link set lo up", "ip -n " + r + " link set lo up",
        "ip -n " + h2 + " link set lo up",
        "ip -n " + h1 + " link set " + a + " up", "ip -n " + r + " link set " + a + "r up",
        "ip -n " + r + " link set " + b + "r up", "ip -n " + h2 + " link set " + b + " up",
        "ip -n " + h1 + " route add default via 10.77.1.1",
        "ip -n " + h2 + " route add default via 10.77.2.1",
        "ip netns exec " + r + " sysctl -qw net.ipv4.ip_forward=1",
    };
    for (const std::string& cmd : setup) {
      absl::StatusOr<ProcessResult> res = RunProcess("/bin/sh", {"-c", kPath + cmd + " 2>&1"});
      if (!res.ok() || res->exit_code != 0) {
        skip_reason_ = absl::StrCat("cannot build test namespaces (`", cmd,
                                    "`: ", res.ok() ? res->out : res.status().ToString(), ")");
        return;
      }
    }
  }

  static void TearDownTestSuite() {
    for (const std::string& ns : {"h1_", "r_", "h2_"}) {
      (void)RunProcess("/bin/sh", {"-c", kPath + "ip netns del " + ns + suffix_ + " 2>/dev/null"});
    }
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  // PingFrom runs mini-ping inside namespace `ns` ("h1", "r", "h2").
  ProcessResult PingFrom(const std::string& ns, std::vector<std::string> args) {
    std::vector<std::string> all = {"netns", "exec", ns + "_" + suffix_,
                                    testing_util::Runfile("tools/ping/mini-ping")};
    all.insert(all.end(), args.begin(), args.end());
    absl::StatusOr<ProcessResult> r = RunProcess(IpBinary(), all, {}, absl::Seconds(60));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : ProcessResult{};
  }

  void Router(const std::string& cmd) {
    absl::StatusOr<ProcessResult> r =
        RunProcess("/bin/sh", {"-c", kPath + "ip netns exec r_" + suffix_ + " " + cmd + " 2>&1"});
    ASSERT_TRUE(r.ok() && r->exit_code == 0) << cmd << ": " << (r.ok() ? r->out : "");
  }

  static std::string suffix_;
  static std::string skip_reason_;
};

std::string NetnsTest::suffix_;
std::string NetnsTest::skip_reason_;

TEST_F(NetnsTest, ThroughTheRouterTtlDropsByOne) {
  ProcessResult r = PingFrom("h1", {"-c", "2", "-i", "0.05", "10.77.2.2"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("64 bytes from 10.77.2.2: icmp_seq=1 ttl=63 time="));
}

TEST_F(NetnsTest, TtlExceededAtTheRouter) {
  ProcessResult r = PingFrom("h1", {"-c", "2", "-i", "0.05", "-W", "1", "-t", "1", "10.77.2.2"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("From 10.77.1.1 icmp_seq=1 Time to live exceeded\n"));
  EXPECT_THAT(r.out, HasSubstr("2 packets transmitted, 0 received, +2 errors, 100% packet loss"));
}

TEST_F(NetnsTest, UnreachableHostReportedByRouter) {
  // Nobody owns 10.77.2.99: the router's ARP fails and it answers Host Unreachable (~3 s).
  ProcessResult r = PingFrom("h1", {"-c", "1", "-W", "5", "10.77.2.99"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("From 10.77.1.1 icmp_seq=1 Destination Host Unreachable\n"));
  EXPECT_THAT(r.out, HasSubstr("1 packets transmitted, 0 received, +1 errors, 100% packet loss"));
}

TEST_F(NetnsTest, LossFromAnNftablesRuleOnTheRouter) {
  // Drop every second forwarded echo request.
  Router("nft add table ip loss");
  Router("nft add chain ip loss drop_half '{ type filter hook forward priority 0; }'");
  Router("nft add rule ip loss drop_half icmp type echo-request numgen inc mod 2 == 1 drop");
  ProcessResult r = PingFrom("h1", {"-q", "-c", "10", "-i", "0.02", "-W", "1", "10.77.2.2"});
  Router("nft delete table ip loss");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("10 packets transmitted, 5 received, 50% packet loss"));
}

}  // namespace
}  // namespace ping
