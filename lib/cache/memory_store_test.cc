#include "lib/cache/memory_store.h"

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/store.h"
#include "lib/http/url.h"
#include "testing/matchers.h"

namespace cache {
namespace {

using ::testing_util::IsOk;
using ::testing_util::StatusIs;

CacheKey Key(int i) {
  absl::StatusOr<http::Url> url = http::Url::Parse(absl::StrCat("http://sim.test/o", i));
  EXPECT_TRUE(url.ok());
  return CacheKey::ForRequest("GET", *url);
}

void Put(MemoryStore& store, const CacheKey& key, const std::string& body) {
  ASSERT_THAT(store.InsertComplete(key, EntryMeta(), body), IsOk());
}

TEST(MemoryStoreTest, DefaultBudgetIs256MiB) {
  MemoryStore::Options options;
  EXPECT_EQ(options.max_bytes, uint64_t{256} << 20);
  EXPECT_EQ(options.shards, 16);
}

TEST(MemoryStoreTest, MakeStringReaderReadsInChunks) {
  std::unique_ptr<EntryReader> r = MakeStringReader(EntryMeta(), "abcdef");
  char buf[4];
  ASSERT_OK_AND_ASSIGN(size_t n, r->Read(absl::MakeSpan(buf)));
  EXPECT_EQ(std::string(buf, n), "abcd");
  ASSERT_OK_AND_ASSIGN(n, r->Read(absl::MakeSpan(buf)));
  EXPECT_EQ(std::string(buf, n), "ef");
  ASSERT_OK_AND_ASSIGN(n, r->Read(absl::MakeSpan(buf)));
  EXPECT_EQ(n, 0u);
}

TEST(MemoryStoreTest, ReaderOffersTheWholeBodyWithoutACopyAndItOutlivesRemoval) {
  MemoryStore store;
  Put(store, Key(1), "whole body");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> r, store.Lookup(Key(1)));
  std::optional<absl::string_view> body = r->Body();
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body, "whole body");
  ASSERT_THAT(store.Remove(Key(1)), IsOk());
  Put(store, Key(1), "another body");  // the reader keeps its own entry alive
  EXPECT_EQ(*r->Body(), "whole body");
  char buf[5];
  ASSERT_OK_AND_ASSIGN(size_t n, r->Read(absl::MakeSpan(buf)));
  EXPECT_EQ(std::string(buf, n), "whole");  // Read is independent of Body
  EXPECT_EQ(MakeStringReader(EntryMeta(), "abc")->Body().value_or("(none)"), "abc");
}

// S3-FIFO: a key hit while in the small queue survives a scan of one-off keys; under LRU
// the scan flushes it.
TEST(MemoryStoreTest, HotKeySurvivesScanUnderS3FifoButNotLru) {
  std::string body(1000, 'x');
  uint64_t charge = MemoryStore::ChargeFor(Key(0).ToString(), EntryMeta(), body.size());
  for (EvictionPolicy policy : {EvictionPolicy::kS3Fifo, EvictionPolicy::kLru}) {
    MemoryStore store({.max_bytes = 20 * charge, .shards = 1, .policy = policy});
    Put(store, Key(0), body);
    ASSERT_THAT(store.Lookup(Key(0)), IsOk());
    for (int i = 1; i <= 100; ++i) Put(store, Key(i), body);
    bool survived = store.Lookup(Key(0)).ok();
    EXPECT_EQ(survived, policy == EvictionPolicy::kS3Fifo);
  }
}

TEST(MemoryStoreTest, GhostHitGoesStraightToMain) {
  std::string body(1000, 'x');
  uint64_t charge = MemoryStore::ChargeFor(Key(0).ToString(), EntryMeta(), body.size());
  MemoryStore store({.max_bytes = 20 * charge, .shards = 1});
  for (int i = 0; i < 25; ++i) Put(store, Key(i), body);  // keys 0-4 evicted to the ghost list
  EXPECT_THAT(store.Lookup(Key(0)), StatusIs(absl::StatusCode::kNotFound));
  Put(store, Key(0), body);  // remembered in the ghost list: enters main
  for (int i = 100; i < 140; ++i) Put(store, Key(i), body);  // churn the small queue only
  EXPECT_THAT(store.Lookup(Key(0)), IsOk());
}

// Deterministic simulation: a Zipf(0.9) workload over 20k objects with a one-off scan of
// 3k new keys after every 5k requests, in a cache that holds 10% of the objects. Prints
// the hit ratios of S3-FIFO and plain LRU over the same request sequence.
double HitRatio(EvictionPolicy policy, const std::vector<int>& requests, int capacity) {
  std::string body(512, 'z');
  uint64_t charge = MemoryStore::ChargeFor(Key(0).ToString(), EntryMeta(), body.size());
  MemoryStore store({.max_bytes = capacity * charge, .shards = 1, .policy = policy});
  uint64_t hits = 0;
  for (int id : requests) {
    if (store.Lookup(Key(id)).ok()) {
      ++hits;
    } else {
      EXPECT_THAT(store.InsertComplete(Key(id), EntryMeta(), body), IsOk());
    }
  }
  return static_cast<double>(hits) / requests.size();
}

TEST(MemoryStoreTest, SimulationZipfWithScansBeatsLru) {
  constexpr int kObjects = 20000;
  constexpr int kRequests = 300000;
  std::vector<double> cdf(kObjects);
  double sum = 0;
  for (int i = 0; i < kObjects; ++i) cdf[i] = sum += 1.0 / std::pow(i + 1, 0.9);
  std::mt19937_64 rng(42);
  std::vector<int> requests;
  int next_scan_id = kObjects;
  while (requests.size() < kRequests) {
    for (int i = 0; i < 5000; ++i) {
      double u = static_cast<double>(rng() >> 11) * 0x1.0p-53 * sum;
      requests.push_back(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    }
    for (int i = 0; i < 3000; ++i) requests.push_back(next_scan_id++);
  }
  double s3fifo = HitRatio(EvictionPolicy::kS3Fifo, requests, kObjects / 10);
  double lru = HitRatio(EvictionPolicy::kLru, requests, kObjects / 10);
  std::printf("hit ratio over %zu requests (Zipf 0.9, %d objects, cache 10%%, scans):\n"
              "  S3-FIFO %.4f\n  LRU     %.4f\n",
              requests.size(), kObjects, s3fifo, lru);
  RecordProperty("s3fifo_hit_ratio", absl::StrCat(s3fifo));
  RecordProperty("lru_hit_ratio", absl::StrCat(lru));
  EXPECT_GT(s3fifo, lru + 0.03);
}

// A million distinct small objects through a 64 MiB store: the heap it holds stays within
// the budget plus the stated overhead — the charge covers each entry's allocation and index
// slot; beyond it come the hash tables' spare capacity and the S3-FIFO ghost list (hashes of
// recently evicted keys, about one per entry held): at most 1/8 of the budget plus 4 MiB.
TEST(MemoryStoreTest, MillionObjectsStayWithinBudgetPlusStatedOverhead) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator is not the one mallinfo2 reports";
#else
  constexpr uint64_t kBudget = uint64_t{64} << 20;
  constexpr int kObjects = 1000000;
  EntryMeta meta;
  for (auto [name, value] : {std::pair<const char*, const char*>{"Server", "nginx/1.22.1"},
                             {"Date", "Tue, 01 Dec 2026 19:13:16 GMT"},
                             {"Content-Type", "application/octet-stream"},
                             {"Last-Modified", "Tue, 01 Dec 2026 19:13:15 GMT"},
                             {"ETag", "\"6b0f1c4b-400\""},
                             {"Cache-Control", "max-age=3600"}}) {
    ASSERT_THAT(meta.headers.Add(name, value), IsOk());
  }
  const std::string body(100, 'b');
  size_t before = mallinfo2().uordblks;
  {
    MemoryStore store({.max_bytes = kBudget});
    for (int i = 0; i < kObjects; ++i) {
      ASSERT_THAT(store.InsertComplete(Key(i), meta, body), IsOk());
    }
    StoreStats st = store.stats();
    size_t used = mallinfo2().uordblks - before;
    std::printf("%d objects: %llu kept (%llu bytes charged), %llu evicted, heap %zu bytes "
                "(%.3f of the budget)\n",
                kObjects, static_cast<unsigned long long>(st.entries),
                static_cast<unsigned long long>(st.bytes),
                static_cast<unsigned long long>(st.evictions), used,
                static_cast<double>(used) / kBudget);
    EXPECT_LE(st.bytes, kBudget);
    EXPECT_GT(st.evictions, 0u);
    EXPECT_EQ(st.entries + st.evictions, static_cast<uint64_t>(kObjects));
    EXPECT_LE(used, kBudget + kBudget / 8 + (4 << 20));
    // The newest entries are all there.
    EXPECT_THAT(store.Lookup(Key(kObjects - 1)), IsOk());
  }
  // And everything is given back.
  EXPECT_LT(mallinfo2().uordblks - before, size_t{1} << 20);
#endif
}

}  // namespace
}  // namespace cache
