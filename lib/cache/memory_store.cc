#include "lib/cache/memory_store.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace cache {
namespace {

// Entry is one committed response; readers share it, so eviction never frees it under them.
struct Entry {
  EntryMeta meta;
  std::shared_ptr<const std::string> body;
};

class SharedReader : public EntryReader {
 public:
  explicit SharedReader(std::shared_ptr<const Entry> entry) : entry_(std::move(entry)) {}

  const EntryMeta& meta() const override { return entry_->meta; }
  uint64_t body_size() const override { return entry_->body->size(); }
  absl::StatusOr<size_t> Read(absl::Span<char> out) override {
    size_t n = std::min(out.size(), entry_->body->size() - offset_);
    if (n > 0) std::memcpy(out.data(), entry_->body->data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  std::shared_ptr<const Entry> entry_;
  size_t offset_ = 0;
};

constexpr int kMaxFrequency = 3;

}  // namespace

std::unique_ptr<EntryReader> MakeStringReader(EntryMeta meta, std::string body) {
  auto entry = std::make_shared<Entry>(
      Entry{std::move(meta), std::make_shared<const std::string>(std::move(body))});
  return std::make_unique<SharedReader>(std::move(entry));
}

uint64_t MemoryStore::ChargeFor(absl::string_view key_text, const EntryMeta& meta,
                                uint64_t body_size) {
  uint64_t charge = 128 + key_text.size() + body_size;
  for (const http::Headers::Field& f : meta.headers) charge += f.name.size() + f.value.size() + 16;
  for (const VaryValue& v : meta.vary_values) charge += v.first.size() + v.second.size() + 16;
  return charge;
}

class MemoryStore::Shard {
 public:
  Shard(uint64_t budget, EvictionPolicy policy) : budget_(budget), policy_(policy) {}

  uint64_t budget() const { return budget_; }

  std::shared_ptr<const Entry> Get(const std::string& key) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      ++stats_.misses;
      return nullptr;
    }
    ++stats_.hits;
    Node& node = *it->second;
    if (policy_ == EvictionPolicy::kLru) {
      main_.splice(main_.end(), main_, it->second);
    } else {
      node.frequency = std::min(node.frequency + 1, kMaxFrequency);
    }
    return node.entry;
  }

  absl::Status Put(const std::string& key, std::shared_ptr<const Entry> entry, uint64_t charge)
      ABSL_LOCKS_EXCLUDED(mu_) {
    if (charge > budget_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "memory store: entry of ", charge, " bytes exceeds shard budget ", budget_));
    }
    absl::MutexLock lock(&mu_);
    Queue queue = policy_ == EvictionPolicy::kLru ? kMain : kSmall;
    if (auto it = index_.find(key); it != index_.end()) {
      queue = it->second->queue;
      Unlink(it->second);
    } else if (queue == kSmall && ForgetGhost(key)) {
      queue = kMain;
    }
    List& list = queue == kSmall ? small_ : main_;
    list.push_back(Node{key, std::move(entry), charge, 0, queue});
    index_[key] = std::prev(list.end());
    QueueBytes(queue) += charge;
    ++stats_.entries;
    while (small_bytes_ + main_bytes_ > budget_) EvictOne();
    return absl::OkStatus();
  }

  bool Erase(const std::string& key) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    Unlink(it->second);
    return true;
  }

  // Rebuild replaces the entry under `key` by make(old entry); false if there is none.
  template <typename F>
  bool Replace(const std::string& key, F make) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    Node& node = *it->second;
    node.entry = make(*node.entry);
    uint64_t charge = ChargeFor(key, node.entry->meta, node.entry->body->size());
    QueueBytes(node.queue) += charge - node.charge;
    node.charge = charge;
    while (small_bytes_ + main_bytes_ > budget_) EvictOne();
    return true;
  }

  void AddTo(StoreStats* total) const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    total->hits += stats_.hits;
    total->misses += stats_.misses;
    total->evictions += stats_.evictions;
    total->entries += stats_.entries;
    total->bytes += small_bytes_ + main_bytes_;
  }

 private:
  enum Queue { kSmall, kMain };
  struct Node {
    std::string key;
    std::shared_ptr<const Entry> entry;
    uint64_t charge;
    int frequency;
    Queue queue;
  };
  using List = std::list<Node>;

  uint64_t& QueueBytes(Queue q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return q == kSmall ? small_bytes_ : main_bytes_;
  }

  void Unlink(List::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    QueueBytes(it->queue) -= it->charge;
    --stats_.entries;
    index_.erase(it->key);
    (it->queue == kSmall ? small_ : main_).erase(it);
  }

  // EvictOne removes one entry (S3-FIFO: the small queue's head unless it was hit, which
  // moves it to main; else main's head unless it was hit, which reinserts it at the tail
  // with one less frequency).
  void EvictOne() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (;;) {
      bool from_small = !small_.empty() && (small_bytes_ > budget_ / 10 || main_.empty());
      List& list = from_small ? small_ : main_;
      auto it = list.begin();
      if (from_small && it->frequency > 0) {
        it->frequency = 0;
        it->queue = kMain;
        small_bytes_ -= it->charge;
        main_bytes_ += it->charge;
        main_.splice(main_.end(), small_, it);
        continue;
      }
      if (!from_small && it->frequency > 0) {
        --it->frequency;
        main_.splice(main_.end(), main_, it);
        continue;
      }
      if (from_small) RememberGhost(it->key);
      ++stats_.evictions;
      Unlink(it);
      return;
    }
  }

  // The ghost list remembers hashes of keys recently evicted from the small queue, about as
  // many as the shard holds entries.
  void RememberGhost(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    size_t h = absl::Hash<std::string>{}(key);
    ghost_order_.push_back(h);
    ++ghost_[h];
    while (ghost_order_.size() > index_.size() + 1) {
      auto g = ghost_.find(ghost_order_.front());
      if (g != ghost_.end() && --g->second <= 0) ghost_.erase(g);
      ghost_order_.pop_front();
    }
  }

  bool ForgetGhost(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto g = ghost_.find(absl::Hash<std::string>{}(key));
    if (g == ghost_.end()) return false;
    ghost_.erase(g);  // stale entries in ghost_order_ are skipped when they expire
    return true;
  }

  const uint64_t budget_;
  const EvictionPolicy policy_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, List::iterator> index_ ABSL_GUARDED_BY(mu_);
  List small_ ABSL_GUARDED_BY(mu_);
  List main_ ABSL_GUARDED_BY(mu_);
  uint64_t small_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t main_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<size_t> ghost_order_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<size_t, int> ghost_ ABSL_GUARDED_BY(mu_);
  StoreStats stats_ ABSL_GUARDED_BY(mu_);
};

class MemoryStore::Writer : public EntryWriter {
 public:
  Writer(MemoryStore* store, std::string key_text, EntryMeta meta)
      : store_(store),
        shard_(&store->ShardFor(key_text)),
        key_text_(std::move(key_text)),
        meta_(std::move(meta)) {}

  absl::Status Append(absl::string_view chunk) override {
    if (done_) return absl::FailedPreconditionError("memory store: append after commit");
    if (body_.size() + chunk.size() > shard_->budget()) {
      done_ = true;
      return absl::ResourceExhaustedError(absl::StrCat(
          "memory store: body of ", body_.size() + chunk.size(), " bytes exceeds shard budget ",
          shard_->budget()));
    }
    body_.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (done_) return absl::FailedPreconditionError("memory store: writer already finished");
    done_ = true;
    return store_->Put(key_text_, std::move(meta_), std::move(body_));
  }

 private:
  MemoryStore* store_;
  Shard* shard_;
  std::string key_text_;
  EntryMeta meta_;
  std::string body_;
  bool done_ = false;
};

MemoryStore::MemoryStore(Options options) {
  int n = std::max(options.shards, 1);
  for (int i = 0; i < n; ++i) {
    shards_.push_back(std::make_unique<Shard>(options.max_bytes / n, options.policy));
  }
}

MemoryStore::~MemoryStore() = default;

MemoryStore::Shard& MemoryStore::ShardFor(const std::string& key_text) {
  return *shards_[absl::Hash<std::string>{}(key_text) % shards_.size()];
}

absl::StatusOr<std::unique_ptr<EntryReader>> MemoryStore::Lookup(const CacheKey& key) {
  std::string text = key.ToString();
  std::shared_ptr<const Entry> entry = ShardFor(text).Get(text);
  if (entry == nullptr) return absl::NotFoundError(absl::StrCat("memory store: miss ", text));
  return std::make_unique<SharedReader>(std::move(entry));
}

absl::StatusOr<std::unique_ptr<EntryWriter>> MemoryStore::Insert(const CacheKey& key,
                                                                 EntryMeta meta) {
  return std::make_unique<Writer>(this, key.ToString(), std::move(meta));
}

absl::Status MemoryStore::InsertComplete(const CacheKey& key, EntryMeta meta, std::string body) {
  return Put(key.ToString(), std::move(meta), std::move(body));
}

absl::Status MemoryStore::Put(const std::string& text, EntryMeta meta, std::string body) {
  uint64_t charge = ChargeFor(text, meta, body.size());
  auto entry = std::make_shared<const Entry>(
      Entry{std::move(meta), std::make_shared<const std::string>(std::move(body))});
  return ShardFor(text).Put(text, std::move(entry), charge);
}

absl::Status MemoryStore::Remove(const CacheKey& key) {
  std::string text = key.ToString();
  if (!ShardFor(text).Erase(text)) {
    return absl::NotFoundError(absl::StrCat("memory store: no entry ", text));
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::UpdateMeta(const CacheKey& key, EntryMeta meta) {
  std::string text = key.ToString();
  bool found = ShardFor(text).Replace(text, [&meta](const Entry& old) {
    return std::make_shared<const Entry>(Entry{std::move(meta), old.body});
  });
  if (!found) return absl::NotFoundError(absl::StrCat("memory store: no entry ", text));
  return absl::OkStatus();
}

StoreStats MemoryStore::stats() const {
  StoreStats total;
  for (const auto& shard : shards_) shard->AddTo(&total);
  return total;
}

}  // namespace cache
