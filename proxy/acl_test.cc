#include "proxy/acl.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/net/address.h"
#include "testing/matchers.h"

namespace proxy {
namespace {

using ::testing_util::StatusIs;

net::Address Ip(const char* ip) { return *net::Address::FromIp(ip, 1234); }

TEST(AclTest, MatchesPrefixes) {
  ASSERT_OK_AND_ASSIGN(Acl acl, Acl::Parse("127.0.0.0/8, ::1/128,10.1.2.0/23,192.168.1.7"));
  EXPECT_TRUE(acl.Allows(Ip("127.9.9.9")));
  EXPECT_TRUE(acl.Allows(Ip("::1")));
  EXPECT_TRUE(acl.Allows(Ip("::ffff:127.0.0.1")));
  EXPECT_TRUE(acl.Allows(Ip("10.1.3.255")));
  EXPECT_FALSE(acl.Allows(Ip("10.1.4.0")));
  EXPECT_TRUE(acl.Allows(Ip("192.168.1.7")));
  EXPECT_FALSE(acl.Allows(Ip("192.168.1.8")));
  EXPECT_FALSE(acl.Allows(Ip("::2")));
}

TEST(AclTest, EdgesAndErrors) {
  ASSERT_OK_AND_ASSIGN(Acl all, Acl::Parse("0.0.0.0/0"));
  EXPECT_TRUE(all.Allows(Ip("8.8.8.8")));
  EXPECT_FALSE(all.Allows(Ip("2001:db8::1")));
  ASSERT_OK_AND_ASSIGN(Acl none, Acl::Parse(""));
  EXPECT_FALSE(none.Allows(Ip("127.0.0.1")));
  EXPECT_THAT(Acl::Parse("10.0.0.0/33"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Acl::Parse("example.com/8"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Acl::Parse("::/x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace proxy
