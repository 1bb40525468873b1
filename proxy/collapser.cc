#include "proxy/collapser.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace proxy {

void LoopWaker::Wake() {
  if (pending_.exchange(true, std::memory_order_acq_rel)) return;
  loop_->Post([self = shared_from_this()] {
    self->pending_.store(false, std::memory_order_release);
    if (!self->cancelled_) self->fn_();
  });
}

void Fill::Publish(cache::EntryMeta meta, std::optional<uint64_t> content_length) {
  absl::MutexLock lock(&mu_);
  if (published_ || state_ != State::kWaiting) return;
  meta_ = std::move(meta);
  content_length_ = content_length;
  if (content_length.has_value()) body_.reserve(*content_length);
  published_ = true;
  state_ = State::kStreaming;
  WakeAll();
}

void Fill::Append(absl::string_view data) {
  if (data.empty()) return;
  absl::MutexLock lock(&mu_);
  if (state_ != State::kStreaming) return;
  body_.append(data.data(), data.size());
  WakeAll();
}

void Fill::Finish(State outcome) {
  {
    absl::MutexLock lock(&mu_);
    if (state_ != State::kWaiting && state_ != State::kStreaming) return;
    // Nothing was published: a "done" fill without a head can only be an uncacheable one.
    if (outcome == State::kDone && !published_) outcome = State::kUncacheable;
    // Once waiters may have streamed part of the body, "uncacheable" cannot send them
    // upstream any more: for them the fill broke.
    if (outcome == State::kUncacheable && published_) outcome = State::kFailed;
    state_ = outcome;
    if (outcome != State::kDone) body_.clear();
    WakeAll();
  }
  owner_->Forget(key_, this);
}

void Fill::Subscribe(std::weak_ptr<LoopWaker> waker) {
  absl::MutexLock lock(&mu_);
  if (state_ != State::kWaiting) {
    if (std::shared_ptr<LoopWaker> w = waker.lock()) w->Wake();
  }
  waiters_.push_back(std::move(waker));
}

Fill::State Fill::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

bool Fill::finished() const {
  absl::MutexLock lock(&mu_);
  return state_ != State::kWaiting && state_ != State::kStreaming;
}

size_t Fill::Read(uint64_t offset, size_t max, std::string* out, State* state) const {
  absl::MutexLock lock(&mu_);
  *state = state_;
  if (offset >= body_.size()) return 0;
  size_t n = std::min<uint64_t>(max, body_.size() - offset);
  out->append(body_, offset, n);
  return n;
}

void Fill::WakeAll() {
  // Drop the waiters that are gone while waking the others.
  waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(),
                                [](const std::weak_ptr<LoopWaker>& weak) {
                                  std::shared_ptr<LoopWaker> w = weak.lock();
                                  if (w == nullptr) return true;
                                  w->Wake();
                                  return false;
                                }),
                 waiters_.end());
}

Collapser::Shard& Collapser::ShardFor(const std::string& key) {
  return shards_[absl::Hash<std::string>{}(key) % kShards];
}

Collapser::Joined Collapser::Join(const std::string& key) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto [it, inserted] = shard.fills.try_emplace(key);
  if (!inserted) {
    collapsed_.fetch_add(1, std::memory_order_relaxed);
    return Joined{it->second, false};
  }
  it->second = std::make_shared<Fill>(this, key);
  return Joined{it->second, true};
}

void Collapser::Forget(const std::string& key, const Fill* fill) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.fills.find(key);
  if (it != shard.fills.end() && it->second.get() == fill) shard.fills.erase(it);
}

bool Collapser::StartRevalidation(const std::string& key) {
  absl::MutexLock lock(&revalidating_mu_);
  return revalidating_.insert(key).second;
}

void Collapser::EndRevalidation(const std::string& key) {
  absl::MutexLock lock(&revalidating_mu_);
  revalidating_.erase(key);
}

size_t Collapser::in_flight() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    n += shard.fills.size();
  }
  return n;
}

}  // namespace proxy
