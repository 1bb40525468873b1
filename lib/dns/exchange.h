// exchange.h: the options, result and function type of one DNS query/response exchange with
// one server. lib/dns/transport implements it over UDP and TCP; the Resolver takes an
// ExchangeFn so tests can inject a fake.
//
//   dns::ExchangeOptions opts;
//   opts.timeout = absl::Seconds(1);
//   dns::ExchangeFn exchange = dns::Exchange;           // or a test fake
//   ASSIGN_OR_RETURN(dns::ExchangeResult r, exchange(server, query, opts));
//   if (r.message.header.rcode == dns::kNxDomain) ...
#ifndef LIB_DNS_EXCHANGE_H_
#define LIB_DNS_EXCHANGE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/dns/message.h"
#include "lib/net/address.h"

namespace dns {

// ExchangeOptions tunes one exchange. `timeout` bounds each attempt; `attempts` is how many
// times the query is sent to the server before giving up.
struct ExchangeOptions {
  absl::Duration timeout = absl::Seconds(2);
  int attempts = 2;
  bool tcp_only = false;
  bool tcp_on_truncation = true;
};

// ExchangeResult is the accepted reply: parsed, and its raw bytes.
struct ExchangeResult {
  Message message;
  std::vector<uint8_t> raw;
  bool retried_over_tcp = false;
  bool used_tcp = false;
};

// ExchangeFn sends the query `query` (wire form; read during the call, not kept) to `server`
// and returns the validated reply: from server's address and port, QR=1, same ID, same
// question. DeadlineExceeded on timeout, Unavailable when the server refuses. Must be safe to
// call from several threads at once.
using ExchangeFn = std::function<absl::StatusOr<ExchangeResult>(
    const net::Address& server, absl::Span<const uint8_t> query, const ExchangeOptions& options)>;

}  // namespace dns

#endif  // LIB_DNS_EXCHANGE_H_
