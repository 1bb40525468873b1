// transport.h: one DNS query/response exchange with one server, over UDP (TCP on truncation)
// or TCP only, with the reply checks that make blind spoofing hard.
//
//   ASSIGN_OR_RETURN(std::vector<uint8_t> query,
//                    dns::BuildQuery("example.com", dns::kA, {.edns = false}));
//   ASSIGN_OR_RETURN(net::Address server, net::Address::FromIp("127.0.0.1", 53));
//   ASSIGN_OR_RETURN(dns::ExchangeResult r, dns::Exchange(server, query, {}));
//   if (r.retried_over_tcp) Note("truncated, used TCP");
//   for (const dns::ResourceRecord& rr : r.message.answers) Use(rr);
//
//   // The same on an EventLoop, without blocking (on the loop's thread):
//   std::unique_ptr<dns::LoopExchange> x = dns::LoopExchange::Start(
//       loop, server, query, {}, [](absl::StatusOr<dns::ExchangeResult> r) {...});
#ifndef LIB_DNS_TRANSPORT_H_
#define LIB_DNS_TRANSPORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/dns/message.h"
#include "lib/net/address.h"
#include "lib/net/event_loop.h"

namespace dns {

// ExchangeOptions tunes Exchange.
struct ExchangeOptions {
  absl::Duration timeout = absl::Seconds(2);  // per attempt
  int attempts = 2;                           // UDP sends before giving up (each waits `timeout`)
  bool tcp_only = false;                      // nslookup -vc
  bool tcp_on_truncation = true;              // TC=1 → the same query over TCP
};

// ExchangeResult is the reply Exchange accepted.
struct ExchangeResult {
  Message message;                // the parsed accepted reply
  std::vector<uint8_t> raw;       // its bytes
  bool retried_over_tcp = false;  // a TC=1 UDP reply made us retry over TCP
  bool used_tcp = false;
};

// Exchange sends `query` (wire bytes, e.g. from BuildQuery; not kept) to `server` and returns
// the first acceptable reply.
//
// Over UDP the query goes from a fresh socket on a random ephemeral port, connected to
// `server`. A reply counts only if it comes from `server`'s address and port, has QR=1, the
// query's ID, and the same question (name case-insensitive, type, class); anything else,
// unparseable datagrams included, is dropped and waiting continues until the attempt's
// deadline. Each of `attempts` sends waits `timeout`. A TC=1 reply is retried over TCP when
// `tcp_on_truncation` (else it is returned as is).
//
// Over TCP (tcp_only, or after TC=1) the message has a 2-byte length prefix; connect and read
// are each bounded by `timeout`, and the reply gets the same checks.
//
// Errors: InvalidArgument if `query` has no question; DeadlineExceeded("dns: timed out waiting
// for <server>") when no attempt got a reply; Unavailable("dns: <server>: connection refused
// (...)") on ICMP port unreachable (UDP) or a reset (TCP), and Unavailable for a TCP connection
// closed before the reply; other socket errors as the socket layer reports them.
absl::StatusOr<ExchangeResult> Exchange(const net::Address& server,
                                        absl::Span<const uint8_t> query,
                                        const ExchangeOptions& options);

// LoopExchange is Exchange for event-loop code: the same sockets (a fresh UDP socket on a
// random port, connected to the server; TCP with the length prefix), the same reply checks,
// attempts, timeouts, TCP retry on TC=1 and the same errors, but driven by `loop` with
// non-blocking sockets and loop timers instead of blocking the thread.
class LoopExchange {
 public:
  using Done = std::function<void(absl::StatusOr<ExchangeResult>)>;

  // Start begins the exchange of `query` (copied) with `server` on `loop`. Call it on the
  // thread that runs `loop` (or while no thread runs it). `done` is called once, on that
  // thread, from one of the loop's callbacks — never from inside Start — unless the
  // LoopExchange is destroyed first; it may destroy the LoopExchange.
  static std::unique_ptr<LoopExchange> Start(net::EventLoop* loop, const net::Address& server,
                                             absl::Span<const uint8_t> query,
                                             const ExchangeOptions& options, Done done);

  // ~LoopExchange abandons an exchange that has not called `done`: its socket is unwatched
  // and closed, its timers cancelled, and `done` is never called. It touches `loop`, which
  // must still exist: destroy a LoopExchange on the loop's thread, or while no thread runs
  // the loop.
  virtual ~LoopExchange() = default;
  LoopExchange(const LoopExchange&) = delete;
  LoopExchange& operator=(const LoopExchange&) = delete;

 protected:
  LoopExchange() = default;
};

}  // namespace dns

#endif  // LIB_DNS_TRANSPORT_H_
