#include "lib/net/lazy_timer.h"

#include <algorithm>

namespace net {

void LazyTimer::Set(absl::Time deadline) {
  deadline_ = deadline;
  if (deadline >= fires_at_) return;  // the armed timer fires first and re-arms
  loop_->Cancel(id_);
  fires_at_ = deadline;
  id_ = loop_->RunAfter(std::max(absl::ZeroDuration(), deadline - loop_->Now()), [this] { Fire(); });
}

void LazyTimer::Fire() {
  id_ = 0;
  fires_at_ = absl::InfiniteFuture();
  if (deadline_ == absl::InfiniteFuture()) return;
  absl::Time now = loop_->Now();
  if (now < deadline_) {
    Set(deadline_);
    return;
  }
  deadline_ = absl::InfiniteFuture();
  fn_();  // may Set again, or destroy this timer's owner: nothing of this runs after
}

}  // namespace net
