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

}  // namespace
}  // namespace ping
