#include "proxy/upstream_pool.h"

#include <utility>

namespace proxy {

UpstreamPool::~UpstreamPool() { Clear(); }

void UpstreamPool::Release(Idle& idle) {
  loop_->Unwatch(idle.sock.fd());
  loop_->Cancel(idle.timer);
}

void UpstreamPool::Clear() {
  for (auto& [key, list] : idle_) {
    for (Idle& idle : list) Release(idle);
  }
  idle_.clear();
}

std::optional<net::Socket> UpstreamPool::Take(const std::string& key, uint32_t events,
                                              net::EventLoop::FdCallback cb) {
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return std::nullopt;
  Idle idle = std::move(it->second.back());
  it->second.pop_back();
  if (it->second.empty()) idle_.erase(it);
  loop_->Cancel(idle.timer);
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
  if (!loop_->Watch(fd, net::EventLoop::kReadable, [this, key, fd](uint32_t) { Drop(key, fd); })
           .ok()) {
    loop_->Unwatch(fd);
    return;
  }
  Idle idle;
  idle.sock = std::move(sock);
  idle.timer = loop_->RunAfter(idle_timeout_, [this, key, fd] { Drop(key, fd); });
  list.push_back(std::move(idle));
}

size_t UpstreamPool::size() const {
  size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

void UpstreamPool::Drop(const std::string& key, int fd) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return;
  std::deque<Idle>& list = it->second;
  for (auto i = list.begin(); i != list.end(); ++i) {
    if (i->sock.fd() != fd) continue;
    Release(*i);
    list.erase(i);
    break;
  }
  if (list.empty()) idle_.erase(it);
}

}  // namespace proxy
