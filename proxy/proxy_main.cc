// cachingproxy: caching HTTP forward/reverse proxy with CONNECT tunnels. See README.md and
// proxy/server.h.
#include <signal.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gflags/gflags.h"
#include "lib/net/address.h"
#include "proxy/access_log.h"
#include "proxy/config.h"
#include "proxy/server.h"

namespace {
const proxy::FlagValues kDefaults;
}  // namespace

DEFINE_string(listen, kDefaults.listen, "Address to listen on: IPv4:PORT or [IPv6]:PORT (port 0 picks one)");
DEFINE_string(upstream, kDefaults.upstream,
              "Reverse proxy: send origin-form requests to HOST:PORT (empty: forward proxy only)");
DEFINE_int32(workers, kDefaults.workers, "Worker threads, each with its own event loop (0: one per core)");
DEFINE_string(connect_ports, kDefaults.connect_ports, "Comma-separated ports CONNECT may reach (others: 403)");
DEFINE_string(allow, kDefaults.allow, "Comma-separated client CIDRs served (others: 403)");
DEFINE_int32(max_connections, kDefaults.max_connections, "Client connections at once (beyond: 503)");
DEFINE_int32(max_header_bytes, kDefaults.max_header_bytes, "Largest request head (beyond: 431)");
DEFINE_int32(max_uri_bytes, kDefaults.max_uri_bytes, "Longest request line (beyond: 414) and field line");
DEFINE_string(header_timeout, kDefaults.header_timeout, "Time allowed to send a request head (then 408)");
DEFINE_string(idle_timeout, kDefaults.idle_timeout, "Idle keep-alive client connections close after this");
DEFINE_string(upstream_timeout, kDefaults.upstream_timeout,
              "Upstream connect/response inactivity limit (before the response head: 504)");
DEFINE_string(upstream_idle_timeout, kDefaults.upstream_idle_timeout, "Idle pooled upstream connections close after this");
DEFINE_int32(upstream_pool_size, kDefaults.upstream_pool_size, "Idle upstream connections kept per origin per worker");
DEFINE_int32(upstream_max_new, kDefaults.upstream_max_new,
             "New upstream connections per origin per worker waiting for the origin's first answer at once; more requests queue for a pooled connection or a free slot, so a burst cannot overflow the origin's listen backlog (0: no cap)");
DEFINE_int32(buffer_size, kDefaults.buffer_size, "Bytes buffered per direction per connection (backpressure beyond)");
DEFINE_string(resolver, kDefaults.resolver,
              "Name resolution: system (lib/dns: --hosts_file, then DNS per --resolv_conf, cached) "
              "or numeric (IP literals and localhost only)");
DEFINE_string(hosts_file, kDefaults.hosts_file, "Hosts file consulted before DNS");
DEFINE_string(resolv_conf, kDefaults.resolv_conf, "resolv.conf: nameservers, search, ndots, timeout, attempts");
DEFINE_string(nameservers, kDefaults.nameservers,
              "Comma-separated DNS servers ADDR or ADDR:PORT replacing resolv.conf's (empty: resolv.conf's)");
DEFINE_string(admin_listen, kDefaults.admin_listen,
              "Admin listener for GET /metrics (Prometheus) and /health, e.g. 127.0.0.1:9090 "
              "(keep it on loopback; port 0 picks one; empty: none)");
DEFINE_string(mem_cache_size, kDefaults.mem_cache_size,
              "Memory cache budget, e.g. 256M (0: no memory tier)");
DEFINE_string(cache_dir, proxy::DefaultCacheDir(),
              "Disk cache directory (absolute; created if missing; kept across restarts)");
DEFINE_string(disk_cache_size, kDefaults.disk_cache_size, "Disk cache budget, e.g. 1G (0: no disk tier)");
DEFINE_string(max_object_size, kDefaults.max_object_size, "Largest response body stored");
DEFINE_string(collapse_timeout, kDefaults.collapse_timeout,
              "How long concurrent misses on one URL wait for the first one's response head before "
              "going upstream themselves");
DEFINE_string(purge_allow, kDefaults.purge_allow, "Comma-separated client CIDRs allowed to send PURGE");
DEFINE_string(pseudonym, kDefaults.pseudonym,
              "Name this proxy adds to Via, and by which it recognises a request that looped back "
              "to it (508); chained cachingproxies need different names");
DEFINE_string(access_log, "", "Access log file (Combined Log Format + cache status + upstream time); empty: stderr. SIGHUP reopens it");
DEFINE_string(access_log_flush, "100ms",
              "Access log lines are buffered and written at this interval (or when 64 KiB "
              "accumulate); 0: write each line at once");
DEFINE_string(shutdown_grace, "10s", "On SIGTERM/SIGINT, time in-flight requests get to finish");

int main(int argc, char** argv) {
  gflags::SetUsageMessage("cachingproxy [--listen=HOST:PORT] [--upstream=HOST:PORT] [flags]");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  // Debian's Abseil is built without NDEBUG, so every Mutex lock and unlock also updates a
  // deadlock-detection graph. The tests keep it on; the server turns it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc > 1) {
    std::fprintf(stderr, "cachingproxy: unexpected argument %s (see --help)\n", argv[1]);
    return 2;
  }
  proxy::FlagValues v;
  v.listen = FLAGS_listen;
  v.upstream = FLAGS_upstream;
  v.workers = FLAGS_workers;
  v.connect_ports = FLAGS_connect_ports;
  v.allow = FLAGS_allow;
  v.max_connections = FLAGS_max_connections;
  v.max_header_bytes = FLAGS_max_header_bytes;
  v.max_uri_bytes = FLAGS_max_uri_bytes;
  v.header_timeout = FLAGS_header_timeout;
  v.idle_timeout = FLAGS_idle_timeout;
  v.upstream_timeout = FLAGS_upstream_timeout;
  v.upstream_idle_timeout = FLAGS_upstream_idle_timeout;
  v.upstream_pool_size = FLAGS_upstream_pool_size;
  v.upstream_max_new = FLAGS_upstream_max_new;
  v.buffer_size = FLAGS_buffer_size;
  v.resolver = FLAGS_resolver;
  v.hosts_file = FLAGS_hosts_file;
  v.resolv_conf = FLAGS_resolv_conf;
  v.nameservers = FLAGS_nameservers;
  v.admin_listen = FLAGS_admin_listen;
  v.mem_cache_size = FLAGS_mem_cache_size;
  v.cache_dir = FLAGS_cache_dir;
  v.disk_cache_size = FLAGS_disk_cache_size;
  v.max_object_size = FLAGS_max_object_size;
  v.collapse_timeout = FLAGS_collapse_timeout;
  v.purge_allow = FLAGS_purge_allow;
  v.pseudonym = FLAGS_pseudonym;
  absl::StatusOr<proxy::ProxyOptions> options = proxy::BuildOptions(v);
  absl::Duration grace;
  if (options.ok() && (!absl::ParseDuration(FLAGS_shutdown_grace, &grace) ||
                       grace < absl::ZeroDuration())) {
    options = absl::InvalidArgumentError("--shutdown_grace: not a duration: " + FLAGS_shutdown_grace);
  }
  if (!options.ok()) {
    std::fprintf(stderr, "cachingproxy: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  absl::Duration flush;
  if (!absl::ParseDuration(FLAGS_access_log_flush, &flush) || flush < absl::ZeroDuration()) {
    std::fprintf(stderr, "cachingproxy: --access_log_flush: not a duration: %s\n",
                 FLAGS_access_log_flush.c_str());
    return 2;
  }
  // Signals are taken synchronously by this thread; every thread started after (the access
  // log's flusher, the workers) inherits the mask, so none of them is interrupted, or killed
  // by a SIGTERM the kernel hands to it.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<std::unique_ptr<proxy::AccessLog>> log =
      proxy::AccessLog::Open(FLAGS_access_log, {.flush_interval = flush});
  if (!log.ok()) {
    std::fprintf(stderr, "cachingproxy: %s\n", std::string(log.status().message()).c_str());
    return 1;
  }
  options->access_log = log->get();

  absl::StatusOr<std::unique_ptr<proxy::Server>> server = proxy::Server::Start(*options);
  if (!server.ok()) {
    std::fprintf(stderr, "cachingproxy: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "cachingproxy %s\n", (*server)->cache_summary().c_str());
  if (std::optional<net::Address> admin = (*server)->admin_address()) {
    std::fprintf(stderr, "cachingproxy admin listening on %s\n", admin->ToString().c_str());
  }
  std::fprintf(stderr, "cachingproxy listening on %s\n",
               (*server)->address().ToString().c_str());
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      if (absl::Status s = (*log)->Reopen(); !s.ok()) {
        std::fprintf(stderr, "cachingproxy: %s\n", std::string(s.message()).c_str());
      }
      continue;
    }
    std::fprintf(stderr, "cachingproxy: shutting down (grace %s)\n",
                 absl::FormatDuration(grace).c_str());
    (*server)->Shutdown(grace);
    return 0;
  }
}
