// upstream_pool.h: idle keep-alive connections to origins, per worker (single-threaded).
//
//   proxy::UpstreamPool pool(loop, /*per_origin=*/16, absl::Seconds(30));
//   if (std::optional<net::Socket> s = pool.Take("127.0.0.1:8081", net::EventLoop::kReadable, cb)) {
//     /* reuse: already watched with cb */
//   }
//   ... after a complete, reusable response (still watched or not):
//   pool.Put("127.0.0.1:8081", std::move(sock));
//
// A connection stays registered with the loop across Put and Take (its callback is swapped
// with one epoll_ctl MOD), so reuse costs no epoll DEL/ADD pair per request.
//
// An idle connection is dropped when the origin closes it (or sends anything unasked), after
// `idle_timeout` (one sweep timer for the whole pool, so parking a connection sets no timer),
// or when a newer one pushes it out of its origin's `per_origin` slots.
#ifndef PROXY_UPSTREAM_POOL_H_
#define PROXY_UPSTREAM_POOL_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "lib/net/event_loop.h"
#include "lib/net/lazy_timer.h"
#include "lib/net/socket.h"

namespace proxy {

class UpstreamPool {
 public:
  UpstreamPool(net::EventLoop* loop, size_t per_origin, absl::Duration idle_timeout)
      : loop_(loop), per_origin_(per_origin), idle_timeout_(idle_timeout),
        sweep_(loop, [this] { Sweep(); }) {}
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // Take returns the most recently used idle connection to `key` ("host:port"), now watched
  // for `events` with `cb`, or nullopt. The caller owns it and must Unwatch it before closing
  // it (or hand it back with Put).
  std::optional<net::Socket> Take(const std::string& key, uint32_t events,
                                  net::EventLoop::FdCallback cb);
  // Put parks `sock` (connected, non-blocking; watched by this loop or not) as idle for `key`.
  // What it does not keep it unwatches and closes.
  void Put(const std::string& key, net::Socket sock);
  // size returns the number of idle connections.
  size_t size() const;
  // Clear closes every idle connection.
  void Clear();

 private:
  struct Idle {
    net::Socket sock;
    absl::Time since;  // parked at
  };
  // Drop closes the idle connection `fd` (the origin closed it or spoke unasked).
  void Drop(int fd);
  // Sweep closes the connections idle for idle_timeout and re-arms for the next one.
  void Sweep();
  void Release(Idle& idle);

  net::EventLoop* loop_;
  size_t per_origin_;
  absl::Duration idle_timeout_;
  // Per origin, oldest first. Emptied lists stay until a sweep (no map churn per request).
  absl::flat_hash_map<std::string, std::deque<Idle>> idle_;
  net::LazyTimer sweep_;
};

}  // namespace proxy

#endif  // PROXY_UPSTREAM_POOL_H_
