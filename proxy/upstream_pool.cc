#include "proxy/upstream_pool.h"

#include <algorithm>
#include <utility>

namespace proxy {

UpstreamPool::~UpstreamPool() { Clear(); }

void UpstreamPool::Release(Idle& idle) { loop_->Unwatch(idle.sock.fd()); }

void UpstreamPool::Clear() {
  for (auto& [key, list] : idle_) {
    for (Idle& idle : list) Release(idle);
  }
  idle_.clear();
  sweep_.Clear();
}

std::optional<net::Socket> UpstreamPool::Take(const std::string& key, uint32_t events,
                                              net::EventLoop::FdCallback cb) {
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return std::nullopt;
  Idle idle = std::move(it->second.back());
  it->second.pop_back();
  if (!loop_->Watch(idle.sock.fd(), events, std::move(cb)).ok()) {
    loop_->Unwatch(idle.sock.fd());
    return std::nullopt;
  }
  return std::move(idle.sock);
}

void UpstreamPool::Put(const std::string& key, net::Socket sock) {
  if (per_origin_ == 0) {
    loop_->Unwatch(sock.fd());
    return;
  }
  std::deque<Idle>& list = idle_[key];
  if (list.size() >= per_origin_) {
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
}

size_t UpstreamPool::size() const {
  size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

void UpstreamPool::Drop(int fd) {
  for (auto& [key, list] : idle_) {
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
  for (auto it = idle_.begin(); it != idle_.end();) {
    std::deque<Idle>& list = it->second;
    while (!list.empty() && list.front().since + idle_timeout_ <= now) {
      Release(list.front());
      list.pop_front();
    }
    if (list.empty()) {
      idle_.erase(it++);
      continue;
    }
    next = std::min(next, list.front().since + idle_timeout_);
    ++it;
  }
  if (next != absl::InfiniteFuture()) sweep_.Set(next);
}

}  // namespace proxy
