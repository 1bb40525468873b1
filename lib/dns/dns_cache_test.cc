#include "lib/dns/dns_cache.h"

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/dns/message.h"

namespace dns {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::Optional;

ResourceRecord ARecord(const std::string& name, uint32_t ttl, uint8_t last) {
  return {name, kA, kClassIN, ttl, A{{192, 0, 2, last}}};
}

ResourceRecord SoaRecord(uint32_t ttl, uint32_t minimum) {
  return {"example.test.", kSOA, kClassIN, ttl,
          Soa{"ns1.example.test.", "admin.example.test.", 1, 3600, 600, 86400, minimum}};
}

Message Reply(uint16_t rcode, std::vector<ResourceRecord> answers,
              std::vector<ResourceRecord> authorities = {}) {
  Message m;
  m.header.qr = true;
  m.header.rcode = rcode;
  m.answers = std::move(answers);
  m.authorities = std::move(authorities);
  return m;
}

class DnsCacheTest : public ::testing::Test {
 protected:
  DnsCacheOptions Options(size_t max_entries = 16) {
    DnsCacheOptions options;
    options.max_entries = max_entries;
    options.clock = [this] { return now_; };
    return options;
  }
  void Advance(absl::Duration d) { now_ += d; }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

TEST_F(DnsCacheTest, PositiveEntryLivesForTheSmallestTtlAndCountsDown) {
  DnsCache cache(Options());
  const Question q{"host.example.test.", kA, kClassIN};
  cache.Insert(q, Reply(kNoError, {ARecord("host.example.test.", 300, 1),
                                   ARecord("host.example.test.", 60, 2)}));
  Advance(absl::Seconds(10));
  std::optional<CachedAnswer> hit = cache.Lookup(q);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->rcode, kNoError);
  EXPECT_THAT(hit->answers,
              ElementsAre(Field(&ResourceRecord::ttl, 290), Field(&ResourceRecord::ttl, 50)));
  Advance(absl::Seconds(49));
  EXPECT_THAT(cache.Lookup(q),
              Optional(Field(&CachedAnswer::answers, ElementsAre(Field(&ResourceRecord::ttl, 241),
                                                                 Field(&ResourceRecord::ttl, 1)))));
  Advance(absl::Seconds(1));
  EXPECT_EQ(cache.Lookup(q), std::nullopt);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(DnsCacheTest, KeyIsCaseInsensitiveAndIncludesTypeAndClass) {
  DnsCache cache(Options());
  cache.Insert({"Host.Example.Test.", kA, kClassIN},
               Reply(kNoError, {ARecord("Host.Example.Test.", 60, 1)}));
  EXPECT_TRUE(cache.Lookup({"host.example.test", kA, kClassIN}).has_value());
  EXPECT_FALSE(cache.Lookup({"host.example.test.", kAAAA, kClassIN}).has_value());
  EXPECT_FALSE(cache.Lookup({"host.example.test.", kA, kClassCH}).has_value());
}

TEST_F(DnsCacheTest, NegativeEntryLivesForMinOfSoaTtlAndMinimum) {
  DnsCache cache(Options());
  const Question nx{"nx.example.test.", kA, kClassIN};
  const Question nodata{"host.example.test.", kMX, kClassIN};
  cache.Insert(nx, Reply(kNxDomain, {}, {SoaRecord(3600, 30)}));
  cache.Insert(nodata, Reply(kNoError, {}, {SoaRecord(20, 300)}));
  Advance(absl::Seconds(19));
  EXPECT_THAT(cache.Lookup(nx), Optional(CachedAnswer{kNxDomain, {}}));
  EXPECT_THAT(cache.Lookup(nodata), Optional(CachedAnswer{kNoError, {}}));
  Advance(absl::Seconds(1));
  EXPECT_TRUE(cache.Lookup(nx).has_value());
  EXPECT_EQ(cache.Lookup(nodata), std::nullopt);
  Advance(absl::Seconds(10));
  EXPECT_EQ(cache.Lookup(nx), std::nullopt);
}

TEST_F(DnsCacheTest, NegativeAnswerAfterACnameKeepsTheChain) {
  DnsCache cache(Options());
  const Question q{"alias.example.test.", kA, kClassIN};
  const ResourceRecord cname{"alias.example.test.", kCNAME, kClassIN, 10,
                             NameRdata{"gone.example.test."}};
  cache.Insert(q, Reply(kNxDomain, {cname}, {SoaRecord(60, 60)}));
  EXPECT_THAT(cache.Lookup(q), Optional(CachedAnswer{kNxDomain, {cname}}));
  Advance(absl::Seconds(10));  // the CNAME's TTL bounds the entry
  EXPECT_EQ(cache.Lookup(q), std::nullopt);
}

TEST_F(DnsCacheTest, UncacheableRepliesAreIgnored) {
  DnsCache cache(Options());
  const Question q{"x.example.test.", kA, kClassIN};
  cache.Insert(q, Reply(kNxDomain, {}));                                 // no SOA
  cache.Insert(q, Reply(kServFail, {}, {SoaRecord(60, 60)}));            // not an answer
  cache.Insert(q, Reply(kNoError, {ARecord("x.example.test.", 0, 1)}));  // TTL 0
  EXPECT_EQ(cache.Lookup(q), std::nullopt);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(DnsCacheTest, ANewAnswerReplacesTheOld) {
  DnsCache cache(Options());
  const Question q{"host.example.test.", kA, kClassIN};
  cache.Insert(q, Reply(kNoError, {ARecord("host.example.test.", 60, 1)}));
  cache.Insert(q, Reply(kNoError, {ARecord("host.example.test.", 5, 2)}));
  EXPECT_EQ(cache.size(), 1u);
  Advance(absl::Seconds(5));
  EXPECT_EQ(cache.Lookup(q), std::nullopt);
}

TEST_F(DnsCacheTest, WhenFullTheEntryClosestToExpiryGoes) {
  DnsCache cache(Options(2));
  const Question a{"a.test.", kA, kClassIN}, b{"b.test.", kA, kClassIN}, c{"c.test.", kA, kClassIN};
  cache.Insert(a, Reply(kNoError, {ARecord("a.test.", 100, 1)}));
  cache.Insert(b, Reply(kNoError, {ARecord("b.test.", 50, 2)}));
  cache.Insert(c, Reply(kNoError, {ARecord("c.test.", 200, 3)}));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.Lookup(a).has_value());
  EXPECT_FALSE(cache.Lookup(b).has_value());
  EXPECT_TRUE(cache.Lookup(c).has_value());
}

TEST_F(DnsCacheTest, MaxTtlCapsLifetime) {
  DnsCacheOptions options = Options();
  options.max_ttl = absl::Seconds(30);
  DnsCache cache(options);
  const Question q{"host.example.test.", kA, kClassIN};
  cache.Insert(q, Reply(kNoError, {ARecord("host.example.test.", 86400, 1)}));
  Advance(absl::Seconds(30));
  EXPECT_EQ(cache.Lookup(q), std::nullopt);
}

TEST(DnsCacheThreadTest, ConcurrentInsertAndLookup) {
  DnsCacheOptions options;
  options.max_entries = 64;
  DnsCache cache(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string name = absl::StrCat("h", (i + t) % 100, ".test.");
        cache.Insert({name, kA, kClassIN}, Reply(kNoError, {ARecord(name, 60 + i, 1)}));
        (void)cache.Lookup({name, kA, kClassIN});
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace
}  // namespace dns
