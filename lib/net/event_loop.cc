#include "lib/net/event_loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace net {

namespace {

uint32_t ToEpoll(uint32_t events) {
  uint32_t e = 0;
  if (events & EventLoop::kReadable) e |= EPOLLIN | EPOLLRDHUP;
  if (events & EventLoop::kWritable) e |= EPOLLOUT;
  return e;
}

uint32_t FromEpoll(uint32_t e) {
  uint32_t events = 0;
  if (e & (EPOLLIN | EPOLLRDHUP)) events |= EventLoop::kReadable;
  if (e & EPOLLOUT) events |= EventLoop::kWritable;
  if (e & (EPOLLHUP | EPOLLRDHUP)) events |= EventLoop::kHangup;
  if (e & EPOLLERR) events |= EventLoop::kError;
  // A hang-up or error makes reads and writes return at once: report both so the owner
  // notices whatever it waits for.
  if (e & (EPOLLHUP | EPOLLERR)) events |= EventLoop::kReadable | EventLoop::kWritable;
  return events;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create() {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return ErrnoStatus(errno, "epoll_create1");
  Fd epoll(ep);
  int ev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (ev < 0) return ErrnoStatus(errno, "eventfd");
  Fd wake(ev);
  epoll_event e = {};
  e.events = EPOLLIN;
  e.data.fd = ev;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) < 0) return ErrnoStatus(errno, "epoll_ctl(eventfd)");
  return std::unique_ptr<EventLoop>(new EventLoop(std::move(epoll), std::move(wake)));
}

EventLoop::EventLoop(Fd epoll, Fd wake)
    : epoll_(std::move(epoll)), wake_(std::move(wake)), now_(absl::Now()) {}

EventLoop::~EventLoop() = default;

absl::Status EventLoop::Watch(int fd, uint32_t events, FdCallback cb) {
  auto it = watchers_.find(fd);
  if (it != watchers_.end() && it->second.events == events) {
    // Same interest: only the callback changes (an fd handed between owners costs no syscall).
    it->second.cb = std::make_shared<FdCallback>(std::move(cb));
    return absl::OkStatus();
  }
  epoll_event e = {};
  e.events = ToEpoll(events);
  e.data.fd = fd;
  int op = it == watchers_.end() ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  if (epoll_ctl(epoll_.get(), op, fd, &e) < 0) {
    if (errno == EPERM) {
      return absl::FailedPreconditionError(
          absl::StrCat("epoll_ctl fd ", fd, ": fd does not support polling (regular file?)"));
    }
    return ErrnoStatus(errno, absl::StrCat("epoll_ctl fd ", fd));
  }
  watchers_[fd] = Watcher{events, std::make_shared<FdCallback>(std::move(cb))};
  return absl::OkStatus();
}

absl::Status EventLoop::SetEvents(int fd, uint32_t events) {
  auto it = watchers_.find(fd);
  if (it == watchers_.end()) {
    return absl::NotFoundError(absl::StrCat("event loop: fd ", fd, " is not watched"));
  }
  if (it->second.events == events) return absl::OkStatus();
  epoll_event e = {};
  e.events = ToEpoll(events);
  e.data.fd = fd;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &e) < 0) {
    return ErrnoStatus(errno, absl::StrCat("epoll_ctl(MOD) fd ", fd));
  }
  it->second.events = events;
  return absl::OkStatus();
}

void EventLoop::Unwatch(int fd) {
  auto it = watchers_.find(fd);
  if (it == watchers_.end()) return;
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  watchers_.erase(it);
}

EventLoop::TimerId EventLoop::RunAfter(absl::Duration delay, std::function<void()> cb) {
  TimerId id = next_timer_++;
  absl::Time due = absl::Now() + delay;
  timers_.emplace(std::make_pair(due, id), std::move(cb));
  timer_due_[id] = due;
  return id;
}

void EventLoop::Cancel(TimerId id) {
  auto it = timer_due_.find(id);
  if (it == timer_due_.end()) return;
  timers_.erase(std::make_pair(it->second, id));
  timer_due_.erase(it);
}

void EventLoop::Post(std::function<void()> cb) {
  {
    absl::MutexLock lock(&mu_);
    posted_.push_back(std::move(cb));
  }
  uint64_t one = 1;
  // A full counter (EAGAIN) already means "wake up".
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof(one));
}

void EventLoop::Stop() {
  stop_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof(one));
}

void EventLoop::RunPosted() {
  std::vector<std::function<void()>> run;
  {
    absl::MutexLock lock(&mu_);
    run.swap(posted_);
  }
  for (auto& cb : run) cb();
}

void EventLoop::RunDueTimers() {
  now_ = absl::Now();
  while (!timers_.empty() && timers_.begin()->first.first <= now_) {
    auto node = timers_.extract(timers_.begin());
    timer_due_.erase(node.key().second);
    node.mapped()();
  }
}

absl::Status EventLoop::RunOnce(absl::Duration max_wait) {
  now_ = absl::Now();
  absl::Duration wait = max_wait;
  {
    absl::MutexLock lock(&mu_);
    if (!posted_.empty()) wait = absl::ZeroDuration();
  }
  if (!timers_.empty()) wait = std::min(wait, timers_.begin()->first.first - now_);
  if (wait < absl::ZeroDuration()) wait = absl::ZeroDuration();
  int timeout_ms = wait == absl::InfiniteDuration()
                       ? -1
                       : static_cast<int>(std::min<int64_t>(
                             absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1))),
                             1 << 30));
  // One round takes up to 1024 ready fds. With 128, a proxy with 1000 busy clients (and as
  // many upstream connections) spread its service more unevenly: wrk's p99 at 1000
  // connections was 71-82 ms against 57-61 ms with 1024, at the same req/s.
  constexpr int kMaxEvents = 1024;
  epoll_event events[kMaxEvents];
  int n = epoll_wait(epoll_.get(), events, kMaxEvents, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return absl::OkStatus();
    return ErrnoStatus(errno, "epoll_wait");
  }
  now_ = absl::Now();
  for (int i = 0; i < n; ++i) {
    int fd = events[i].data.fd;
    if (fd == wake_.get()) {
      uint64_t v;
      [[maybe_unused]] ssize_t r = ::read(wake_.get(), &v, sizeof(v));
      continue;
    }
    auto it = watchers_.find(fd);
    if (it == watchers_.end()) continue;  // unwatched earlier in this round
    // Hold the callback alive even if it unwatches itself.
    std::shared_ptr<FdCallback> cb = it->second.cb;
    uint32_t ready = FromEpoll(events[i].events);
    uint32_t wanted = it->second.events | kHangup | kError;
    if (ready & wanted) (*cb)(ready & (wanted | kReadable | kWritable));
  }
  RunPosted();
  RunDueTimers();
  return absl::OkStatus();
}

void EventLoop::Run() {
  while (!stop_.load()) {
    absl::Status s = RunOnce(absl::InfiniteDuration());
    if (!s.ok()) break;
  }
  stop_.store(false);
}

}  // namespace net
