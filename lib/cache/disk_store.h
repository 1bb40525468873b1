// disk_store.h: a bounded Store of one file per entry under a directory, kept across restarts.
//
// An entry lives in <dir>/<first two hex digits>/<SHA-256 hex of the full key>. It is written
// to a temp file in the same directory and renamed into place on Commit, so a reader never
// sees a partial entry. Each file holds magic, format version, the full key, the body, the
// metadata and a SHA-256 checksum, which Lookup verifies before serving: a torn or damaged
// file is removed and reported as DataLoss (a miss). Open rebuilds the index (size and age
// of every entry) by scanning the directory and deletes temp files left by a crash. Eviction
// is least-recently-used within this process, seeded by file modification time on start-up.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<cache::DiskStore> disk,
//                    cache::DiskStore::Open({.directory = "/var/cache/proxy",
//                                            .max_bytes = uint64_t{10} << 30}));
//   disk->rebuild_stats().duration;   // how long the start-up scan took
#ifndef LIB_CACHE_DISK_STORE_H_
#define LIB_CACHE_DISK_STORE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/store.h"

namespace cache {

class DiskStore : public Store {
 public:
  struct Options {
    std::string directory;                   // created if missing
    uint64_t max_bytes = uint64_t{1} << 30;  // budget for the sum of file sizes
  };

  // RebuildStats describes the start-up scan.
  struct RebuildStats {
    uint64_t entries = 0;
    uint64_t bytes = 0;
    uint64_t temp_files_removed = 0;
    absl::Duration duration;
  };

  // Open creates `options.directory` if needed and indexes the entries found in it.
  // Errors from creating or reading the directory are returned as errno statuses.
  static absl::StatusOr<std::unique_ptr<DiskStore>> Open(Options options);

  absl::StatusOr<std::unique_ptr<EntryReader>> Lookup(const CacheKey& key) override;
  absl::StatusOr<std::unique_ptr<EntryWriter>> Insert(const CacheKey& key,
                                                      EntryMeta meta) override;
  absl::Status Remove(const CacheKey& key) override;
  absl::Status UpdateMeta(const CacheKey& key, EntryMeta meta) override;
  StoreStats stats() const override;

  // rebuild_stats returns what Open found.
  const RebuildStats& rebuild_stats() const { return rebuild_stats_; }

  // PathFor returns the file that holds (or would hold) the entry for `key`.
  std::string PathFor(const CacheKey& key) const;

 private:
  class Writer;
  struct IndexEntry {
    uint64_t size;
    std::list<std::string>::iterator lru;
  };

  explicit DiskStore(Options options) : options_(std::move(options)) {}

  absl::Status Rebuild();
  // OpenEntry opens and verifies the file for `key` without touching the statistics.
  absl::StatusOr<std::unique_ptr<EntryReader>> OpenEntry(const CacheKey& key);
  // Publish renames `temp` to the entry for `digest` and charges `size` bytes, evicting
  // least recently used entries to stay within budget.
  absl::Status Publish(const std::string& temp, const std::string& digest, uint64_t size)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Drop removes the file for `digest` if it is still the file with inode `inode`.
  void Drop(const std::string& digest, uint64_t inode) ABSL_LOCKS_EXCLUDED(mu_);
  void Erase(const std::string& digest) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string PathForDigest(const std::string& digest) const;

  const Options options_;
  RebuildStats rebuild_stats_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, IndexEntry> index_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);  // front = least recently used
  uint64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t temp_counter_ ABSL_GUARDED_BY(mu_) = 0;
  StoreStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cache

#endif  // LIB_CACHE_DISK_STORE_H_
