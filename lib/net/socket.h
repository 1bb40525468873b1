// socket.h: an owned file descriptor for a socket, and the calls that make one.
//
//   ASSIGN_OR_RETURN(net::Socket s, net::ConnectTcp(addrs, absl::Now() + absl::Seconds(5)));
//   RETURN_IF_ERROR(s.WriteAll("GET / HTTP/1.0\r\n\r\n"));
//   char buf[4096];
//   ASSIGN_OR_RETURN(size_t n, s.Read(absl::MakeSpan(buf)));   // 0 = end of stream
//
// Every error is a Status naming the call, the errno text and the address, e.g.
// "connect 127.0.0.1:9: Connection refused" (code Unavailable).
#ifndef LIB_NET_SOCKET_H_
#define LIB_NET_SOCKET_H_

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/net/address.h"

namespace net {

// kWouldBlock is what Read/Write/SendTo/RecvFrom return on a non-blocking socket that is
// not ready (EAGAIN), instead of an error.
inline constexpr size_t kWouldBlock = static_cast<size_t>(-1);

// ErrnoStatus makes a Status from `err` with message "<what>: <strerror>".
absl::Status ErrnoStatus(int err, absl::string_view what);

// Fd owns one file descriptor and closes it when destroyed.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void Close();

 private:
  int fd_ = -1;
};

// SetNonBlocking sets or clears O_NONBLOCK on any fd.
absl::Status SetNonBlocking(int fd, bool on);

// ReadFd reads once into `buf`, retrying EINTR. Returns bytes read, 0 at end of stream, or
// kWouldBlock on EAGAIN.
absl::StatusOr<size_t> ReadFd(int fd, absl::Span<char> buf);
// WriteFd writes once, retrying EINTR. Returns bytes written or kWouldBlock.
absl::StatusOr<size_t> WriteFd(int fd, absl::string_view data);
// WriteVFd writes `first` then `second` with one writev(2), retrying EINTR. Returns bytes
// written (counted across both) or kWouldBlock.
absl::StatusOr<size_t> WriteVFd(int fd, absl::string_view first, absl::string_view second);
// WriteAllFd writes everything, looping over partial writes; on a non-blocking fd it waits
// for POLLOUT in between.
absl::Status WriteAllFd(int fd, absl::string_view data);

class Socket {
 public:
  Socket() = default;
  explicit Socket(Fd fd) : fd_(std::move(fd)) {}

  // Create makes a close-on-exec socket.
  static absl::StatusOr<Socket> Create(int family, int type, int protocol = 0);

  int fd() const { return fd_.get(); }
  bool valid() const { return fd_.valid(); }
  int release() { return fd_.release(); }
  void Close() { fd_.Close(); }

  absl::Status SetNonBlocking(bool on) { return net::SetNonBlocking(fd(), on); }
  absl::Status SetReuseAddr(bool on);
  absl::Status SetReusePort(bool on);
  absl::Status SetNoDelay(bool on);

  absl::Status Bind(const Address& addr);
  absl::Status Listen(int backlog);
  // Accept returns the new connection (close-on-exec; blocking unless `nonblocking`) and its
  // peer, or std::nullopt when a non-blocking listener has nothing pending.
  absl::StatusOr<std::optional<std::pair<Socket, Address>>> Accept(bool nonblocking = false);

  absl::StatusOr<size_t> Read(absl::Span<char> buf) { return ReadFd(fd(), buf); }
  absl::StatusOr<size_t> Write(absl::string_view data) { return WriteFd(fd(), data); }
  absl::StatusOr<size_t> WriteV(absl::string_view first, absl::string_view second) {
    return WriteVFd(fd(), first, second);
  }
  absl::Status WriteAll(absl::string_view data) { return WriteAllFd(fd(), data); }

  // SendTo sends one datagram (to the connected peer when `to` is null).
  absl::StatusOr<size_t> SendTo(absl::string_view data, const Address* to);
  // RecvFrom receives one datagram into `buf`, and its sender into `*from` when given.
  absl::StatusOr<size_t> RecvFrom(absl::Span<char> buf, Address* from);

  // ShutdownWrite half-closes: the peer reads end of stream, we can still read.
  absl::Status ShutdownWrite();

  absl::StatusOr<Address> LocalAddress() const;
  absl::StatusOr<Address> PeerAddress() const;

 private:
  Fd fd_;
};

struct ConnectOptions {
  // Source address to bind before connecting (nc -s / -p), if any.
  std::optional<Address> source;
  // Socket type: SOCK_STREAM or SOCK_DGRAM ("connecting" a UDP socket fixes its peer).
  int type = SOCK_STREAM;
};

// Connect connects to `addr`, waiting at most until `deadline` (non-blocking connect + poll).
// The returned socket is blocking. DeadlineExceeded on timeout, Unavailable when refused or
// unreachable.
absl::StatusOr<Socket> Connect(const Address& addr, absl::Time deadline,
                               const ConnectOptions& options = {});

// StartConnect makes a non-blocking socket for `addr` (bound to options.source first, when
// set) and starts connecting it. The connection may still be on its way when it returns: wait
// until the socket is writable (an EventLoop's kWritable, or poll), then call FinishConnect.
// Errors of the socket calls, and a connect refused at once, as Connect reports them.
absl::StatusOr<Socket> StartConnect(const Address& addr, const ConnectOptions& options = {});

// FinishConnect returns how the connect that StartConnect began on `s` (to `addr`, named in
// the error) ended: OK once connected, else the error as Connect reports it ("connect
// 127.0.0.1:9: Connection refused"). Call it once `s` is writable.
absl::Status FinishConnect(const Socket& s, const Address& addr);

// ConnectAny tries each address in turn, each until `deadline`, and returns the first that
// connects, or the last error.
absl::StatusOr<Socket> ConnectAny(absl::Span<const Address> addrs, absl::Time deadline,
                                  const ConnectOptions& options = {});

struct ListenOptions {
  int backlog = 511;
  bool reuse_port = false;
  int type = SOCK_STREAM;  // SOCK_DGRAM binds a UDP socket and does not listen.
};

// Listen binds to `addr` (port 0 picks a free one; read it back with LocalAddress) with
// SO_REUSEADDR, and listens.
absl::StatusOr<Socket> Listen(const Address& addr, const ListenOptions& options = {});

}  // namespace net

#endif  // LIB_NET_SOCKET_H_
