// client_cache.cc: the cache half of ClientConnection (see client_connection.h): lookups,
// answers from stored entries and collapsed fetches, storing origin responses, revalidation,
// stale content and invalidation (RFC 9111, RFC 5861).
#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/cache/policy.h"
#include "lib/http/request_writer.h"
#include "proxy/caching.h"
#include "proxy/internal/client_connection.h"

namespace proxy {

bool ClientConnection::CacheRequest() {
  absl::StatusOr<http::Url> url = CacheUrl(route_);
  bool lookup = req_.method == "GET" || req_.method == "HEAD";
  if (!url.ok() || (lookup && !req_body_done_)) {
    cache_result_ = CacheResult::kBypass;
    return false;
  }
  cache_url_ = *std::move(url);
  if (!lookup) {
    cache_result_ = CacheResult::kBypass;
    invalidate_after_ = true;  // applied when the origin answers (AfterResponseHead)
    return false;
  }
  cache_key_ = cache::CacheKey::ForRequest(req_.method, *cache_url_);
  cache_result_ = CacheResult::kMiss;
  absl::Time now = absl::Now();
  absl::StatusOr<cache::HttpCache::Hit> hit = ctx_->cache->Lookup(*cache_key_, req_.headers);
  if (hit.ok()) {
    const cache::ResponseSummary& stored = hit->reader->summary();
    cache::Reuse reuse = cache::DecideReuse(req_.headers, stored, now);
    if (!background_key_.empty() && reuse != cache::Reuse::kFresh) {
      // A refresh always asks the origin, unless another one (on another worker, between
      // the lookup that found the entry stale and the mark) has already stored a fresh
      // response: then it is answered from that, and the origin is not asked twice.
      reuse = stored.has_validator ? cache::Reuse::kRevalidate : cache::Reuse::kFetch;
    }
    switch (reuse) {
      case cache::Reuse::kFresh:
        ServeStored(std::move(hit->reader), nullptr, CacheResult::kHit);
        return true;
      case cache::Reuse::kGatewayTimeout:
        SendLocal(504, "only-if-cached: the stored response is stale");
        return true;
      case cache::Reuse::kRevalidate:
      case cache::Reuse::kFetch:
        if (background_key_.empty() &&
            cache::MayServeStaleWhileRevalidating(req_.headers, stored, now)) {
          StartBackgroundRevalidation();
          ServeStored(std::move(hit->reader), nullptr, CacheResult::kStale);
          return true;
        }
        revalidate_ = reuse == cache::Reuse::kRevalidate;
        break;
    }
    // Ask the origin, keeping the entry for a 304 and for stale-if-error.
    client_headers_ = req_.headers;
    hit_ = *std::move(hit);
    return false;
  }
  if (cache::ParseCacheControl(req_.headers).only_if_cached) {
    SendLocal(504, "only-if-cached: nothing stored for this URL");
    return true;
  }
  if (background_key_.empty() && MayCollapse(req_)) {
    Collapser::Joined joined = ctx_->collapser->Join(cache_key_->ToString());
    fill_ = std::move(joined.fill);
    fill_leader_ = joined.leader;
    if (!fill_leader_) {
      WaitForFill();
      return true;
    }
  }
  return false;
}

void ClientConnection::ServeStored(std::unique_ptr<cache::EntryReader> reader,
                                   const cache::EntryMeta* fresh, CacheResult result) {
  cache_result_ = result;
  absl::Time now = absl::Now();
  const http::Headers& request = ClientHeaders();
  if (cache::IsConditional(request)) {
    const cache::EntryMeta& m = fresh != nullptr ? *fresh : reader->meta();
    if (cache::NotModified(request, m)) {
      return ServeHeadOnly(NotModifiedHead(m, now, CacheResultName(result)));
    }
  }
  // The hot path: the stored fields are already in wire form and the summary needs no parsing.
  fields_.clear();
  int status;
  absl::Duration age;
  if (fresh != nullptr) {
    cache::AppendServedFields(fresh->headers, &fields_);
    status = fresh->status;
    age = cache::CurrentAge(*fresh, now);
  } else {
    reader->AppendFields(&fields_);
    status = reader->summary().status;
    age = cache::CurrentAge(reader->summary(), now);
  }
  uint64_t size = reader->body_size();
  serve_reader_ = std::move(reader);
  StartStoredHead(status, age, size);
}

void ClientConnection::StartStoredHead(int status, absl::Duration age,
                                       std::optional<uint64_t> body_size) {
  upstream_timer_.Clear();
  StoredHead head{.status = status,
                  .fields = fields_,
                  .age = age,
                  .body_size = body_size,
                  .x_cache = CacheResultName(cache_result_),
                  .pseudonym = opt_.pseudonym,
                  .client_minor = client_minor_,
                  .head_request = req_.method == "HEAD",
                  .close = close_wanted_ || draining_ || ctx_->draining};
  BodyFollows body = AppendStoredHead(head, &out_);
  plan_ = ResponsePlan{.dechunk = false,
                       .close_after = head.close || body == BodyFollows::kUntilClose};
  serve_chunked_ = body == BodyFollows::kChunked;
  serve_offset_ = 0;
  serve_body_ = {};
  serve_direct_ = false;
  if (body == BodyFollows::kLength && serve_reader_ != nullptr) {
    std::optional<absl::string_view> whole = serve_reader_->Body();
    if (whole.has_value() && whole->size() == *body_size) {
      serve_body_ = *whole;
      serve_direct_ = true;
    }
  }
  resp_head_done_ = true;
  resp_.status = status;
  entry_.status = status;
  phase_ = Phase::kServe;
  if (body == BodyFollows::kNone || (body == BodyFollows::kLength && *body_size == 0)) {
    FinishServing();
  }
}

void ClientConnection::ServeHeadOnly(http::ResponseHead head) {
  upstream_timer_.Clear();
  plan_ = PrepareClientResponse(&head, http::BodyFraming(), client_minor_,
                                close_wanted_ || draining_ || ctx_->draining, opt_.pseudonym);
  resp_head_done_ = true;
  resp_.status = head.status;
  entry_.status = head.status;
  http::AppendResponseHead(head, &out_);
  phase_ = Phase::kServe;
  FinishServing();
}

void ClientConnection::FinishServing() {
  serve_body_ = {};  // points into serve_reader_'s entry
  serve_direct_ = false;
  serve_reader_.reset();
  LeaveFill();
  Log(entry_.status);
  EndRequest();
}

bool ClientConnection::MoveServedBody() {
  if (out_.size() >= opt_.buffer_size) return false;
  size_t room = opt_.buffer_size - out_.size();
  bool done = false;
  size_t n = 0;
  if (serve_direct_) {
    if (!serve_body_.empty()) return false;  // WriteClient is still sending it
    serve_direct_ = false;
    entry_.body_bytes += serve_reader_->body_size();
    FinishServing();
    return true;
  }
  if (serve_reader_ != nullptr) {
    size_t want = static_cast<size_t>(
        std::min<uint64_t>(room, serve_reader_->body_size() - serve_offset_));
    size_t before = out_.size();
    out_.resize(before + want);
    absl::StatusOr<size_t> got = serve_reader_->Read(absl::MakeSpan(out_.data() + before, want));
    if (!got.ok() || (*got == 0 && want > 0)) {
      // A stored body that cannot be read back (disk error, truncated file): the client
      // sees the connection close, never a short body passed off as whole.
      out_.resize(before);
      Abort();
      return true;
    }
    n = *got;
    out_.resize(before + n);
    done = serve_offset_ + n == serve_reader_->body_size();
  } else {
    // From a collapsed fetch: leave room for the chunk framing.
    Fill::State state;
    std::string chunk;
    std::string* into = serve_chunked_ ? &chunk : &out_;
    size_t max = serve_chunked_ ? (room > 32 ? room - 32 : 0) : room;
    n = fill_->Read(serve_offset_, max, into, &state);
    if (serve_chunked_ && n > 0) absl::StrAppend(&out_, absl::Hex(n), "\r\n", chunk, "\r\n");
    if (n == 0 && state == Fill::State::kDone) {
      if (serve_chunked_) out_ += "0\r\n\r\n";
      done = true;
    } else if (n == 0 && state != Fill::State::kStreaming) {
      Abort();  // the leader's fetch broke mid-body
      return true;
    }
  }
  serve_offset_ += n;
  entry_.body_bytes += n;
  if (done) {
    FinishServing();
    return true;
  }
  return n > 0;
}

void ClientConnection::WaitForFill() {
  phase_ = Phase::kWaitFill;
  waker_ = std::make_shared<LoopWaker>(ctx_->loop, [this] {
    if (phase_ != Phase::kClosed) Drive();
  });
  fill_->Subscribe(waker_);
  collapse_timer_ = ctx_->loop->RunAfter(opt_.cache.collapse_timeout, [this] {
    collapse_timer_ = 0;
    if (phase_ != Phase::kWaitFill) return;
    LeaveFill();  // too slow: fetch for ourselves
    GoUpstream();
    if (phase_ != Phase::kClosed) Drive();
  });
}

bool ClientConnection::CheckFill() {
  Fill::State state = fill_->state();
  if (state == Fill::State::kWaiting) return false;
  if (state == Fill::State::kStreaming || state == Fill::State::kDone) {
    const cache::EntryMeta& meta = fill_->meta();
    absl::Time now = absl::Now();
    if (cache::VaryMatches(meta, req_.headers) &&
        cache::DecideReuse(req_.headers, meta, now) == cache::Reuse::kFresh) {
      ctx_->loop->Cancel(collapse_timer_);
      collapse_timer_ = 0;
      cache_result_ = CacheResult::kHit;
      fields_.clear();
      cache::AppendServedFields(meta.headers, &fields_);
      StartStoredHead(meta.status, cache::CurrentAge(meta, now), fill_->content_length());
      return true;
    }
  }
  // Failed, uncacheable, or not for this request: ask the origin ourselves.
  LeaveFill();
  GoUpstream();
  return true;
}

bool ClientConnection::AfterResponseHead() {
  if (invalidate_after_) {
    for (const http::Url& url : cache::InvalidationTargets(req_.method, *cache_url_, resp_)) {
      ctx_->cache->Invalidate(cache::CacheKey::ForRequest("GET", url)).IgnoreError();
    }
    return false;
  }
  if (!cache_key_.has_value()) return false;
  absl::Time now = absl::Now();
  if (hit_.has_value()) {
    if (revalidate_ && resp_.status == 304) {
      if (!cache::Selects304(hit_->reader->meta(), resp_)) {
        RetryUnconditionally();
        return true;
      }
      cache::EntryMeta fresh = cache::FreshenFrom304(hit_->reader->meta(), resp_,
                                                     upstream_start_.value_or(now), now);
      ctx_->cache->UpdateMeta(*hit_, fresh).IgnoreError();
      ReleaseUpstream();  // a 304 has no body: the connection can serve again
      std::unique_ptr<cache::EntryReader> reader = std::move(hit_->reader);
      hit_.reset();
      ServeStored(std::move(reader), &fresh, CacheResult::kRevalidated);
      return true;
    }
    if (cache::IsOriginError(resp_.status) && ServeStaleOnError()) return true;
    hit_.reset();  // replaced by this response, or not: it is no longer wanted
  }
  bool storable = req_.method == "GET" && cache::IsStorable(req_, resp_) &&
                  !(resp_framing_.kind == http::BodyFraming::kContentLength &&
                    resp_framing_.length > opt_.cache.max_object_bytes);
  if (!storable) {
    if (fill_leader_) LeaveFill();  // waiters go upstream themselves
    return false;
  }
  cache::EntryMeta meta{.status = resp_.status,
                        .headers = cache::StorableHeaders(resp_.headers),
                        .request_time = upstream_start_.value_or(now),
                        .response_time = now};
  // The secondary key, so collapsed waiters can check Vary against their own request.
  meta.vary_values =
      cache::VaryValues(meta.headers, req_.headers).value_or(std::vector<cache::VaryValue>());
  cached_bytes_ = 0;
  absl::StatusOr<std::unique_ptr<cache::EntryWriter>> writer =
      ctx_->cache->Insert(*cache_key_, req_.headers, meta);
  if (writer.ok()) writer_ = *std::move(writer);
  if (fill_leader_) {
    std::optional<uint64_t> length;
    if (resp_framing_.kind == http::BodyFraming::kContentLength) length = resp_framing_.length;
    if (resp_framing_.kind == http::BodyFraming::kNone) length = 0;
    fill_->Publish(std::move(meta), length);
  }
  return false;
}

void ClientConnection::RetryUnconditionally() {
  hit_.reset();
  revalidate_ = false;
  ctx_->cache->Invalidate(*cache_key_).IgnoreError();
  ReleaseUpstream();  // a 304 has no body: the connection can serve again
  // The client's own preconditions, if any, go instead of the cache's.
  for (absl::string_view name : cache::kPreconditionFields) {
    req_.headers.Remove(name);
    for (absl::string_view v : ClientHeaders().GetAll(name)) req_.headers.Add(name, v).IgnoreError();
  }
  resp_ = http::ResponseHead();
  resp_prev_len_ = 0;
  upstream_head_.clear();
  if (absl::Status s = http::AppendRequestHead(req_, &upstream_head_); !s.ok()) {
    return Fail(400, s.message());
  }
  up_out_ = upstream_head_;
  FetchUpstream(/*allow_pooled=*/true);
}

void ClientConnection::CacheBody(absl::string_view data) {
  if (data.empty() || (writer_ == nullptr && !fill_leader_)) return;
  cached_bytes_ += data.size();
  if (cached_bytes_ > opt_.cache.max_object_bytes) {
    writer_.reset();  // aborts the insert
    if (fill_leader_) LeaveFill();
    return;
  }
  if (writer_ != nullptr && !writer_->Append(data).ok()) writer_.reset();
  if (fill_leader_) fill_->Append(data);
}

void ClientConnection::FinishCaching() {
  if (writer_ != nullptr) {
    // Committed before the fill is done, so a request arriving after finds the entry. A
    // failed commit (full store) just leaves the response uncached.
    writer_->Commit().IgnoreError();
    writer_.reset();
  }
  if (fill_leader_) fill_->Finish(Fill::State::kDone);
}

bool ClientConnection::ServeStaleOnError() {
  if (!hit_.has_value() || phase_ == Phase::kServe ||
      !cache::MayServeStaleOnError(ClientHeaders(), hit_->reader->summary(), absl::Now())) {
    return false;
  }
  DropUpstream();
  std::unique_ptr<cache::EntryReader> reader = std::move(hit_->reader);
  hit_.reset();
  ServeStored(std::move(reader), nullptr, CacheResult::kStale);
  return true;
}

void ClientConnection::StartBackgroundRevalidation() {
  if (!ctx_->start_background) return;
  std::string key = cache_key_->ToString();
  if (!ctx_->collapser->StartRevalidation(key)) return;  // one is running already
  http::RequestHead refresh = req_;  // as the client sent it: the same route and variant
  for (absl::string_view name : cache::kPreconditionFields) refresh.headers.Remove(name);
  refresh.headers.Remove("Range");
  refresh.method = "GET";
  refresh.version_minor = 1;
  refresh.headers.Set("Connection", "close").IgnoreError();
  absl::StatusOr<std::string> bytes = http::SerializeRequestHead(refresh);
  if (!bytes.ok()) {
    ctx_->collapser->EndRevalidation(key);
    return;
  }
  ctx_->start_background(*std::move(bytes), peer_, std::move(key));
}

void ClientConnection::Purge() {
  if (!opt_.cache.purge_allow.Allows(peer_)) {
    return SendLocal(403, "PURGE is not allowed from this address");
  }
  absl::StatusOr<http::Url> url = CacheUrl(route_);
  if (!url.ok()) return SendLocal(400, url.status().message());
  bool found = ctx_->cache != nullptr &&
               ctx_->cache->Invalidate(cache::CacheKey::ForRequest("GET", *url)).ok();
  SendLocal(found ? 200 : 404, found ? "purged" : "not in the cache");
}

void ClientConnection::SendLocal(int status, absl::string_view text) {
  bool close = close_wanted_ || draining_ || ctx_->draining || client_minor_ == 0;
  out_ += ErrorResponse(status, text, opt_.pseudonym, close, req_.method != "HEAD");
  plan_.close_after = close;
  resp_head_done_ = true;
  Log(status);
  EndRequest();
}

void ClientConnection::LeaveFill() {
  if (waker_ != nullptr) {
    waker_->Cancel();
    waker_.reset();
  }
  ctx_->loop->Cancel(collapse_timer_);
  collapse_timer_ = 0;
  if (fill_leader_ && fill_ != nullptr) fill_->Finish(Fill::State::kFailed);
  fill_.reset();
  fill_leader_ = false;
}

void ClientConnection::ResetCache() {
  LeaveFill();
  writer_.reset();
  serve_body_ = {};  // points into serve_reader_'s entry
  serve_direct_ = false;
  serve_reader_.reset();
  hit_.reset();
  client_headers_.reset();
  cache_url_.reset();
  cache_key_.reset();
  invalidate_after_ = false;
  revalidate_ = false;
  cached_bytes_ = 0;
  serve_offset_ = 0;
  serve_chunked_ = false;
}

}  // namespace proxy
