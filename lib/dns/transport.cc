#include "lib/dns/transport.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/base/status_macros.h"
#include "lib/dns/name.h"
#include "lib/dns/parser.h"
#include "lib/net/event_loop.h"
#include "lib/net/lazy_timer.h"
#include "lib/net/socket.h"

namespace dns {
namespace {

constexpr size_t kMaxMessage = 65535;

// Expected is what an acceptable reply must echo from the query.
struct Expected {
  uint16_t id = 0;
  Question question;
};

absl::Status TimedOut(const net::Address& server) {
  return absl::DeadlineExceededError(absl::StrCat("dns: timed out waiting for ",
                                                  server.ToString()));
}

// Annotate names the server in a socket error, and spells a refusal the way nslookup prints it
// ("connection refused") while keeping the original errno text.
absl::Status Annotate(const net::Address& server, const absl::Status& status) {
  if (absl::IsDeadlineExceeded(status)) return TimedOut(server);
  if (absl::StartsWith(status.message(), "dns: ")) return status;
  if (absl::StrContains(status.message(), "Connection refused")) {
    return absl::UnavailableError(absl::StrCat("dns: ", server.ToString(),
                                               ": connection refused (", status.message(), ")"));
  }
  return absl::Status(status.code(),
                      absl::StrCat("dns: ", server.ToString(), ": ", status.message()));
}

// Acceptable parses `bytes` and returns the message if it answers `want`, or std::nullopt if it
// must be dropped (not a reply, another ID, another question, unparseable). A truncated reply
// (TC=1) whose records do not parse is kept as header and question, which is all a retry needs.
std::optional<Message> Acceptable(absl::Span<const uint8_t> bytes, const Expected& want) {
  absl::StatusOr<Header> header = ParseHeader(bytes);
  if (!header.ok() || !header->qr || header->id != want.id) return std::nullopt;
  absl::StatusOr<Question> question = ParseFirstQuestion(bytes);
  if (!question.ok() || question->type != want.question.type ||
      question->qclass != want.question.qclass ||
      !NamesEqual(question->name, want.question.name)) {
    return std::nullopt;
  }
  absl::StatusOr<Message> message = ParseMessage(bytes);
  if (message.ok()) return *std::move(message);
  if (!header->tc) return std::nullopt;
  Message partial;
  partial.header = *header;
  partial.questions.push_back(*std::move(question));
  return partial;
}

// ExpectedOf reads what a reply to `query` must echo: its ID and first question.
absl::StatusOr<Expected> ExpectedOf(absl::Span<const uint8_t> query) {
  Expected want;
  ASSIGN_OR_RETURN(Header header, ParseHeader(query));
  want.id = header.id;
  ASSIGN_OR_RETURN(want.question, ParseFirstQuestion(query));
  return want;
}

// Accepted makes the result for the acceptable reply `message`, whose bytes are `raw`.
ExchangeResult Accepted(Message message, absl::Span<const uint8_t> raw, bool tcp) {
  ExchangeResult result;
  result.message = std::move(message);
  result.raw.assign(raw.begin(), raw.end());
  result.used_tcp = tcp;
  return result;
}

// WantsTcp says whether the UDP reply `r` is to be asked again over TCP.
bool WantsTcp(const ExchangeResult& r, const ExchangeOptions& options) {
  return !r.used_tcp && r.message.header.tc && options.tcp_on_truncation;
}

// OpenUdp returns a fresh non-blocking UDP socket connected to `server`. Connecting fixes the
// peer (the kernel drops datagrams from elsewhere) and makes an ICMP port unreachable come
// back as ECONNREFUSED; the autobound source port is a random ephemeral one.
absl::StatusOr<net::Socket> OpenUdp(const net::Address& server) {
  net::ConnectOptions udp;
  udp.type = SOCK_DGRAM;
  return net::StartConnect(server, udp);  // completes at once for UDP
}

// SendQuery sends `query` once on the connected UDP socket `s`.
absl::Status SendQuery(net::Socket& s, const net::Address& server,
                       absl::Span<const uint8_t> query) {
  absl::string_view bytes(reinterpret_cast<const char*>(query.data()), query.size());
  ASSIGN_OR_RETURN(size_t sent, s.SendTo(bytes, nullptr));
  if (sent != bytes.size()) {
    return absl::UnavailableError(absl::StrCat("dns: short send to ", server.ToString()));
  }
  return absl::OkStatus();
}

// ReceiveUdp reads the datagrams waiting on the non-blocking socket `s` and returns the first
// acceptable reply from `server`, dropping the others; std::nullopt once none is left.
absl::StatusOr<std::optional<ExchangeResult>> ReceiveUdp(net::Socket& s,
                                                         const net::Address& server,
                                                         const Expected& want) {
  thread_local std::vector<char> buf(kMaxMessage);
  while (true) {
    net::Address from;
    ASSIGN_OR_RETURN(size_t n, s.RecvFrom(absl::MakeSpan(buf), &from));
    if (n == net::kWouldBlock) return std::nullopt;
    if (from != server) continue;
    absl::Span<const uint8_t> reply(reinterpret_cast<const uint8_t*>(buf.data()), n);
    std::optional<Message> message = Acceptable(reply, want);
    if (message.has_value()) return Accepted(*std::move(message), reply, /*tcp=*/false);
  }
}

// FrameForTcp returns `query` behind its 2-byte length prefix.
absl::StatusOr<std::string> FrameForTcp(absl::Span<const uint8_t> query) {
  if (query.size() > kMaxMessage) {
    return absl::InvalidArgumentError(absl::StrCat("dns: query of ", query.size(),
                                                   " bytes does not fit a tcp length prefix"));
  }
  std::string framed;
  framed.push_back(static_cast<char>(query.size() >> 8));
  framed.push_back(static_cast<char>(query.size() & 0xff));
  framed.append(reinterpret_cast<const char*>(query.data()), query.size());
  return framed;
}

// SendFramed writes what is left of `framed` after `*written` bytes to the stream `s` (without
// SIGPIPE) and advances `*written`: true once all is written, false when a non-blocking `s`
// would block.
absl::StatusOr<bool> SendFramed(net::Socket& s, absl::string_view framed, size_t* written) {
  while (*written < framed.size()) {
    const ssize_t n =
        ::send(s.fd(), framed.data() + *written, framed.size() - *written, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    if (n < 0) return net::ErrnoStatus(errno, "send");
    *written += static_cast<size_t>(n);
  }
  return true;
}

// ReceiveTcp reads what the non-blocking stream `s` has into `pending` (the bytes received so
// far and not yet used) and returns the first acceptable length-prefixed message, skipping
// the others; std::nullopt when it needs more bytes. Unavailable at end of stream.
absl::StatusOr<std::optional<ExchangeResult>> ReceiveTcp(net::Socket& s,
                                                         const net::Address& server,
                                                         const Expected& want,
                                                         std::string* pending) {
  char chunk[16384];
  while (true) {
    while (pending->size() >= 2) {
      const size_t len = (static_cast<uint8_t>((*pending)[0]) << 8) |
                         static_cast<uint8_t>((*pending)[1]);
      if (pending->size() < 2 + len) break;
      absl::Span<const uint8_t> reply(reinterpret_cast<const uint8_t*>(pending->data() + 2), len);
      std::optional<Message> message = Acceptable(reply, want);
      if (message.has_value()) return Accepted(*std::move(message), reply, /*tcp=*/true);
      pending->erase(0, 2 + len);  // not ours: keep reading
    }
    ASSIGN_OR_RETURN(size_t n, s.Read(absl::MakeSpan(chunk)));
    if (n == net::kWouldBlock) return std::nullopt;
    if (n == 0) {
      return absl::UnavailableError(
          absl::StrCat("dns: ", server.ToString(), ": tcp connection closed before the reply"));
    }
    pending->append(chunk, n);
  }
}

// WaitReadable waits until `fd` is readable (true) or `deadline` passes (false).
absl::StatusOr<bool> WaitReadable(int fd, absl::Time deadline) {
  while (true) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd p = {fd, POLLIN, 0};
    int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 1 << 30)));
    if (r < 0 && errno != EINTR) return net::ErrnoStatus(errno, "poll");
    if (r > 0) return true;
  }
}

// UdpAttempt sends `query` once on the connected socket `s` and waits until `deadline` for an
// acceptable reply; std::nullopt on timeout.
absl::StatusOr<std::optional<ExchangeResult>> UdpAttempt(net::Socket& s,
                                                         const net::Address& server,
                                                         absl::Span<const uint8_t> query,
                                                         const Expected& want,
                                                         absl::Time deadline) {
  RETURN_IF_ERROR(SendQuery(s, server, query));
  while (true) {
    ASSIGN_OR_RETURN(bool readable, WaitReadable(s.fd(), deadline));
    if (!readable) return std::nullopt;
    ASSIGN_OR_RETURN(std::optional<ExchangeResult> result, ReceiveUdp(s, server, want));
    if (result.has_value()) return result;
  }
}

absl::StatusOr<ExchangeResult> TcpExchange(const net::Address& server,
                                           absl::Span<const uint8_t> query, const Expected& want,
                                           absl::Duration timeout) {
  ASSIGN_OR_RETURN(std::string framed, FrameForTcp(query));
  ASSIGN_OR_RETURN(net::Socket s, net::Connect(server, absl::Now() + timeout));
  size_t written = 0;
  RETURN_IF_ERROR(SendFramed(s, framed, &written).status());  // blocking: writes it all
  RETURN_IF_ERROR(s.SetNonBlocking(true));
  const absl::Time deadline = absl::Now() + timeout;
  std::string pending;
  while (true) {
    ASSIGN_OR_RETURN(bool readable, WaitReadable(s.fd(), deadline));
    if (!readable) return TimedOut(server);
    ASSIGN_OR_RETURN(std::optional<ExchangeResult> result, ReceiveTcp(s, server, want, &pending));
    if (result.has_value()) return *std::move(result);
  }
}

absl::StatusOr<ExchangeResult> UdpExchange(const net::Address& server,
                                           absl::Span<const uint8_t> query, const Expected& want,
                                           const ExchangeOptions& options) {
  ASSIGN_OR_RETURN(net::Socket s, OpenUdp(server));
  for (int attempt = 0; attempt < std::max(options.attempts, 1); ++attempt) {
    ASSIGN_OR_RETURN(std::optional<ExchangeResult> result,
                     UdpAttempt(s, server, query, want, absl::Now() + options.timeout));
    if (result.has_value()) return *std::move(result);
  }
  return TimedOut(server);
}

// LoopExchangeImpl runs one exchange as a small state machine on the loop: UDP attempts, each
// waiting `timeout` for an acceptable reply, then (on TC=1, or for tcp_only) connect, write
// and read over TCP, each step bounded by `timeout`.
class LoopExchangeImpl final : public LoopExchange {
 public:
  LoopExchangeImpl(net::EventLoop* loop, const net::Address& server,
                   absl::Span<const uint8_t> query, const ExchangeOptions& options, Done done)
      : loop_(loop),
        server_(server),
        query_(query.begin(), query.end()),
        options_(options),
        done_(std::move(done)),
        deadline_(loop, [this] { OnDeadline(); }) {
    // Begin from a loop callback, so that even an immediate failure reaches `done` there.
    begin_ = loop_->RunAfter(absl::ZeroDuration(), [this] {
      begin_ = 0;
      Begin();
    });
  }

  ~LoopExchangeImpl() override {
    loop_->Cancel(begin_);
    CloseSocket();
  }

 private:
  enum class Phase { kUdp, kTcpConnect, kTcpWrite, kTcpRead };

  void Begin() {
    absl::StatusOr<Expected> want = ExpectedOf(query_);
    if (!want.ok()) return Finish(want.status());  // as Exchange: a bad query, not a server error
    want_ = *std::move(want);
    if (options_.tcp_only) return StartTcp();
    absl::StatusOr<net::Socket> s = OpenUdp(server_);
    if (!s.ok()) return Fail(s.status());
    phase_ = Phase::kUdp;
    if (!Use(*std::move(s), net::EventLoop::kReadable)) return;
    attempts_left_ = std::max(options_.attempts, 1);
    SendAttempt();
  }

  // Use makes `s` the exchange's socket, watched for `events`; false (after failing the
  // exchange) when the loop cannot watch it.
  bool Use(net::Socket s, uint32_t events) {
    CloseSocket();
    socket_ = std::move(s);
    absl::Status watched = loop_->Watch(socket_.fd(), events, [this](uint32_t) { OnReady(); });
    if (!watched.ok()) {
      socket_.Close();
      Fail(watched);
      return false;
    }
    return true;
  }

  void CloseSocket() {
    if (!socket_.valid()) return;
    loop_->Unwatch(socket_.fd());
    socket_.Close();
  }

  void SendAttempt() {
    --attempts_left_;
    if (absl::Status sent = SendQuery(socket_, server_, query_); !sent.ok()) return Fail(sent);
    deadline_.SetAfter(options_.timeout);
  }

  void OnReady() {
    switch (phase_) {
      case Phase::kUdp: return OnUdpReadable();
      case Phase::kTcpConnect: return OnTcpConnected();
      case Phase::kTcpWrite: return WriteTcp();
      case Phase::kTcpRead: return OnTcpReadable();
    }
  }

  void OnDeadline() {
    if (phase_ == Phase::kUdp && attempts_left_ > 0) return SendAttempt();
    Finish(TimedOut(server_));
  }

  void OnUdpReadable() {
    absl::StatusOr<std::optional<ExchangeResult>> result = ReceiveUdp(socket_, server_, want_);
    if (!result.ok()) return Fail(result.status());
    if (!result->has_value()) return;  // dropped, or a spurious wake-up: keep waiting
    if (WantsTcp(**result, options_)) {
      retried_over_tcp_ = true;
      return StartTcp();
    }
    Finish(**std::move(result));
  }

  void StartTcp() {
    absl::StatusOr<std::string> framed = FrameForTcp(query_);
    if (!framed.ok()) return Fail(framed.status());
    tcp_out_ = *std::move(framed);
    tcp_written_ = 0;
    absl::StatusOr<net::Socket> s = net::StartConnect(server_);
    if (!s.ok()) return Fail(s.status());
    phase_ = Phase::kTcpConnect;
    if (!Use(*std::move(s), net::EventLoop::kWritable)) return;
    deadline_.SetAfter(options_.timeout);
  }

  void OnTcpConnected() {
    if (absl::Status connected = net::FinishConnect(socket_, server_); !connected.ok()) {
      return Fail(connected);
    }
    phase_ = Phase::kTcpWrite;
    WriteTcp();
  }

  void WriteTcp() {
    absl::StatusOr<bool> all = SendFramed(socket_, tcp_out_, &tcp_written_);
    if (!all.ok()) return Fail(all.status());
    if (!*all) return;  // the rest when writable
    phase_ = Phase::kTcpRead;
    if (absl::Status s = loop_->SetEvents(socket_.fd(), net::EventLoop::kReadable); !s.ok()) {
      return Fail(s);
    }
    deadline_.SetAfter(options_.timeout);  // as Exchange: `timeout` for the reply once sent
  }

  void OnTcpReadable() {
    absl::StatusOr<std::optional<ExchangeResult>> result =
        ReceiveTcp(socket_, server_, want_, &tcp_in_);
    if (!result.ok()) return Fail(result.status());
    if (!result->has_value()) return;
    (*result)->retried_over_tcp = retried_over_tcp_;
    Finish(**std::move(result));
  }

  void Fail(const absl::Status& status) { Finish(Annotate(server_, status)); }

  // Finish releases the socket and timer and calls `done`, which may destroy this: nothing
  // of this runs after it.
  void Finish(absl::StatusOr<ExchangeResult> result) {
    deadline_.Clear();
    CloseSocket();
    Done done = std::move(done_);
    done(std::move(result));
  }

  net::EventLoop* const loop_;
  const net::Address server_;
  const std::vector<uint8_t> query_;
  const ExchangeOptions options_;
  Done done_;
  Expected want_;
  Phase phase_ = Phase::kUdp;
  net::Socket socket_;
  net::LazyTimer deadline_;
  net::EventLoop::TimerId begin_ = 0;
  int attempts_left_ = 0;
  bool retried_over_tcp_ = false;
  std::string tcp_out_;
  size_t tcp_written_ = 0;
  std::string tcp_in_;
};

}  // namespace

absl::StatusOr<ExchangeResult> Exchange(const net::Address& server,
                                        absl::Span<const uint8_t> query,
                                        const ExchangeOptions& options) {
  ASSIGN_OR_RETURN(Expected want, ExpectedOf(query));
  absl::StatusOr<ExchangeResult> result =
      options.tcp_only ? TcpExchange(server, query, want, options.timeout)
                       : UdpExchange(server, query, want, options);
  if (result.ok() && WantsTcp(*result, options)) {
    result = TcpExchange(server, query, want, options.timeout);
    if (result.ok()) result->retried_over_tcp = true;
  }
  if (!result.ok()) return Annotate(server, result.status());
  return result;
}

std::unique_ptr<LoopExchange> LoopExchange::Start(net::EventLoop* loop,
                                                 const net::Address& server,
                                                 absl::Span<const uint8_t> query,
                                                 const ExchangeOptions& options, Done done) {
  return std::make_unique<LoopExchangeImpl>(loop, server, query, options, std::move(done));
}

}  // namespace dns
