#include "lib/cache/tiered_store.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/disk_store.h"
#include "lib/cache/memory_store.h"
#include "lib/cache/store.h"
#include "lib/http/url.h"
#include "testing/matchers.h"

namespace cache {
namespace {

using ::testing_util::IsOk;
using ::testing_util::StatusIs;

CacheKey Key(absl::string_view path) {
  absl::StatusOr<http::Url> url = http::Url::Parse(absl::StrCat("http://tier.test", path));
  EXPECT_TRUE(url.ok());
  return CacheKey::ForRequest("GET", *url);
}

class TieredStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/",
                        testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }

  // Reopen simulates a restart: a new, empty memory tier over the same directory.
  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<DiskStore>> disk = DiskStore::Open({.directory = dir_});
    ASSERT_THAT(disk, IsOk());
    store_ = std::make_unique<TieredStore>(std::make_unique<MemoryStore>(), std::move(*disk),
                                           /*promote_max_bytes=*/1000);
  }

  void Put(const CacheKey& key, const std::string& body) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w, store_->Insert(key, EntryMeta()));
    ASSERT_THAT(w->Append(body), IsOk());
    ASSERT_THAT(w->Commit(), IsOk());
  }

  std::string dir_;
  std::unique_ptr<TieredStore> store_;
};

TEST_F(TieredStoreTest, InsertLandsInBothTiers) {
  Put(Key("/a"), "body");
  EXPECT_THAT(store_->front().Lookup(Key("/a")), IsOk());
  EXPECT_THAT(store_->back().Lookup(Key("/a")), IsOk());
}

TEST_F(TieredStoreTest, DiskHitIsPromotedToMemory) {
  Put(Key("/a"), "body");
  Reopen();
  EXPECT_THAT(store_->front().Lookup(Key("/a")), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> r, store_->Lookup(Key("/a")));
  std::string body(4, '\0');
  EXPECT_THAT(r->Read(absl::MakeSpan(body)), IsOk());
  EXPECT_EQ(body, "body");
  EXPECT_THAT(store_->front().Lookup(Key("/a")), IsOk());
}

TEST_F(TieredStoreTest, LargeDiskHitIsServedFromDiskWithoutPromotion) {
  Put(Key("/big"), std::string(5000, 'b'));
  Reopen();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> r, store_->Lookup(Key("/big")));
  EXPECT_EQ(r->body_size(), 5000u);
  EXPECT_THAT(store_->front().Lookup(Key("/big")), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(TieredStoreTest, RemoveAndUpdateMetaReachBothTiers) {
  Put(Key("/a"), "body");
  EntryMeta meta;
  meta.status = 203;
  ASSERT_THAT(store_->UpdateMeta(Key("/a"), meta), IsOk());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> disk, store_->back().Lookup(Key("/a")));
  EXPECT_EQ(disk->meta().status, 203);
  ASSERT_THAT(store_->Remove(Key("/a")), IsOk());
  EXPECT_THAT(store_->front().Lookup(Key("/a")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->back().Lookup(Key("/a")), StatusIs(absl::StatusCode::kNotFound));
}

// FullDisk is a back tier whose writes fail as on a full disk: at Insert or at Append.
class FullDisk : public Store {
 public:
  explicit FullDisk(bool fail_insert) : fail_insert_(fail_insert) {}
  absl::StatusOr<std::unique_ptr<EntryReader>> Lookup(const CacheKey&) override {
    return absl::NotFoundError("full disk: miss");
  }
  absl::StatusOr<std::unique_ptr<EntryWriter>> Insert(const CacheKey&, EntryMeta) override {
    if (fail_insert_) return absl::InternalError("full disk: create: No space left on device");
    class Writer : public EntryWriter {
     public:
      absl::Status Append(absl::string_view) override {
        return absl::InternalError("full disk: write: No space left on device");
      }
      absl::Status Commit() override { return absl::InternalError("full disk: dead writer"); }
    };
    return std::make_unique<Writer>();
  }
  absl::Status Remove(const CacheKey&) override { return absl::NotFoundError("none"); }
  absl::Status UpdateMeta(const CacheKey&, EntryMeta) override { return absl::NotFoundError("none"); }
  StoreStats stats() const override { return {}; }

 private:
  bool fail_insert_;
};

TEST(TieredStoreFailureTest, FailingBackStillCachesInMemoryAndReportsTheError) {
  for (bool fail_insert : {false, true}) {
    std::vector<std::string> errors;
    TieredStore store(std::make_unique<MemoryStore>(), std::make_unique<FullDisk>(fail_insert),
                      1000, [&errors](const absl::Status& s) { errors.emplace_back(s.message()); });
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w, store.Insert(Key("/f"), EntryMeta()));
    ASSERT_THAT(w->Append("body"), IsOk());
    ASSERT_THAT(w->Commit(), IsOk());
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> r, store.Lookup(Key("/f")));
    EXPECT_EQ(r->body_size(), 4u);
    EXPECT_THAT(errors, testing::ElementsAre(testing::HasSubstr("No space left"))) << fail_insert;
  }
}

TEST(TieredStoreFailureTest, BothTiersFailingFailsTheInsert) {
  std::vector<std::string> errors;
  TieredStore store(std::make_unique<MemoryStore>(MemoryStore::Options{.max_bytes = 64, .shards = 1}),
                    std::make_unique<FullDisk>(false), 1000,
                    [&errors](const absl::Status& s) { errors.emplace_back(s.message()); });
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w, store.Insert(Key("/f"), EntryMeta()));
  EXPECT_FALSE(w->Append(std::string(1000, 'x')).ok());
  EXPECT_FALSE(w->Commit().ok());
  EXPECT_THAT(store.Lookup(Key("/f")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(errors, testing::SizeIs(1));
}

TEST(TieredStoreFailureTest, AnEntryOverTheDiskBudgetIsNoFault) {
  std::vector<std::string> errors;
  std::string dir = absl::StrCat(std::getenv("TEST_TMPDIR"), "/over_budget");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DiskStore> disk,
                       DiskStore::Open({.directory = dir, .max_bytes = 100}));
  TieredStore store(std::make_unique<MemoryStore>(), std::move(disk), 1000,
                    [&errors](const absl::Status& s) { errors.emplace_back(s.message()); });
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w, store.Insert(Key("/big"), EntryMeta()));
  ASSERT_THAT(w->Append(std::string(1000, 'x')), IsOk());
  ASSERT_THAT(w->Commit(), IsOk());
  EXPECT_THAT(store.front().Lookup(Key("/big")), IsOk());
  EXPECT_THAT(errors, testing::IsEmpty());
}

}  // namespace
}  // namespace cache
