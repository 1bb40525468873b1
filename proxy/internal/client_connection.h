// client_connection.h: one client connection of a worker and the upstream exchange it drives
// (private to //proxy:server).
//
// A ClientConnection reads request heads, routes each one, sends it upstream (pooled or new
// non-blocking connection) and streams both bodies through bounded buffers, one request at a
// time, so pipelined requests are answered in order. A CONNECT becomes a net::Relay tunnel.
//
//   auto c = std::make_unique<ClientConnection>(&context, id, std::move(sock), peer);
//   c->Start();
//   ... context.release(id) is called once the connection has closed itself.
#ifndef PROXY_INTERNAL_CLIENT_CONNECTION_H_
#define PROXY_INTERNAL_CLIENT_CONNECTION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lib/http/chunked.h"
#include "lib/http/message.h"
#include "lib/net/address.h"
#include "lib/net/event_loop.h"
#include "lib/net/relay.h"
#include "lib/net/socket.h"
#include "proxy/access_log.h"
#include "proxy/forwarding.h"
#include "proxy/metrics.h"
#include "proxy/options.h"
#include "proxy/resolver.h"
#include "proxy/upstream_pool.h"

namespace proxy {

// WorkerContext is what a connection uses from its worker. All of it lives on the worker's
// loop thread and outlives the connections.
struct WorkerContext {
  net::EventLoop* loop = nullptr;
  const ProxyOptions* options = nullptr;
  UpstreamPool* pool = nullptr;
  Resolver* resolver = nullptr;
  // metrics are this worker's counters (written only on the loop thread).
  WorkerMetrics* metrics = nullptr;
  // scratch is a read buffer shared by the worker's connections.
  std::vector<char>* scratch = nullptr;
  // release is called (once) after a connection closed; the worker destroys it later.
  std::function<void(uint64_t id)> release;
  // draining is set when the server shuts down: finish the current request, then close.
  bool draining = false;
};

class ClientConnection {
 public:
  ClientConnection(WorkerContext* ctx, uint64_t id, net::Socket sock, net::Address peer);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Start watches the client socket and arms the header timeout.
  void Start();
  // Drain closes the connection now if it is between requests, else after the current one.
  void Drain();

 private:
  enum class Phase {
    kHead,         // waiting for (the rest of) a request head
    kResolving,    // waiting for the resolver
    kConnecting,   // non-blocking connect in progress
    kExchange,     // request body up, response down
    kTunnelSetup,  // CONNECT: flushing "200" and early client bytes
    kTunnel,       // CONNECT: relay_ copies both ways
    kClosing,      // flushing a last response, then close
    kClosed,
  };

  void Drive();
  bool ReadClient();
  bool WriteClient();
  bool ReadUpstream();
  bool WriteUpstream();
  bool HandleClientInput();
  bool HandleUpstreamInput();
  bool ParseRequest();
  void StartRequest();
  void FetchUpstream(bool allow_pooled);
  void OnResolved(absl::StatusOr<std::vector<net::Address>> addrs);
  void ConnectNext();
  void OnConnected();
  // AttachUpstream starts the exchange on `sock`: a new connection (watched here) or a pooled
  // one (`reused`: already watched with OnUpstreamEvent by UpstreamPool::Take).
  void AttachUpstream(net::Socket sock, bool reused);
  void OnUpstreamEvent(uint32_t events);
  bool ParseResponseHead();
  bool MoveRequestBody();
  bool MoveResponseBody();
  void FinishExchange();
  void UpstreamFailed(absl::string_view why, UpstreamError kind);
  // UpstreamError counts `kind` and answers 502 with `why` (or aborts mid-response).
  void FailUpstream(UpstreamError kind, absl::string_view why);
  void StartTunnel();
  void Fail(int status, absl::string_view detail);
  void Abort();
  void Close();
  void DropUpstream();
  void ArmHeadTimer(bool idle);
  void ArmUpstreamTimer();
  void UpdateInterest();
  void NewEntry();
  void Log(int status);
  void ResetExchange();

  WorkerContext* ctx_;
  const ProxyOptions& opt_;
  const uint64_t id_;
  net::Socket client_;
  net::Address peer_;
  Phase phase_ = Phase::kHead;
  bool draining_ = false;

  // Client side.
  std::string in_;   // received from the client, not yet consumed
  std::string out_;  // to write to the client
  size_t prev_len_ = 0;
  bool client_eof_ = false;
  // client_ready_/upstream_ready_: the socket may have bytes to read (set by its event, cleared
  // by a read that drained it), so a pass of Drive does not pay a read that would block.
  bool client_ready_ = true;
  bool upstream_ready_ = false;
  uint32_t client_interest_ = 0;
  net::EventLoop::TimerId head_timer_ = 0;
  bool head_timer_idle_ = false;

  // The current request.
  uint64_t seq_ = 0;  // bumps per request; stale resolver answers are ignored
  http::RequestHead req_;
  Route route_;
  int client_minor_ = 1;
  bool close_wanted_ = false;
  http::BodyFraming req_framing_;
  uint64_t req_remaining_ = 0;
  std::unique_ptr<http::ChunkedDecoder> req_chunked_;
  bool req_body_done_ = false;
  std::string upstream_head_;  // serialised request head (kept for one retry)
  AccessEntry entry_;
  bool logged_ = false;
  std::optional<absl::Time> upstream_start_;

  // Upstream side.
  net::Socket upstream_;
  bool upstream_reused_ = false;
  bool retried_ = false;
  std::vector<net::Address> addrs_;
  size_t next_addr_ = 0;
  absl::Status connect_error_;
  std::string up_in_;
  std::string up_out_;
  size_t resp_prev_len_ = 0;
  bool up_eof_ = false;
  uint32_t upstream_interest_ = 0;
  net::EventLoop::TimerId upstream_timer_ = 0;
  bool resp_head_done_ = false;
  http::ResponseHead resp_;
  http::BodyFraming resp_framing_;
  ResponsePlan plan_;
  uint64_t resp_remaining_ = 0;
  std::unique_ptr<http::ChunkedDecoder> resp_chunked_;
  bool upstream_reusable_ = false;

  std::unique_ptr<net::Relay> relay_;
  net::EventLoop::TimerId kick_timer_ = 0;
};

}  // namespace proxy

#endif  // PROXY_INTERNAL_CLIENT_CONNECTION_H_
