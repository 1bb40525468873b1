// tiered_store.h: a fast Store (memory) in front of a large one (disk).
//
// Inserts go to both tiers; Lookup tries the front, then the back, and promotes a back hit
// whose body is at most `promote_max_bytes` into the front. Remove and UpdateMeta apply to
// both tiers. A tier that fails an insert (the back: disk full, unwritable) is skipped: the
// entry commits if either tier took it, and the back's errors go to `on_back_error`.
//
//   cache::TieredStore store(std::make_unique<cache::MemoryStore>(),
//                            *cache::DiskStore::Open({.directory = dir}));
#ifndef LIB_CACHE_TIERED_STORE_H_
#define LIB_CACHE_TIERED_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/memory_store.h"
#include "lib/cache/store.h"

namespace cache {

class TieredStore : public Store {
 public:
  // ErrorFn receives the back tier's insert errors (not ResourceExhausted: an entry larger
  // than the budget is no fault). It may be called from any thread that inserts.
  using ErrorFn = std::function<void(const absl::Status&)>;

  // TieredStore takes ownership of both tiers.
  TieredStore(std::unique_ptr<MemoryStore> front, std::unique_ptr<Store> back,
              uint64_t promote_max_bytes = 1 << 20, ErrorFn on_back_error = nullptr)
      : front_(std::move(front)), back_(std::move(back)), promote_max_bytes_(promote_max_bytes),
        on_back_error_(std::move(on_back_error)) {}

  absl::StatusOr<std::unique_ptr<EntryReader>> Lookup(const CacheKey& key) override;
  absl::StatusOr<std::unique_ptr<EntryWriter>> Insert(const CacheKey& key,
                                                      EntryMeta meta) override;
  absl::Status Remove(const CacheKey& key) override;
  absl::Status UpdateMeta(const CacheKey& key, EntryMeta meta) override;
  // stats returns the front's counters with the back's misses, corrupt entries, evictions,
  // entries and bytes added; a back hit is a hit.
  StoreStats stats() const override;

  MemoryStore& front() { return *front_; }
  Store& back() { return *back_; }

 private:
  std::unique_ptr<MemoryStore> front_;
  std::unique_ptr<Store> back_;
  uint64_t promote_max_bytes_;
  ErrorFn on_back_error_;
};

}  // namespace cache

#endif  // LIB_CACHE_TIERED_STORE_H_
