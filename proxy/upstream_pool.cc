#include "proxy/upstream_pool.h"

#include <algorithm>
#include <utility>

namespace proxy {

UpstreamPool::~UpstreamPool() {
  Clear();
  loop_->Cancel(serve_timer_);
}

void UpstreamPool::Release(Idle& idle) { loop_->Unwatch(idle.sock.fd()); }

void UpstreamPool::Clear() {
  for (auto& [key, origin] : origins_) {
    for (Idle& idle : origin.idle) Release(idle);
    origin.idle.clear();
  }
  sweep_.Clear();
}

std::optional<net::Socket> UpstreamPool::Take(const std::string& key, uint32_t events,
                                              net::EventLoop::FdCallback cb) {
  auto it = origins_.find(key);
  // Those already waiting come first.
  if (it == origins_.end() || it->second.idle.empty() || !it->second.waiters.empty()) {
    return std::nullopt;
  }
  std::deque<Idle>& list = it->second.idle;
  Idle idle = std::move(list.back());
  list.pop_back();
  if (!loop_->Watch(idle.sock.fd(), events, std::move(cb)).ok()) {
    loop_->Unwatch(idle.sock.fd());
    return std::nullopt;
  }
  return std::move(idle.sock);
}

void UpstreamPool::Put(const std::string& key, net::Socket sock) {
  Origin& origin = origins_[key];
  if (per_origin_ == 0 && origin.waiters.empty()) {
    loop_->Unwatch(sock.fd());
    return;
  }
  std::deque<Idle>& list = origin.idle;
  if (list.size() >= std::max<size_t>(per_origin_, 1)) {
    Release(list.front());
    list.pop_front();
  }
  int fd = sock.fd();
  // Readable while idle means the origin closed (or misbehaved): either way it is unusable.
  if (!loop_->Watch(fd, net::EventLoop::kReadable, [this, fd](uint32_t) { Drop(fd); }).ok()) {
    loop_->Unwatch(fd);
    return;
  }
  absl::Time now = loop_->Now();
  list.push_back(Idle{std::move(sock), now});
  if (!sweep_.armed()) sweep_.Set(now + idle_timeout_);
  if (!origin.waiters.empty()) ScheduleServe();
}

bool UpstreamPool::StartNew(const std::string& key) {
  if (max_new_ == 0) return true;
  Origin& origin = origins_[key];
  if (!origin.waiters.empty() || origin.unproven >= max_new_) return false;
  ++origin.unproven;
  return true;
}

void UpstreamPool::EndNew(const std::string& key) {
  if (max_new_ == 0) return;
  auto it = origins_.find(key);
  if (it == origins_.end() || it->second.unproven == 0) return;
  --it->second.unproven;
  if (!it->second.waiters.empty()) ScheduleServe();
}

void UpstreamPool::Wait(const std::string& key, Waiter* w) {
  Origin& origin = origins_[key];
  origin.waiters.push_back(w);
  ++waiting_;
  // A slot may be free already (another waiter was queued first and is about to be served).
  ScheduleServe();
}

void UpstreamPool::CancelWait(Waiter* w) {
  for (auto& [key, origin] : origins_) {
    auto i = std::find(origin.waiters.begin(), origin.waiters.end(), w);
    if (i == origin.waiters.end()) continue;
    origin.waiters.erase(i);
    --waiting_;
    return;
  }
}

void UpstreamPool::ScheduleServe() {
  if (serve_timer_ != 0) return;
  serve_timer_ = loop_->RunAfter(absl::ZeroDuration(), [this] {
    serve_timer_ = 0;
    ServeWaiters();
  });
}

void UpstreamPool::ServeWaiters() {
  // One hand-off at a time, then a fresh scan: a waiter may Put, Wait, CancelWait or EndNew
  // (and so change the map) from inside OnUpstreamReady.
  while (waiting_ > 0) {
    Waiter* w = nullptr;
    std::optional<net::Socket> sock;
    for (auto& [key, origin] : origins_) {
      if (origin.waiters.empty()) continue;
      if (!origin.idle.empty()) {
        sock = std::move(origin.idle.back().sock);
        origin.idle.pop_back();
      } else if (max_new_ == 0 || origin.unproven < max_new_) {
        ++origin.unproven;
      } else {
        continue;
      }
      w = origin.waiters.front();
      origin.waiters.pop_front();
      --waiting_;
      break;
    }
    if (w == nullptr) return;
    w->OnUpstreamReady(std::move(sock));
  }
}

size_t UpstreamPool::size() const {
  size_t n = 0;
  for (const auto& [key, origin] : origins_) n += origin.idle.size();
  return n;
}

void UpstreamPool::Drop(int fd) {
  for (auto& [key, origin] : origins_) {
    std::deque<Idle>& list = origin.idle;
    for (auto i = list.begin(); i != list.end(); ++i) {
      if (i->sock.fd() != fd) continue;
      Release(*i);
      list.erase(i);
      return;
    }
  }
}

void UpstreamPool::Sweep() {
  absl::Time now = loop_->Now();
  absl::Time next = absl::InfiniteFuture();
  for (auto it = origins_.begin(); it != origins_.end();) {
    Origin& origin = it->second;
    std::deque<Idle>& list = origin.idle;
    while (!list.empty() && list.front().since + idle_timeout_ <= now) {
      Release(list.front());
      list.pop_front();
    }
    if (list.empty()) {
      if (origin.unproven == 0 && origin.waiters.empty()) origins_.erase(it++);
      else ++it;
      continue;
    }
    next = std::min(next, list.front().since + idle_timeout_);
    ++it;
  }
  if (next != absl::InfiniteFuture()) sweep_.Set(next);
}

}  // namespace proxy
