#include "lib/net/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"

namespace net {

absl::Status ErrnoStatus(int err, absl::string_view what) {
  return absl::ErrnoToStatus(err, what);
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = other.release();
  }
  return *this;
}

void Fd::Close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

absl::Status SetNonBlocking(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return ErrnoStatus(errno, "fcntl(F_GETFL)");
  int want = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (want != flags && fcntl(fd, F_SETFL, want) < 0) {
    return ErrnoStatus(errno, "fcntl(F_SETFL)");
  }
  return absl::OkStatus();
}

namespace {

// Transfer runs `op`, a read or write returning a count or -1 with errno, again while a signal
// interrupts it. Returns the count, kWouldBlock when a non-blocking fd has nothing to do, or
// the error, named by `what`.
absl::StatusOr<size_t> Transfer(absl::FunctionRef<ssize_t()> op,
                                absl::FunctionRef<std::string()> what) {
  while (true) {
    ssize_t n = op();
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return kWouldBlock;
    return ErrnoStatus(errno, what());
  }
}

}  // namespace

absl::StatusOr<size_t> ReadFd(int fd, absl::Span<char> buf) {
  return Transfer([&] { return ::read(fd, buf.data(), buf.size()); }, [] { return "read"; });
}

absl::StatusOr<size_t> WriteFd(int fd, absl::string_view data) {
  return Transfer([&] { return ::write(fd, data.data(), data.size()); }, [] { return "write"; });
}

absl::StatusOr<size_t> WriteVFd(int fd, absl::string_view first, absl::string_view second) {
  iovec iov[2] = {{const_cast<char*>(first.data()), first.size()},
                  {const_cast<char*>(second.data()), second.size()}};
  return Transfer([&] { return ::writev(fd, iov, 2); }, [] { return "writev"; });
}

absl::Status WriteAllFd(int fd, absl::string_view data) {
  while (!data.empty()) {
    absl::StatusOr<size_t> n = WriteFd(fd, data);
    if (!n.ok()) return n.status();
    if (*n == kWouldBlock) {
      pollfd p = {fd, POLLOUT, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return ErrnoStatus(errno, "poll");
      continue;
    }
    data.remove_prefix(*n);
  }
  return absl::OkStatus();
}

absl::StatusOr<Socket> Socket::Create(int family, int type, int protocol) {
  int fd = ::socket(family, type | SOCK_CLOEXEC, protocol);
  if (fd < 0) return ErrnoStatus(errno, "socket");
  return Socket(Fd(fd));
}

namespace {

absl::Status SetIntOption(int fd, int level, int name, int value, absl::string_view what) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) < 0) {
    return ErrnoStatus(errno, absl::StrCat("setsockopt(", what, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Socket::SetReuseAddr(bool on) {
  return SetIntOption(fd(), SOL_SOCKET, SO_REUSEADDR, on, "SO_REUSEADDR");
}
absl::Status Socket::SetReusePort(bool on) {
  return SetIntOption(fd(), SOL_SOCKET, SO_REUSEPORT, on, "SO_REUSEPORT");
}
absl::Status Socket::SetNoDelay(bool on) {
  return SetIntOption(fd(), IPPROTO_TCP, TCP_NODELAY, on, "TCP_NODELAY");
}

absl::Status Socket::Bind(const Address& addr) {
  if (::bind(fd(), addr.sockaddr(), addr.socklen()) < 0) {
    return ErrnoStatus(errno, absl::StrCat("bind ", addr.ToString()));
  }
  return absl::OkStatus();
}

absl::Status Socket::Listen(int backlog) {
  if (::listen(fd(), backlog) < 0) return ErrnoStatus(errno, "listen");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::pair<Socket, Address>>> Socket::Accept(bool nonblocking) {
  while (true) {
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = ::accept4(this->fd(), reinterpret_cast<sockaddr*>(&ss), &len,
                       SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0));
    if (fd >= 0) {
      Socket conn{Fd(fd)};
      absl::StatusOr<Address> peer = Address::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
      if (!peer.ok()) peer = Address();
      return std::make_optional(std::make_pair(std::move(conn), *std::move(peer)));
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
    return ErrnoStatus(errno, "accept");
  }
}

absl::StatusOr<size_t> Socket::SendTo(absl::string_view data, const Address* to) {
  return Transfer(
      [&] {
        return ::sendto(fd(), data.data(), data.size(), MSG_NOSIGNAL,
                        to ? to->sockaddr() : nullptr, to ? to->socklen() : 0);
      },
      [&] { return to ? absl::StrCat("sendto ", to->ToString()) : std::string("send"); });
}

absl::StatusOr<size_t> Socket::RecvFrom(absl::Span<char> buf, Address* from) {
  sockaddr_storage ss;
  socklen_t len = 0;
  absl::StatusOr<size_t> n = Transfer(
      [&] {
        len = sizeof(ss);
        return ::recvfrom(fd(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&ss),
                          &len);
      },
      [] { return "recvfrom"; });
  if (n.ok() && *n != kWouldBlock && from != nullptr) {
    absl::StatusOr<Address> a = Address::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    *from = a.ok() ? *a : Address();
  }
  return n;
}

absl::Status Socket::ShutdownWrite() {
  if (::shutdown(fd(), SHUT_WR) < 0) return ErrnoStatus(errno, "shutdown");
  return absl::OkStatus();
}

absl::StatusOr<Address> Socket::LocalAddress() const {
  sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getsockname(fd(), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    return ErrnoStatus(errno, "getsockname");
  }
  return Address::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

absl::StatusOr<Address> Socket::PeerAddress() const {
  sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getpeername(fd(), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    return ErrnoStatus(errno, "getpeername");
  }
  return Address::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

namespace {

std::string ConnectWhat(const Address& addr) { return absl::StrCat("connect ", addr.ToString()); }

}  // namespace

absl::StatusOr<Socket> StartConnect(const Address& addr, const ConnectOptions& options) {
  absl::StatusOr<Socket> s = Socket::Create(addr.family(), options.type);
  if (!s.ok()) return s.status();
  if (options.source.has_value()) {
    if (options.source->family() != AF_UNIX) {
      if (absl::Status st = s->SetReuseAddr(true); !st.ok()) return st;
    }
    if (absl::Status st = s->Bind(*options.source); !st.ok()) return st;
  }
  if (absl::Status st = s->SetNonBlocking(true); !st.ok()) return st;
  if (::connect(s->fd(), addr.sockaddr(), addr.socklen()) < 0 && errno != EINPROGRESS &&
      errno != EINTR) {
    return ErrnoStatus(errno, ConnectWhat(addr));
  }
  return s;
}

absl::Status FinishConnect(const Socket& s, const Address& addr) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
    return ErrnoStatus(errno, "getsockopt(SO_ERROR)");
  }
  if (err != 0) return ErrnoStatus(err, ConnectWhat(addr));
  return absl::OkStatus();
}

absl::StatusOr<Socket> Connect(const Address& addr, absl::Time deadline,
                               const ConnectOptions& options) {
  absl::StatusOr<Socket> s = StartConnect(addr, options);
  if (!s.ok()) return s.status();
  while (true) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat(ConnectWhat(addr), ": Connection timed out"));
    }
    pollfd p = {s->fd(), POLLOUT, 0};
    int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 1 << 30)));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "poll");
    }
    if (r > 0) break;  // writable: connected or failed
  }
  if (absl::Status st = FinishConnect(*s, addr); !st.ok()) return st;
  if (absl::Status st = s->SetNonBlocking(false); !st.ok()) return st;
  return s;
}

absl::StatusOr<Socket> ConnectAny(absl::Span<const Address> addrs, absl::Time deadline,
                                  const ConnectOptions& options) {
  absl::Status last = absl::InvalidArgumentError("connect: no addresses to try");
  for (const Address& a : addrs) {
    absl::StatusOr<Socket> s = Connect(a, deadline, options);
    if (s.ok()) return s;
    last = s.status();
    if (absl::IsDeadlineExceeded(last)) break;
  }
  return last;
}

absl::StatusOr<Socket> Listen(const Address& addr, const ListenOptions& options) {
  absl::StatusOr<Socket> s = Socket::Create(addr.family(), options.type);
  if (!s.ok()) return s.status();
  if (addr.family() != AF_UNIX) {
    if (absl::Status st = s->SetReuseAddr(true); !st.ok()) return st;
    if (options.reuse_port) {
      if (absl::Status st = s->SetReusePort(true); !st.ok()) return st;
    }
  }
  if (absl::Status st = s->Bind(addr); !st.ok()) return st;
  if (options.type == SOCK_STREAM) {
    if (absl::Status st = s->Listen(options.backlog); !st.ok()) return st;
  }
  return s;
}

}  // namespace net
