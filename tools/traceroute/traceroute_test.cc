// mini-traceroute on loopback and across the routed namespaces of testing/netns.h.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"
#include "testing/netns.h"
#include "testing/subprocess.h"

namespace traceroute {
namespace {

using ::testing::MatchesRegex;
using ::testing::HasSubstr;
using ::testing_util::ProcessResult;
using ::testing_util::RoutedNamespaces;
using ::testing_util::RunProcess;

const std::string& Bin() {
  static const std::string path = testing_util::Runfile("tools/traceroute/mini-traceroute");
  return path;
}

constexpr char kMs[] = "  [0-9]+\\.[0-9]{3} ms";

TEST(TracerouteTest, LoopbackIsOneHop) {
  for (bool icmp : {false, true}) {
    std::vector<std::string> args = {"-n", "-w", "2", "127.0.0.1"};
    if (icmp) args.insert(args.begin(), "-I");
    ASSERT_OK_AND_ASSIGN(ProcessResult r, RunProcess(Bin(), args));
    if (icmp && r.exit_code == 2) GTEST_SKIP() << "no ICMP socket here: " << r.err;
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, MatchesRegex(std::string("traceroute to 127\\.0\\.0\\.1 \\(127\\.0\\.0\\.1\\), "
                                                "30 hops max, 60 byte packets\n") +
                                    " 1  127\\.0\\.0\\.1" + kMs + kMs + kMs + "\n"));
  }
}

TEST(TracerouteTest, Ipv6Loopback) {
  ASSERT_OK_AND_ASSIGN(ProcessResult r, RunProcess(Bin(), {"-n", "-q", "1", "::1"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, MatchesRegex(std::string("traceroute to ::1 \\(::1\\), 30 hops max, 80 byte "
                                              "packets\n 1  ::1") + kMs + "\n"));
}

TEST(TracerouteTest, BadArguments) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {}, {"-q", "11", "127.0.0.1"}, {"-m", "0", "127.0.0.1"}, {"-w", "x", "127.0.0.1"},
           {"-Z", "127.0.0.1"}}) {
    ASSERT_OK_AND_ASSIGN(ProcessResult r, RunProcess(Bin(), args));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_FALSE(r.err.empty());
  }
}

class TracerouteNetnsTest : public testing_util::NetnsTest {};

TEST_F(TracerouteNetnsTest, TwoHopsUdpAndIcmp) {
  for (bool icmp : {false, true}) {
    std::vector<std::string> args = {"-n", "-w", "2", RoutedNamespaces::kH2};
    if (icmp) args.insert(args.begin(), "-I");
    ASSERT_OK_AND_ASSIGN(ProcessResult r, net()->Run("h1", Bin(), args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, MatchesRegex(std::string("traceroute to 10\\.77\\.2\\.2 \\(10\\.77\\.2\\.2\\), "
                                                "30 hops max, 60 byte packets\n") +
                                    " 1  10\\.77\\.1\\.1" + kMs + kMs + kMs + "\n" +
                                    " 2  10\\.77\\.2\\.2" + kMs + kMs + kMs + "\n"))
        << (icmp ? "-I" : "udp");
  }
}

TEST_F(TracerouteNetnsTest, SilentHopsAndMaxHops) {
  // Nothing answers for 10.77.2.99 beyond the router within the wait: stars up to -m.
  ASSERT_OK_AND_ASSIGN(ProcessResult r,
                       net()->Run("h1", Bin(), {"-n", "-q", "1", "-w", "1", "-m", "2", "-f", "2",
                                               "10.77.2.99"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(" 2  *"));
}

}  // namespace
}  // namespace traceroute
