// disk_index_rebuild: times DiskStore's start-up index rebuild over N small entries.
//
//   bazel run -c opt //lib/cache:disk_index_rebuild -- 100000 /tmp/cache_rebuild
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/disk_store.h"
#include "lib/cache/store.h"
#include "lib/http/url.h"

int main(int argc, char** argv) {
  int entries = argc > 1 ? std::atoi(argv[1]) : 100000;
  std::string dir = argc > 2 ? argv[2] : "/tmp/disk_index_rebuild";
  cache::DiskStore::Options options{.directory = dir, .max_bytes = uint64_t{8} << 30};
  absl::StatusOr<std::unique_ptr<cache::DiskStore>> store = cache::DiskStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  absl::Time start = absl::Now();
  for (int i = static_cast<int>((*store)->stats().entries); i < entries; ++i) {
    absl::StatusOr<http::Url> url = http::Url::Parse(absl::StrCat("http://bench.test/", i));
    absl::StatusOr<std::unique_ptr<cache::EntryWriter>> w =
        (*store)->Insert(cache::CacheKey::ForRequest("GET", *url), cache::EntryMeta());
    absl::Status s = w.ok() ? (*w)->Append("small body") : w.status();
    if (s.ok()) s = (*w)->Commit();
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  std::printf("filled to %llu entries in %s\n",
              static_cast<unsigned long long>((*store)->stats().entries),
              absl::FormatDuration(absl::Now() - start).c_str());
  store->reset();
  store = cache::DiskStore::Open(options);
  if (!store.ok()) return 1;
  std::printf("index rebuild of %llu entries (%llu bytes): %s\n",
              static_cast<unsigned long long>((*store)->rebuild_stats().entries),
              static_cast<unsigned long long>((*store)->rebuild_stats().bytes),
              absl::FormatDuration((*store)->rebuild_stats().duration).c_str());
  return 0;
}
