#include "proxy/server.h"

#include <sys/socket.h>

#include <cstdio>
#include <string>
#include <vector>

#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/disk_store.h"
#include "lib/cache/http_cache.h"
#include "lib/cache/memory_store.h"
#include "lib/cache/tiered_store.h"
#include "lib/http/url.h"
#include "lib/base/status_macros.h"
#include "lib/net/event_loop.h"
#include "lib/net/socket.h"
#include "proxy/internal/client_connection.h"
#include "proxy/resolver.h"
#include "proxy/upstream_pool.h"

namespace proxy {

// Worker owns one event loop and everything on it. All methods but Post-ed ones run on the
// worker's thread.
class Worker {
 public:
  // Shared is what every worker uses and the Server owns (it outlives the workers).
  struct Shared {
    const ProxyOptions* options;
    std::atomic<int>* connections;
    cache::HttpCache* cache;  // may be null
    Collapser* collapser;
    dns::Resolver* dns;  // null: numeric resolution only
  };

  static absl::StatusOr<std::unique_ptr<Worker>> Create(const Shared& shared, net::Socket listener,
                                                        WorkerMetrics* metrics) {
    ASSIGN_OR_RETURN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
    RETURN_IF_ERROR(listener.SetNonBlocking(true));
    return std::unique_ptr<Worker>(new Worker(shared, std::move(loop), std::move(listener), metrics));
  }

  ~Worker() {
    conns_.clear();  // before the pool, resolver and loop they use
    for (auto& [fd, sock] : sinks_) loop_->Unwatch(fd);
    sinks_.clear();
    pool_.reset();
    resolver_.reset();
  }

  // Run serves until Drain's grace ends or every connection is done after Drain.
  void Run() {
    absl::Status s = loop_->Watch(listener_.fd(), net::EventLoop::kReadable,
                                  [this](uint32_t) { AcceptSome(); });
    if (!s.ok()) return;
    loop_->Run();
    loop_->Unwatch(listener_.fd());
    conns_.clear();
  }

  // Drain (thread-safe) stops accepting and closes connections as they become idle; the loop
  // stops when none is left, or after `grace`.
  void Drain(absl::Duration grace) {
    loop_->Post([this, grace] {
      if (ctx_.draining) return;
      ctx_.draining = true;
      loop_->Unwatch(listener_.fd());
      listener_.Close();
      pool_->Clear();
      loop_->RunAfter(grace, [this] { loop_->Stop(); });
      std::vector<ClientConnection*> all;
      for (auto& [id, c] : conns_) all.push_back(c.get());
      for (ClientConnection* c : all) c->Drain();
      MaybeStop();
    });
  }

 private:
  Worker(const Shared& shared, std::unique_ptr<net::EventLoop> loop, net::Socket listener,
         WorkerMetrics* metrics)
      : options_(shared.options),
        loop_(std::move(loop)),
        listener_(std::move(listener)),
        connections_(shared.connections),
        metrics_(metrics),
        scratch_(64 * 1024) {
    pool_ = std::make_unique<UpstreamPool>(loop_.get(), options_->upstream_pool_size,
                                           options_->upstream_idle_timeout,
                                           options_->upstream_max_new);
    resolver_ = shared.dns == nullptr ? NewNumericResolver(loop_.get())
                                      : NewDnsResolver(loop_.get(), shared.dns);
    ctx_.loop = loop_.get();
    ctx_.options = options_;
    ctx_.pool = pool_.get();
    ctx_.resolver = resolver_.get();
    ctx_.scratch = &scratch_;
    ctx_.metrics = metrics_;
    ctx_.cache = shared.cache;
    ctx_.collapser = shared.collapser;
    ctx_.start_background = [this](std::string request, const net::Address& peer,
                                   std::string key) {
      StartBackground(std::move(request), peer, std::move(key));
    };
    ctx_.release = [this](uint64_t id) {
      // Destroyed later: the connection may still be on the stack.
      loop_->Post([this, id] {
        if (conns_.erase(id) > 0) {
          connections_->fetch_sub(1);
          WorkerMetrics::Add(metrics_->connections_closed, 1);
        }
        MaybeStop();
      });
    };
  }

  void MaybeStop() {
    if (ctx_.draining && conns_.empty()) loop_->Stop();
  }

  void AcceptSome() {
    for (int i = 0; i < 64 && listener_.valid(); ++i) {
      absl::StatusOr<std::optional<std::pair<net::Socket, net::Address>>> a =
          listener_.Accept(/*nonblocking=*/true);
      if (!a.ok() || !a->has_value()) return;  // EMFILE and friends: retried on the next wake
      auto [sock, peer] = **std::move(a);
      if (!options_->allow.Allows(peer)) {
        Refuse(sock, peer, 403, "client address not allowed");
        continue;
      }
      if (connections_->fetch_add(1) >= options_->max_connections) {
        connections_->fetch_sub(1);
        Refuse(sock, peer, 503, "too many connections");
        continue;
      }
      WorkerMetrics::Add(metrics_->connections_accepted, 1);
      uint64_t id = next_id_++;
      auto conn = std::make_unique<ClientConnection>(&ctx_, id, std::move(sock), peer);
      ClientConnection* c = conn.get();
      conns_.emplace(id, std::move(conn));
      c->Start();
    }
  }

  // StartBackground runs `request` through a ClientConnection whose client is one end of a
  // socketpair; the other end (a sink) is written once and then only drained and dropped.
  // Its revalidation mark for `key` ends with the connection (or here, on failure).
  void StartBackground(std::string request, const net::Address& peer, std::string key) {
    int sv[2];
    if (ctx_.draining ||
        ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
      ctx_.collapser->EndRevalidation(key);
      return;
    }
    net::Socket sink{net::Fd(sv[0])};
    net::Socket client{net::Fd(sv[1])};
    // A request head fits the socket buffer whole; if it did not, the request just fails.
    if (!sink.WriteAll(request).ok() || ::shutdown(sink.fd(), SHUT_WR) != 0) {
      ctx_.collapser->EndRevalidation(key);
      return;
    }
    int fd = sink.fd();
    if (!loop_->Watch(fd, net::EventLoop::kReadable, [this, fd](uint32_t) { DrainSink(fd); }).ok()) {
      ctx_.collapser->EndRevalidation(key);
      return;
    }
    sinks_.emplace(fd, std::move(sink));
    connections_->fetch_add(1);
    uint64_t id = next_id_++;
    auto conn = std::make_unique<ClientConnection>(&ctx_, id, std::move(client), peer, std::move(key));
    ClientConnection* c = conn.get();
    conns_.emplace(id, std::move(conn));
    c->Start();
  }

  void DrainSink(int fd) {
    auto it = sinks_.find(fd);
    if (it == sinks_.end()) return;
    for (;;) {
      absl::StatusOr<size_t> n = it->second.Read(absl::MakeSpan(scratch_));
      if (n.ok() && *n == net::kWouldBlock) return;
      if (!n.ok() || *n == 0) break;
    }
    loop_->Unwatch(fd);
    sinks_.erase(it);
  }

  // Refuse answers a connection that is not served at all, best effort (one non-blocking
  // write), and closes it.
  void Refuse(net::Socket& sock, const net::Address& peer, int status, absl::string_view why) {
    sock.Write(ErrorResponse(status, why, options_->pseudonym)).IgnoreError();
    ::shutdown(sock.fd(), SHUT_WR);
    metrics_->CountRequest(status, absl::ZeroDuration());
    if (options_->access_log != nullptr) {
      AccessEntry e;
      e.client_ip = peer.IpString();
      e.time = absl::Now();
      e.request_line = "-";
      e.status = status;
      options_->access_log->Write(FormatAccessLine(e));
    }
  }

  const ProxyOptions* options_;
  std::unique_ptr<net::EventLoop> loop_;
  net::Socket listener_;
  std::atomic<int>* connections_;
  WorkerMetrics* metrics_;
  std::vector<char> scratch_;
  std::unique_ptr<UpstreamPool> pool_;
  std::unique_ptr<Resolver> resolver_;
  WorkerContext ctx_;
  uint64_t next_id_ = 1;
  absl::flat_hash_map<uint64_t, std::unique_ptr<ClientConnection>> conns_;
  absl::flat_hash_map<int, net::Socket> sinks_;  // background requests' client ends
};

namespace {

// DiskErrorLog reports the disk tier's failures on stderr, at most one line per 10 s (with a
// count of those not shown), so a full disk does not flood the log.
class DiskErrorLog {
 public:
  void Report(const absl::Status& s) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    absl::Time now = absl::Now();
    if (now - last_ < absl::Seconds(10)) {
      ++suppressed_;
      return;
    }
    std::fprintf(stderr, "cachingproxy: disk cache: %s (kept in memory only)%s\n",
                 std::string(s.message()).c_str(),
                 suppressed_ > 0 ? absl::StrCat("; ", suppressed_, " more not shown").c_str() : "");
    last_ = now;
    suppressed_ = 0;
  }

 private:
  absl::Mutex mu_;
  absl::Time last_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

std::string Bytes(uint64_t n) {
  if (n >= (uint64_t{1} << 30) && n % (uint64_t{1} << 30) == 0) return absl::StrCat(n >> 30, " GiB");
  if (n >= (uint64_t{1} << 20) && n % (uint64_t{1} << 20) == 0) return absl::StrCat(n >> 20, " MiB");
  if (n >= 1024 && n % 1024 == 0) return absl::StrCat(n >> 10, " KiB");
  return absl::StrCat(n, " bytes");
}

}  // namespace

absl::Status Server::OpenCache() {
  const CacheOptions& c = options_.cache;
  collapser_ = std::make_unique<Collapser>();
  if (!c.enabled()) {
    cache_summary_ = "cache off";
    return absl::OkStatus();
  }
  std::unique_ptr<cache::MemoryStore> memory;
  if (c.mem_bytes > 0) memory = std::make_unique<cache::MemoryStore>(
      cache::MemoryStore::Options{.max_bytes = c.mem_bytes});
  std::unique_ptr<cache::DiskStore> disk;
  std::vector<std::string> parts;
  if (memory != nullptr) parts.push_back(absl::StrCat("memory ", Bytes(c.mem_bytes)));
  if (!c.dir.empty() && c.disk_bytes > 0) {
    absl::StatusOr<std::unique_ptr<cache::DiskStore>> opened =
        cache::DiskStore::Open({.directory = c.dir, .max_bytes = c.disk_bytes});
    if (opened.ok()) {
      disk = *std::move(opened);
      const cache::DiskStore::RebuildStats& r = disk->rebuild_stats();
      parts.push_back(absl::StrCat("disk ", Bytes(c.disk_bytes), " in ", c.dir, " (", r.entries,
                                   " entries, ", Bytes(r.bytes), ", indexed in ",
                                   absl::FormatDuration(r.duration), ")"));
    } else if (memory == nullptr) {
      return opened.status();
    } else {
      // An unusable cache directory costs the disk tier, not the service.
      parts.push_back(absl::StrCat("no disk tier: ", opened.status().message()));
    }
  }
  memory_ = memory.get();
  disk_ = disk.get();
  std::unique_ptr<cache::Store> store;
  if (memory != nullptr && disk != nullptr) {
    auto errors = std::make_shared<DiskErrorLog>();
    store = std::make_unique<cache::TieredStore>(
        std::move(memory), std::move(disk), /*promote_max_bytes=*/1 << 20,
        [errors](const absl::Status& s) { errors->Report(s); });
  } else if (memory != nullptr) {
    store = std::move(memory);
  } else {
    store = std::move(disk);
  }
  cache_ = std::make_unique<cache::HttpCache>(std::move(store));
  cache_summary_ = absl::StrCat("cache: ", absl::StrJoin(parts, ", "));
  return absl::OkStatus();
}

absl::StatusOr<bool> Server::Purge(absl::string_view url) {
  if (cache_ == nullptr) return false;
  ASSIGN_OR_RETURN(http::Url parsed, http::Url::Parse(url));
  return cache_->Invalidate(cache::CacheKey::ForRequest("GET", parsed)).ok();
}

CacheGauges Server::Gauges() const {
  CacheGauges g;
  auto tier = [](absl::string_view name, const cache::StoreStats& s) {
    return CacheGauges::Tier{std::string(name), s.entries, s.bytes, s.evictions, s.corrupt};
  };
  if (memory_ != nullptr) g.tiers.push_back(tier("memory", memory_->stats()));
  if (disk_ != nullptr) g.tiers.push_back(tier("disk", disk_->stats()));
  g.collapsed = collapser_->collapsed();
  g.in_flight = collapser_->in_flight();
  return g;
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ProxyOptions& options) {
  std::unique_ptr<Server> server(new Server());
  server->options_ = options;
  RETURN_IF_ERROR(server->OpenCache());
  if (!options.numeric_only) {
    dns::ResolverConfig config;
    config.hosts_path = options.hosts_file;
    config.resolv_conf_path = options.resolv_conf;
    if (!options.nameservers.empty()) config.nameservers = options.nameservers;
    ASSIGN_OR_RETURN(server->dns_, dns::Resolver::Create(std::move(config)));
  }
  Worker::Shared shared{&server->options_, &server->connections_, server->cache_.get(),
                        server->collapser_.get(), server->dns_.get()};
  int n = std::max(1, options.workers);
  net::Address addr = options.listen;
  for (int i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(net::Socket listener,
                     net::Listen(addr, {.backlog = 1024, .reuse_port = n > 1}));
    if (i == 0) {
      ASSIGN_OR_RETURN(addr, listener.LocalAddress());
      server->address_ = addr;
    }
    server->metrics_.push_back(std::make_unique<WorkerMetrics>());
    ASSIGN_OR_RETURN(std::unique_ptr<Worker> w,
                     Worker::Create(shared, std::move(listener), server->metrics_.back().get()));
    server->workers_.push_back(std::move(w));
  }
  if (options.admin_listen.has_value()) {
    AdminHandlers handlers{.metrics = [s = server.get()] { return s->RenderMetrics(); }};
    if (server->cache_ != nullptr) {
      handlers.purge = [s = server.get()](absl::string_view url) { return s->Purge(url); };
    }
    ASSIGN_OR_RETURN(server->admin_, AdminServer::Start(*options.admin_listen, std::move(handlers)));
  }
  for (auto& w : server->workers_) {
    server->threads_.emplace_back([w = w.get()] { w->Run(); });
  }
  return server;
}

std::optional<net::Address> Server::admin_address() const {
  if (admin_ == nullptr) return std::nullopt;
  return admin_->address();
}

std::string Server::RenderMetrics() const {
  std::vector<const WorkerMetrics*> all;
  for (const auto& m : metrics_) all.push_back(m.get());
  if (cache_ == nullptr) return RenderPrometheus(all);
  CacheGauges gauges = Gauges();
  return RenderPrometheus(all, &gauges);
}

void Server::Shutdown(absl::Duration grace) {
  if (shut_down_.exchange(true)) return;
  for (auto& w : workers_) w->Drain(grace);
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

Server::~Server() {
  admin_.reset();
  Shutdown(absl::ZeroDuration());
  // The resolver abandons its lookups still in flight, unwatching their sockets on the
  // (stopped) worker loops: before those go.
  dns_.reset();
  workers_.clear();
}

}  // namespace proxy
