#include "lib/net/address.h"

#include <netinet/in.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace net {
namespace {

using ::testing::HasSubstr;
using ::testing_util::StatusIs;

TEST(AddressTest, ParsesAndPrintsIpv4) {
  ASSERT_OK_AND_ASSIGN(Address a, Address::Parse("192.0.2.7:8080"));
  EXPECT_EQ(a.family(), AF_INET);
  EXPECT_EQ(a.port(), 8080);
  EXPECT_EQ(a.IpString(), "192.0.2.7");
  EXPECT_EQ(a.ToString(), "192.0.2.7:8080");
  EXPECT_FALSE(a.is_loopback());
  EXPECT_TRUE(Address::Parse("127.1.2.3:1")->is_loopback());
}

TEST(AddressTest, ParsesAndPrintsIpv6) {
  ASSERT_OK_AND_ASSIGN(Address a, Address::Parse("[::1]:80"));
  EXPECT_EQ(a.family(), AF_INET6);
  EXPECT_EQ(a.port(), 80);
  EXPECT_EQ(a.ToString(), "[::1]:80");
  EXPECT_TRUE(a.is_loopback());
  ASSERT_OK_AND_ASSIGN(Address b, Address::FromIp("2001:DB8:0:0:0:0:0:1", 53));
  EXPECT_EQ(b.IpString(), "2001:db8::1");
  ASSERT_OK_AND_ASSIGN(Address c, Address::FromIp("[::ffff:127.0.0.1]", 1));
  EXPECT_TRUE(c.is_loopback());
}

TEST(AddressTest, ScopeIdByNumberAndName) {
  ASSERT_OK_AND_ASSIGN(Address a, Address::Parse("[fe80::1%1]:22"));
  EXPECT_EQ(a.ToString(), "[fe80::1%lo]:22");  // interface 1 is lo
  ASSERT_OK_AND_ASSIGN(Address b, Address::FromIp("fe80::1%lo", 22));
  EXPECT_EQ(a, b);
  EXPECT_THAT(Address::FromIp("fe80::1%nosuchif0", 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scope")));
}

TEST(AddressTest, RejectsBadInput) {
  for (const char* bad : {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1",
                          "1.2.3.4:8x", "::1:80", "[::1:80", "[::1]80", "host:80",
                          "1.2.3.256:1", "[::1]:", "[]:1"}) {
    EXPECT_THAT(Address::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(Address::FromIp(absl::string_view("1.2.3.4\0", 8), 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AddressTest, SplitHostPort) {
  auto hp = SplitHostPort("example.com:443");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->first, "example.com");
  EXPECT_EQ(hp->second, "443");
  hp = SplitHostPort("[2001:db8::1]:http");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->first, "2001:db8::1");
  EXPECT_EQ(hp->second, "http");
}

TEST(AddressTest, SockaddrRoundTrip) {
  ASSERT_OK_AND_ASSIGN(Address a, Address::Parse("[2001:db8::5]:9"));
  ASSERT_OK_AND_ASSIGN(Address b, Address::FromSockaddr(a.sockaddr(), a.socklen()));
  EXPECT_EQ(a, b);
  EXPECT_THAT(Address::FromSockaddr(a.sockaddr(), 4), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Address::FromSockaddr(nullptr, 0), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AddressTest, UnixPaths) {
  ASSERT_OK_AND_ASSIGN(Address a, Address::Unix("/tmp/x.sock"));
  EXPECT_EQ(a.family(), AF_UNIX);
  EXPECT_EQ(a.ToString(), "/tmp/x.sock");
  EXPECT_THAT(Address::Unix(std::string(200, 'a')), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Address::Unix(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AddressTest, LoopbackAndAny) {
  EXPECT_EQ(Address::Loopback(AF_INET, 5).ToString(), "127.0.0.1:5");
  EXPECT_EQ(Address::Loopback(AF_INET6, 5).ToString(), "[::1]:5");
  EXPECT_EQ(Address::Any(AF_INET6, 0).ToString(), "[::]:0");
  EXPECT_EQ(Address().ToString(), "0.0.0.0:0");
}

}  // namespace
}  // namespace net
