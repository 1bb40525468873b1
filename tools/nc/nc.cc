#include "tools/nc/nc.h"

#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/dns/resolver.h"
#include "lib/net/address.h"
#include "lib/net/event_loop.h"
#include "lib/net/relay.h"
#include "lib/net/socket.h"

namespace nc {
namespace {

// Out writes a message to an fd, ignoring errors (stderr may be closed).
void Out(int fd, absl::string_view text) { (void)net::WriteAllFd(fd, text); }

void Warn(const Stdio& io, absl::string_view text) { Out(io.err, absl::StrCat("nc: ", text, "\n")); }

const char* Proto(const Options& o) { return o.udp ? "udp" : "tcp"; }

std::string ServiceName(uint16_t port, const Options& o) {
  servent* sv = getservbyport(htons(port), Proto(o));
  return sv != nullptr ? sv->s_name : "*";
}

// HostName is the name `addr` resolves back to ("localhost"), or its number with -n.
std::string HostName(const net::Address& addr, const Options& o) {
  if (addr.family() == AF_UNIX) return addr.IpString();
  if (!o.numeric) {
    char host[NI_MAXHOST];
    if (getnameinfo(addr.sockaddr(), addr.socklen(), host, sizeof(host), nullptr, 0,
                    NI_NAMEREQD) == 0) {
      return host;
    }
  }
  return addr.IpString();
}

// Resolve looks `host` up with lib/dns: a numeric address as is, then the hosts file, then DNS
// as resolv.conf says (-n: numeric only). An empty host is the wildcard address (passive) or
// loopback, as for getaddrinfo. Errors keep getaddrinfo's wording, which scripts match.
absl::StatusOr<std::vector<net::Address>> Resolve(const std::string& host, uint16_t port,
                                                  const Options& o, bool passive) {
  const int family = o.ipv4_only ? AF_INET : o.ipv6_only ? AF_INET6 : AF_UNSPEC;
  auto fail = [&](absl::string_view why) {
    return absl::NotFoundError(
        absl::StrCat("getaddrinfo for host \"", host, "\" port ", port, ": ", why));
  };
  if (host.empty()) {
    std::vector<net::Address> out;
    for (int f : {AF_INET, AF_INET6}) {
      if (family != AF_UNSPEC && family != f) continue;
      out.push_back(passive ? net::Address::Any(f, port) : net::Address::Loopback(f, port));
    }
    return out;
  }
  if (o.numeric && !net::Address::FromIp(host, port).ok()) return fail("Name or service not known");
  absl::StatusOr<std::vector<net::Address>> addrs = dns::ResolveSystemHost(host, port, family);
  if (!addrs.ok()) return fail(dns::GaiStyleReason(addrs.status()));
  return addrs;
}

absl::Time Deadline(const Options& o) {
  return o.timeout ? absl::Now() + *o.timeout : absl::InfiniteFuture();
}

// Pump copies stdin→socket and socket→stdout until both directions are finished. As in
// OpenBSD nc, -w bounds only the "final net reads": once stdin has ended, nc quits after that
// long without network data. Returns the exit code.
int Pump(const Options& o, const Stdio& io, int sock) {
  absl::StatusOr<std::unique_ptr<net::EventLoop>> loop = net::EventLoop::Create();
  if (!loop.ok()) {
    Warn(io, loop.status().message());
    return 1;
  }
  net::EventLoop& l = **loop;
  // A stdin that cannot be read ends as at EOF, silently, as in nc (-N then shuts down).
  net::Relay relay(&l, {{.src = io.in, .dst = sock, .shutdown_dst_on_eof = o.shutdown_on_eof,
                         .src_error_is_eof = true},
                        {.src = sock, .dst = io.out}});
  int finished = 0;
  bool stdin_done = false;
  net::EventLoop::TimerId idle = 0;
  auto arm_idle = [&] {
    if (!o.timeout || !stdin_done) return;
    l.Cancel(idle);
    idle = l.RunAfter(*o.timeout, [&] { l.Stop(); });
  };
  relay.set_on_stream_done([&](size_t i, const absl::Status&) {
    if (i == 0) {
      stdin_done = true;
      arm_idle();
    }
    if (++finished == 2) l.Stop();
  });
  relay.set_on_activity([&](size_t, size_t) { arm_idle(); });
  if (absl::Status s = relay.Start(); !s.ok()) {
    Warn(io, s.message());
    return 1;
  }
  if (finished < 2) l.Run();
  return 0;
}

int Connect(const Options& o, const Stdio& io) {
  if (o.unix_socket) {
    if (o.positional.size() != 1) {
      Warn(io, "missing socket path");
      return 1;
    }
    absl::StatusOr<net::Address> addr = net::Address::Unix(o.positional[0]);
    if (!addr.ok()) {
      Warn(io, addr.status().message());
      return 1;
    }
    net::ConnectOptions copts;
    copts.type = o.udp ? SOCK_DGRAM : SOCK_STREAM;
    absl::StatusOr<net::Socket> s = net::Connect(*addr, Deadline(o), copts);
    if (!s.ok()) {
      if (o.verbose) Warn(io, absl::StrCat(o.positional[0], ": ", s.status().message()));
      return 1;
    }
    if (o.scan) return 0;
    return Pump(o, io, s->fd());
  }
  if (o.positional.size() < 2) {
    Warn(io, "missing port number");
    return 1;
  }
  const std::string& host = o.positional[0];
  absl::StatusOr<std::vector<uint16_t>> ports =
      ParsePorts({o.positional.begin() + 1, o.positional.end()});
  if (!ports.ok()) {
    Warn(io, ports.status().message());
    return 1;
  }
  uint16_t source_port = 0;
  if (!o.source_port.empty()) {
    absl::StatusOr<uint16_t> p = net::ParsePort(o.source_port);
    if (!p.ok()) {
      Warn(io, absl::StrCat("port number invalid: ", o.source_port));
      return 1;
    }
    source_port = *p;
  }
  const bool bind_source = !o.source_address.empty() || !o.source_port.empty();
  int exit_code = 1;
  for (uint16_t port : *ports) {
    absl::StatusOr<std::vector<net::Address>> addrs = Resolve(host, port, o, false);
    if (!addrs.ok()) {
      Warn(io, addrs.status().message());
      return 1;
    }
    for (const net::Address& addr : *addrs) {
      net::ConnectOptions per;
      per.type = o.udp ? SOCK_DGRAM : SOCK_STREAM;
      if (bind_source) {
        // The source must be of the destination's family.
        Options so = o;
        so.ipv4_only = addr.family() == AF_INET;
        so.ipv6_only = addr.family() == AF_INET6;
        absl::StatusOr<std::vector<net::Address>> src =
            Resolve(o.source_address, source_port, so, true);
        if (!src.ok() || src->empty()) {
          Warn(io, src.ok() ? "no source address of the destination's family"
                            : src.status().message());
          return 1;
        }
        per.source = src->front();
      }
      absl::StatusOr<net::Socket> s = net::Connect(addr, Deadline(o), per);
      if (!s.ok()) {
        if (o.verbose) {
          // Keep only the errno text after the "connect ADDR: " prefix.
          absl::string_view msg = s.status().message();
          size_t colon = msg.rfind(": ");
          absl::string_view why = colon == absl::string_view::npos ? msg : msg.substr(colon + 2);
          bool timed_out = absl::IsDeadlineExceeded(s.status());
          Warn(io, absl::StrCat("connect to ", addr.IpString(), " port ", port, " (", Proto(o),
                                ") ", timed_out ? "timed out: Operation now in progress"
                                                : absl::StrCat("failed: ", why)));
        }
        continue;
      }
      exit_code = 0;
      if (o.verbose) {
        Out(io.err, absl::StrCat("Connection to ", host, " ", port, " port [", Proto(o), "/",
                                 ServiceName(port, o), "] succeeded!\n"));
      }
      if (!o.scan) return Pump(o, io, s->fd());
      break;
    }
  }
  return exit_code;
}

int Listen(const Options& o, const Stdio& io) {
  net::ListenOptions lopts;
  lopts.type = o.udp ? SOCK_DGRAM : SOCK_STREAM;
  lopts.backlog = 1;
  net::Address bind_addr;
  std::string unix_path;
  if (o.unix_socket) {
    if (o.positional.size() != 1) {
      Warn(io, "missing socket path");
      return 1;
    }
    unix_path = o.positional[0];
    absl::StatusOr<net::Address> a = net::Address::Unix(unix_path);
    if (!a.ok()) {
      Warn(io, a.status().message());
      return 1;
    }
    bind_addr = *a;
  } else {
    // nc -l [host] port, or nc -l -p port [host].
    std::string host, port_text;
    if (!o.source_port.empty()) {
      port_text = o.source_port;
      if (!o.positional.empty()) host = o.positional[0];
      if (o.positional.size() > 1) {
        Warn(io, "cannot use -p and a port argument together");
        return 1;
      }
    } else if (o.positional.size() == 1) {
      port_text = o.positional[0];
    } else if (o.positional.size() == 2) {
      host = o.positional[0];
      port_text = o.positional[1];
    } else {
      Warn(io, "missing port number");
      return 1;
    }
    absl::StatusOr<std::vector<uint16_t>> ports = ParsePorts({port_text});
    if (!ports.ok() || ports->size() != 1) {
      Warn(io, ports.ok() ? "cannot listen on a port range" : ports.status().message());
      return 1;
    }
    if (host.empty() && !o.source_address.empty()) host = o.source_address;
    Options lo = o;
    if (host.empty() && !o.ipv6_only) lo.ipv4_only = true;  // like nc: 0.0.0.0 by default
    absl::StatusOr<std::vector<net::Address>> addrs = Resolve(host, (*ports)[0], lo, true);
    if (!addrs.ok() || addrs->empty()) {
      Warn(io, addrs.ok() ? "no address to listen on" : addrs.status().message());
      return 1;
    }
    bind_addr = addrs->front();
  }
  absl::StatusOr<net::Socket> listener = net::Listen(bind_addr, lopts);
  if (!listener.ok()) {
    Warn(io, listener.status().message());
    return 1;
  }
  struct Unlinker {
    std::string path;
    ~Unlinker() {
      if (!path.empty()) unlink(path.c_str());
    }
  } unlinker{unix_path};
  absl::StatusOr<net::Address> local = listener->LocalAddress();
  std::string where = local.ok() ? (local->family() == AF_UNIX
                                        ? local->IpString()
                                        : absl::StrCat(HostName(*local, o), " ", local->port()))
                                 : "?";
  if (o.verbose) {
    if (o.udp || o.unix_socket) Out(io.err, absl::StrCat("Bound on ", where, "\n"));
    if (!o.udp) Out(io.err, absl::StrCat("Listening on ", where, "\n"));
  }
  auto received = [&](const net::Address& peer) {
    if (!o.verbose) return;
    std::string who = peer.family() == AF_UNIX
                          ? where
                          : absl::StrCat(HostName(peer, o), " ", peer.port());
    Out(io.err, absl::StrCat("Connection received on ", who, "\n"));
  };
  if (o.udp) {
    // Wait for the first datagram, then talk only to its sender.
    char buf[65536];
    net::Address peer;
    absl::StatusOr<size_t> n = listener->RecvFrom(absl::MakeSpan(buf), &peer);
    if (!n.ok()) {
      Warn(io, n.status().message());
      return 1;
    }
    received(peer);
    if (::connect(listener->fd(), peer.sockaddr(), peer.socklen()) < 0) {
      Warn(io, net::ErrnoStatus(errno, "connect").message());
      return 1;
    }
    if (absl::Status s = net::WriteAllFd(io.out, absl::string_view(buf, *n)); !s.ok()) return 1;
    return Pump(o, io, listener->fd());
  }
  int exit_code = 0;
  do {
    absl::StatusOr<std::optional<std::pair<net::Socket, net::Address>>> conn = listener->Accept();
    if (!conn.ok() || !conn->has_value()) {
      Warn(io, conn.ok() ? "accept: nothing to accept" : conn.status().message());
      return 1;
    }
    received((*conn)->second);
    exit_code = Pump(o, io, (*conn)->first.fd());
  } while (o.keep_listening);
  return exit_code;
}

}  // namespace

absl::StatusOr<std::vector<uint16_t>> ParsePorts(const std::vector<std::string>& args) {
  std::vector<uint16_t> out;
  for (const std::string& arg : args) {
    std::vector<absl::string_view> parts = absl::StrSplit(arg, absl::MaxSplits('-', 1));
    uint32_t lo = 0, hi = 0;
    auto parse = [](absl::string_view t, uint32_t* v) {
      return !t.empty() && t.find_first_not_of("0123456789") == absl::string_view::npos &&
             t.size() <= 9 && absl::SimpleAtoi(t, v);
    };
    if (parts.size() == 2) {
      if (!parse(parts[0], &lo) || !parse(parts[1], &hi) || lo == 0 || hi > 65535) {
        return absl::InvalidArgumentError("port range not valid");
      }
      if (lo > hi) std::swap(lo, hi);
    } else {
      if (!parse(parts[0], &lo)) {
        // A service name, as nc accepts ("ssh").
        servent* sv = getservbyname(arg.c_str(), "tcp");
        if (sv == nullptr) return absl::InvalidArgumentError(absl::StrCat("port number invalid: ", arg));
        lo = ntohs(static_cast<uint16_t>(sv->s_port));
      }
      if (lo > 65535) return absl::InvalidArgumentError(absl::StrCat("port number too large: ", arg));
      hi = lo;
    }
    for (uint32_t p = lo; p <= hi; ++p) out.push_back(static_cast<uint16_t>(p));
  }
  return out;
}

int Run(const Options& o, const Stdio& io) {
  signal(SIGPIPE, SIG_IGN);
  if (o.ipv4_only && o.ipv6_only) {
    Warn(io, "cannot use -4 and -6 together");
    return 1;
  }
  if (o.listen && o.scan) {
    Warn(io, "cannot use -z and -l");
    return 1;
  }
  if (o.keep_listening && !o.listen) {
    Warn(io, "must use -l with -k");
    return 1;
  }
  return o.listen ? Listen(o, io) : Connect(o, io);
}

}  // namespace nc
