#include "lib/icmp/ping_socket.h"

#include <errno.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"

namespace icmp {

absl::StatusOr<PingSocket> PingSocket::Open(int family) {
  const int proto = family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  bool raw = false;
  absl::StatusOr<net::Socket> s = net::Socket::Create(family, SOCK_DGRAM, proto);
  if (!s.ok()) {
    absl::StatusOr<net::Socket> r = net::Socket::Create(family, SOCK_RAW, proto);
    if (!r.ok()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "icmp: no ping socket (", s.status().message(), ") and no raw socket (",
          r.status().message(), "): need net.ipv4.ping_group_range or CAP_NET_RAW"));
    }
    s = std::move(r);
    raw = true;
  }
  // Ask for the TTL / hop limit of what we receive (raw IPv4 reads it from the IP header).
  int on = 1;
  if (family == AF_INET6) {
    setsockopt(s->fd(), IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on));
  } else if (!raw) {
    setsockopt(s->fd(), IPPROTO_IP, IP_RECVTTL, &on, sizeof(on));
  }
  // Kernel receive timestamps make round-trip times independent of our own scheduling.
  setsockopt(s->fd(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
  if (raw) {
    // A raw socket sees every ICMP message on the host, our own echo requests included on
    // loopback: let through only what can answer us.
    if (family == AF_INET6) {
      icmp6_filter f;
      ICMP6_FILTER_SETBLOCKALL(&f);
      ICMP6_FILTER_SETPASS(kEchoReplyV6, &f);
      ICMP6_FILTER_SETPASS(kDestUnreachableV6, &f);
      ICMP6_FILTER_SETPASS(kTimeExceededV6, &f);
      setsockopt(s->fd(), IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
    } else {
      icmp_filter f;
      f.data = ~((1u << kEchoReplyV4) | (1u << kDestUnreachableV4) | (1u << kTimeExceededV4));
      setsockopt(s->fd(), SOL_RAW, ICMP_FILTER, &f, sizeof(f));
    }
  }
  if (absl::Status st = s->SetNonBlocking(true); !st.ok()) return st;
  uint16_t id;
  if (raw) {
    std::random_device rd;
    id = static_cast<uint16_t>(rd());
  } else {
    // The kernel puts the socket's "port" in the id field; bind picks one.
    if (absl::Status st = s->Bind(net::Address::Any(family, 0)); !st.ok()) return st;
    absl::StatusOr<net::Address> local = s->LocalAddress();
    if (!local.ok()) return local.status();
    id = local->port();
  }
  return PingSocket(*std::move(s), family, raw, id);
}

absl::Status PingSocket::SetTtl(int ttl) {
  int rc = family_ == AF_INET6
               ? setsockopt(fd(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl))
               : setsockopt(fd(), IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
  if (rc < 0) return net::ErrnoStatus(errno, "setsockopt(ttl)");
  return absl::OkStatus();
}

absl::Status PingSocket::Send(const net::Address& to, uint16_t seq,
                              absl::Span<const uint8_t> payload) {
  Echo e;
  e.id = id_;
  e.seq = seq;
  e.payload.assign(payload.begin(), payload.end());
  std::vector<uint8_t> pkt = BuildEcho(family_, e);
  absl::StatusOr<size_t> n = socket_.SendTo(
      absl::string_view(reinterpret_cast<const char*>(pkt.data()), pkt.size()), &to);
  if (!n.ok()) return n.status();
  if (*n == net::kWouldBlock) return absl::UnavailableError("icmp: send buffer full");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Reply>> PingSocket::Receive() {
  uint8_t buf[65536];
  sockaddr_storage from;
  alignas(cmsghdr) char control[256];
  iovec iov = {buf, sizeof(buf)};
  msghdr msg = {};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof(from);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(fd(), &msg, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
    return net::ErrnoStatus(errno, "recvmsg");
  }
  Reply reply;
  reply.received_at = absl::Now();
  absl::StatusOr<net::Address> a =
      net::Address::FromSockaddr(reinterpret_cast<sockaddr*>(&from), msg.msg_namelen);
  if (a.ok()) reply.from = *a;
  absl::StatusOr<Received> parsed =
      ParseReceived(family_, raw_ && family_ == AF_INET,
                    absl::Span<const uint8_t>(buf, static_cast<size_t>(n)));
  if (!parsed.ok()) return parsed.status();
  reply.message = *std::move(parsed);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
      timespec ts;
      std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      reply.received_at = absl::TimeFromTimespec(ts);
      continue;
    }
    if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
        (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
      int v;
      std::memcpy(&v, CMSG_DATA(c), sizeof(v));
      reply.message.ttl = static_cast<uint8_t>(v);
    }
  }
  // A ping socket reports the kernel-assigned id; a raw one delivers everyone's messages.
  return std::optional<Reply>(std::move(reply));
}

}  // namespace icmp
