#include "proxy/config.h"

#include <cstdlib>

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

TEST(ConfigTest, CacheFlags) {
  ASSERT_OK_AND_ASSIGN(ProxyOptions defaults, BuildOptions(FlagValues()));
  EXPECT_EQ(defaults.cache.mem_bytes, uint64_t{256} << 20);
  EXPECT_TRUE(defaults.cache.dir.empty());
  EXPECT_TRUE(defaults.cache.enabled());
  EXPECT_TRUE(defaults.cache.purge_allow.Allows(*net::Address::FromIp("::1", 1)));
  EXPECT_FALSE(defaults.cache.purge_allow.Allows(*net::Address::FromIp("192.0.2.1", 1)));

  FlagValues v;
  v.mem_cache_size = "0";
  v.cache_dir = "/var/cache/p";
  v.disk_cache_size = "2GiB";
  v.max_object_size = "512k";
  v.collapse_timeout = "250ms";
  ASSERT_OK_AND_ASSIGN(ProxyOptions o, BuildOptions(v));
  EXPECT_EQ(o.cache.mem_bytes, 0u);
  EXPECT_EQ(o.cache.dir, "/var/cache/p");
  EXPECT_EQ(o.cache.disk_bytes, uint64_t{2} << 30);
  EXPECT_EQ(o.cache.max_object_bytes, 512u * 1024);
  EXPECT_EQ(o.cache.collapse_timeout, absl::Milliseconds(250));
  EXPECT_TRUE(o.cache.enabled());
  v.disk_cache_size = "0";
  ASSERT_OK_AND_ASSIGN(o, BuildOptions(v));
  EXPECT_FALSE(o.cache.enabled());

  v = FlagValues();
  v.mem_cache_size = "lots";
  EXPECT_THAT(BuildOptions(v),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--mem_cache_size")));
  v = FlagValues();
  v.cache_dir = "relative/dir";
  EXPECT_THAT(BuildOptions(v), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--cache_dir")));
  v = FlagValues();
  v.purge_allow = "10.0.0.0/33";
  EXPECT_THAT(BuildOptions(v),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--purge_allow")));
}

TEST(ConfigTest, ResolverFlags) {
  FlagValues v;
  v.hosts_file = "/tmp/h";
  v.resolv_conf = "/tmp/r";
  v.nameservers = "127.0.0.1:5300, ::1, 192.0.2.1";
  ASSERT_OK_AND_ASSIGN(ProxyOptions o, BuildOptions(v));
  EXPECT_FALSE(o.numeric_only);
  EXPECT_EQ(o.hosts_file, "/tmp/h");
  EXPECT_EQ(o.resolv_conf, "/tmp/r");
  ASSERT_EQ(o.nameservers.size(), 3u);
  EXPECT_EQ(o.nameservers[0].ToString(), "127.0.0.1:5300");
  EXPECT_EQ(o.nameservers[1].ToString(), "[::1]:53");
  EXPECT_EQ(o.nameservers[2].ToString(), "192.0.2.1:53");
  v.nameservers = "dns.example";
  EXPECT_THAT(BuildOptions(v), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--nameservers")));
}

TEST(ConfigTest, Pseudonym) {
  ASSERT_OK_AND_ASSIGN(ProxyOptions o, BuildOptions(FlagValues()));
  EXPECT_EQ(o.pseudonym, "cachingproxy");
  FlagValues v;
  v.pseudonym = "edge-1";
  ASSERT_OK_AND_ASSIGN(o, BuildOptions(v));
  EXPECT_EQ(o.pseudonym, "edge-1");
  for (const char* bad : {"", "two words", "a,b"}) {
    v.pseudonym = bad;
    EXPECT_THAT(BuildOptions(v), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--pseudonym")));
  }
}

TEST(ParseByteSizeTest, SuffixesAndErrors) {
  EXPECT_EQ(*ParseByteSize("0"), 0u);
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_EQ(*ParseByteSize("64k"), 65536u);
  EXPECT_EQ(*ParseByteSize("64KB"), 65536u);
  EXPECT_EQ(*ParseByteSize("256M"), uint64_t{256} << 20);
  EXPECT_EQ(*ParseByteSize("1GiB"), uint64_t{1} << 30);
  EXPECT_EQ(*ParseByteSize("2t"), uint64_t{2} << 40);
  for (const char* bad : {"", "M", "-1", "1.5G", "1X", "1Gb2", "99999999999999999999",
                          "99999999999T"}) {
    EXPECT_THAT(ParseByteSize(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(DefaultCacheDirTest, FollowsXdgThenHome) {
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(DefaultCacheDir(), "/xdg/cachingproxy");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(DefaultCacheDir(), "/home/u/.cache/cachingproxy");
  unsetenv("HOME");
  EXPECT_THAT(DefaultCacheDir(), testing::StartsWith("/tmp/cachingproxy-"));
}

}  // namespace
}  // namespace proxy
