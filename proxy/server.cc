#include "proxy/server.h"

#include <sys/socket.h>

#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
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
  static absl::StatusOr<std::unique_ptr<Worker>> Create(const ProxyOptions* options,
                                                        net::Socket listener,
                                                        std::atomic<int>* connections,
                                                        WorkerMetrics* metrics) {
    ASSIGN_OR_RETURN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
    RETURN_IF_ERROR(listener.SetNonBlocking(true));
    return std::unique_ptr<Worker>(
        new Worker(options, std::move(loop), std::move(listener), connections, metrics));
  }

  ~Worker() {
    conns_.clear();  // before the pool, resolver and loop they use
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
  Worker(const ProxyOptions* options, std::unique_ptr<net::EventLoop> loop, net::Socket listener,
         std::atomic<int>* connections, WorkerMetrics* metrics)
      : options_(options),
        loop_(std::move(loop)),
        listener_(std::move(listener)),
        connections_(connections),
        metrics_(metrics),
        scratch_(64 * 1024) {
    pool_ = std::make_unique<UpstreamPool>(loop_.get(), options->upstream_pool_size,
                                           options->upstream_idle_timeout);
    resolver_ = options->numeric_only ? NewNumericResolver(loop_.get())
                                      : NewSystemResolver(loop_.get());
    ctx_.loop = loop_.get();
    ctx_.options = options_;
    ctx_.pool = pool_.get();
    ctx_.resolver = resolver_.get();
    ctx_.scratch = &scratch_;
    ctx_.metrics = metrics_;
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
      absl::StatusOr<std::optional<std::pair<net::Socket, net::Address>>> a = listener_.Accept();
      if (!a.ok() || !a->has_value()) return;  // EMFILE and friends: retried on the next wake
      auto [sock, peer] = **std::move(a);
      if (!sock.SetNonBlocking(true).ok()) continue;
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
};

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ProxyOptions& options) {
  std::unique_ptr<Server> server(new Server());
  server->options_ = options;
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
                     Worker::Create(&server->options_, std::move(listener),
                                    &server->connections_, server->metrics_.back().get()));
    server->workers_.push_back(std::move(w));
  }
  if (options.admin_listen.has_value()) {
    ASSIGN_OR_RETURN(server->admin_,
                     AdminServer::Start(*options.admin_listen,
                                        [s = server.get()] { return s->RenderMetrics(); }));
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
  return RenderPrometheus(all);
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
  workers_.clear();
}

}  // namespace proxy
