#include "tools/ping/ping.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/dns/resolver.h"
#include "lib/icmp/ping_socket.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"

namespace ping {
namespace {

void Write(int fd, absl::string_view s) { (void)net::WriteAllFd(fd, s); }

absl::StatusOr<net::Address> Resolve(const Options& o, bool* numeric_target) {
  *numeric_target = net::Address::FromIp(o.host, 0).ok();
  absl::StatusOr<std::vector<net::Address>> addrs = dns::ResolveSystemHost(o.host, 0, o.family);
  if (!addrs.ok() || addrs->empty()) {
    return absl::NotFoundError(absl::StrCat(
        o.host, ": ", addrs.ok() ? "Name or service not known" : dns::GaiStyleReason(addrs.status())));
  }
  return addrs->front();
}

// Describes reply sources: "localhost (127.0.0.1)" or just "127.0.0.1" with -n or a numeric
// target, as iputils does.
class Namer {
 public:
  explicit Namer(bool numeric) : numeric_(numeric) {}
  std::string Name(const net::Address& a) {
    std::string ip = a.IpString();
    if (numeric_) return ip;
    auto it = cache_.find(ip);
    if (it != cache_.end()) return it->second;
    char host[NI_MAXHOST];
    std::string out = ip;
    if (getnameinfo(a.sockaddr(), a.socklen(), host, sizeof(host), nullptr, 0, NI_NAMEREQD) == 0) {
      out = absl::StrCat(host, " (", ip, ")");
    }
    cache_[ip] = out;
    return out;
  }

 private:
  bool numeric_;
  std::map<std::string, std::string> cache_;
};

std::string ErrorText(const icmp::Received& r, bool v6) {
  if (r.kind == icmp::Received::kTimeExceeded) {
    if (v6) return "Time exceeded: Hop limit";
    return r.code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
  }
  if (v6) {
    switch (r.code) {
      case 0: return "Destination unreachable: No route";
      case 1: return "Destination unreachable: Administratively prohibited";
      case 3: return "Destination unreachable: Address unreachable";
      case 4: return "Destination unreachable: Port unreachable";
      default: return absl::StrCat("Destination unreachable: Unknown code ", r.code);
    }
  }
  switch (r.code) {
    case 0: return "Destination Net Unreachable";
    case 1: return "Destination Host Unreachable";
    case 2: return "Destination Protocol Unreachable";
    case 3: return "Destination Port Unreachable";
    case 4: return "Frag needed and DF set";
    case 9: case 10: return "Packet filtered";
    case 13: return "Communication prohibited by filter";
    default: return absl::StrCat("Dest Unreachable, Bad Code: ", r.code);
  }
}

constexpr size_t kTimestampBytes = 16;  // seconds and microseconds, as iputils' struct timeval

void PutTimestamp(std::vector<uint8_t>& payload, absl::Time t) {
  if (payload.size() < kTimestampBytes) return;
  int64_t usec = absl::ToUnixMicros(t);
  int64_t sec = usec / 1000000, frac = usec % 1000000;
  std::memcpy(payload.data(), &sec, 8);
  std::memcpy(payload.data() + 8, &frac, 8);
}

std::optional<int64_t> RttMicros(const std::vector<uint8_t>& payload, absl::Time now) {
  if (payload.size() < kTimestampBytes) return std::nullopt;
  int64_t sec, frac;
  std::memcpy(&sec, payload.data(), 8);
  std::memcpy(&frac, payload.data() + 8, 8);
  int64_t rtt = absl::ToUnixMicros(now) - (sec * 1000000 + frac);
  return rtt < 0 ? 0 : rtt;
}

std::string Micros3(int64_t usec) { return absl::StrFormat("%d.%03d", usec / 1000, usec % 1000); }

}  // namespace

std::string FormatRtt(int64_t t) {
  if (t >= 100000 - 50) return absl::StrFormat("%d", (t + 500) / 1000);
  if (t >= 10000 - 5) return absl::StrFormat("%d.%01d", (t + 50) / 1000, ((t + 50) % 1000) / 100);
  if (t >= 1000) return absl::StrFormat("%d.%02d", (t + 5) / 1000, ((t + 5) % 1000) / 10);
  return absl::StrFormat("%d.%03d", t / 1000, t % 1000);
}

int Run(const Options& o, int out, int err, const std::atomic<bool>* interrupted) {
  if (o.size < 0 || o.size > 65507) {
    Write(err, absl::StrCat("ping: invalid argument: '", o.size, "': out of range: 0 <= value <= 65507\n"));
    return 2;
  }
  bool numeric_target = false;
  absl::StatusOr<net::Address> dest = Resolve(o, &numeric_target);
  if (!dest.ok()) {
    Write(err, absl::StrCat("ping: ", dest.status().message(), "\n"));
    return 2;
  }
  const bool v6 = dest->family() == AF_INET6;
  absl::StatusOr<icmp::PingSocket> sock = icmp::PingSocket::Open(dest->family());
  if (!sock.ok()) {
    Write(err, absl::StrCat("ping: ", sock.status().message(), "\n"));
    return 2;
  }
  if (o.ttl.has_value()) {
    if (absl::Status s = sock->SetTtl(*o.ttl); !s.ok()) {
      Write(err, absl::StrCat("ping: ", s.message(), "\n"));
      return 2;
    }
  }
  const std::string ip = dest->IpString();
  if (v6) {
    Write(out, absl::StrCat("PING ", o.host, "(", ip, ") ", o.size, " data bytes\n"));
  } else {
    Write(out, absl::StrCat("PING ", o.host, " (", ip, ") ", o.size, "(", o.size + 28,
                            ") bytes of data.\n"));
  }
  Namer namer(o.numeric || numeric_target);
  std::vector<uint8_t> payload(o.size);
  for (int i = 0; i < o.size; ++i) payload[i] = static_cast<uint8_t>(i);
  std::vector<bool> seen(65536, false);

  int64_t sent = 0, received = 0, dups = 0, errors = 0, corrupted = 0;
  int64_t tmin = INT64_MAX, tmax = 0;
  int64_t ewma8 = 0;  // 8 × the moving average RTT in µs, as iputils keeps it
  double tsum = 0, tsum2 = 0;
  const absl::Time start = absl::Now();
  absl::Time next_send = start, last_send = start;
  const absl::Duration linger = o.wait.value_or(absl::Seconds(10));
  // Interval 0 is flood mode, as ping -f: the next request goes out as soon as the reply to the
  // last one is in, or after kFloodTimeout.
  const bool flood = o.interval == absl::ZeroDuration();
  constexpr absl::Duration kFloodTimeout = absl::Milliseconds(10);

  while (!interrupted->load()) {
    absl::Time now = absl::Now();
    if (o.deadline && now >= start + *o.deadline) break;
    // As iputils: done once every request got an answer, a reply or an ICMP error.
    if (o.count && received + errors >= *o.count) break;
    const bool more_to_send = !o.count || sent < *o.count;
    if (more_to_send && now >= next_send) {
      uint16_t seq = static_cast<uint16_t>(sent + 1);
      seen[seq] = false;
      PutTimestamp(payload, absl::Now());  // as late as possible: it is the RTT's start
      if (absl::Status s = sock->Send(*dest, seq, payload); !s.ok()) {
        Write(err, absl::StrCat("ping: sendmsg: ", s.message(), "\n"));
      }
      ++sent;
      last_send = now;
      if (flood) {
        next_send = now + kFloodTimeout;  // or sooner, when the reply comes
      } else {
        next_send += o.interval;
        if (next_send < now) next_send = now;
      }
      continue;
    }
    absl::Time wake = absl::InfiniteFuture();
    bool last_round = false;
    if (more_to_send) {
      wake = next_send;
    } else if (!o.deadline) {
      // After the last request: -W (default 10 s) while nothing has answered, else two of the
      // longest round trips seen, as iputils waits — but at least 50 ms, because on a busy
      // machine the kernel may defer even a loopback reply by more than two fast round trips.
      absl::Duration wait_more =
          received > 0 && tmin != INT64_MAX
              ? std::max(absl::Microseconds(2 * tmax), absl::Milliseconds(50))
              : linger;
      // Past it, look once more without waiting: a reply the kernel queued in time counts even
      // if this process was slow to get here.
      last_round = now >= last_send + wait_more;
      wake = last_send + wait_more;
    }
    if (o.deadline) wake = std::min(wake, start + *o.deadline);
    int timeout_ms = last_round ? 0
                     : wake == absl::InfiniteFuture()
                         ? -1
                         : static_cast<int>(absl::ToInt64Milliseconds(
                               absl::Ceil(std::max(wake - now, absl::ZeroDuration()),
                                          absl::Milliseconds(1))));
    pollfd p = {sock->fd(), POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) {  // timeout, or EINTR from SIGINT
      if (last_round) break;
      continue;
    }
    while (true) {
      absl::StatusOr<std::optional<icmp::Reply>> r = sock->Receive();
      if (!r.ok()) continue;  // malformed datagram: not ours to report
      if (!r->has_value()) break;
      const icmp::Reply& reply = **r;
      const icmp::Received& m = reply.message;
      if (m.id != sock->id()) continue;
      if (m.kind == icmp::Received::kEchoReply) {
        if (m.seq == 0 || m.seq > sent) continue;
        bool dup = seen[m.seq];
        std::string suffix;
        if (!m.checksum_ok) {
          ++corrupted;
          suffix = " (BAD CHECKSUM!)";
        } else if (dup) {
          ++dups;
          suffix = " (DUP!)";
        } else {
          seen[m.seq] = true;
          ++received;
          if (flood && m.seq == static_cast<uint16_t>(sent)) next_send = reply.received_at;
        }
        std::optional<int64_t> rtt = RttMicros(m.payload, reply.received_at);
        if (rtt && m.checksum_ok && !dup) {
          tmin = std::min(tmin, *rtt);
          tmax = std::max(tmax, *rtt);
          tsum += static_cast<double>(*rtt);
          tsum2 += static_cast<double>(*rtt) * static_cast<double>(*rtt);
          ewma8 = ewma8 == 0 ? *rtt * 8 : ewma8 + *rtt - ewma8 / 8;
        }
        if (!o.quiet) {
          std::string line = absl::StrCat(m.icmp_length, " bytes from ", namer.Name(reply.from),
                                           ": icmp_seq=", m.seq);
          if (m.ttl) absl::StrAppend(&line, " ttl=", *m.ttl);
          if (rtt) absl::StrAppend(&line, " time=", FormatRtt(*rtt), " ms");
          Write(out, absl::StrCat(line, suffix, "\n"));
        }
      } else if ((m.kind == icmp::Received::kDestUnreachable ||
                  m.kind == icmp::Received::kTimeExceeded) &&
                 m.quoted_echo) {
        ++errors;
        if (!o.quiet) {
          Write(out, absl::StrCat("From ", namer.Name(reply.from), " icmp_seq=", m.seq, " ",
                                  ErrorText(m, v6), "\n"));
        }
      }
    }
  }

  const absl::Time end = absl::Now();
  std::string stats = absl::StrCat("\n--- ", o.host, " ping statistics ---\n", sent,
                                   " packets transmitted, ", received, " received");
  if (dups) absl::StrAppend(&stats, ", +", dups, " duplicates");
  if (corrupted) absl::StrAppend(&stats, ", +", corrupted, " corrupted");
  if (errors) absl::StrAppend(&stats, ", +", errors, " errors");
  if (sent) {
    double loss = static_cast<double>(sent - received) * 100.0 / static_cast<double>(sent);
    absl::StrAppend(&stats, absl::StrFormat(", %g%% packet loss", loss), ", time ",
                    absl::ToInt64Milliseconds(end - start), "ms");
  }
  absl::StrAppend(&stats, "\n");
  if (received > 0 && tmin != INT64_MAX) {
    double n = static_cast<double>(received);
    int64_t avg = static_cast<int64_t>(tsum / n);
    int64_t mdev = static_cast<int64_t>(std::sqrt(std::max(0.0, tsum2 / n - (tsum / n) * (tsum / n))));
    absl::StrAppend(&stats, "rtt min/avg/max/mdev = ", Micros3(tmin), "/", Micros3(avg), "/",
                    Micros3(tmax), "/", Micros3(mdev), " ms");
    if (flood && sent > 1) {
      // Inter-packet gap and the moving average, as ping -f reports them.
      int64_t ipg = absl::ToInt64Microseconds(end - start) / (sent - 1);
      absl::StrAppend(&stats, ", ipg/ewma ", Micros3(ipg), "/", Micros3(ewma8 / 8), " ms");
    }
    absl::StrAppend(&stats, "\n");
  }
  Write(out, stats);
  if (received == 0) return 1;
  if (o.count && o.deadline && received < *o.count) return 1;
  return 0;
}

}  // namespace ping
