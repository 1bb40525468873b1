#include "testing/replay_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace testing_util {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

absl::Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

namespace {

// RequestLength returns the length of the first complete request in `buf`, or 0.
size_t RequestLength(const std::string& buf, Framing framing) {
  switch (framing) {
    case Framing::kNone:
      return 0;
    case Framing::kAnyBytes:
      return buf.size();
    case Framing::kDnsLength: {
      if (buf.size() < 2) return 0;
      size_t len = (static_cast<uint8_t>(buf[0]) << 8) | static_cast<uint8_t>(buf[1]);
      return buf.size() >= 2 + len ? 2 + len : 0;
    }
    case Framing::kHttpHead: {
      size_t end = buf.find("\r\n\r\n");
      if (end == std::string::npos) return 0;
      size_t head = end + 4;
      std::string lower = absl::AsciiStrToLower(buf.substr(0, head));
      if (absl::StrContains(lower, "\r\ntransfer-encoding: chunked")) {
        size_t last = buf.find("\r\n0\r\n\r\n", head - 2);
        return last == std::string::npos ? 0 : last + 7;
      }
      size_t cl = lower.find("\r\ncontent-length:");
      if (cl == std::string::npos) return head;
      size_t eol = lower.find("\r\n", cl + 2);
      uint64_t n = 0;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(lower.substr(cl + 17, eol - cl - 17)), &n)) {
        return head;
      }
      return buf.size() >= head + n ? head + n : 0;
    }
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpReplayServer>> TcpReplayServer::Start(
    std::vector<std::string> responses, const TcpReplayOptions& options) {
  size_t count = responses.size();
  return StartImpl(
      [responses = std::move(responses)](const std::string&, size_t i) -> std::optional<std::string> {
        if (i >= responses.size()) return std::nullopt;
        return responses[i];
      },
      options, count);
}

absl::StatusOr<std::unique_ptr<TcpReplayServer>> TcpReplayServer::StartWithResponder(
    Responder responder, const TcpReplayOptions& options) {
  return StartImpl(std::move(responder), options, SIZE_MAX);
}

absl::StatusOr<std::unique_ptr<TcpReplayServer>> TcpReplayServer::StartImpl(
    Responder responder, const TcpReplayOptions& options, size_t script_size) {
  signal(SIGPIPE, SIG_IGN);
  auto s = std::unique_ptr<TcpReplayServer>(new TcpReplayServer());
  s->responder_ = std::move(responder);
  s->options_ = options;
  // Set before the acceptor starts: a connection served first must already see it.
  s->script_size_ = script_size;
  absl::StatusOr<net::Socket> l = net::Listen(net::Address::Loopback(AF_INET, 0));
  if (!l.ok()) return l.status();
  s->listener_ = *std::move(l);
  absl::StatusOr<net::Address> a = s->listener_.LocalAddress();
  if (!a.ok()) return a.status();
  s->address_ = *a;
  TcpReplayServer* raw = s.get();
  s->acceptor_ = std::thread([raw] {
    while (true) {
      absl::StatusOr<std::optional<std::pair<net::Socket, net::Address>>> c =
          raw->listener_.Accept();
      absl::MutexLock lock(&raw->mu_);
      if (raw->stopping_ || !c.ok() || !c->has_value()) return;
      ++raw->connections_;
      net::Socket conn = std::move((*c)->first);
      raw->open_fds_.push_back(conn.fd());
      raw->workers_.emplace_back(
          [raw, conn = std::make_shared<net::Socket>(std::move(conn))]() mutable {
            raw->Serve(std::move(*conn));
          });
    }
  });
  return s;
}

TcpReplayServer::~TcpReplayServer() {
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  }
  shutdown(listener_.fd(), SHUT_RDWR);
  acceptor_.join();
  {
    absl::MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (std::thread& t : workers) t.join();
}

void TcpReplayServer::Serve(net::Socket conn) {
  std::string buf;
  char chunk[65536];
  size_t index = 0;
  auto send = [&](const std::string& response) -> bool {
    size_t limit = options_.close_after_bytes.value_or(response.size());
    limit = std::min(limit, response.size());
    size_t step = options_.write_size == 0 ? limit : options_.write_size;
    for (size_t off = 0; off < limit; off += step) {
      if (off > 0 && options_.write_pause > absl::ZeroDuration()) {
        absl::SleepFor(options_.write_pause);  // the pause is the behaviour under test
      }
      if (!conn.WriteAll(absl::string_view(response).substr(off, std::min(step, limit - off))).ok()) {
        return false;
      }
    }
    return limit == response.size();
  };
  while (true) {
    size_t len = RequestLength(buf, options_.framing);
    bool have_request = options_.framing == Framing::kNone ? true : len > 0;
    if (!have_request) {
      absl::StatusOr<size_t> n = conn.Read(absl::MakeSpan(chunk));
      if (!n.ok() || *n == 0 || *n == net::kWouldBlock) break;
      buf.append(chunk, *n);
      continue;
    }
    std::string request = buf.substr(0, len);
    buf.erase(0, len);
    {
      absl::MutexLock lock(&mu_);
      if (options_.framing != Framing::kNone) requests_.push_back(request);
    }
    if (options_.never_answer) continue;
    std::optional<std::string> response = responder_(request, index++);
    if (!response.has_value()) break;
    if (!send(*response)) break;
    if (options_.close_after_last && index >= script_size_) break;
    if (options_.framing == Framing::kNone && !options_.close_after_last) {
      // Server-first: stay open, record whatever the client sends.
      options_.framing = Framing::kAnyBytes;
      options_.never_answer = true;
    }
    if (options_.framing == Framing::kNone) break;
  }
  // Drain nothing more; closing ends the connection (and tells a close-delimited reader).
  {
    absl::MutexLock lock(&mu_);
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), conn.fd()), open_fds_.end());
  }
  conn.Close();
  absl::MutexLock lock(&mu_);
  ++closed_;
}

std::vector<std::string> TcpReplayServer::requests() {
  absl::MutexLock lock(&mu_);
  return requests_;
}

int TcpReplayServer::connections() {
  absl::MutexLock lock(&mu_);
  return connections_;
}

bool TcpReplayServer::WaitForClosed(int n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto cond = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return closed_ >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&cond), timeout);
}

bool TcpReplayServer::WaitForConnections(int n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto cond = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return connections_ >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&cond), timeout);
}

namespace {

// HostileCopies returns the datagrams kHostileFirst sends before the DNS reply `reply`.
std::vector<std::string> HostileCopies(const std::string& reply) {
  std::vector<std::string> out = {std::string("\x12")};
  if (reply.size() < 14) return out;
  std::string copy = reply;
  copy[1] = static_cast<char>(copy[1] ^ 0x5a);  // another ID
  out.push_back(copy);
  copy = reply;
  copy[2] = static_cast<char>(copy[2] & 0x7f);  // QR=0: a query, not a reply
  out.push_back(copy);
  copy = reply;
  copy[13] = static_cast<char>(copy[13] + 1);  // the question's first letter: another name
  out.push_back(copy);
  out.push_back(reply.substr(0, reply.size() - 3));
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<UdpReplayServer>> UdpReplayServer::Start(
    Responder responder, const UdpReplayOptions& options) {
  auto s = std::unique_ptr<UdpReplayServer>(new UdpReplayServer());
  s->responder_ = std::move(responder);
  s->options_ = options;
  s->mode_ = options.mode;
  net::ListenOptions udp;
  udp.type = SOCK_DGRAM;
  absl::StatusOr<net::Socket> sock =
      net::Listen(net::Address::Loopback(options.family, options.port), udp);
  if (!sock.ok()) return sock.status();
  s->socket_ = *std::move(sock);
  absl::StatusOr<net::Socket> other = net::Listen(net::Address::Loopback(options.family, 0), udp);
  if (!other.ok()) return other.status();
  s->other_ = *std::move(other);
  absl::StatusOr<net::Address> a = s->socket_.LocalAddress();
  if (!a.ok()) return a.status();
  s->address_ = *a;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return absl::ErrnoToStatus(errno, "pipe2");
  s->stop_pipe_r_ = net::Fd(p[0]);
  s->stop_pipe_w_ = net::Fd(p[1]);
  UdpReplayServer* raw = s.get();
  s->thread_ = std::thread([raw] { raw->Serve(); });
  return s;
}

UdpReplayServer::~UdpReplayServer() {
  stop_pipe_w_.Close();
  thread_.join();
}

void UdpReplayServer::Serve() {
  char buf[65536];
  while (true) {
    pollfd fds[2] = {{socket_.fd(), POLLIN, 0}, {stop_pipe_r_.get(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    net::Address from;
    absl::StatusOr<size_t> n = socket_.RecvFrom(absl::MakeSpan(buf), &from);
    if (!n.ok() || *n == net::kWouldBlock) continue;
    std::string query(buf, *n);
    UdpMode mode;
    {
      absl::MutexLock lock(&mu_);
      queries_.push_back(query);
      mode = mode_;
    }
    if (mode == UdpMode::kSilent) continue;
    std::optional<std::string> reply = responder_(query);
    if (!reply.has_value()) continue;
    if (options_.patch_dns_id && reply->size() >= 2 && query.size() >= 2) {
      (*reply)[0] = query[0];
      (*reply)[1] = query[1];
      if (mode == UdpMode::kWrongId) (*reply)[1] = static_cast<char>(query[1] ^ 0x5a);
    }
    if (mode == UdpMode::kHostileFirst) {
      for (const std::string& bad : HostileCopies(*reply)) (void)socket_.SendTo(bad, &from);
      (void)other_.SendTo(*reply, &from);
    }
    net::Socket& out = mode == UdpMode::kFromOtherPort ? other_ : socket_;
    (void)out.SendTo(*reply, &from);
  }
}

std::vector<std::string> UdpReplayServer::queries() {
  absl::MutexLock lock(&mu_);
  return queries_;
}

void UdpReplayServer::set_mode(UdpMode mode) {
  absl::MutexLock lock(&mu_);
  mode_ = mode;
}

}  // namespace testing_util
