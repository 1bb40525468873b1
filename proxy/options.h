// options.h: everything that configures a cachingproxy Server (filled from flags by
// proxy_main.cc; tests and embedders fill it directly).
//
//   proxy::ProxyOptions o;
//   o.listen = *net::Address::Parse("127.0.0.1:0");
//   o.upstream = proxy::Origin{"127.0.0.1", 8081};   // reverse proxy; nullopt = forward only
//   ASSIGN_OR_RETURN(std::unique_ptr<proxy::Server> server, proxy::Server::Start(o));
#ifndef PROXY_OPTIONS_H_
#define PROXY_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "lib/http/message.h"
#include "lib/net/address.h"
#include "proxy/access_log.h"
#include "proxy/acl.h"
#include "proxy/forwarding.h"

namespace proxy {

// CacheOptions configures the response cache. Both sizes 0: no cache (every response
// passes through, without X-Cache).
struct CacheOptions {
  uint64_t mem_bytes = uint64_t{256} << 20;   // memory tier budget (0: none)
  std::string dir;                            // disk tier directory ("" : none)
  uint64_t disk_bytes = uint64_t{1} << 30;    // disk tier budget (0: none)
  uint64_t max_object_bytes = uint64_t{64} << 20;  // larger bodies are never stored
  // collapse_timeout is how long collapsed misses wait for the leader's response head
  // before going upstream themselves.
  absl::Duration collapse_timeout = absl::Seconds(10);
  // purge_allow lists the clients that may send PURGE. Default-constructed: nobody.
  Acl purge_allow;
  bool enabled() const { return mem_bytes > 0 || (!dir.empty() && disk_bytes > 0); }
};

struct ProxyOptions {
  net::Address listen = net::Address::Loopback(AF_INET, 8080);
  // upstream is the origin for origin-form requests (reverse proxy mode).
  std::optional<Origin> upstream;
  int workers = 1;
  // connect_ports are the ports CONNECT may reach; others get 403.
  std::vector<uint16_t> connect_ports = {443};
  // allow lists the client addresses served; others get 403. Default-constructed: nobody.
  Acl allow;
  int max_connections = 10000;
  // limits bounds request heads (max_line also bounds the request line: 414 beyond it) and
  // response heads from upstream.
  http::ParseLimits limits;
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration upstream_timeout = absl::Seconds(30);
  absl::Duration upstream_idle_timeout = absl::Seconds(30);
  size_t upstream_pool_size = 16;  // idle connections kept per origin per worker
  // New upstream connections per origin per worker not yet answered by the origin, at once;
  // more requests queue for a pooled connection or a free slot (0: no cap). See UpstreamPool.
  size_t upstream_max_new = 64;
  size_t buffer_size = 256 * 1024;  // per direction per connection
  // numeric_only: resolve only IP literals and "localhost" (no lookups). Otherwise names
  // resolve with lib/dns: hosts_file, then DNS per resolv_conf (its nameservers replaced by
  // `nameservers` when set), answers cached.
  bool numeric_only = false;
  std::string hosts_file = "/etc/hosts";
  std::string resolv_conf = "/etc/resolv.conf";
  std::vector<net::Address> nameservers;
  // admin_listen is where GET /metrics and /health are served (keep it on loopback); nullopt:
  // no admin listener.
  std::optional<net::Address> admin_listen;
  std::string pseudonym = "cachingproxy";  // in Via, and for loop detection
  CacheOptions cache;
  // access_log receives one line per request; not owned; may be null.
  AccessLog* access_log = nullptr;
};

}  // namespace proxy

#endif  // PROXY_OPTIONS_H_
