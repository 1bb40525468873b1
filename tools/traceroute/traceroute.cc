#include "tools/traceroute/traceroute.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/dns/resolver.h"
#include "lib/icmp/echo.h"
#include "lib/icmp/ping_socket.h"
#include "lib/icmp/socket_error.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"

namespace traceroute {
namespace {

constexpr size_t kPayload = 32;  // 60-byte IPv4 packets, as traceroute sends by default

void Write(int fd, absl::string_view s) { (void)net::WriteAllFd(fd, s); }

// One probe's outcome.
struct Hop {
  bool answered = false;
  net::Address from;
  absl::Duration rtt;
  bool reached = false;     // the destination itself answered
  std::string annotation;   // " !H", " !N", ... for unreachable codes
};

std::string Annotation(const icmp::Received::Kind kind, uint8_t code, bool v6, bool* reached) {
  *reached = kind == icmp::Received::kDestUnreachable;
  if (kind != icmp::Received::kDestUnreachable) return "";
  if (v6) {
    switch (code) {
      case 4: return "";  // port unreachable: the destination answered
      case 0: return " !N";
      case 1: return " !X";
      case 3: return " !H";
      default: return absl::StrCat(" !<", code, ">");
    }
  }
  switch (code) {
    case 3: return "";  // port unreachable: the destination answered
    case 0: return " !N";
    case 1: return " !H";
    case 2: return " !P";
    case 4: return " !F";
    case 13: return " !X";
    default: return absl::StrCat(" !<", code, ">");
  }
}

int PollFor(int fd, short events, absl::Time deadline) {
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  pollfd p = {fd, events, 0};
  int ms = static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
  int r = poll(&p, 1, ms);
  return r > 0 ? p.revents : 0;
}

// UdpProbe sends one UDP datagram with `ttl` to dest:port and waits for the ICMP error that
// answers it, read from the socket's own error queue (no privileges needed).
Hop UdpProbe(const net::Address& dest, uint16_t port, int ttl, absl::Duration wait) {
  Hop hop;
  net::Address to = dest;
  to.set_port(port);
  net::ConnectOptions co;
  co.type = SOCK_DGRAM;
  absl::StatusOr<net::Socket> s = net::Connect(to, absl::Now() + wait, co);
  if (!s.ok()) return hop;
  const bool v6 = dest.family() == AF_INET6;
  if (!icmp::EnableErrorQueue(s->fd(), dest.family()).ok()) return hop;
  int rc = v6 ? setsockopt(s->fd(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl))
              : setsockopt(s->fd(), IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
  if (rc < 0) return hop;
  const std::string payload(kPayload, '@');
  const absl::Time sent = absl::Now();
  if (!s->SendTo(payload, nullptr).ok()) return hop;
  const absl::Time deadline = sent + wait;
  while (true) {
    int ev = PollFor(s->fd(), POLLIN | POLLERR, deadline);
    if (ev == 0) return hop;
    if (ev & POLLERR) {
      absl::StatusOr<std::optional<icmp::SocketError>> e = icmp::ReadSocketError(s->fd());
      if (!e.ok() || !e->has_value()) continue;
      const icmp::SocketError& err = **e;
      if (err.kind == icmp::Received::kOther) continue;
      hop.answered = true;
      hop.from = err.offender;
      hop.rtt = err.received_at - sent;
      hop.annotation = Annotation(err.kind, err.code, v6, &hop.reached);
      return hop;
    }
    if (ev & POLLIN) {  // a UDP answer: only the destination sends one
      char buf[2048];
      net::Address from;
      absl::StatusOr<size_t> n = s->RecvFrom(absl::MakeSpan(buf), &from);
      if (!n.ok() || *n == net::kWouldBlock) continue;
      hop.answered = hop.reached = true;
      hop.from = from;
      hop.rtt = absl::Now() - sent;
      return hop;
    }
  }
}

// IcmpProbe sends one echo request with `ttl` and `seq` and waits for the echo reply, or the
// ICMP error quoting it (a normal datagram on a raw socket, the error queue on a ping socket).
Hop IcmpProbe(icmp::PingSocket& sock, const net::Address& dest, uint16_t seq, int ttl,
              absl::Duration wait) {
  Hop hop;
  if (!sock.SetTtl(ttl).ok()) return hop;
  const bool v6 = dest.family() == AF_INET6;
  const std::vector<uint8_t> payload(kPayload - 8, 0);
  const absl::Time sent = absl::Now();
  if (!sock.Send(dest, seq, payload).ok()) return hop;
  const absl::Time deadline = sent + wait;
  while (true) {
    int ev = PollFor(sock.fd(), POLLIN | POLLERR, deadline);
    if (ev == 0) return hop;
    if (ev & POLLERR) {
      absl::StatusOr<std::optional<icmp::SocketError>> e = icmp::ReadSocketError(sock.fd());
      if (!e.ok() || !e->has_value() || (*e)->kind == icmp::Received::kOther) continue;
      hop.answered = true;
      hop.from = (*e)->offender;
      hop.rtt = (*e)->received_at - sent;
      hop.annotation = Annotation((*e)->kind, (*e)->code, v6, &hop.reached);
      return hop;
    }
    absl::StatusOr<std::optional<icmp::Reply>> r = sock.Receive();
    if (!r.ok() || !r->has_value()) continue;
    const icmp::Received& m = (*r)->message;
    if (m.id != sock.id() || m.seq != seq) continue;
    if (m.kind == icmp::Received::kEchoReply) {
      hop.reached = true;
    } else if ((m.kind == icmp::Received::kTimeExceeded ||
                m.kind == icmp::Received::kDestUnreachable) &&
               m.quoted_echo) {
      hop.annotation = Annotation(m.kind, m.code, v6, &hop.reached);
    } else {
      continue;
    }
    hop.answered = true;
    hop.from = (*r)->from;
    hop.rtt = (*r)->received_at - sent;
    return hop;
  }
}

std::string Describe(const net::Address& a, bool numeric) {
  std::string ip = a.IpString();
  if (numeric) return ip;
  char host[NI_MAXHOST];
  if (getnameinfo(a.sockaddr(), a.socklen(), host, sizeof(host), nullptr, 0, NI_NAMEREQD) == 0) {
    return absl::StrCat(host, " (", ip, ")");
  }
  return absl::StrCat(ip, " (", ip, ")");
}

}  // namespace

int Run(const Options& o, int out, int err) {
  if (o.max_hops < 1 || o.max_hops > 255 || o.first_ttl < 1 || o.first_ttl > o.max_hops) {
    Write(err, "first hop out of range\n");
    return 2;
  }
  if (o.probes < 1 || o.probes > 10) {
    Write(err, "no more than 10 probes per hop\n");
    return 2;
  }
  absl::StatusOr<std::vector<net::Address>> addrs = dns::ResolveSystemHost(o.host, 0, o.family);
  if (!addrs.ok() || addrs->empty()) {
    Write(err, absl::StrCat(o.host, ": ",
                            addrs.ok() ? "Name or service not known"
                                       : dns::GaiStyleReason(addrs.status()),
                            "\nCannot handle \"host\" cmdline arg `", o.host,
                            "' on position 1 (argc 1)\n"));
    return 2;
  }
  const net::Address* dest = &addrs->front();
  const bool v6 = dest->family() == AF_INET6;
  std::optional<icmp::PingSocket> ping;
  if (o.icmp) {
    absl::StatusOr<icmp::PingSocket> s = icmp::PingSocket::Open(dest->family());
    if (!s.ok()) {
      Write(err, absl::StrCat(s.status().message(), "\n"));
      return 2;
    }
    ping.emplace(*std::move(s));
    (void)icmp::EnableErrorQueue(ping->fd(), dest->family());
  }
  Write(out, absl::StrCat("traceroute to ", o.host, " (", dest->IpString(), "), ", o.max_hops,
                          " hops max, ", kPayload + (v6 ? 48 : 28), " byte packets\n"));
  uint16_t seq = 0;
  for (int ttl = o.first_ttl; ttl <= o.max_hops; ++ttl) {
    std::string line = absl::StrFormat("%2d ", ttl);
    std::optional<net::Address> last;
    bool reached = false;
    for (int q = 0; q < o.probes; ++q) {
      ++seq;
      Hop hop = o.icmp ? IcmpProbe(*ping, *dest, seq, ttl, o.wait)
                       : UdpProbe(*dest, static_cast<uint16_t>(o.port + seq - 1), ttl, o.wait);
      if (!hop.answered) {
        absl::StrAppend(&line, " *");
        continue;
      }
      hop.from.set_port(0);
      if (!last || *last != hop.from) {
        absl::StrAppend(&line, " ", Describe(hop.from, o.numeric));
        last = hop.from;
      }
      absl::StrAppend(&line, absl::StrFormat("  %.3f ms", absl::ToDoubleMilliseconds(hop.rtt)),
                      hop.annotation);
      reached = reached || hop.reached;
    }
    Write(out, line + "\n");
    if (reached) break;
  }
  return 0;
}

}  // namespace traceroute
