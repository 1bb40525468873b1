// resolver.h: the proxy's name-resolution hook. A Resolver answers on the event loop's thread,
// so a lib/dns Resolver (ResolveHostAsync on the loop) can replace the getaddrinfo thread here
// without touching the connection code.
//
//   std::unique_ptr<proxy::Resolver> r = proxy::NewSystemResolver(loop);
//   r->Resolve("localhost", 80, [](absl::StatusOr<std::vector<net::Address>> addrs) { ... });
#ifndef PROXY_RESOLVER_H_
#define PROXY_RESOLVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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

// NewSystemResolver answers IP literals at once and other names with getaddrinfo(3) on one
// background thread.
std::unique_ptr<Resolver> NewSystemResolver(net::EventLoop* loop);

}  // namespace proxy

#endif  // PROXY_RESOLVER_H_
