// socket_error.h: reads ICMP errors that the kernel queued on a UDP (or ping) socket with
// IP_RECVERR / IPV6_RECVERR — how an unprivileged program learns that its datagram hit a
// TTL limit or an unreachable port, and from which router.
//
//   RETURN_IF_ERROR(icmp::EnableErrorQueue(udp.fd(), AF_INET));
//   ... send with a small TTL; poll() reports POLLERR ...
//   ASSIGN_OR_RETURN(std::optional<icmp::SocketError> e, icmp::ReadSocketError(udp.fd()));
//   if (e && e->kind == icmp::Received::kTimeExceeded) print(e->offender);
#ifndef LIB_ICMP_SOCKET_ERROR_H_
#define LIB_ICMP_SOCKET_ERROR_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/icmp/echo.h"
#include "lib/net/address.h"

namespace icmp {

struct SocketError {
  Received::Kind kind = Received::kOther;  // kTimeExceeded, kDestUnreachable or kOther
  uint8_t type = 0;
  uint8_t code = 0;
  net::Address offender;  // the router or host that sent the ICMP error
  absl::Time received_at;
};

// EnableErrorQueue turns on IP_RECVERR (or IPV6_RECVERR) and receive timestamps on `fd`.
absl::Status EnableErrorQueue(int fd, int family);

// ReadSocketError takes one entry from `fd`'s error queue (std::nullopt when it is empty).
// Errors that did not come from an ICMP message (local errors) are returned as kOther.
absl::StatusOr<std::optional<SocketError>> ReadSocketError(int fd);

}  // namespace icmp

#endif  // LIB_ICMP_SOCKET_ERROR_H_
