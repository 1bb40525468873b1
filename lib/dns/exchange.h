// exchange.h: the function type of one DNS query/response exchange with one server.
// dns::Exchange (lib/dns/transport, which also defines ExchangeOptions and ExchangeResult)
// implements it over UDP and TCP; the Resolver takes an ExchangeFn so tests can inject a fake.
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

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/dns/transport.h"
#include "lib/net/address.h"

namespace dns {

// ExchangeFn sends the query `query` (wire form; read during the call, not kept) to `server`
// and returns the validated reply: from server's address and port, QR=1, same ID, same
// question. DeadlineExceeded on timeout, Unavailable when the server refuses. Must be safe to
// call from several threads at once.
using ExchangeFn = std::function<absl::StatusOr<ExchangeResult>(
    const net::Address& server, absl::Span<const uint8_t> query, const ExchangeOptions& options)>;

}  // namespace dns

#endif  // LIB_DNS_EXCHANGE_H_
