// collapser.h: request collapsing. Concurrent cache misses on one key share a single upstream
// fetch: the first request (the leader) fetches and fills a Fill; later ones (waiters)
// subscribe and stream the body from it as it arrives, on their own workers' threads.
//
//   proxy::Collapser collapser;                          // one per server, shared by workers
//   proxy::Collapser::Joined j = collapser.Join(key.ToString());
//   if (j.leader) {                                     // fetch upstream, then:
//     j.fill->Publish(meta, content_length);            // storable head: waiters may start
//     j.fill->Append(body_bytes);                       // as it arrives
//     j.fill->Finish(proxy::Fill::State::kDone);        // or kFailed / kUncacheable
//   } else {
//     auto waker = std::make_shared<proxy::LoopWaker>(loop, [&] { /* look at j.fill */ });
//     j.fill->Subscribe(waker);                          // woken on every change
//     j.fill->Read(offset, max, &out);                   // body bytes from `offset`
//   }
//
// The leader's outcome decides what waiters do: kDone, they have the whole body; kFailed
// (the fetch broke, or grew past what may be cached) or kUncacheable (the response may not be
// shared), they go upstream themselves — or, if they already sent part of the body, close.
// A fill leaves the collapser's map when it finishes, so later requests find the cache entry
// (committed before kDone) or start a new fill.
#ifndef PROXY_COLLAPSER_H_
#define PROXY_COLLAPSER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "lib/cache/store.h"
#include "lib/net/event_loop.h"

namespace proxy {

// LoopWaker calls `fn` on `loop`'s thread after Wake (from any thread); several wakes before
// it runs make one call. After Cancel (on the loop thread) `fn` is never called again, so its
// owner may die.
class LoopWaker : public std::enable_shared_from_this<LoopWaker> {
 public:
  LoopWaker(net::EventLoop* loop, std::function<void()> fn) : loop_(loop), fn_(std::move(fn)) {}
  void Wake();
  void Cancel() { cancelled_ = true; }

 private:
  net::EventLoop* loop_;
  std::function<void()> fn_;
  std::atomic<bool> pending_{false};
  bool cancelled_ = false;  // loop thread only
};

class Collapser;

// Fill is one in-flight fetch of a cacheable response, shared by its leader and waiters.
// Thread-safe.
class Fill {
 public:
  enum class State {
    kWaiting,      // no response head yet
    kStreaming,    // head published, body arriving
    kDone,         // the whole body is here
    kFailed,       // the fetch broke, or the body grew too large: nothing more will come
    kUncacheable,  // the response may not be shared: waiters must fetch for themselves
  };

  Fill(Collapser* owner, std::string key) : owner_(owner), key_(std::move(key)) {}

  // Publish makes the response head available (kWaiting → kStreaming). `content_length` is
  // the body's length when the origin said it.
  void Publish(cache::EntryMeta meta, std::optional<uint64_t> content_length)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Append adds body bytes (copied).
  void Append(absl::string_view data) ABSL_LOCKS_EXCLUDED(mu_);
  // Finish ends the fill with `outcome` (kDone, kFailed or kUncacheable) and removes it from
  // its collapser. Later calls are ignored.
  void Finish(State outcome) ABSL_LOCKS_EXCLUDED(mu_);

  // Subscribe asks for `waker` to be woken on every Publish, Append and Finish (and once now
  // if something already happened). The fill keeps only a weak reference.
  void Subscribe(std::weak_ptr<LoopWaker> waker) ABSL_LOCKS_EXCLUDED(mu_);

  State state() const ABSL_LOCKS_EXCLUDED(mu_);
  bool finished() const ABSL_LOCKS_EXCLUDED(mu_);
  // meta and content_length are set by Publish and never change after it: call them only
  // once state() returned something other than kWaiting (or kUncacheable/kFailed before it).
  const cache::EntryMeta& meta() const { return meta_; }
  std::optional<uint64_t> content_length() const { return content_length_; }

  // Read appends to `out` up to `max` body bytes starting at `offset`, and returns how many,
  // with the state at that moment in `*state` (kDone or kFailed with nothing more to read
  // means the body ends here).
  size_t Read(uint64_t offset, size_t max, std::string* out, State* state) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void WakeAll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Collapser* const owner_;
  const std::string key_;
  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kWaiting;
  bool published_ ABSL_GUARDED_BY(mu_) = false;
  cache::EntryMeta meta_;                  // written once, by Publish, under mu_
  std::optional<uint64_t> content_length_;  // likewise
  std::string body_ ABSL_GUARDED_BY(mu_);
  std::vector<std::weak_ptr<LoopWaker>> waiters_ ABSL_GUARDED_BY(mu_);
};

class Collapser {
 public:
  struct Joined {
    std::shared_ptr<Fill> fill;
    bool leader = false;
  };

  // Join returns the fill in flight for `key` (a waiter), or a new one that the caller
  // leads.
  Joined Join(const std::string& key);

  // StartRevalidation marks `key` as being refreshed in the background (one refresh per key at
  // a time): false if it already is. EndRevalidation clears the mark.
  bool StartRevalidation(const std::string& key) ABSL_LOCKS_EXCLUDED(revalidating_mu_);
  void EndRevalidation(const std::string& key) ABSL_LOCKS_EXCLUDED(revalidating_mu_);

  // in_flight returns how many fills are open; collapsed how many waiters ever joined one.
  size_t in_flight() const;
  uint64_t collapsed() const { return collapsed_.load(std::memory_order_relaxed); }

 private:
  friend class Fill;
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, std::shared_ptr<Fill>> fills ABSL_GUARDED_BY(mu);
  };

  Shard& ShardFor(const std::string& key);
  // Forget removes `fill` from the map if it is still the one for `key`.
  void Forget(const std::string& key, const Fill* fill);

  std::array<Shard, kShards> shards_;
  std::atomic<uint64_t> collapsed_{0};
  absl::Mutex revalidating_mu_;
  absl::flat_hash_set<std::string> revalidating_ ABSL_GUARDED_BY(revalidating_mu_);
};

}  // namespace proxy

#endif  // PROXY_COLLAPSER_H_
