// One behavioural suite run against every Store implementation.
#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/disk_store.h"
#include "lib/cache/memory_store.h"
#include "lib/cache/store.h"
#include "lib/cache/tiered_store.h"
#include "lib/http/headers.h"
#include "lib/http/url.h"
#include "testing/matchers.h"

namespace cache {
namespace {

using ::testing_util::IsOk;
using ::testing_util::StatusIs;

struct StoreFactory {
  std::string name;
  // make builds an empty store with a budget of `max_bytes`.
  std::function<std::unique_ptr<Store>(uint64_t max_bytes)> make;
};

std::string FreshDir(absl::string_view name) {
  static std::atomic<int> counter{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  return absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name, "_", counter++);
}

std::vector<StoreFactory> Factories() {
  return {
      {"Memory",
       [](uint64_t max_bytes) {
         return std::make_unique<MemoryStore>(MemoryStore::Options{.max_bytes = max_bytes});
       }},
      {"Disk",
       [](uint64_t max_bytes) -> std::unique_ptr<Store> {
         absl::StatusOr<std::unique_ptr<DiskStore>> disk =
             DiskStore::Open({.directory = FreshDir("disk"), .max_bytes = max_bytes});
         EXPECT_TRUE(disk.ok()) << disk.status();
         return disk.ok() ? std::move(*disk) : nullptr;
       }},
      {"Tiered",
       [](uint64_t max_bytes) -> std::unique_ptr<Store> {
         absl::StatusOr<std::unique_ptr<DiskStore>> disk =
             DiskStore::Open({.directory = FreshDir("tiered"), .max_bytes = max_bytes / 4 * 3});
         EXPECT_TRUE(disk.ok()) << disk.status();
         if (!disk.ok()) return nullptr;
         return std::make_unique<TieredStore>(
             std::make_unique<MemoryStore>(MemoryStore::Options{.max_bytes = max_bytes / 4}),
             std::move(*disk));
       }},
  };
}

CacheKey Key(absl::string_view path) {
  absl::StatusOr<http::Url> url = http::Url::Parse(absl::StrCat("http://example.com", path));
  EXPECT_TRUE(url.ok());
  return CacheKey::ForRequest("GET", *url);
}

EntryMeta Meta(absl::string_view etag) {
  EntryMeta meta;
  meta.status = 200;
  EXPECT_THAT(meta.headers.Add("Content-Type", "text/plain"), IsOk());
  EXPECT_THAT(meta.headers.Add("ETag", etag), IsOk());
  meta.request_time = absl::FromUnixSeconds(1700000000);
  meta.response_time = absl::FromUnixSeconds(1700000001);
  meta.vary_values = {{"accept-encoding", "gzip"}};
  return meta;
}

// ReadAll reads the whole body in `chunk`-byte reads.
std::string ReadAll(EntryReader& reader, size_t chunk = 7) {
  std::string out;
  std::string buf(chunk, '\0');
  for (;;) {
    absl::StatusOr<size_t> n = reader.Read(absl::MakeSpan(buf));
    EXPECT_THAT(n, IsOk());
    if (!n.ok() || *n == 0) return out;
    out.append(buf.data(), *n);
  }
}

void Put(Store& store, const CacheKey& key, const EntryMeta& meta, absl::string_view body) {
  absl::StatusOr<std::unique_ptr<EntryWriter>> w = store.Insert(key, meta);
  ASSERT_THAT(w, IsOk());
  ASSERT_THAT((*w)->Append(body), IsOk());
  ASSERT_THAT((*w)->Commit(), IsOk());
}

std::string BodyOf(Store& store, const CacheKey& key) {
  absl::StatusOr<std::unique_ptr<EntryReader>> r = store.Lookup(key);
  if (!r.ok()) return absl::StrCat("<", r.status().ToString(), ">");
  return ReadAll(**r);
}

class StoreConformanceTest : public testing::TestWithParam<StoreFactory> {
 protected:
  std::unique_ptr<Store> Make(uint64_t max_bytes = uint64_t{256} << 20) {
    return GetParam().make(max_bytes);
  }

};

TEST_P(StoreConformanceTest, MissIsNotFound) {
  auto store = Make();
  EXPECT_THAT(store->Lookup(Key("/nothing")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(store->stats().misses, 1u);
}

TEST_P(StoreConformanceTest, InsertCommitThenHitHasSameMetaAndBody) {
  auto store = Make();
  EntryMeta meta = Meta("\"v1\"");
  Put(*store, Key("/a"), meta, "hello, world");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> r, store->Lookup(Key("/a")));
  EXPECT_EQ(r->meta(), meta);
  EXPECT_EQ(r->body_size(), 12u);
  EXPECT_EQ(ReadAll(*r, 5), "hello, world");
  EXPECT_EQ(store->stats().hits, 1u);
  EXPECT_EQ(store->stats().entries, 1u);
}

TEST_P(StoreConformanceTest, EmptyBody) {
  auto store = Make();
  Put(*store, Key("/empty"), Meta("\"e\""), "");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> r, store->Lookup(Key("/empty")));
  EXPECT_EQ(r->body_size(), 0u);
  EXPECT_EQ(ReadAll(*r), "");
}

TEST_P(StoreConformanceTest, NotVisibleBeforeCommitAndAbortedOnDestroy) {
  auto store = Make();
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w, store->Insert(Key("/a"), Meta("\"1\"")));
    ASSERT_THAT(w->Append("partial"), IsOk());
    EXPECT_THAT(store->Lookup(Key("/a")), StatusIs(absl::StatusCode::kNotFound));
  }
  EXPECT_THAT(store->Lookup(Key("/a")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(store->stats().entries, 0u);
}

TEST_P(StoreConformanceTest, AbortedOverwriteKeepsOldEntry) {
  auto store = Make();
  Put(*store, Key("/a"), Meta("\"1\""), "old");
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w, store->Insert(Key("/a"), Meta("\"2\"")));
    ASSERT_THAT(w->Append("new"), IsOk());
  }
  EXPECT_EQ(BodyOf(*store, Key("/a")), "old");
}

TEST_P(StoreConformanceTest, CommitTwiceFails) {
  auto store = Make();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w, store->Insert(Key("/a"), Meta("\"1\"")));
  ASSERT_THAT(w->Commit(), IsOk());
  EXPECT_THAT(w->Commit(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(w->Append("x"), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(StoreConformanceTest, OverwriteReplacesButOpenReaderKeepsOldEntry) {
  auto store = Make();
  Put(*store, Key("/a"), Meta("\"1\""), "first version");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> old, store->Lookup(Key("/a")));
  Put(*store, Key("/a"), Meta("\"2\""), "second");
  EXPECT_EQ(BodyOf(*store, Key("/a")), "second");
  EXPECT_EQ(ReadAll(*old), "first version");
  EXPECT_EQ(*old->meta().headers.Get("etag"), "\"1\"");
  EXPECT_EQ(store->stats().entries, 1u);
}

TEST_P(StoreConformanceTest, FullKeyDistinguishesEntries) {
  auto store = Make();
  CacheKey gzip = Key("/a").WithVariance({{"accept-encoding", "gzip"}});
  CacheKey br = Key("/a").WithVariance({{"accept-encoding", "br"}});
  Put(*store, gzip, Meta("\"g\""), "gzip body");
  Put(*store, Key("/a"), Meta("\"p\""), "plain body");
  EXPECT_EQ(BodyOf(*store, gzip), "gzip body");
  EXPECT_EQ(BodyOf(*store, Key("/a")), "plain body");
  EXPECT_THAT(store->Lookup(br), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->Lookup(Key("/a?")), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreConformanceTest, Remove) {
  auto store = Make();
  Put(*store, Key("/a"), Meta("\"1\""), "body");
  Put(*store, Key("/b"), Meta("\"1\""), "other");
  EXPECT_THAT(store->Remove(Key("/a")), IsOk());
  EXPECT_THAT(store->Lookup(Key("/a")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->Remove(Key("/a")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(BodyOf(*store, Key("/b")), "other");
  EXPECT_EQ(store->stats().entries, 1u);
}

TEST_P(StoreConformanceTest, UpdateMetaKeepsBody) {
  auto store = Make();
  Put(*store, Key("/a"), Meta("\"1\""), "the body");
  EntryMeta fresher = Meta("\"1\"");
  fresher.response_time += absl::Hours(1);
  ASSERT_THAT(fresher.headers.Add("Cache-Control", "max-age=60"), IsOk());
  ASSERT_THAT(store->UpdateMeta(Key("/a"), fresher), IsOk());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> r, store->Lookup(Key("/a")));
  EXPECT_EQ(r->meta(), fresher);
  EXPECT_EQ(ReadAll(*r), "the body");
  EXPECT_THAT(store->UpdateMeta(Key("/missing"), fresher), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreConformanceTest, EvictionKeepsTotalWithinBudget) {
  constexpr uint64_t kBudget = 1 << 20;
  auto store = Make(kBudget);
  std::string body(8 * 1024, 'x');
  for (int i = 0; i < 400; ++i) {
    Put(*store, Key(absl::StrCat("/e", i)), Meta("\"e\""), body);
    ASSERT_LE(store->stats().bytes, kBudget) << "after insert " << i;
  }
  StoreStats stats = store->stats();
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_GT(stats.entries, 20u);
  EXPECT_LT(stats.entries, 400u);
  EXPECT_EQ(BodyOf(*store, Key("/e399")), body);
}

TEST_P(StoreConformanceTest, EntryLargerThanBudgetIsRefused) {
  auto store = Make(64 * 1024);
  absl::StatusOr<std::unique_ptr<EntryWriter>> w = store->Insert(Key("/big"), Meta("\"b\""));
  absl::Status status = w.status();
  if (w.ok()) {
    status = (*w)->Append(std::string(256 * 1024, 'b'));
    if (status.ok()) status = (*w)->Commit();
  }
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(store->Lookup(Key("/big")), StatusIs(absl::StatusCode::kNotFound));
  Put(*store, Key("/small"), Meta("\"s\""), "still works");
  EXPECT_EQ(BodyOf(*store, Key("/small")), "still works");
}

TEST_P(StoreConformanceTest, LargeBodyInManyChunks) {
  auto store = Make();
  std::string body;
  for (int i = 0; body.size() < (3 << 20); ++i) absl::StrAppend(&body, i, ",");
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w,
                         store->Insert(Key("/large"), Meta("\"l\"")));
    for (size_t off = 0; off < body.size(); off += 4093) {
      ASSERT_THAT(w->Append(absl::string_view(body).substr(off, 4093)), IsOk());
    }
    ASSERT_THAT(w->Commit(), IsOk());
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> r, store->Lookup(Key("/large")));
  EXPECT_EQ(r->body_size(), body.size());
  EXPECT_TRUE(ReadAll(*r, 65536) == body);
}

TEST_P(StoreConformanceTest, ConcurrentReadersWhileInsertingAnotherKey) {
  auto store = Make();
  std::string body_a(20000, 'a');
  Put(*store, Key("/a"), Meta("\"a\""), body_a);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      int reads = 0;
      while (!done.load() || reads < 10) {
        absl::StatusOr<std::unique_ptr<EntryReader>> r = store->Lookup(Key("/a"));
        if (!r.ok() || ReadAll(**r, 4096) != body_a) ++bad;
        ++reads;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w,
                         store->Insert(Key(absl::StrCat("/b", i)), Meta("\"b\"")));
    for (int c = 0; c < 10; ++c) ASSERT_THAT(w->Append(std::string(1000, 'b')), IsOk());
    ASSERT_THAT(w->Commit(), IsOk());
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(BodyOf(*store, Key("/b19")), std::string(10000, 'b'));
}

INSTANTIATE_TEST_SUITE_P(AllStores, StoreConformanceTest, testing::ValuesIn(Factories()),
                         [](const testing::TestParamInfo<StoreFactory>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace cache
