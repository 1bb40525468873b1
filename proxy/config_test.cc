#include "proxy/config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace proxy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing_util::StatusIs;

TEST(ConfigTest, DefaultsAreLoopbackOnly) {
  ASSERT_OK_AND_ASSIGN(ProxyOptions o, BuildOptions(FlagValues()));
  EXPECT_EQ(o.listen.ToString(), "127.0.0.1:8080");
  EXPECT_FALSE(o.upstream.has_value());
  EXPECT_GE(o.workers, 1);
  EXPECT_THAT(o.connect_ports, ElementsAre(443));
  EXPECT_TRUE(o.allow.Allows(*net::Address::FromIp("127.0.0.1", 1)));
  EXPECT_FALSE(o.allow.Allows(*net::Address::FromIp("10.0.0.1", 1)));
  EXPECT_EQ(o.header_timeout, absl::Seconds(10));
  EXPECT_FALSE(o.admin_listen.has_value());
}

TEST(ConfigTest, ParsesAndNamesTheBadFlag) {
  FlagValues v;
  v.listen = "[::1]:0";
  v.upstream = "[::1]:8081";
  v.connect_ports = "443, 8443";
  v.header_timeout = "1500ms";
  ASSERT_OK_AND_ASSIGN(ProxyOptions o, BuildOptions(v));
  EXPECT_EQ(o.listen.ToString(), "[::1]:0");
  EXPECT_EQ(o.upstream->Key(), "[::1]:8081");
  EXPECT_THAT(o.connect_ports, ElementsAre(443, 8443));
  EXPECT_EQ(o.header_timeout, absl::Milliseconds(1500));

  v.header_timeout = "soon";
  EXPECT_THAT(BuildOptions(v),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--header_timeout")));
  v = FlagValues();
  v.listen = "localhost:80";
  EXPECT_THAT(BuildOptions(v), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--listen")));
  v = FlagValues();
  v.connect_ports = "443,x";
  EXPECT_THAT(BuildOptions(v),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--connect_ports")));
  v = FlagValues();
  v.resolver = "dns";
  EXPECT_THAT(BuildOptions(v), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--resolver")));
  v = FlagValues();
  v.admin_listen = "127.0.0.1:9090";
  ASSERT_OK_AND_ASSIGN(o, BuildOptions(v));
  EXPECT_EQ(o.admin_listen->ToString(), "127.0.0.1:9090");
  v.admin_listen = "127.0.0.1";
  EXPECT_THAT(BuildOptions(v),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--admin_listen")));
}

}  // namespace
}  // namespace proxy
