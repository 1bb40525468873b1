// lazy_timer.h: a deadline on an EventLoop that is cheap to move, for timeouts pushed back on
// every request or read (idle, header and upstream timeouts).
//
// Moving the deadline later costs nothing: the armed loop timer fires early, sees the later
// deadline and re-arms for the rest. Only moving it earlier than the armed time re-arms at
// once. A keep-alive connection thus touches the loop's timer queue about once per timeout
// period, not on every request.
//
//   net::LazyTimer idle(loop, [&] { CloseIdle(); });
//   idle.Set(loop->Now() + absl::Seconds(60));   // on every request: no timer operation
//   idle.Clear();                               // fn will not run (until Set again)
#ifndef LIB_NET_LAZY_TIMER_H_
#define LIB_NET_LAZY_TIMER_H_

#include <functional>

#include "absl/time/time.h"
#include "lib/net/event_loop.h"

namespace net {

class LazyTimer {
 public:
  // `fn` runs on the loop's thread once the deadline passes (then the timer is clear).
  LazyTimer(EventLoop* loop, std::function<void()> fn) : loop_(loop), fn_(std::move(fn)) {}
  ~LazyTimer() { loop_->Cancel(id_); }
  LazyTimer(const LazyTimer&) = delete;
  LazyTimer& operator=(const LazyTimer&) = delete;

  // Set makes `deadline` the time fn runs (replacing any earlier or later one).
  void Set(absl::Time deadline);
  // SetAfter sets the deadline `delay` after the loop's clock.
  void SetAfter(absl::Duration delay) { Set(loop_->Now() + delay); }
  // Clear cancels the deadline.
  void Clear() { deadline_ = absl::InfiniteFuture(); }
  bool armed() const { return deadline_ != absl::InfiniteFuture(); }

 private:
  void Fire();

  EventLoop* loop_;
  std::function<void()> fn_;
  absl::Time deadline_ = absl::InfiniteFuture();
  absl::Time fires_at_ = absl::InfiniteFuture();  // when the loop timer id_ runs
  EventLoop::TimerId id_ = 0;
};

}  // namespace net

#endif  // LIB_NET_LAZY_TIMER_H_
