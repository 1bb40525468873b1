#include "proxy/internal/client_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/cache/policy.h"
#include "lib/http/request_parser.h"
#include "lib/http/request_writer.h"
#include "lib/http/response_parser.h"

namespace proxy {
namespace {

using net::EventLoop;

// kMaxRounds bounds the work one event does for one connection, so a fast transfer cannot
// starve the worker's other connections; the rest is posted.
constexpr int kMaxRounds = 16;

std::string RequestLine(const http::RequestHead& h) {
  return absl::StrCat(h.method, " ", h.target, " HTTP/1.", h.version_minor);
}

// RefusalStatus maps a request head parse error to its status: an over-long request line is
// 414, another exceeded limit 431, anything else 400.
int RefusalStatus(const absl::Status& s, absl::string_view buf, const http::ParseLimits& limits) {
  if (s.code() != absl::StatusCode::kResourceExhausted) return 400;
  size_t start = buf.find_first_not_of("\r\n");
  size_t eol = buf.find('\n', start == absl::string_view::npos ? 0 : start);
  if (start == absl::string_view::npos) return 431;
  size_t line = (eol == absl::string_view::npos ? buf.size() : eol) - start;
  return line > limits.max_line ? 414 : 431;
}

}  // namespace

ClientConnection::ClientConnection(WorkerContext* ctx, uint64_t id, net::Socket sock,
                                   net::Address peer, std::string background_key)
    : ctx_(ctx),
      opt_(*ctx->options),
      id_(id),
      client_(std::move(sock)),
      peer_(peer),
      peer_ip_(peer.IpString()),
      head_timer_(ctx->loop, [this] { OnHeadTimeout(); }),
      upstream_timer_(ctx->loop, [this] { OnUpstreamTimeout(); }),
      background_key_(std::move(background_key)) {}

ClientConnection::~ClientConnection() {
  LeavePool();
  ResetCache();
  if (!background_key_.empty()) ctx_->collapser->EndRevalidation(background_key_);
  relay_.reset();
  head_timer_.Clear();
  upstream_timer_.Clear();
  ctx_->loop->Cancel(kick_timer_);
  if (client_.valid()) ctx_->loop->Unwatch(client_.fd());
  if (upstream_.valid()) ctx_->loop->Unwatch(upstream_.fd());
}

void ClientConnection::Start() {
  client_.SetNoDelay(true).IgnoreError();
  absl::Status s = ctx_->loop->Watch(client_.fd(), EventLoop::kReadable, [this](uint32_t) {
    client_ready_ = true;
    Drive();
  });
  if (!s.ok()) {
    Close();
    return;
  }
  client_interest_ = EventLoop::kReadable;
  ArmHeadTimer(/*idle=*/false);
}

void ClientConnection::Drain() {
  draining_ = true;
  if (phase_ == Phase::kHead && in_.empty()) Close();
}

// --- the pump ------------------------------------------------------------------------------

void ClientConnection::Drive() {
  int round = 0;
  for (; round < kMaxRounds && phase_ != Phase::kClosed; ++round) {
    bool progress = ReadClient();
    progress |= HandleClientInput();
    progress |= WriteUpstream();
    progress |= ReadUpstream();
    progress |= HandleUpstreamInput();
    progress |= WriteClient();
    if (phase_ == Phase::kTunnelSetup && out_.empty() && up_out_.empty()) StartTunnel();
    if (phase_ == Phase::kClosing && out_.empty()) Close();
    if (!progress) break;
  }
  if (phase_ == Phase::kClosed) return;
  UpdateInterest();
  if (round == kMaxRounds && kick_timer_ == 0) {
    // More work may be buffered with no fd ready to call us back: continue next round.
    kick_timer_ = ctx_->loop->RunAfter(absl::ZeroDuration(), [this] {
      kick_timer_ = 0;
      if (phase_ != Phase::kClosed) Drive();
    });
  }
}

void ClientConnection::UpdateInterest() {
  if (phase_ == Phase::kTunnel || phase_ == Phase::kClosed) return;
  uint32_t want = 0;
  if (phase_ != Phase::kClosing && !client_eof_ && in_.size() < opt_.buffer_size) {
    want |= EventLoop::kReadable;
  }
  if (!out_.empty() || !serve_body_.empty()) want |= EventLoop::kWritable;
  if (want != client_interest_) {
    ctx_->loop->SetEvents(client_.fd(), want).IgnoreError();
    client_interest_ = want;
  }
  if (!upstream_.valid()) return;
  want = 0;
  if (phase_ == Phase::kConnecting) {
    want = EventLoop::kWritable;
  } else {
    if (!up_eof_ && up_in_.size() < opt_.buffer_size && out_.size() < opt_.buffer_size) {
      want |= EventLoop::kReadable;
    }
    if (!up_out_.empty()) want |= EventLoop::kWritable;
  }
  if (want != upstream_interest_) {
    ctx_->loop->SetEvents(upstream_.fd(), want).IgnoreError();
    upstream_interest_ = want;
  }
}

bool ClientConnection::ReadClient() {
  if (phase_ == Phase::kTunnel || phase_ == Phase::kClosing || phase_ == Phase::kClosed ||
      client_eof_ || !client_ready_ || in_.size() >= opt_.buffer_size) {
    return false;
  }
  std::vector<char>& buf = *ctx_->scratch;
  size_t room = std::min(buf.size(), opt_.buffer_size - in_.size());
  absl::StatusOr<size_t> n = client_.Read(absl::MakeSpan(buf.data(), room));
  if (!n.ok()) {
    Abort();
    return false;
  }
  // A short read drained the socket; level-triggered epoll reports anything newer.
  client_ready_ = *n != net::kWouldBlock && *n == room;
  if (*n == net::kWouldBlock) return false;
  if (*n == 0) {
    client_eof_ = true;
    return true;
  }
  WorkerMetrics::Add(ctx_->metrics->client_received_bytes, *n);
  if (phase_ == Phase::kHead && in_.empty() && head_timer_idle_) ArmHeadTimer(/*idle=*/false);
  in_.append(buf.data(), *n);
  return true;
}

// ReleaseIfLarge frees an emptied buffer that grew past a small response, when this worker
// has many connections open. Buffers each connection keeps would then spread every request
// over cold memory (1000 connections x 2 x 16 KiB is well past the cache); freed, the next
// request's buffer is likely the chunk just released, still in cache. With few connections
// the buffers stay in cache anyway, and keeping them saves a malloc and a free per request.
void ClientConnection::ReleaseIfLarge(std::string* buf) {
  constexpr size_t kKeep = 4096;
  constexpr uint64_t kFewConnections = 64;
  if (buf->capacity() <= kKeep) return;
  const WorkerMetrics& m = *ctx_->metrics;
  if (m.connections_accepted.load(std::memory_order_relaxed) -
          m.connections_closed.load(std::memory_order_relaxed) <=
      kFewConnections) {
    return;
  }
  std::string().swap(*buf);
}

bool ClientConnection::WriteClient() {
  if ((out_.empty() && serve_body_.empty()) || phase_ == Phase::kClosed ||
      phase_ == Phase::kTunnel) {
    return false;
  }
  absl::StatusOr<size_t> n =
      serve_body_.empty() ? client_.Write(out_) : client_.WriteV(out_, serve_body_);
  if (!n.ok()) {
    Abort();
    return false;
  }
  if (*n == net::kWouldBlock) return false;
  WorkerMetrics::Add(ctx_->metrics->client_sent_bytes, *n);
  size_t from_out = std::min(*n, out_.size());
  out_.erase(0, from_out);
  serve_body_.remove_prefix(*n - from_out);
  if (out_.empty()) ReleaseIfLarge(&out_);
  return *n > 0;
}

bool ClientConnection::ReadUpstream() {
  if (phase_ != Phase::kExchange || !upstream_.valid() || up_eof_ || !upstream_ready_ ||
      up_in_.size() >= opt_.buffer_size || out_.size() >= opt_.buffer_size) {
    return false;
  }
  std::vector<char>& buf = *ctx_->scratch;
  size_t room = std::min(buf.size(), opt_.buffer_size - up_in_.size());
  absl::StatusOr<size_t> n = upstream_.Read(absl::MakeSpan(buf.data(), room));
  upstream_ready_ = n.ok() && *n != net::kWouldBlock && *n == room;
  if (n.ok() && *n == net::kWouldBlock) return false;
  ArmUpstreamTimer();
  EndNewSlot();  // the origin took the new connection (or refused it): no longer unproven
  if (!n.ok() || *n == 0) {
    up_eof_ = true;  // a reset counts as an early end: what arrived is still delivered
    return true;
  }
  WorkerMetrics::Add(ctx_->metrics->upstream_received_bytes, *n);
  up_in_.append(buf.data(), *n);
  return true;
}

bool ClientConnection::WriteUpstream() {
  if ((phase_ != Phase::kExchange && phase_ != Phase::kTunnelSetup) || !upstream_.valid() ||
      up_out_.empty()) {
    return false;
  }
  absl::StatusOr<size_t> n = upstream_.Write(up_out_);
  if (!n.ok()) {
    UpstreamFailed(absl::StrCat("upstream write: ", n.status().message()), UpstreamError::kWrite);
    return true;
  }
  if (*n == net::kWouldBlock) return false;
  WorkerMetrics::Add(ctx_->metrics->upstream_sent_bytes, *n);
  up_out_.erase(0, *n);
  return *n > 0;
}

// --- requests ------------------------------------------------------------------------------

bool ClientConnection::HandleClientInput() {
  switch (phase_) {
    case Phase::kHead:
      return ParseRequest();
    case Phase::kWaitUpstream:
    case Phase::kResolving:
    case Phase::kConnecting:
    case Phase::kExchange:
      // Progress only when body bytes moved: a pass that moves nothing must let Drive stop.
      if (req_body_done_) return false;
      if (!MoveRequestBody()) {
        if (client_eof_ && !req_body_done_ && in_.empty()) Abort();  // body cut short
        return false;
      }
      return true;
    case Phase::kTunnelSetup:
      if (in_.empty()) return false;
      up_out_ += in_;
      in_.clear();
      return true;
    default:
      return false;
  }
}

bool ClientConnection::ParseRequest() {
  if (in_.empty()) {
    // The client is done sending: finish writing what is queued, then close.
    if (client_eof_ || (draining_ && phase_ == Phase::kHead)) phase_ = Phase::kClosing;
    return false;
  }
  absl::StatusOr<size_t> consumed = http::ParseRequestHead(in_, prev_len_, opt_.limits, &req_);
  if (!consumed.ok()) {
    NewEntry();
    Fail(RefusalStatus(consumed.status(), in_, opt_.limits), consumed.status().message());
    return true;
  }
  if (*consumed == 0) {
    prev_len_ = in_.size();
    if (client_eof_) Close();
    return false;
  }
  in_.erase(0, *consumed);
  prev_len_ = 0;
  head_timer_.Clear();
  StartRequest();
  return true;
}

void ClientConnection::StartRequest() {
  ++seq_;
  NewEntry();
  entry_.request_line = RequestLine(req_);
  entry_.referer = std::string(req_.headers.Get("Referer").value_or(""));
  entry_.user_agent = std::string(req_.headers.Get("User-Agent").value_or(""));
  client_minor_ = req_.version_minor;
  close_wanted_ = ClientWantsClose(req_);

  absl::StatusOr<http::BodyFraming> framing = http::RequestBodyFraming(req_);
  if (!framing.ok()) return Fail(400, framing.status().message());
  req_framing_ = *framing;
  req_remaining_ = framing->length;
  req_body_done_ = framing->kind == http::BodyFraming::kNone ||
                   (framing->kind == http::BodyFraming::kContentLength && framing->length == 0);
  if (framing->kind == http::BodyFraming::kChunked) {
    req_chunked_ = std::make_unique<http::ChunkedDecoder>(opt_.limits);
  }
  if (IsLoop(req_.headers, opt_.pseudonym)) {
    return Fail(508, "request already passed through this proxy");
  }
  absl::StatusOr<Route> route = RouteRequest(req_, opt_.upstream);
  if (!route.ok()) {
    return Fail(route.status().code() == absl::StatusCode::kUnimplemented ? 501 : 400,
                route.status().message());
  }
  route_ = *std::move(route);
  if (route_.kind == Route::kConnect) {
    if (std::find(opt_.connect_ports.begin(), opt_.connect_ports.end(), route_.origin.port) ==
        opt_.connect_ports.end()) {
      return Fail(403, absl::StrCat("CONNECT to port ", route_.origin.port, " is not allowed"));
    }
    up_out_.clear();
    FetchUpstream(/*allow_pooled=*/false);
    return;
  }
  if (req_.method == "PURGE") return Purge();
  if (ctx_->cache != nullptr && CacheRequest()) return;
  GoUpstream();
}

void ClientConnection::GoUpstream() {
  absl::Status s = PrepareUpstreamRequest(&req_, route_, entry_.client_ip, opt_.pseudonym);
  if (s.ok() && revalidate_) cache::AddConditionalHeaders(hit_->reader->meta(), &req_.headers);
  upstream_head_.clear();  // keeps its capacity, as up_out_ does
  if (s.ok()) s = http::AppendRequestHead(req_, &upstream_head_);
  if (!s.ok()) return Fail(400, s.message());
  up_out_ = upstream_head_;
  FetchUpstream(/*allow_pooled=*/true);
}

bool ClientConnection::MoveRequestBody() {
  if (in_.empty() || up_out_.size() >= opt_.buffer_size) return false;
  size_t room = opt_.buffer_size - up_out_.size();
  size_t n = 0;
  if (req_framing_.kind == http::BodyFraming::kContentLength) {
    n = static_cast<size_t>(std::min<uint64_t>({req_remaining_, in_.size(), room}));
    req_remaining_ -= n;
    req_body_done_ = req_remaining_ == 0;
  } else {
    // Chunked: forward the framing as is; the decoder only finds where the body ends.
    absl::StatusOr<size_t> used =
        req_chunked_->Decode(absl::string_view(in_).substr(0, room), [](absl::string_view) {});
    if (!used.ok()) {
      if (resp_head_done_) {
        Abort();
      } else {
        Fail(400, used.status().message());
      }
      return true;
    }
    n = *used;
    req_body_done_ = req_chunked_->done();
  }
  up_out_.append(in_, 0, n);
  in_.erase(0, n);
  return n > 0 || req_body_done_;
}

// --- upstream connection -------------------------------------------------------------------

void ClientConnection::FetchUpstream(bool allow_pooled) {
  if (!upstream_start_.has_value()) upstream_start_ = absl::Now();
  LeavePool();
  if (allow_pooled) {
    const std::string& key = PoolKey();
    if (std::optional<net::Socket> s = ctx_->pool->Take(
            key, EventLoop::kReadable, [this](uint32_t events) { OnUpstreamEvent(events); })) {
      AttachUpstream(*std::move(s), /*reused=*/true);
      return;
    }
    if (!ctx_->pool->StartNew(key)) {
      phase_ = Phase::kWaitUpstream;
      ArmUpstreamTimer();  // the wait counts against the upstream timeout
      queued_ = true;
      WorkerMetrics::Add(ctx_->metrics->upstream_queued, 1);
      ctx_->pool->Wait(key, this);
      return;
    }
    new_slot_ = true;
  }
  ConnectUpstream();
}

void ClientConnection::OnUpstreamReady(std::optional<net::Socket> sock) {
  queued_ = false;
  WorkerMetrics::Add(ctx_->metrics->upstream_dequeued, 1);
  if (phase_ != Phase::kWaitUpstream) {  // cannot happen: leaving the phase leaves the queue
    if (sock.has_value()) {
      ctx_->pool->Put(PoolKey(), *std::move(sock));
    } else {
      ctx_->pool->EndNew(PoolKey());
    }
    return;
  }
  if (sock.has_value()) {
    if (!ctx_->loop->Watch(sock->fd(), EventLoop::kReadable,
                           [this](uint32_t events) { OnUpstreamEvent(events); })
             .ok()) {
      ctx_->loop->Unwatch(sock->fd());
      Fail(502, "upstream: cannot watch a pooled connection");
    } else {
      AttachUpstream(*std::move(sock), /*reused=*/true);
    }
  } else {
    new_slot_ = true;
    ConnectUpstream();
  }
  if (phase_ != Phase::kClosed) Drive();
}

void ClientConnection::LeavePool() {
  if (queued_) {
    queued_ = false;
    WorkerMetrics::Add(ctx_->metrics->upstream_dequeued, 1);
    ctx_->pool->CancelWait(this);
  }
  EndNewSlot();
}

void ClientConnection::EndNewSlot() {
  if (!new_slot_) return;
  new_slot_ = false;
  ctx_->pool->EndNew(PoolKey());
}

const std::string& ClientConnection::PoolKey() {
  if (pool_key_.empty() || !(route_.origin == key_origin_)) {
    key_origin_ = route_.origin;
    pool_key_ = key_origin_.Key();
  }
  return pool_key_;
}

void ClientConnection::ConnectUpstream() {
  phase_ = Phase::kResolving;
  ArmUpstreamTimer();
  ctx_->resolver->Resolve(route_.origin.host, route_.origin.port,
                          [this, seq = seq_](absl::StatusOr<std::vector<net::Address>> addrs) {
                            // The resolver never calls back after the worker tore down.
                            if (phase_ != Phase::kResolving || seq != seq_) return;
                            OnResolved(std::move(addrs));
                          });
}

void ClientConnection::OnResolved(absl::StatusOr<std::vector<net::Address>> addrs) {
  if (!addrs.ok()) {
    FailUpstream(UpstreamError::kResolve, addrs.status().message());
  } else {
    addrs_ = *std::move(addrs);
    next_addr_ = 0;
    connect_error_ = absl::UnavailableError("no addresses");
    ConnectNext();
  }
  if (phase_ != Phase::kClosed) Drive();
}

void ClientConnection::ConnectNext() {
  while (next_addr_ < addrs_.size()) {
    const net::Address& addr = addrs_[next_addr_++];
    absl::StatusOr<net::Socket> s = net::StartConnect(addr);
    if (!s.ok()) {
      connect_error_ = s.status();
      continue;
    }
    upstream_ = *std::move(s);
    phase_ = Phase::kConnecting;
    upstream_interest_ = EventLoop::kWritable;
    absl::Status w = ctx_->loop->Watch(upstream_.fd(), EventLoop::kWritable, [this](uint32_t) {
      if (phase_ == Phase::kConnecting) OnConnected();
      if (phase_ != Phase::kClosed) Drive();
    });
    if (w.ok()) return;
    connect_error_ = w;
    upstream_.Close();
  }
  FailUpstream(UpstreamError::kConnect,
               absl::StrCat("upstream ", route_.origin.Key(), ": ", connect_error_.message()));
}

void ClientConnection::OnConnected() {
  absl::Status connected = net::FinishConnect(upstream_, addrs_[next_addr_ - 1]);
  if (!connected.ok()) {
    connect_error_ = std::move(connected);
    DropUpstream();
    ConnectNext();
    return;
  }
  // Still watched: AttachUpstream changes the interest and callback (one epoll_ctl MOD).
  AttachUpstream(std::move(upstream_), /*reused=*/false);
}

void ClientConnection::OnUpstreamEvent(uint32_t events) {
  upstream_ready_ = true;
  Drive();
}

void ClientConnection::AttachUpstream(net::Socket sock, bool reused) {
  upstream_ = std::move(sock);
  upstream_reused_ = reused;
  upstream_ready_ = false;  // nothing is asked yet; its event says when the answer comes
  // A pooled connection is watched for kReadable only: the request is written at once, and
  // UpdateInterest asks for kWritable only if that write does not finish.
  upstream_interest_ = reused ? EventLoop::kReadable : EventLoop::kReadable | EventLoop::kWritable;
  if (!reused) {
    upstream_.SetNoDelay(true).IgnoreError();
    absl::Status w = ctx_->loop->Watch(upstream_.fd(), upstream_interest_,
                                       [this](uint32_t events) { OnUpstreamEvent(events); });
    if (!w.ok()) {
      upstream_.Close();
      return Fail(502, w.message());
    }
  }
  ArmUpstreamTimer();
  if (route_.kind == Route::kConnect) {
    out_ += "HTTP/1.1 200 Connection Established\r\n\r\n";
    up_out_ = std::move(in_);  // bytes the client sent early go first
    in_.clear();
    phase_ = Phase::kTunnelSetup;
    return;
  }
  phase_ = Phase::kExchange;
}

void ClientConnection::DropUpstream() {
  LeavePool();
  if (!upstream_.valid()) return;
  ctx_->loop->Unwatch(upstream_.fd());
  upstream_.Close();
  upstream_interest_ = 0;
}

void ClientConnection::UpstreamFailed(absl::string_view why, UpstreamError kind) {
  bool can_retry = !resp_head_done_ && upstream_reused_ && !retried_ && up_in_.empty() &&
                   req_framing_.kind == http::BodyFraming::kNone;
  if (!can_retry) return FailUpstream(kind, why);
  // A pooled connection the origin closed just as we reused it: try once on a new one.
  ctx_->metrics->CountUpstreamError(UpstreamError::kPooledClosed);
  DropUpstream();
  retried_ = true;
  up_eof_ = false;
  up_out_ = upstream_head_;
  FetchUpstream(/*allow_pooled=*/false);
}

void ClientConnection::FailUpstream(UpstreamError kind, absl::string_view why) {
  ctx_->metrics->CountUpstreamError(kind);
  if (ServeStaleOnError()) return;
  Fail(502, why);  // aborts instead when the client already has part of the response
}

// --- responses -----------------------------------------------------------------------------

bool ClientConnection::HandleUpstreamInput() {
  if (phase_ == Phase::kWaitFill) return CheckFill();
  if (phase_ == Phase::kServe) return MoveServedBody();
  if (phase_ != Phase::kExchange) return false;
  if (!resp_head_done_) {
    bool progress = ParseResponseHead();
    // Move the body that came with the head at once, so both go out in one write.
    if (!resp_head_done_ || phase_ != Phase::kExchange) return progress;
    MoveResponseBody();
    return true;
  }
  return MoveResponseBody();
}

bool ClientConnection::ParseResponseHead() {
  if (up_in_.empty()) {
    if (up_eof_) {
      UpstreamFailed("upstream closed the connection before responding", UpstreamError::kClosed);
    }
    return up_eof_;
  }
  absl::StatusOr<size_t> consumed =
      http::ParseResponseHead(up_in_, resp_prev_len_, opt_.limits, &resp_);
  if (!consumed.ok()) {
    FailUpstream(UpstreamError::kBadResponse,
                 absl::StrCat("upstream response: ", consumed.status().message()));
    return true;
  }
  if (*consumed == 0) {
    resp_prev_len_ = up_in_.size();
    if (up_eof_) {
      FailUpstream(UpstreamError::kClosed, "upstream closed the connection inside the response head");
    }
    return up_eof_;
  }
  up_in_.erase(0, *consumed);
  resp_prev_len_ = 0;
  if (resp_.status < 200) {
    if (resp_.status == 101) {
      FailUpstream(UpstreamError::kBadResponse,
                   "upstream switched protocols, which this proxy did not ask for");
      return true;
    }
    if (client_minor_ >= 1) {  // e.g. 100 Continue; never to an HTTP/1.0 client
      http::ResponseHead interim = resp_;
      RemoveHopByHop(&interim.headers);
      interim.version_minor = 1;
      http::AppendResponseHead(interim, &out_);
    }
    return true;
  }
  absl::StatusOr<http::BodyFraming> framing = http::ResponseBodyFraming(req_.method, resp_);
  if (!framing.ok()) {
    FailUpstream(UpstreamError::kBadResponse,
                 absl::StrCat("upstream response: ", framing.status().message()));
    return true;
  }
  resp_framing_ = *framing;
  resp_remaining_ = framing->length;
  if (framing->kind == http::BodyFraming::kChunked) {
    resp_chunked_ = std::make_unique<http::ChunkedDecoder>(opt_.limits);
  }
  upstream_reusable_ = UpstreamReusable(resp_, resp_framing_);
  if (ctx_->cache != nullptr && AfterResponseHead()) return true;
  resp_head_done_ = true;
  entry_.status = resp_.status;
  plan_ = PrepareClientResponse(&resp_, resp_framing_, client_minor_,
                                close_wanted_ || draining_ || ctx_->draining, opt_.pseudonym);
  if (cache_result_ != CacheResult::kNone) {
    resp_.headers.Set("X-Cache", CacheResultName(cache_result_)).IgnoreError();
  }
  http::AppendResponseHead(resp_, &out_);
  if (resp_framing_.kind == http::BodyFraming::kNone) FinishExchange();
  return true;
}

bool ClientConnection::MoveResponseBody() {
  if (out_.size() >= opt_.buffer_size) return false;
  size_t room = opt_.buffer_size - out_.size();
  size_t before = out_.size();
  size_t used = 0;
  bool done = false;
  switch (resp_framing_.kind) {
    case http::BodyFraming::kNone:
      done = true;
      break;
    case http::BodyFraming::kContentLength:
      used = static_cast<size_t>(std::min<uint64_t>({resp_remaining_, up_in_.size(), room}));
      out_.append(up_in_, 0, used);
      CacheBody(absl::string_view(up_in_).substr(0, used));
      resp_remaining_ -= used;
      done = resp_remaining_ == 0;
      break;
    case http::BodyFraming::kChunked: {
      absl::string_view in = absl::string_view(up_in_).substr(0, room);
      absl::StatusOr<size_t> n = resp_chunked_->Decode(in, [this](absl::string_view data) {
        if (plan_.dechunk) out_.append(data.data(), data.size());
        CacheBody(data);
      });
      if (!n.ok()) {
        ctx_->metrics->CountUpstreamError(UpstreamError::kBadResponse);
        Abort();
        return true;
      }
      used = *n;
      if (!plan_.dechunk) out_.append(up_in_, 0, used);
      done = resp_chunked_->done();
      break;
    }
    case http::BodyFraming::kUntilClose:
      used = std::min(up_in_.size(), room);
      if (plan_.rechunk && used > 0) absl::StrAppend(&out_, absl::Hex(used), "\r\n");
      out_.append(up_in_, 0, used);
      if (plan_.rechunk && used > 0) out_.append("\r\n");
      CacheBody(absl::string_view(up_in_).substr(0, used));
      done = up_eof_ && used == up_in_.size();
      if (done && plan_.rechunk) out_.append("0\r\n\r\n");
      break;
  }
  up_in_.erase(0, used);
  entry_.body_bytes += out_.size() - before;
  if (done) {
    FinishExchange();
    return true;
  }
  if (up_eof_ && up_in_.empty()) {
    // The origin died mid-response: the client sees the connection close, never a hang.
    ctx_->metrics->CountUpstreamError(UpstreamError::kClosed);
    Abort();
    return true;
  }
  return used > 0;
}

void ClientConnection::FinishExchange() {
  FinishCaching();
  ReleaseUpstream();
  Log(resp_.status);
  EndRequest();
}

void ClientConnection::ReleaseUpstream() {
  upstream_timer_.Clear();
  bool reusable = upstream_reusable_ && !up_eof_ && up_in_.empty() && up_out_.empty() &&
                  req_body_done_ && !ctx_->draining;
  if (reusable) {
    upstream_interest_ = 0;  // the pool re-watches it (still registered: no epoll DEL/ADD)
    ctx_->pool->Put(PoolKey(), std::move(upstream_));
    upstream_ = net::Socket();
  } else {
    DropUpstream();
  }
}

void ClientConnection::EndRequest() {
  if (plan_.close_after || !req_body_done_ || draining_ || ctx_->draining) {
    phase_ = Phase::kClosing;
    return;
  }
  ResetExchange();
  phase_ = Phase::kHead;
  ArmHeadTimer(/*idle=*/in_.empty());
}

void ClientConnection::ResetExchange() {
  req_ = http::RequestHead();
  req_chunked_.reset();
  resp_ = http::ResponseHead();
  resp_chunked_.reset();
  resp_head_done_ = false;
  resp_prev_len_ = 0;
  up_eof_ = false;
  up_in_.clear();
  ReleaseIfLarge(&up_in_);
  up_out_.clear();
  upstream_reused_ = false;
  retried_ = false;
  upstream_start_.reset();
  plan_ = ResponsePlan();
  ResetCache();
}

// --- CONNECT tunnels -----------------------------------------------------------------------

void ClientConnection::StartTunnel() {
  upstream_timer_.Clear();
  entry_.status = 200;
  ctx_->loop->Unwatch(client_.fd());
  ctx_->loop->Unwatch(upstream_.fd());
  relay_ = std::make_unique<net::Relay>(
      ctx_->loop,
      std::vector<net::Relay::Stream>{
          {.src = client_.fd(), .dst = upstream_.fd(), .shutdown_dst_on_eof = true},
          {.src = upstream_.fd(), .dst = client_.fd(), .shutdown_dst_on_eof = true}},
      opt_.buffer_size);
  relay_->set_on_stream_done([this](size_t, const absl::Status& s) {
    if (s.ok() && !relay_->all_done()) return;
    // Not from inside the relay's own callback: it is destroyed when the connection closes.
    if (kick_timer_ != 0) return;
    kick_timer_ = ctx_->loop->RunAfter(absl::ZeroDuration(), [this] {
      kick_timer_ = 0;
      if (phase_ != Phase::kTunnel) return;
      entry_.body_bytes = relay_->bytes(1);
      Log(200);
      Close();
    });
  });
  phase_ = Phase::kTunnel;
  if (!relay_->Start().ok()) Close();
}

// --- endings -------------------------------------------------------------------------------

void ClientConnection::Fail(int status, absl::string_view detail) {
  if (resp_head_done_) return Abort();
  DropUpstream();
  LeaveFill();
  out_ += ErrorResponse(status, detail, opt_.pseudonym, /*close=*/true,
                        /*with_body=*/req_.method != "HEAD");
  entry_.body_bytes = 0;
  Log(status);
  phase_ = Phase::kClosing;
}

void ClientConnection::Abort() {
  if (phase_ == Phase::kClosed) return;
  if (resp_head_done_ || phase_ == Phase::kTunnel) {
    Log(phase_ == Phase::kTunnel ? 200 : resp_.status);
  }
  out_.clear();
  Close();
}

void ClientConnection::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  if (relay_ != nullptr) {
    WorkerMetrics& m = *ctx_->metrics;
    WorkerMetrics::Add(m.client_received_bytes, relay_->bytes(0));
    WorkerMetrics::Add(m.upstream_sent_bytes, relay_->bytes(0));
    WorkerMetrics::Add(m.upstream_received_bytes, relay_->bytes(1));
    WorkerMetrics::Add(m.client_sent_bytes, relay_->bytes(1));
  }
  relay_.reset();
  head_timer_.Clear();
  upstream_timer_.Clear();
  DropUpstream();
  ResetCache();
  if (client_.valid()) {
    ctx_->loop->Unwatch(client_.fd());
    ::shutdown(client_.fd(), SHUT_WR);
    client_.Close();
  }
  ctx_->release(id_);
}

void ClientConnection::NewEntry() {
  entry_ = AccessEntry{};
  cache_result_ = CacheResult::kNone;
  entry_.client_ip = peer_ip_;
  entry_.time = absl::Now();
  logged_ = false;
}

void ClientConnection::Log(int status) {
  if (logged_) return;
  logged_ = true;
  entry_.status = status;
  ctx_->metrics->CountRequest(status, absl::Now() - entry_.time);
  ctx_->metrics->CountCacheResult(cache_result_);
  entry_.cache_status = std::string(CacheResultName(cache_result_));
  if (opt_.access_log == nullptr) return;
  if (entry_.request_line.empty()) entry_.request_line = "-";
  if (upstream_start_.has_value()) entry_.upstream_time = absl::Now() - *upstream_start_;
  log_line_.clear();
  AppendAccessLine(entry_, &log_line_);
  opt_.access_log->Write(log_line_);
}

// --- timers --------------------------------------------------------------------------------

void ClientConnection::ArmHeadTimer(bool idle) {
  head_timer_idle_ = idle;
  head_timer_.SetAfter(idle ? opt_.idle_timeout : opt_.header_timeout);
}

void ClientConnection::OnHeadTimeout() {
  if (phase_ != Phase::kHead) return;
  if (in_.empty()) {
    Close();  // an idle keep-alive connection (or one that never spoke) just ends
    return;
  }
  NewEntry();
  Fail(408, "request head not received in time");
  Drive();
}

void ClientConnection::ArmUpstreamTimer() { upstream_timer_.SetAfter(opt_.upstream_timeout); }

void ClientConnection::OnUpstreamTimeout() {
  if (phase_ == Phase::kClosed || phase_ == Phase::kTunnel) return;
  ctx_->metrics->CountUpstreamError(UpstreamError::kTimeout);
  if (ServeStaleOnError()) {
    Drive();
    return;
  }
  Fail(504, absl::StrCat("upstream ", route_.origin.Key(), " did not answer within ",
                         absl::FormatDuration(opt_.upstream_timeout)));
  Drive();
}

}  // namespace proxy
