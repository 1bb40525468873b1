#include "lib/dns/hosts.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/net/address.h"
#include "testing/matchers.h"

namespace dns {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing_util::StatusIs;

net::Address Ip(const char* text) { return net::Address::FromIp(text, 0).value(); }

constexpr char kHosts[] =
    "# The usual header\n"
    "127.0.0.1\tlocalhost\n"
    "::1     localhost ip6-localhost ip6-loopback   # trailing comment\n"
    "\n"
    "192.0.2.10  Host.Example.Test host   www\n"
    "192.0.2.11  host.example.test\r\n"
    "2001:db8::10 host.example.test\n"
    "192.0.2.10  host.example.test\n"
    "not-an-ip   broken.example.test\n"
    "192.0.2.99\n"
    "   # only a comment\n"
    "[192.0.2.7] bracketed.example.test\n"
    "fe80::1%1   linklocal\n";

TEST(HostsFileTest, NamesMapToAddressesInFileOrder) {
  const HostsFile hosts = HostsFile::Parse(kHosts);
  EXPECT_THAT(hosts.Lookup("host.example.test"),
              ElementsAre(Ip("192.0.2.10"), Ip("192.0.2.11"), Ip("2001:db8::10")));
  EXPECT_THAT(hosts.Lookup("localhost"), ElementsAre(Ip("127.0.0.1"), Ip("::1")));
  EXPECT_THAT(hosts.Lookup("ip6-loopback"), ElementsAre(Ip("::1")));
  EXPECT_THAT(hosts.Lookup("www"), ElementsAre(Ip("192.0.2.10")));
  EXPECT_THAT(hosts.Lookup("linklocal"), ElementsAre(Ip("fe80::1%1")));
}

TEST(HostsFileTest, NamesAreCaseInsensitiveAndMayEndInADot) {
  const HostsFile hosts = HostsFile::Parse(kHosts);
  EXPECT_EQ(hosts.Lookup("HOST.example.TEST."), hosts.Lookup("host.example.test"));
  EXPECT_THAT(hosts.Lookup("LOCALHOST"), ElementsAre(Ip("127.0.0.1"), Ip("::1")));
}

TEST(HostsFileTest, BadLinesAreSkipped) {
  const HostsFile hosts = HostsFile::Parse(kHosts);
  EXPECT_THAT(hosts.Lookup("broken.example.test"), IsEmpty());
  EXPECT_THAT(hosts.Lookup("bracketed.example.test"), IsEmpty());
  EXPECT_THAT(hosts.Lookup("comment"), IsEmpty());
  EXPECT_EQ(hosts.NameFor(Ip("192.0.2.99")), std::nullopt);
  // localhost ip6-localhost ip6-loopback host.example.test host www linklocal
  EXPECT_EQ(hosts.size(), 7u);
}

TEST(HostsFileTest, AddressMapsToItsFirstName) {
  const HostsFile hosts = HostsFile::Parse(kHosts);
  EXPECT_THAT(hosts.NameFor(Ip("192.0.2.10")), Optional(std::string("Host.Example.Test")));
  EXPECT_THAT(hosts.NameFor(Ip("::1")), Optional(std::string("localhost")));
  EXPECT_THAT(hosts.NameFor(net::Address::FromIp("192.0.2.11", 80).value()),
              Optional(std::string("host.example.test")));
  EXPECT_EQ(hosts.NameFor(Ip("192.0.2.12")), std::nullopt);
}

TEST(HostsFileTest, EmptyTextIsAnEmptyTable) {
  EXPECT_EQ(HostsFile::Parse("").size(), 0u);
  EXPECT_THAT(HostsFile::Parse("").Lookup("localhost"), IsEmpty());
}

TEST(HostsFileTest, LoadReadsAFileAndReportsAMissingOne) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/hosts";
  std::ofstream(path) << "10.0.0.1 db\n";
  ASSERT_OK_AND_ASSIGN(HostsFile hosts, HostsFile::Load(path));
  EXPECT_THAT(hosts.Lookup("db"), ElementsAre(Ip("10.0.0.1")));
  EXPECT_THAT(HostsFile::Load(path + ".missing"),
              StatusIs(absl::StatusCode::kNotFound, ::testing::HasSubstr("hosts.missing")));
}

}  // namespace
}  // namespace dns
