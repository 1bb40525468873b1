// memory_store.h: a bounded, sharded, in-memory Store.
//
// Each entry is one allocation holding its key, its fields (compactly encoded), its Vary
// values and its body, plus a precomputed ResponseSummary, shared by reference count with its
// readers; the index holds pointers to entries. An entry is charged its allocation plus a fixed
// 32 bytes (allocator header and index slot), so the budget bounds the memory used.
//
// Entries are split over shards by key, each with its own mutex, byte budget (max_bytes /
// shards) and eviction queues. The default policy is S3-FIFO: new keys enter a small FIFO
// (10% of the shard) and only keys hit while there move to the main FIFO, so a one-off scan
// washes through the small queue without flushing the popular entries; a ghost list of
// recently evicted keys lets returning keys go straight to main. Plain LRU is available
// for comparison.
//
//   cache::MemoryStore store({.max_bytes = 64 << 20});
//   ASSIGN_OR_RETURN(auto w, store.Insert(key, meta));
//   RETURN_IF_ERROR(w->Append(body));
//   RETURN_IF_ERROR(w->Commit());
#ifndef LIB_CACHE_MEMORY_STORE_H_
#define LIB_CACHE_MEMORY_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/store.h"

namespace cache {

// EvictionPolicy selects how a MemoryStore shard chooses what to evict.
enum class EvictionPolicy {
  kS3Fifo,  // small + main FIFO with ghost list (scan resistant); the default
  kLru,     // least recently used first
};

class MemoryStore : public Store {
 public:
  struct Options {
    uint64_t max_bytes = uint64_t{256} << 20;  // budget over all shards
    int shards = 16;                           // at least 1
    EvictionPolicy policy = EvictionPolicy::kS3Fifo;
  };

  MemoryStore() : MemoryStore(Options()) {}
  explicit MemoryStore(Options options);
  ~MemoryStore() override;

  absl::StatusOr<std::unique_ptr<EntryReader>> Lookup(const CacheKey& key) override;
  absl::StatusOr<std::unique_ptr<EntryWriter>> Insert(const CacheKey& key,
                                                      EntryMeta meta) override;
  absl::Status Remove(const CacheKey& key) override;
  absl::Status UpdateMeta(const CacheKey& key, EntryMeta meta) override;
  StoreStats stats() const override;

  // InsertComplete stores a whole entry at once (used when promoting from a slower tier).
  absl::Status InsertComplete(const CacheKey& key, EntryMeta meta, std::string body);

  // ChargeFor returns how many bytes an entry is charged against the budget.
  static uint64_t ChargeFor(absl::string_view key_text, const EntryMeta& meta,
                            uint64_t body_size);

 private:
  class Shard;
  class Writer;

  Shard& ShardFor(absl::string_view key_text);
  absl::Status Put(absl::string_view key_text, const EntryMeta& meta, absl::string_view body);

  std::vector<std::unique_ptr<Shard>> shards_;
};

// MakeStringReader returns an EntryReader over `meta` and `body`, both owned by the reader.
std::unique_ptr<EntryReader> MakeStringReader(EntryMeta meta, std::string body);

}  // namespace cache

#endif  // LIB_CACHE_MEMORY_STORE_H_
