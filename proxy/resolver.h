// resolver.h: the proxy's name-resolution hook. A Resolver answers on the event loop's thread.
// The DNS one is lib/dns's stub resolver (hosts file, resolv.conf, answer cache shared by all
// workers) driven from the loop.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<dns::Resolver> dns, dns::Resolver::Create({}));  // shared
//   std::unique_ptr<proxy::Resolver> r = proxy::NewDnsResolver(loop, dns.get());
//   r->Resolve("origin.example", 80, [](absl::StatusOr<std::vector<net::Address>> addrs) {...});
#ifndef PROXY_RESOLVER_H_
#define PROXY_RESOLVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/dns/resolver.h"
#include "lib/net/address.h"
#include "lib/net/event_loop.h"

namespace proxy {

class Resolver {
 public:
  using Done = std::function<void(absl::StatusOr<std::vector<net::Address>>)>;
  virtual ~Resolver() = default;

  // Resolve looks up `host` (a name or IP literal) and calls `done` later on the loop thread
  // with at least one address, or NotFound. `done` is never called after the Resolver is
  // destroyed.
  virtual void Resolve(const std::string& host, uint16_t port, Done done) = 0;
};

// NewNumericResolver answers IP literals and "localhost" (127.0.0.1); any other name is
// NotFound. Never touches the network.
std::unique_ptr<Resolver> NewNumericResolver(net::EventLoop* loop);

// NewDnsResolver answers with `dns` (literals, hosts entries and cached answers at once, other
// names by DNS queries on `loop` itself). `dns` is shared by several loops; destroy it after
// they stopped running (it abandons the lookups still in flight, touching their loops) and
// before they are destroyed.
std::unique_ptr<Resolver> NewDnsResolver(net::EventLoop* loop, dns::Resolver* dns);

}  // namespace proxy

#endif  // PROXY_RESOLVER_H_
