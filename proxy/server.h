// server.h: cachingproxy's engine: N worker threads, each with its own epoll EventLoop, its
// own SO_REUSEPORT listener, idle upstream pool and resolver; connections never move between
// workers.
//
//   proxy::ProxyOptions o;                       // see options.h
//   ASSIGN_OR_RETURN(std::unique_ptr<proxy::Server> server, proxy::Server::Start(o));
//   std::cerr << "listening on " << server->address().ToString() << "\n";
//   if (server->admin_address()) ...             // GET /metrics, /health (o.admin_listen)
//   ... wait for SIGTERM ...
//   server->Shutdown(absl::Seconds(10));        // stop accepting, finish in-flight requests
#ifndef PROXY_SERVER_H_
#define PROXY_SERVER_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/cache/disk_store.h"
#include "lib/cache/http_cache.h"
#include "lib/cache/memory_store.h"
#include "lib/dns/resolver.h"
#include "lib/net/address.h"
#include "proxy/admin.h"
#include "proxy/collapser.h"
#include "proxy/metrics.h"
#include "proxy/options.h"

namespace proxy {

class Worker;

class Server {
 public:
  // Start binds the listeners (all on the port the first one got, for port 0) and the admin
  // listener (when options.admin_listen is set), and starts the workers. `options` is copied;
  // options.access_log must outlive the Server.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ProxyOptions& options);
  // The destructor shuts down with no grace (open connections are closed).
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // address returns where the server listens (the real port when started with port 0).
  const net::Address& address() const { return address_; }
  // admin_address returns where the admin listener is (real port), or nullopt without one.
  std::optional<net::Address> admin_address() const;

  // RenderMetrics sums every worker's counters in the Prometheus text format (what the admin
  // listener's /metrics serves). Thread-safe.
  std::string RenderMetrics() const;

  // Shutdown stops accepting, lets requests in flight finish for up to `grace`, then closes
  // what is left and joins the workers. Idempotent. Thread-safe.
  void Shutdown(absl::Duration grace);

  // cache_summary describes the cache as opened ("cache: memory 256 MiB, disk 1 GiB in DIR
  // (N entries, ..., indexed in T)" or "cache off"), for the start-up message.
  const std::string& cache_summary() const { return cache_summary_; }

  // Purge drops what is cached for the absolute URL `url`: true if something was. Thread-safe.
  absl::StatusOr<bool> Purge(absl::string_view url);

 private:
  Server() = default;
  // OpenCache builds the cache from options_.cache: memory in front of disk, either alone, or
  // none. An unusable directory drops only the disk tier (noted in cache_summary_), unless it
  // was the only one.
  absl::Status OpenCache();
  CacheGauges Gauges() const;

  ProxyOptions options_;
  net::Address address_;
  // The cache and collapser are shared by the workers, which are destroyed first.
  std::unique_ptr<cache::HttpCache> cache_;
  cache::MemoryStore* memory_ = nullptr;  // tiers inside cache_, for their statistics
  cache::DiskStore* disk_ = nullptr;
  std::unique_ptr<Collapser> collapser_;
  std::string cache_summary_;
  std::unique_ptr<dns::Resolver> dns_;  // shared by the workers; null with numeric_only
  std::atomic<int> connections_{0};
  std::vector<std::unique_ptr<WorkerMetrics>> metrics_;  // one per worker, outlive them
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> shut_down_{false};
  std::unique_ptr<AdminServer> admin_;  // destroyed first: it reads metrics_
};

}  // namespace proxy

#endif  // PROXY_SERVER_H_
