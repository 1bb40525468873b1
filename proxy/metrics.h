// metrics.h: cachingproxy's counters, kept per worker without locks and summed into the
// Prometheus text exposition format when /metrics is scraped.
//
//   proxy::WorkerMetrics m;                        // one per worker; only its thread writes
//   m.CountRequest(200, absl::Milliseconds(3));
//   m.Add(m.client_sent_bytes, n);
//   m.CountUpstreamError(proxy::UpstreamError::kTimeout);
//   std::string text = proxy::RenderPrometheus({&m, &other});   // any thread
//
// Each counter has a single writer (its worker's loop thread), so an increment is a relaxed
// load and store, with no locked instruction; readers see every value whole, possibly a few
// events behind.
#ifndef PROXY_METRICS_H_
#define PROXY_METRICS_H_

#include <array>
#include <string>
#include <vector>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace proxy {

// UpstreamError is why an exchange with the origin went wrong.
enum class UpstreamError {
  kResolve,       // the origin's name did not resolve
  kConnect,       // every address refused or was unreachable
  kTimeout,       // no progress within --upstream_timeout
  kWrite,         // writing the request failed
  kClosed,        // the origin closed before the response was complete
  kBadResponse,   // unparsable head, bad framing or chunking, unexpected 101
  kPooledClosed,  // a reused idle connection was dead (the request was retried)
};
inline constexpr size_t kUpstreamErrorKinds = 7;

// CacheResult is what the cache did for a request, sent as X-Cache and logged (RFC 9111
// terms in parentheses).
enum class CacheResult {
  kNone,         // no cache configured, or a refusal before routing
  kHit,          // served from the cache (fresh, or from a collapsed fetch)
  kMiss,         // fetched from the origin (and stored if allowed)
  kRevalidated,  // a stale entry the origin confirmed with 304
  kStale,        // served stale: stale-while-revalidate or stale-if-error
  kBypass,       // not looked up: unsafe method, body on a GET, unusable target
};
inline constexpr size_t kCacheResults = 6;

// CacheResultName returns the X-Cache value ("HIT", ...; "" for kNone).
absl::string_view CacheResultName(CacheResult r);

// CacheGauges is what the cache holds, read when /metrics is scraped.
struct CacheGauges {
  struct Tier {
    std::string name;  // "memory", "disk"
    uint64_t entries = 0, bytes = 0, evictions = 0, corrupt = 0;
  };
  std::vector<Tier> tiers;
  uint64_t collapsed = 0;  // requests that joined another's in-flight fetch
  uint64_t in_flight = 0;  // fetches being collapsed on now
};

// UpstreamErrorName returns the `kind` label value ("resolve", "connect", ...).
absl::string_view UpstreamErrorName(UpstreamError e);

// kLatencyBuckets are the upper bounds, in seconds, of cachingproxy_request_duration_seconds
// (+Inf is implied).
inline constexpr std::array<double, 14> kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// WorkerMetrics are one worker's counters. Written by one thread only (Add/CountRequest/...),
// read by any. Aligned so that two workers' counters never share a cache line.
struct alignas(64) WorkerMetrics {
  using Counter = std::atomic<uint64_t>;

  // Add adds `n` to `c`. Only the owning thread may call it.
  static void Add(Counter& c, uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // CountRequest records one answered request: its status (100-599; others count as 0) and
  // the time from its head's arrival to the end of its response.
  void CountRequest(int status, absl::Duration latency);
  void CountUpstreamError(UpstreamError e) { Add(upstream_errors[static_cast<size_t>(e)], 1); }
  void CountCacheResult(CacheResult r) { Add(cache_results[static_cast<size_t>(r)], 1); }

  std::array<Counter, 600> requests_by_status{};  // index = status code; [0] = other
  std::array<Counter, kLatencyBuckets.size() + 1> latency_buckets{};  // not cumulative
  Counter latency_sum_ns{0};
  Counter client_received_bytes{0};
  Counter client_sent_bytes{0};
  Counter upstream_received_bytes{0};
  Counter upstream_sent_bytes{0};
  std::array<Counter, kUpstreamErrorKinds> upstream_errors{};
  Counter connections_accepted{0};
  Counter connections_closed{0};  // accepted - closed = open now
  Counter upstream_queued{0};      // requests that waited for an upstream connection
  Counter upstream_dequeued{0};    // queued - dequeued = waiting now
  std::array<Counter, kCacheResults> cache_results{};
};

// RenderPrometheus sums `workers` and renders every metric with its HELP and TYPE lines, in
// the Prometheus text format 0.0.4. Status codes that were never answered are left out.
// With `cache`, the cache's results, hit ratio, store sizes and collapsing are included.
std::string RenderPrometheus(absl::Span<const WorkerMetrics* const> workers,
                             const CacheGauges* cache = nullptr);

}  // namespace proxy

#endif  // PROXY_METRICS_H_
