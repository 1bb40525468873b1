// event_loop.h: a single-threaded epoll loop with fd callbacks, timers and a thread-safe wake-up.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
//   RETURN_IF_ERROR(loop->Watch(sock.fd(), net::EventLoop::kReadable, [&](uint32_t ev) {...}));
//   loop->RunAfter(absl::Seconds(5), [&] { loop->Stop(); });
//   loop->Run();                     // returns after Stop()
//   other_thread: loop->Post([&] {...});   // runs on the loop's thread
//
// Callbacks run on the thread that calls Run(). A callback may Watch/Unwatch any fd
// (including its own), add or cancel timers, and Stop(). Readiness is level-triggered and
// may be spurious (a closed fd's number can be reused within one round): handlers treat
// kWouldBlock as "not yet".
#ifndef LIB_NET_EVENT_LOOP_H_
#define LIB_NET_EVENT_LOOP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/net/socket.h"

namespace net {

class EventLoop {
 public:
  // Event bits passed to Watch and to callbacks.
  static constexpr uint32_t kReadable = 1u << 0;
  static constexpr uint32_t kWritable = 1u << 1;
  // Only reported: the peer hung up or the fd has an error (also reported with kReadable).
  static constexpr uint32_t kHangup = 1u << 2;
  static constexpr uint32_t kError = 1u << 3;

  using FdCallback = std::function<void(uint32_t events)>;
  using TimerId = uint64_t;

  static absl::StatusOr<std::unique_ptr<EventLoop>> Create();
  ~EventLoop();

  // Watch starts (or changes) watching `fd` for `events` and calls `cb` with what is ready.
  // Level-triggered. Re-watching with the same events only swaps the callback (no syscall). The loop does not own `fd`. EPERM from epoll (regular files) is returned
  // as FailedPrecondition.
  absl::Status Watch(int fd, uint32_t events, FdCallback cb);
  // SetEvents changes the interest set of a watched fd (0 = watch nothing for now).
  absl::Status SetEvents(int fd, uint32_t events);
  // Unwatch stops watching `fd`; its callback is never called again (even in this round).
  void Unwatch(int fd);

  // RunAfter calls `cb` once on the loop thread after `delay`. Returns an id for Cancel.
  TimerId RunAfter(absl::Duration delay, std::function<void()> cb);
  // Cancel stops a timer that has not run yet; no-op otherwise.
  void Cancel(TimerId id);

  // Post runs `cb` on the loop thread soon. Thread-safe; wakes the loop.
  void Post(std::function<void()> cb) ABSL_LOCKS_EXCLUDED(mu_);

  // Run dispatches events until Stop().
  void Run();
  // RunOnce waits at most `max_wait` for events, dispatches them and due timers.
  absl::Status RunOnce(absl::Duration max_wait);
  // Stop makes Run return after the current round. Thread-safe.
  void Stop();

  // Now is the loop's clock (absl::Now() read once per round).
  absl::Time Now() const { return now_; }

 private:
  EventLoop(Fd epoll, Fd wake);
  void RunDueTimers();
  void RunPosted() ABSL_LOCKS_EXCLUDED(mu_);

  struct Watcher {
    uint32_t events;
    std::shared_ptr<FdCallback> cb;
  };

  Fd epoll_;
  Fd wake_;
  absl::flat_hash_map<int, Watcher> watchers_;
  std::map<std::pair<absl::Time, TimerId>, std::function<void()>> timers_;
  absl::flat_hash_map<TimerId, absl::Time> timer_due_;
  TimerId next_timer_ = 1;
  absl::Time now_;
  std::atomic<bool> stop_{false};

  absl::Mutex mu_;
  std::vector<std::function<void()>> posted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace net

#endif  // LIB_NET_EVENT_LOOP_H_
