// ping_socket.h: a socket that sends ICMP/ICMPv6 echo requests and receives what answers them.
//
// Open tries the unprivileged "ping" socket first (SOCK_DGRAM + IPPROTO_ICMP, allowed where
// net.ipv4.ping_group_range includes our group), then a raw socket (root or CAP_NET_RAW).
// With a raw socket every ICMP message on the host arrives: callers match replies by id().
//
//   ASSIGN_OR_RETURN(icmp::PingSocket s, icmp::PingSocket::Open(AF_INET));
//   RETURN_IF_ERROR(s.Send(dest, seq, payload));
//   ASSIGN_OR_RETURN(std::optional<icmp::Reply> r, s.Receive());   // nullopt: nothing yet
#ifndef LIB_ICMP_PING_SOCKET_H_
#define LIB_ICMP_PING_SOCKET_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/icmp/echo.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"

namespace icmp {

struct Reply {
  Received message;
  net::Address from;
  absl::Time received_at;
};

class PingSocket {
 public:
  static absl::StatusOr<PingSocket> Open(int family);

  int fd() const { return socket_.fd(); }
  int family() const { return family_; }
  bool raw() const { return raw_; }
  // id is the echo identifier replies carry: the kernel's choice for ping sockets, ours for raw.
  uint16_t id() const { return id_; }

  // SetTtl sets the outgoing TTL / hop limit.
  absl::Status SetTtl(int ttl);

  // Send sends one echo request with `seq` and `payload` to `to`.
  absl::Status Send(const net::Address& to, uint16_t seq, absl::Span<const uint8_t> payload);

  // Receive reads one datagram without blocking (std::nullopt when none is waiting).
  // Malformed datagrams are an error the caller may ignore.
  absl::StatusOr<std::optional<Reply>> Receive();

 private:
  PingSocket(net::Socket s, int family, bool raw, uint16_t id)
      : socket_(std::move(s)), family_(family), raw_(raw), id_(id) {}

  net::Socket socket_;
  int family_;
  bool raw_;
  uint16_t id_;
};

}  // namespace icmp

#endif  // LIB_ICMP_PING_SOCKET_H_
