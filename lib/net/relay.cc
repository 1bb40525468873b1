#include "lib/net/relay.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include <utility>

namespace net {

namespace {

bool IsSocket(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

// Kind: what an fd is, as far as choosing how to move bytes goes.
enum class Kind { kOther, kPipe, kStreamSocket, kFile, kDevNull };

Kind KindOf(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Kind::kOther;
  if (S_ISFIFO(st.st_mode)) return Kind::kPipe;
  if (S_ISREG(st.st_mode)) {
    // splice(2) and sendfile(2) refuse to write to an O_APPEND file.
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && (flags & O_APPEND) == 0 ? Kind::kFile : Kind::kOther;
  }
  if (S_ISCHR(st.st_mode)) {
    return major(st.st_rdev) == 1 && minor(st.st_rdev) == 3 ? Kind::kDevNull : Kind::kOther;
  }
  if (S_ISSOCK(st.st_mode)) {
    int type = 0;
    socklen_t len = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM) {
      return Kind::kStreamSocket;
    }
  }
  return Kind::kOther;
}

// GrowPipe asks for a pipe of at least `size` bytes (the kernel caps it at pipe-max-size and
// may refuse) and returns the capacity it has.
size_t GrowPipe(int fd, size_t size) {
  int cap = fcntl(fd, F_SETPIPE_SZ, static_cast<int>(size));
  if (cap < 0) cap = fcntl(fd, F_GETPIPE_SZ);
  return cap > 0 ? static_cast<size_t>(cap) : 65536;
}

// DstBlocked tells, after a splice(2) to `dst` would have blocked, whether dst was the side
// that could not go on (else the source had nothing to give).
bool DstBlocked(int dst) {
  struct pollfd p = {dst, POLLOUT, 0};
  return poll(&p, 1, 0) == 0;
}

}  // namespace

Relay::Relay(EventLoop* loop, std::vector<Stream> streams, size_t buffer_size)
    : loop_(loop),
      streams_(std::move(streams)),
      state_(streams_.size()),
      buffer_size_(buffer_size),
      alive_(std::make_shared<bool>(true)) {
  // A larger pipe means fewer, larger splices and fewer wake-ups.
  const size_t pipe_size = std::max<size_t>(buffer_size_, 1 << 20);
  for (size_t i = 0; i < streams_.size(); ++i) {
    State& st = state_[i];
    const Kind src = KindOf(streams_[i].src), dst = KindOf(streams_[i].dst);
    const bool splice_from = src == Kind::kPipe || src == Kind::kStreamSocket || src == Kind::kFile;
    const bool splice_to = dst != Kind::kOther;
    int p[2];
    if (src == Kind::kFile && dst == Kind::kStreamSocket) {
      st.mode = Mode::kSendfile;
      st.chunk = pipe_size;
    } else if (src == Kind::kPipe && dst == Kind::kStreamSocket) {
      // A pipe holds one page per buffer, however its writer wrote. Handed to TCP as they are
      // they make many small fragments, which cost both ends more than one copy into the
      // socket's own larger fragments (measured: bench/nc_throughput.sh, pipe source).
      st.buf = std::make_unique<char[]>(buffer_size_);
    } else if (splice_from && splice_to && (src == Kind::kPipe || dst == Kind::kPipe)) {
      st.mode = Mode::kSpliceDirect;
      st.chunk = pipe_size;
      if (src == Kind::kPipe) st.chunk = GrowPipe(streams_[i].src, pipe_size);
      if (dst == Kind::kPipe) st.chunk = GrowPipe(streams_[i].dst, pipe_size);
    } else if (splice_from && splice_to && pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
      st.mode = Mode::kSplicePipe;
      st.pipe_r = Fd(p[0]);
      st.pipe_w = Fd(p[1]);
      st.chunk = GrowPipe(p[1], pipe_size);
    } else {
      st.buf = std::make_unique<char[]>(buffer_size_);
    }
  }
}

Relay::~Relay() {
  *alive_ = false;
  for (const auto& [fd, interest] : watched_) loop_->Unwatch(fd);
}

absl::Status Relay::Start() {
  absl::flat_hash_set<int> fds;
  for (const Stream& s : streams_) {
    fds.insert(s.src);
    fds.insert(s.dst);
  }
  for (int fd : fds) {
    // Non-blocking so a pollable fd never stalls the loop; an fd epoll refuses (a regular
    // file) is always ready and read or written directly.
    absl::Status st = loop_->Watch(fd, 0, [this, fd](uint32_t ev) { OnReady(fd, ev); });
    if (absl::IsFailedPrecondition(st)) {
      unpollable_.insert(fd);
      continue;
    }
    if (!st.ok()) return st;
    watched_[fd] = 0;
    if (absl::Status nb = SetNonBlocking(fd, true); !nb.ok()) return nb;
  }
  std::weak_ptr<bool> alive = alive_;
  for (size_t i = 0; i < streams_.size(); ++i) {
    Step(i);
    if (alive.expired()) return absl::OkStatus();
  }
  UpdateInterest();
  return absl::OkStatus();
}

bool Relay::all_done() const {
  for (const State& s : state_) {
    if (!s.done) return false;
  }
  return true;
}

void Relay::StopStream(size_t i) {
  state_[i].done = true;
  UpdateInterest();
}

void Relay::OnReady(int fd, uint32_t events) {
  std::weak_ptr<bool> alive = alive_;
  for (size_t i = 0; i < streams_.size(); ++i) {
    if (state_[i].done) continue;
    if (streams_[i].src == fd || streams_[i].dst == fd) Step(i);
    if (alive.expired()) return;  // a done-callback destroyed the relay
  }
  UpdateInterest();
}

void Relay::StepSplice(size_t i) {
  State& st = state_[i];
  const Stream& s = streams_[i];
  while (!st.done) {
    if (st.pipe_bytes > 0) {
      ssize_t n = splice(st.pipe_r.get(), nullptr, s.dst, nullptr, st.pipe_bytes,
                         SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return;  // dst is full
        return Finish(i, ErrnoStatus(errno, "splice to destination"));
      }
      st.pipe_bytes -= static_cast<size_t>(n);
      st.bytes += static_cast<size_t>(n);
      if (on_activity_) on_activity_(i, static_cast<size_t>(n));
      continue;
    }
    if (st.src_eof) return FinishAtEof(i);
    ssize_t n = splice(s.src, nullptr, st.pipe_w.get(), nullptr, st.chunk,
                       SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;  // src is empty (our pipe is empty, so it is not full)
      if (errno == EINVAL && st.bytes == 0) return CopyInstead(i);
      if (s.src_error_is_eof) {
        st.src_eof = true;
        continue;
      }
      return Finish(i, ErrnoStatus(errno, "splice from source"));
    }
    if (n == 0) {
      st.src_eof = true;
      continue;
    }
    st.pipe_bytes = static_cast<size_t>(n);
  }
}

void Relay::StepDirect(size_t i) {
  State& st = state_[i];
  const Stream& s = streams_[i];
  while (!st.done) {
    ssize_t n = st.mode == Mode::kSendfile
                    ? sendfile(s.dst, s.src, nullptr, st.chunk)
                    : splice(s.src, nullptr, s.dst, nullptr, st.chunk,
                             SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        // A file source never runs dry, so sendfile waits for the socket.
        st.wait_dst = st.mode == Mode::kSendfile || DstBlocked(s.dst);
        return;
      }
      if (errno == EINVAL && st.bytes == 0) return CopyInstead(i);
      return Finish(i, ErrnoStatus(errno, st.mode == Mode::kSendfile ? "sendfile" : "splice"));
    }
    if (n == 0) return FinishAtEof(i);
    st.bytes += static_cast<size_t>(n);
    if (on_activity_) on_activity_(i, static_cast<size_t>(n));
  }
}

void Relay::CopyInstead(size_t i) {
  State& st = state_[i];
  st.mode = Mode::kCopy;
  st.pipe_r.Close();
  st.pipe_w.Close();
  st.wait_dst = false;
  st.buf = std::make_unique<char[]>(buffer_size_);
  Step(i);
}

void Relay::Step(size_t i) {
  switch (state_[i].mode) {
    case Mode::kSplicePipe:
      return StepSplice(i);
    case Mode::kSpliceDirect:
    case Mode::kSendfile:
      return StepDirect(i);
    case Mode::kCopy:
      break;
  }
  State& st = state_[i];
  const Stream& s = streams_[i];
  while (!st.done) {
    if (st.begin < st.end) {
      absl::StatusOr<size_t> n =
          WriteFd(s.dst, absl::string_view(st.buf.get() + st.begin, st.end - st.begin));
      if (!n.ok()) return Finish(i, n.status());
      if (*n == kWouldBlock) return;
      st.begin += *n;
      st.bytes += *n;
      if (on_activity_) on_activity_(i, *n);
      if (st.begin == st.end) st.begin = st.end = 0;
      continue;
    }
    if (st.src_eof) return FinishAtEof(i);
    absl::StatusOr<size_t> n = ReadFd(s.src, absl::Span<char>(st.buf.get(), buffer_size_));
    if (!n.ok() && s.src_error_is_eof) {
      st.src_eof = true;
      continue;
    }
    if (!n.ok()) return Finish(i, n.status());
    if (*n == kWouldBlock) return;
    if (*n == 0) {
      st.src_eof = true;
      continue;
    }
    st.end = *n;
  }
}

void Relay::FinishAtEof(size_t i) {
  const Stream& s = streams_[i];
  absl::Status result = absl::OkStatus();
  if (s.shutdown_dst_on_eof && IsSocket(s.dst) && shutdown(s.dst, SHUT_WR) < 0 &&
      errno != ENOTCONN) {
    result = ErrnoStatus(errno, "shutdown");
  }
  Finish(i, result);
}

void Relay::Finish(size_t i, absl::Status status) {
  state_[i].done = true;
  state_[i].begin = state_[i].end = 0;
  state_[i].pipe_bytes = 0;
  // The callback may destroy the relay (and with it on_done_): call a copy, and callers
  // check their weak_ptr afterwards.
  if (on_done_) {
    StreamDone cb = on_done_;
    cb(i, status);
  }
}

void Relay::UpdateInterest() {
  absl::flat_hash_map<int, uint32_t> want;
  for (const auto& [fd, interest] : watched_) want[fd] = 0;
  bool unpollable_ready = false;
  for (size_t i = 0; i < streams_.size(); ++i) {
    const State& st = state_[i];
    if (st.done) continue;
    const bool direct = st.mode == Mode::kSpliceDirect || st.mode == Mode::kSendfile;
    const bool to_dst = direct ? st.wait_dst : Pending(i);
    int fd = to_dst ? streams_[i].dst : streams_[i].src;
    uint32_t ev = to_dst ? EventLoop::kWritable : EventLoop::kReadable;
    if (unpollable_.contains(fd)) {
      unpollable_ready = true;
    } else {
      want[fd] |= ev;
    }
  }
  for (auto& [fd, interest] : want) {
    if (watched_[fd] != interest) {
      if (loop_->SetEvents(fd, interest).ok()) watched_[fd] = interest;
    }
  }
  if (unpollable_ready) SchedulePoll();
}

void Relay::SchedulePoll() {
  if (poll_scheduled_) return;
  poll_scheduled_ = true;
  std::weak_ptr<bool> alive = alive_;
  loop_->Post([this, alive] {
    if (alive.expired()) return;
    poll_scheduled_ = false;
    for (size_t i = 0; i < streams_.size(); ++i) {
      if (state_[i].done) continue;
      if (unpollable_.contains(streams_[i].src) || unpollable_.contains(streams_[i].dst)) Step(i);
      if (alive.expired()) return;
    }
    UpdateInterest();
  });
}

}  // namespace net
