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
//
// New connections are capped per origin (`max_new`): a new connection counts from its connect
// until it has been proven, its first response bytes read (EndNew), because until then the
// origin may not even have accepted it. A burst of requests on a cold pool — a thousand clients
// arriving at once — would otherwise open a thousand connections in a millisecond, overflow the
// origin's listen backlog (nginx's is 511), and the dropped SYNs would come back only after 1 s,
// 3 s, ... Past the cap a request waits (Wait) for the next connection parked by Put or the next
// free slot, in arrival order:
//
//   if (auto s = pool.Take(key, ev, cb)) { /* reuse */ }
//   else if (pool.StartNew(key)) { /* connect; pool.EndNew(key) once proven or gone */ }
//   else pool.Wait(key, this);  // later: OnUpstreamReady(sock or nullopt), or CancelWait(this)
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
  // Waiter is told when its turn comes. Called from the loop, never from inside Put, EndNew or
  // Wait (no re-entry into the caller).
  class Waiter {
   public:
    // OnUpstreamReady hands over an idle connection (still watched by this loop for kReadable
    // with the pool's callback: Watch it again to swap the callback, no syscall), or nullopt: a
    // new-connection slot is the waiter's (EndNew when done with it).
    virtual void OnUpstreamReady(std::optional<net::Socket> sock) = 0;

   protected:
    ~Waiter() = default;
  };

  // max_new: new connections per origin not yet proven at any time (0: no cap).
  UpstreamPool(net::EventLoop* loop, size_t per_origin, absl::Duration idle_timeout,
               size_t max_new = 0)
      : loop_(loop), per_origin_(per_origin), idle_timeout_(idle_timeout), max_new_(max_new),
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
  // StartNew takes a new-connection slot for `key` if one is free (always, without a cap) and
  // returns whether it did. Only when no one waits: the queue is served first.
  bool StartNew(const std::string& key);
  // EndNew gives the slot back: the new connection answered, failed or was abandoned.
  void EndNew(const std::string& key);
  // Wait queues `w` for the next idle connection or free slot of `key`. `w` stays valid until
  // it is called or CancelWait(w) returns.
  void Wait(const std::string& key, Waiter* w);
  void CancelWait(Waiter* w);

  // size returns the number of idle connections.
  size_t size() const;
  // Clear closes every idle connection.
  void Clear();

 private:
  struct Idle {
    net::Socket sock;
    absl::Time since;  // parked at
  };
  struct Origin {
    std::deque<Idle> idle;  // oldest first
    size_t unproven = 0;    // new connections holding a slot
    std::deque<Waiter*> waiters;
  };
  // Drop closes the idle connection `fd` (the origin closed it or spoke unasked).
  void Drop(int fd);
  // Sweep closes the connections idle for idle_timeout and re-arms for the next one.
  void Sweep();
  void Release(Idle& idle);
  // ServeWaiters (from a zero-delay timer) hands idle connections and free slots to waiters.
  void ServeWaiters();
  void ScheduleServe();

  net::EventLoop* loop_;
  size_t per_origin_;
  absl::Duration idle_timeout_;
  size_t max_new_;
  // Emptied entries stay until a sweep (no map churn per request).
  absl::flat_hash_map<std::string, Origin> origins_;
  size_t waiting_ = 0;  // waiters over all origins
  net::EventLoop::TimerId serve_timer_ = 0;
  net::LazyTimer sweep_;
};

}  // namespace proxy

#endif  // PROXY_UPSTREAM_POOL_H_
