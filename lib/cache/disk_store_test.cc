#include "lib/cache/disk_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
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

CacheKey Key(absl::string_view path) {
  absl::StatusOr<http::Url> url = http::Url::Parse(absl::StrCat("http://disk.test", path));
  EXPECT_TRUE(url.ok());
  return CacheKey::ForRequest("GET", *url);
}

EntryMeta Meta() {
  EntryMeta meta;
  EXPECT_THAT(meta.headers.Add("ETag", "\"x\""), IsOk());
  meta.response_time = absl::FromUnixSeconds(1700000000);
  return meta;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

class DiskStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/",
                        testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }

  void Reopen(uint64_t max_bytes = 1 << 20) {
    store_.reset();
    absl::StatusOr<std::unique_ptr<DiskStore>> s =
        DiskStore::Open({.directory = dir_, .max_bytes = max_bytes});
    ASSERT_THAT(s, IsOk());
    store_ = std::move(*s);
  }

  void Put(const CacheKey& key, absl::string_view body) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w, store_->Insert(key, Meta()));
    ASSERT_THAT(w->Append(body), IsOk());
    ASSERT_THAT(w->Commit(), IsOk());
  }

  std::string Body(const CacheKey& key) {
    absl::StatusOr<std::unique_ptr<EntryReader>> r = store_->Lookup(key);
    if (!r.ok()) return "";
    std::string out((*r)->body_size(), '\0');
    absl::StatusOr<size_t> n = (*r)->Read(absl::MakeSpan(out));
    EXPECT_THAT(n, IsOk());
    return out;
  }

  // ExpectDropped checks that the damaged entry for `key` is reported once as DataLoss,
  // its file removed, and then missed as NotFound.
  void ExpectDropped(const CacheKey& key) {
    EXPECT_THAT(store_->Lookup(key), StatusIs(absl::StatusCode::kDataLoss));
    EXPECT_NE(::access(store_->PathFor(key).c_str(), F_OK), 0);
    EXPECT_THAT(store_->Lookup(key), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_EQ(store_->stats().corrupt, 1u);
    EXPECT_EQ(store_->stats().hits, 0u);
  }

  std::string dir_;
  std::unique_ptr<DiskStore> store_;
};

TEST_F(DiskStoreTest, SurvivesRestart) {
  Put(Key("/a"), "alpha");
  Put(Key("/b"), "beta");
  uint64_t bytes = store_->stats().bytes;
  Reopen();
  EXPECT_EQ(store_->rebuild_stats().entries, 2u);
  EXPECT_EQ(store_->stats().bytes, bytes);
  EXPECT_EQ(Body(Key("/a")), "alpha");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryReader> r, store_->Lookup(Key("/b")));
  EXPECT_EQ(r->meta(), Meta());
}

TEST_F(DiskStoreTest, FileNameIsSha256OfKey) {
  Put(Key("/a"), "alpha");
  std::string digest = Key("/a").Digest();
  EXPECT_EQ(store_->PathFor(Key("/a")), absl::StrCat(dir_, "/", digest.substr(0, 2), "/", digest));
  EXPECT_EQ(::access(store_->PathFor(Key("/a")).c_str(), F_OK), 0);
}

TEST_F(DiskStoreTest, TruncatedFileIsDroppedNotServed) {
  Put(Key("/a"), "some body bytes");
  ASSERT_EQ(::truncate(store_->PathFor(Key("/a")).c_str(), 30), 0);
  ExpectDropped(Key("/a"));
}

TEST_F(DiskStoreTest, FlippedByteAnywhereIsDroppedNotServed) {
  Put(Key("/a"), "some body bytes");
  std::string path = store_->PathFor(Key("/a"));
  std::string good = ReadFile(path);
  for (size_t offset = 0; offset < good.size(); ++offset) {
    SCOPED_TRACE(offset);
    std::string bad = good;
    bad[offset] ^= 0x20;
    WriteFile(path, bad);
    Reopen();  // index the damaged file
    EXPECT_THAT(store_->Lookup(Key("/a")), StatusIs(absl::StatusCode::kDataLoss));
    EXPECT_NE(::access(path.c_str(), F_OK), 0);
  }
}

TEST_F(DiskStoreTest, BadMagicIsDataLossCountedAsMiss) {
  Put(Key("/a"), "body");
  std::string data = ReadFile(store_->PathFor(Key("/a")));
  data[0] = 'Z';
  WriteFile(store_->PathFor(Key("/a")), data);
  ExpectDropped(Key("/a"));
  EXPECT_EQ(store_->stats().misses, 2u);
}

TEST_F(DiskStoreTest, AnotherKeysFileUnderThisNameIsNotServed) {
  Put(Key("/a"), "body of a");
  Put(Key("/b"), "body of b");
  WriteFile(store_->PathFor(Key("/b")), ReadFile(store_->PathFor(Key("/a"))));
  EXPECT_THAT(store_->Lookup(Key("/b")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Body(Key("/a")), "body of a");
}

TEST_F(DiskStoreTest, LeftoverTempFilesRemovedAtStartup) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w, store_->Insert(Key("/a"), Meta()));
  ASSERT_THAT(w->Append("half"), IsOk());
  std::string sub = absl::StrCat(dir_, "/", Key("/a").Digest().substr(0, 2));
  WriteFile(absl::StrCat(sub, "/.tmp-crashed"), "torn");
  // A second store over the directory plays the process restarted after a crash (writers
  // must not outlive their store, so the first one stays open).
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DiskStore> restarted, DiskStore::Open({.directory = dir_}));
  EXPECT_EQ(restarted->rebuild_stats().temp_files_removed, 2u);
  EXPECT_EQ(restarted->rebuild_stats().entries, 0u);
  EXPECT_THAT(w->Commit(), StatusIs(absl::StatusCode::kNotFound));  // its temp file is gone
}

TEST_F(DiskStoreTest, UnwritableDirectoryFailsInsertStoreKeepsWorking) {
  Put(Key("/ok"), "fine");
  std::string digest = Key("/blocked").Digest();
  std::string sub = absl::StrCat(dir_, "/", digest.substr(0, 2));
  if (::access(sub.c_str(), F_OK) == 0) GTEST_SKIP() << "shares a subdirectory with /ok";
  WriteFile(sub, "a file where the subdirectory should be");
  EXPECT_THAT(store_->Insert(Key("/blocked"), Meta()), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Body(Key("/ok")), "fine");
  Put(Key("/other"), "still works");
  EXPECT_EQ(Body(Key("/other")), "still works");
}

TEST_F(DiskStoreTest, ReadOnlyDirectoryFailsInsert) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  Put(Key("/ok"), "fine");
  ASSERT_EQ(::chmod(dir_.c_str(), 0500), 0);
  std::string sub = absl::StrCat(dir_, "/", Key("/ok").Digest().substr(0, 2));
  ASSERT_EQ(::chmod(sub.c_str(), 0500), 0);
  EXPECT_THAT(store_->Insert(Key("/ok"), Meta()), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Body(Key("/ok")), "fine");
  ::chmod(sub.c_str(), 0755);
  ::chmod(dir_.c_str(), 0755);
}

TEST_F(DiskStoreTest, TinyBudgetRefusesEntryAndKeepsWorking) {
  Reopen(200);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntryWriter> w, store_->Insert(Key("/big"), Meta()));
  EXPECT_THAT(w->Append(std::string(500, 'x')), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(w->Commit(), StatusIs(absl::StatusCode::kResourceExhausted));
  Put(Key("/s"), "tiny");
  EXPECT_EQ(Body(Key("/s")), "tiny");
}

TEST_F(DiskStoreTest, SmallerBudgetOnRestartEvictsOldestFirst) {
  for (int i = 0; i < 10; ++i) {
    Put(Key(absl::StrCat("/e", i)), std::string(1000, 'e'));
    // File times are coarse; give each entry its own age (e0 oldest).
    struct timespec times[2] = {{1700000000 + i, 0}, {1700000000 + i, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, store_->PathFor(Key(absl::StrCat("/e", i))).c_str(), times, 0),
              0);
  }
  uint64_t per_entry = store_->stats().bytes / 10;
  Reopen(per_entry * 4);
  EXPECT_EQ(store_->stats().entries, 4u);
  EXPECT_LE(store_->stats().bytes, per_entry * 4);
  EXPECT_EQ(Body(Key("/e9")), std::string(1000, 'e'));
}

TEST_F(DiskStoreTest, IndexRebuildOf10kEntries) {
  constexpr int kEntries = 10000;
  Reopen(uint64_t{1} << 30);
  for (int i = 0; i < kEntries; ++i) Put(Key(absl::StrCat("/r", i)), "small body");
  Reopen(uint64_t{1} << 30);
  EXPECT_EQ(store_->rebuild_stats().entries, kEntries);
  std::printf("index rebuild of %d entries: %s\n", kEntries,
              absl::FormatDuration(store_->rebuild_stats().duration).c_str());
  RecordProperty("rebuild_10k", absl::FormatDuration(store_->rebuild_stats().duration));
  EXPECT_EQ(Body(Key("/r1234")), "small body");
}

}  // namespace
}  // namespace cache
