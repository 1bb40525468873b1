#include "lib/dns/transport.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
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
  absl::string_view bytes(reinterpret_cast<const char*>(query.data()), query.size());
  ASSIGN_OR_RETURN(size_t sent, s.SendTo(bytes, nullptr));
  if (sent != bytes.size()) {
    return absl::UnavailableError(absl::StrCat("dns: short send to ", server.ToString()));
  }
  std::vector<char> buf(kMaxMessage);
  while (true) {
    ASSIGN_OR_RETURN(bool readable, WaitReadable(s.fd(), deadline));
    if (!readable) return std::nullopt;
    net::Address from;
    ASSIGN_OR_RETURN(size_t n, s.RecvFrom(absl::MakeSpan(buf), &from));
    if (n == net::kWouldBlock || from != server) continue;
    absl::Span<const uint8_t> reply(reinterpret_cast<const uint8_t*>(buf.data()), n);
    std::optional<Message> message = Acceptable(reply, want);
    if (!message.has_value()) continue;
    ExchangeResult result;
    result.message = *std::move(message);
    result.raw.assign(reply.begin(), reply.end());
    return result;
  }
}

// ReadExactly fills `out` from the non-blocking stream `s` before `deadline`.
absl::Status ReadExactly(net::Socket& s, const net::Address& server, absl::Span<char> out,
                         absl::Time deadline) {
  size_t have = 0;
  while (have < out.size()) {
    ASSIGN_OR_RETURN(bool readable, WaitReadable(s.fd(), deadline));
    if (!readable) return TimedOut(server);
    ASSIGN_OR_RETURN(size_t n, s.Read(out.subspan(have)));
    if (n == net::kWouldBlock) continue;
    if (n == 0) {
      return absl::UnavailableError(
          absl::StrCat("dns: ", server.ToString(), ": tcp connection closed before the reply"));
    }
    have += n;
  }
  return absl::OkStatus();
}

absl::StatusOr<ExchangeResult> TcpExchange(const net::Address& server,
                                           absl::Span<const uint8_t> query, const Expected& want,
                                           absl::Duration timeout) {
  if (query.size() > kMaxMessage) {
    return absl::InvalidArgumentError(absl::StrCat("dns: query of ", query.size(),
                                                   " bytes does not fit a tcp length prefix"));
  }
  ASSIGN_OR_RETURN(net::Socket s, net::Connect(server, absl::Now() + timeout));
  std::string framed;
  framed.push_back(static_cast<char>(query.size() >> 8));
  framed.push_back(static_cast<char>(query.size() & 0xff));
  framed.append(reinterpret_cast<const char*>(query.data()), query.size());
  RETURN_IF_ERROR(s.WriteAll(framed));
  RETURN_IF_ERROR(s.SetNonBlocking(true));
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<char> buf(kMaxMessage);
  while (true) {
    char prefix[2];
    RETURN_IF_ERROR(ReadExactly(s, server, absl::MakeSpan(prefix), deadline));
    const size_t len = (static_cast<uint8_t>(prefix[0]) << 8) | static_cast<uint8_t>(prefix[1]);
    absl::Span<char> body = absl::MakeSpan(buf).subspan(0, len);
    RETURN_IF_ERROR(ReadExactly(s, server, body, deadline));
    absl::Span<const uint8_t> reply(reinterpret_cast<const uint8_t*>(body.data()), len);
    std::optional<Message> message = Acceptable(reply, want);
    if (!message.has_value()) continue;  // not ours: keep reading until the deadline
    ExchangeResult result;
    result.message = *std::move(message);
    result.raw.assign(reply.begin(), reply.end());
    result.used_tcp = true;
    return result;
  }
}

absl::StatusOr<ExchangeResult> UdpExchange(const net::Address& server,
                                           absl::Span<const uint8_t> query, const Expected& want,
                                           const ExchangeOptions& options) {
  // Connecting fixes the peer (the kernel drops datagrams from elsewhere) and makes an ICMP
  // port unreachable come back as ECONNREFUSED; the autobound port is a random ephemeral one.
  net::ConnectOptions udp;
  udp.type = SOCK_DGRAM;
  ASSIGN_OR_RETURN(net::Socket s, net::Connect(server, absl::Now() + options.timeout, udp));
  RETURN_IF_ERROR(s.SetNonBlocking(true));
  for (int attempt = 0; attempt < std::max(options.attempts, 1); ++attempt) {
    ASSIGN_OR_RETURN(std::optional<ExchangeResult> result,
                     UdpAttempt(s, server, query, want, absl::Now() + options.timeout));
    if (result.has_value()) return *std::move(result);
  }
  return TimedOut(server);
}

}  // namespace

absl::StatusOr<ExchangeResult> Exchange(const net::Address& server,
                                        absl::Span<const uint8_t> query,
                                        const ExchangeOptions& options) {
  Expected want;
  ASSIGN_OR_RETURN(Header header, ParseHeader(query));
  want.id = header.id;
  ASSIGN_OR_RETURN(want.question, ParseFirstQuestion(query));
  absl::StatusOr<ExchangeResult> result =
      options.tcp_only ? TcpExchange(server, query, want, options.timeout)
                       : UdpExchange(server, query, want, options);
  if (result.ok() && !result->used_tcp && result->message.header.tc &&
      options.tcp_on_truncation) {
    result = TcpExchange(server, query, want, options.timeout);
    if (result.ok()) result->retried_over_tcp = true;
  }
  if (!result.ok()) return Annotate(server, result.status());
  return result;
}

}  // namespace dns
