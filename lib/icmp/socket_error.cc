#include "lib/icmp/socket_error.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "lib/net/socket.h"

namespace icmp {

absl::Status EnableErrorQueue(int fd, int family) {
  int on = 1;
  int rc = family == AF_INET6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on))
                              : setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
  if (rc < 0) return net::ErrnoStatus(errno, "setsockopt(RECVERR)");
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SocketError>> ReadSocketError(int fd) {
  char data[2048];
  alignas(cmsghdr) char control[512];
  sockaddr_storage from;
  iovec iov = {data, sizeof(data)};
  msghdr msg = {};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof(from);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
    return net::ErrnoStatus(errno, "recvmsg(MSG_ERRQUEUE)");
  }
  SocketError out;
  out.received_at = absl::Now();
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
      timespec ts;
      std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      out.received_at = absl::TimeFromTimespec(ts);
      continue;
    }
    const bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
    const bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if (!v4 && !v6) continue;
    sock_extended_err ee;
    std::memcpy(&ee, CMSG_DATA(c), sizeof(ee));
    out.type = ee.ee_type;
    out.code = ee.ee_code;
    const bool from_icmp =
        ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6;
    if (from_icmp) {
      if (v6) {
        out.kind = ee.ee_type == kTimeExceededV6     ? Received::kTimeExceeded
                   : ee.ee_type == kDestUnreachableV6 ? Received::kDestUnreachable
                                                      : Received::kOther;
      } else {
        out.kind = ee.ee_type == kTimeExceededV4     ? Received::kTimeExceeded
                   : ee.ee_type == kDestUnreachableV4 ? Received::kDestUnreachable
                                                      : Received::kOther;
      }
    }
    // The offender's address follows the extended error in the same control message.
    const sockaddr* offender = SO_EE_OFFENDER(reinterpret_cast<sock_extended_err*>(CMSG_DATA(c)));
    socklen_t len = offender->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    absl::StatusOr<net::Address> a = net::Address::FromSockaddr(offender, len);
    if (a.ok()) out.offender = *a;
  }
  return std::optional<SocketError>(out);
}

}  // namespace icmp
