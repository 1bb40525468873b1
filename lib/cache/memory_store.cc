#include "lib/cache/memory_store.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "lib/cache/internal/field_codec.h"
#include "lib/cache/policy.h"

namespace cache {
namespace {

// An entry lives in one allocation, a Blob: this header, then its key text, its encoded
// fields (internal/field_codec.h), its Vary values and its body. Readers and the store share
// it by reference count, so eviction never frees an entry under a reader. Everything but the
// queue links is immutable once built.
struct Blob {
  std::atomic<uint32_t> refs{1};
  // Queue state, guarded by the shard's mutex.
  uint8_t queue = 0;
  uint8_t frequency = 0;
  uint16_t status = 0;
  Blob* prev = nullptr;
  Blob* next = nullptr;
  // Sizes of the parts that follow the header.
  uint32_t key_size = 0;
  uint32_t fields_size = 0;
  uint32_t vary_size = 0;
  uint64_t body_size = 0;
  int64_t request_ns = 0;
  int64_t response_ns = 0;
  // The ResponseSummary, compacted.
  int64_t lifetime_ns = 0;
  int64_t initial_age_ns = 0;
  uint32_t swr_s = kNone;  // stale-while-revalidate seconds
  uint32_t sie_s = kNone;  // stale-if-error seconds
  uint8_t flags = 0;

  static constexpr uint32_t kNone = ~uint32_t{0};
  enum : uint8_t { kNoCache = 1, kStaleForbidden = 2, kHasValidator = 4, kHasVary = 8 };

  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  char* data() { return reinterpret_cast<char*>(this + 1); }
  absl::string_view key() const { return {data(), key_size}; }
  absl::string_view fields() const { return {data() + key_size, fields_size}; }
  absl::string_view vary() const { return {data() + key_size + fields_size, vary_size}; }
  const char* body() const { return data() + key_size + fields_size + vary_size; }
  size_t allocation() const { return sizeof(Blob) + key_size + fields_size + vary_size + body_size; }
};

void Unref(Blob* b) {
  if (b != nullptr && b->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    b->~Blob();
    ::operator delete(b);
  }
}

// BlobRef holds one reference.
class BlobRef {
 public:
  BlobRef() = default;
  explicit BlobRef(Blob* b) : b_(b) {}  // adopts a reference
  BlobRef(BlobRef&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
  BlobRef& operator=(BlobRef&& o) noexcept {
    std::swap(b_, o.b_);
    return *this;
  }
  ~BlobRef() { Unref(b_); }
  Blob* get() const { return b_; }
  Blob* release() { return std::exchange(b_, nullptr); }
  Blob* operator->() const { return b_; }
  Blob& operator*() const { return *b_; }
  explicit operator bool() const { return b_ != nullptr; }

 private:
  Blob* b_ = nullptr;
};

uint32_t WindowSeconds(const std::optional<absl::Duration>& d) {
  if (!d.has_value()) return Blob::kNone;
  return static_cast<uint32_t>(std::clamp<int64_t>(absl::ToInt64Seconds(*d), 0, Blob::kNone - 1));
}

// Parts are the encoded pieces a blob for an entry holds besides its key and body.
struct Parts {
  std::string fields;
  std::string vary;
};

size_t BlobSize(absl::string_view key, const Parts& parts, size_t body) {
  return sizeof(Blob) + key.size() + parts.fields.size() + parts.vary.size() + body;
}

// kPerEntryOverhead is what an entry costs beyond its blob: the allocator's header and
// rounding, and its index slot.
constexpr uint64_t kPerEntryOverhead = 32;

BlobRef BuildBlob(absl::string_view key, const EntryMeta& meta, absl::string_view body) {
  Parts parts{internal::EncodeFields(meta.headers), internal::EncodeVaryValues(meta.vary_values)};
  void* mem = ::operator new(BlobSize(key, parts, body.size()));
  Blob* b = new (mem) Blob();
  b->status = static_cast<uint16_t>(std::clamp(meta.status, 0, 999));
  b->key_size = static_cast<uint32_t>(key.size());
  b->fields_size = static_cast<uint32_t>(parts.fields.size());
  b->vary_size = static_cast<uint32_t>(parts.vary.size());
  b->body_size = body.size();
  b->request_ns = absl::ToUnixNanos(meta.request_time);
  b->response_ns = absl::ToUnixNanos(meta.response_time);
  ResponseSummary s = Summarize(meta);
  b->lifetime_ns = absl::ToInt64Nanoseconds(s.lifetime);
  b->initial_age_ns = absl::ToInt64Nanoseconds(s.initial_age);
  b->swr_s = WindowSeconds(s.stale_while_revalidate);
  b->sie_s = WindowSeconds(s.stale_if_error);
  b->flags = (s.no_cache ? Blob::kNoCache : 0) | (s.stale_forbidden ? Blob::kStaleForbidden : 0) |
             (s.has_validator ? Blob::kHasValidator : 0) | (s.has_vary ? Blob::kHasVary : 0);
  char* p = b->data();
  for (absl::string_view part : {key, absl::string_view(parts.fields),
                                 absl::string_view(parts.vary), body}) {
    if (!part.empty()) std::memcpy(p, part.data(), part.size());
    p += part.size();
  }
  return BlobRef(b);
}

uint64_t ChargeOf(const Blob& b) { return b.allocation() + kPerEntryOverhead; }

class BlobReader : public EntryReader {
 public:
  explicit BlobReader(BlobRef blob) : blob_(std::move(blob)) {
    const Blob& b = *blob_;
    auto window = [](uint32_t s) -> std::optional<absl::Duration> {
      if (s == Blob::kNone) return std::nullopt;
      return absl::Seconds(s);
    };
    summary_ = ResponseSummary{
        .status = b.status,
        .response_time = absl::FromUnixNanos(b.response_ns),
        .lifetime = absl::Nanoseconds(b.lifetime_ns),
        .initial_age = absl::Nanoseconds(b.initial_age_ns),
        .stale_while_revalidate = window(b.swr_s),
        .stale_if_error = window(b.sie_s),
        .no_cache = (b.flags & Blob::kNoCache) != 0,
        .stale_forbidden = (b.flags & Blob::kStaleForbidden) != 0,
        .has_validator = (b.flags & Blob::kHasValidator) != 0,
        .has_vary = (b.flags & Blob::kHasVary) != 0,
    };
  }

  // meta decodes the entry on first use: the hit path needs only summary and AppendFields.
  const EntryMeta& meta() const override {
    if (!meta_.has_value()) {
      const Blob& b = *blob_;
      EntryMeta m;
      m.status = b.status;
      m.request_time = absl::FromUnixNanos(b.request_ns);
      m.response_time = absl::FromUnixNanos(b.response_ns);
      // The blob was encoded from valid fields by this process: decoding cannot fail.
      m.headers = internal::DecodeFields(b.fields()).value_or(http::Headers());
      m.vary_values = internal::DecodeVaryValues(b.vary());
      meta_ = std::move(m);
    }
    return *meta_;
  }
  const ResponseSummary& summary() const override { return summary_; }
  void AppendFields(std::string* out) const override {
    internal::AppendServedWireFields(blob_->fields(), out);
  }
  uint64_t body_size() const override { return blob_->body_size; }
  std::optional<absl::string_view> Body() const override {
    return absl::string_view(blob_->body(), blob_->body_size);
  }
  absl::StatusOr<size_t> Read(absl::Span<char> out) override {
    size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), blob_->body_size - offset_));
    if (n > 0) std::memcpy(out.data(), blob_->body() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  BlobRef blob_;
  ResponseSummary summary_;
  mutable std::optional<EntryMeta> meta_;
  uint64_t offset_ = 0;
};

constexpr int kMaxFrequency = 3;

// KeyOf lets the index hold blobs and be searched by key text.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(absl::string_view k) const { return absl::Hash<absl::string_view>{}(k); }
  size_t operator()(const Blob* b) const { return (*this)(b->key()); }
};
struct KeyEq {
  using is_transparent = void;
  static absl::string_view K(absl::string_view k) { return k; }
  static absl::string_view K(const Blob* b) { return b->key(); }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return K(a) == K(b);
  }
};

}  // namespace

std::unique_ptr<EntryReader> MakeStringReader(EntryMeta meta, std::string body) {
  return std::make_unique<BlobReader>(BuildBlob("", meta, body));
}

uint64_t MemoryStore::ChargeFor(absl::string_view key_text, const EntryMeta& meta,
                                uint64_t body_size) {
  Parts parts{internal::EncodeFields(meta.headers), internal::EncodeVaryValues(meta.vary_values)};
  return BlobSize(key_text, parts, body_size) + kPerEntryOverhead;
}

class MemoryStore::Shard {
 public:
  Shard(uint64_t budget, EvictionPolicy policy) : budget_(budget), policy_(policy) {}
  ~Shard() {
    for (List* list : {&small_, &main_}) {
      while (list->head != nullptr) {
        Blob* b = list->head;
        Remove(list, b);
        Unref(b);
      }
    }
  }

  uint64_t budget() const { return budget_; }

  // Get returns the entry for `key`, counting the lookup and recording the hit for eviction
  // unless `peek`.
  BlobRef Get(absl::string_view key, bool peek = false) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      if (!peek) ++stats_.misses;
      return BlobRef();
    }
    Blob* b = *it;
    b->refs.fetch_add(1, std::memory_order_relaxed);
    if (peek) return BlobRef(b);
    ++stats_.hits;
    if (policy_ == EvictionPolicy::kLru) {
      Remove(&main_, b);
      PushBack(&main_, b);
    } else {
      b->frequency = static_cast<uint8_t>(std::min(b->frequency + 1, kMaxFrequency));
    }
    return BlobRef(b);
  }

  // Put stores `blob` (taking the reference), replacing any entry with its key.
  absl::Status Put(BlobRef blob) ABSL_LOCKS_EXCLUDED(mu_) {
    uint64_t charge = ChargeOf(*blob);
    if (charge > budget_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "memory store: entry of ", charge, " bytes exceeds shard budget ", budget_));
    }
    absl::MutexLock lock(&mu_);
    Queue queue = policy_ == EvictionPolicy::kLru ? kMain : kSmall;
    if (auto it = index_.find(blob->key()); it != index_.end()) {
      queue = static_cast<Queue>((*it)->queue);
      Unlink(*it);
    } else if (queue == kSmall && ForgetGhost(blob->key())) {
      queue = kMain;
    }
    Blob* b = blob.release();  // the shard keeps the reference
    b->queue = queue;
    b->frequency = 0;
    PushBack(queue == kSmall ? &small_ : &main_, b);
    index_.insert(b);
    QueueBytes(queue) += charge;
    ++stats_.entries;
    while (small_bytes_ + main_bytes_ > budget_) EvictOne();
    return absl::OkStatus();
  }

  bool Erase(absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    Unlink(*it);
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
  enum Queue : uint8_t { kSmall, kMain };
  struct List {
    Blob* head = nullptr;
    Blob* tail = nullptr;
  };

  static void PushBack(List* l, Blob* b) {
    b->prev = l->tail;
    b->next = nullptr;
    (l->tail != nullptr ? l->tail->next : l->head) = b;
    l->tail = b;
  }
  static void Remove(List* l, Blob* b) {
    (b->prev != nullptr ? b->prev->next : l->head) = b->next;
    (b->next != nullptr ? b->next->prev : l->tail) = b->prev;
    b->prev = b->next = nullptr;
  }

  uint64_t& QueueBytes(Queue q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return q == kSmall ? small_bytes_ : main_bytes_;
  }

  // Unlink takes `b` out of the index and its queue and drops the shard's reference.
  void Unlink(Blob* b) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Queue q = static_cast<Queue>(b->queue);
    QueueBytes(q) -= ChargeOf(*b);
    --stats_.entries;
    index_.erase(b->key());
    Remove(q == kSmall ? &small_ : &main_, b);
    Unref(b);
  }

  // EvictOne removes one entry (S3-FIFO: the small queue's head unless it was hit, which
  // moves it to main; else main's head unless it was hit, which reinserts it at the tail
  // with one less frequency).
  void EvictOne() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (;;) {
      bool from_small = small_.head != nullptr && (small_bytes_ > budget_ / 10 || main_.head == nullptr);
      List& list = from_small ? small_ : main_;
      Blob* b = list.head;
      if (from_small && b->frequency > 0) {
        b->frequency = 0;
        b->queue = kMain;
        uint64_t charge = ChargeOf(*b);
        small_bytes_ -= charge;
        main_bytes_ += charge;
        Remove(&small_, b);
        PushBack(&main_, b);
        continue;
      }
      if (!from_small && b->frequency > 0) {
        --b->frequency;
        Remove(&main_, b);
        PushBack(&main_, b);
        continue;
      }
      if (from_small) RememberGhost(b->key());
      ++stats_.evictions;
      Unlink(b);
      return;
    }
  }

  // The ghost list remembers hashes of keys recently evicted from the small queue, about as
  // many as the shard holds entries.
  void RememberGhost(absl::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    size_t h = absl::Hash<absl::string_view>{}(key);
    ghost_order_.push_back(h);
    ++ghost_[h];
    while (ghost_order_.size() > index_.size() + 1) {
      auto g = ghost_.find(ghost_order_.front());
      if (g != ghost_.end() && --g->second <= 0) ghost_.erase(g);
      ghost_order_.pop_front();
    }
  }

  bool ForgetGhost(absl::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto g = ghost_.find(absl::Hash<absl::string_view>{}(key));
    if (g == ghost_.end()) return false;
    ghost_.erase(g);  // stale entries in ghost_order_ are skipped when they expire
    return true;
  }

  const uint64_t budget_;
  const EvictionPolicy policy_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<Blob*, KeyHash, KeyEq> index_ ABSL_GUARDED_BY(mu_);
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
    return store_->Put(key_text_, meta_, body_);
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

MemoryStore::Shard& MemoryStore::ShardFor(absl::string_view key_text) {
  return *shards_[absl::Hash<absl::string_view>{}(key_text) % shards_.size()];
}

absl::StatusOr<std::unique_ptr<EntryReader>> MemoryStore::Lookup(const CacheKey& key) {
  std::string text = key.ToString();
  BlobRef blob = ShardFor(text).Get(text);
  if (!blob) return absl::NotFoundError(absl::StrCat("memory store: miss ", text));
  return std::make_unique<BlobReader>(std::move(blob));
}

absl::StatusOr<std::unique_ptr<EntryWriter>> MemoryStore::Insert(const CacheKey& key,
                                                                 EntryMeta meta) {
  return std::make_unique<Writer>(this, key.ToString(), std::move(meta));
}

absl::Status MemoryStore::InsertComplete(const CacheKey& key, EntryMeta meta, std::string body) {
  return Put(key.ToString(), meta, body);
}

absl::Status MemoryStore::Put(absl::string_view key_text, const EntryMeta& meta,
                              absl::string_view body) {
  return ShardFor(key_text).Put(BuildBlob(key_text, meta, body));
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
  Shard& shard = ShardFor(text);
  // The body is shared only by copy: a new blob replaces the old one (which its readers keep).
  BlobRef old = shard.Get(text, /*peek=*/true);
  if (!old) return absl::NotFoundError(absl::StrCat("memory store: no entry ", text));
  return shard.Put(BuildBlob(text, meta, absl::string_view(old->body(), old->body_size)));
}

StoreStats MemoryStore::stats() const {
  StoreStats total;
  for (const auto& shard : shards_) shard->AddTo(&total);
  return total;
}

}  // namespace cache
