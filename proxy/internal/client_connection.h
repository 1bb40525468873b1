// client_connection.h: one client connection of a worker and the upstream exchange it drives
// (private to //proxy:server).
//
// A ClientConnection reads request heads, routes each one, answers it from the cache when it
// may (client_cache.cc), else sends it upstream (pooled or new non-blocking connection) and
// streams both bodies through bounded buffers — storing the response when allowed — one
// request at a time, so pipelined requests are answered in order. A CONNECT becomes a
// net::Relay tunnel.
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
#include "lib/cache/cache_key.h"
#include "lib/cache/http_cache.h"
#include "lib/cache/store.h"
#include "lib/http/chunked.h"
#include "lib/http/url.h"
#include "lib/http/message.h"
#include "lib/net/address.h"
#include "lib/net/event_loop.h"
#include "lib/net/lazy_timer.h"
#include "lib/net/relay.h"
#include "lib/net/socket.h"
#include "proxy/access_log.h"
#include "proxy/collapser.h"
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
  // cache is the server's HTTP cache, shared by all workers (null: caching off), and
  // collapser its in-flight fetches.
  cache::HttpCache* cache = nullptr;
  Collapser* collapser = nullptr;
  // start_background runs `request` (a complete request head) on this worker as if a
  // client at `peer` sent it, discarding the response: a stale-while-revalidate refresh of
  // `key`, which the collapser marked as revalidating.
  std::function<void(std::string request, const net::Address& peer, std::string key)>
      start_background;
  // draining is set when the server shuts down: finish the current request, then close.
  bool draining = false;
};

class ClientConnection : private UpstreamPool::Waiter {
 public:
  // A `background_key` marks an internal revalidation request for that cache key (see
  // WorkerContext::start_background): it always asks the origin and never serves stale.
  ClientConnection(WorkerContext* ctx, uint64_t id, net::Socket sock, net::Address peer,
                   std::string background_key = "");
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
    kWaitUpstream, // queued in the pool for a connection or a new-connection slot
    kConnecting,   // non-blocking connect in progress
    kExchange,     // request body up, response down
    kWaitFill,     // a collapsed miss: waiting for the leading request's response head
    kServe,        // answering from the cache: body from serve_reader_ or fill_
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
  // GoUpstream rewrites the request for the origin (with conditionals when revalidating)
  // and fetches it.
  void GoUpstream();
  // FetchUpstream finds an upstream connection: pooled, or a new one; with `allow_pooled`
  // the pool's cap on new connections applies (retries and tunnels are not held back).
  void FetchUpstream(bool allow_pooled);
  void ConnectUpstream();
  void OnUpstreamReady(std::optional<net::Socket> sock) override;
  // LeavePool gives up a place in the pool's queue or a new-connection slot.
  void LeavePool();
  // EndNewSlot returns the new-connection slot this request holds, if any.
  void EndNewSlot();
  // PoolKey returns route_.origin's upstream pool key.
  const std::string& PoolKey();
  void ReleaseIfLarge(std::string* buf);
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
  // ReleaseUpstream parks the upstream connection in the pool when it may serve again, or
  // closes it.
  void ReleaseUpstream();
  // EndRequest closes the connection or waits for the next request, after a complete
  // response was queued.
  void EndRequest();
  void UpstreamFailed(absl::string_view why, UpstreamError kind);
  // UpstreamError counts `kind` and answers 502 with `why` (or aborts mid-response).
  void FailUpstream(UpstreamError kind, absl::string_view why);
  void StartTunnel();
  void Fail(int status, absl::string_view detail);
  void Abort();
  void Close();
  void DropUpstream();
  void ArmHeadTimer(bool idle);
  void OnHeadTimeout();
  void ArmUpstreamTimer();
  void OnUpstreamTimeout();
  void UpdateInterest();
  void NewEntry();
  void Log(int status);
  void ResetExchange();

  // The cache (client_cache.cc).
  // CacheRequest looks the request up: true when it is answered (or waits on a collapsed
  // fetch) without this connection going upstream.
  bool CacheRequest();
  // ServeStored answers from a stored entry, with `meta` (or the reader's own) for the head.
  void ServeStored(std::unique_ptr<cache::EntryReader> reader, const cache::EntryMeta* meta,
                   CacheResult result);
  // StartStoredHead queues the head of a cached response (its fields in fields_) and
  // serves its body (from serve_reader_ or fill_; `body_size` nullopt: not known yet).
  void StartStoredHead(int status, absl::Duration age, std::optional<uint64_t> body_size);
  // ServeHeadOnly answers with a body-less `head` made here (a 304 from the cache).
  void ServeHeadOnly(http::ResponseHead head);
  void FinishServing();
  bool MoveServedBody();
  void WaitForFill();
  bool CheckFill();
  // AfterResponseHead applies the cache to the origin's final response head: a 304 or an
  // error may be answered from the stored entry (true: done here); otherwise it decides
  // whether the response is stored and invalidates after unsafe methods.
  bool AfterResponseHead();
  // RetryUnconditionally follows a 304 that is not about the stored entry (its validators
  // differ, RFC 9111 §4.3.4), which therefore cannot freshen it: the entry is dropped and the
  // request sent again without the cache's conditionals.
  void RetryUnconditionally();
  void CacheBody(absl::string_view data);
  void FinishCaching();
  // ServeStaleOnError answers with the stored entry instead of a 502/504 when allowed.
  bool ServeStaleOnError();
  void StartBackgroundRevalidation();
  void Purge();
  // SendLocal answers with a short text response generated here, keeping the connection.
  void SendLocal(int status, absl::string_view text);
  // LeaveFill drops the fill (finishing it as failed when leading it).
  void LeaveFill();
  void ResetCache();
  // ClientHeaders returns the request fields as the client sent them (preconditions are
  // evaluated against these, not the ones sent upstream).
  const http::Headers& ClientHeaders() const {
    return client_headers_.has_value() ? *client_headers_ : req_.headers;
  }
  WorkerContext* ctx_;
  const ProxyOptions& opt_;
  const uint64_t id_;
  net::Socket client_;
  net::Address peer_;
  const std::string peer_ip_;  // peer_.IpString(), for logs and X-Forwarded-For
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
  net::LazyTimer head_timer_;  // header timeout, or idle timeout between requests
  bool head_timer_idle_ = false;

  // The current request.
  uint64_t seq_ = 0;  // bumps per request; stale resolver answers are ignored
  http::RequestHead req_;
  Route route_;
  // pool_key_ is key_origin_.Key(), remade only when a request goes to another origin.
  Origin key_origin_;
  std::string pool_key_;
  int client_minor_ = 1;
  bool close_wanted_ = false;
  http::BodyFraming req_framing_;
  uint64_t req_remaining_ = 0;
  std::unique_ptr<http::ChunkedDecoder> req_chunked_;
  bool req_body_done_ = false;
  std::string upstream_head_;  // serialised request head (kept for one retry)
  AccessEntry entry_;
  std::string log_line_;  // entry_ formatted (keeps its capacity)
  bool logged_ = false;
  std::optional<absl::Time> upstream_start_;

  // Upstream side.
  net::Socket upstream_;
  bool upstream_reused_ = false;
  bool retried_ = false;
  bool queued_ = false;    // in the pool's queue (phase kWaitUpstream)
  bool new_slot_ = false;  // holds one of the pool's new-connection slots
  std::vector<net::Address> addrs_;
  size_t next_addr_ = 0;
  absl::Status connect_error_;
  std::string up_in_;
  std::string up_out_;
  size_t resp_prev_len_ = 0;
  bool up_eof_ = false;
  uint32_t upstream_interest_ = 0;
  net::LazyTimer upstream_timer_;  // no progress with the origin
  bool resp_head_done_ = false;
  http::ResponseHead resp_;
  http::BodyFraming resp_framing_;
  ResponsePlan plan_;
  uint64_t resp_remaining_ = 0;
  std::unique_ptr<http::ChunkedDecoder> resp_chunked_;
  bool upstream_reusable_ = false;

  std::unique_ptr<net::Relay> relay_;
  net::EventLoop::TimerId kick_timer_ = 0;

  // Cache state of the current request.
  const std::string background_key_;  // non-empty: an internal revalidation
  CacheResult cache_result_ = CacheResult::kNone;
  std::optional<http::Url> cache_url_;
  std::optional<cache::CacheKey> cache_key_;  // primary key of a GET/HEAD
  bool invalidate_after_ = false;             // unsafe method: invalidate on success
  bool revalidate_ = false;                   // hit_ is stale: the request is conditional
  std::optional<cache::HttpCache::Hit> hit_;  // stored entry while asking the origin
  std::optional<http::Headers> client_headers_;  // saved when the upstream request differs
  std::unique_ptr<cache::EntryWriter> writer_;   // storing the origin's response
  uint64_t cached_bytes_ = 0;
  std::shared_ptr<Fill> fill_;                // collapsed fetch we lead or wait for
  bool fill_leader_ = false;
  std::shared_ptr<LoopWaker> waker_;
  net::EventLoop::TimerId collapse_timer_ = 0;
  std::unique_ptr<cache::EntryReader> serve_reader_;  // kServe from a stored entry
  uint64_t serve_offset_ = 0;                          // body bytes served so far
  // With a store that keeps the body in memory, the body is written straight from it (after
  // out_, with writev): serve_body_ is what is left of it; serve_direct_ marks such a serve.
  absl::string_view serve_body_;
  bool serve_direct_ = false;
  std::string fields_;  // scratch: stored fields in wire form for the head being built
  bool serve_chunked_ = false;                         // kServe from a fill of unknown size
};

}  // namespace proxy

#endif  // PROXY_INTERNAL_CLIENT_CONNECTION_H_
