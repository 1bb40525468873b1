#include "proxy/metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace proxy {
namespace {

uint64_t Sum(absl::Span<const WorkerMetrics* const> workers,
             const WorkerMetrics::Counter WorkerMetrics::*field) {
  uint64_t total = 0;
  for (const WorkerMetrics* w : workers) total += (w->*field).load(std::memory_order_relaxed);
  return total;
}

template <size_t N>
std::array<uint64_t, N> SumArray(absl::Span<const WorkerMetrics* const> workers,
                                 const std::array<WorkerMetrics::Counter, N> WorkerMetrics::*field) {
  std::array<uint64_t, N> total{};
  for (const WorkerMetrics* w : workers) {
    for (size_t i = 0; i < N; ++i) total[i] += (w->*field)[i].load(std::memory_order_relaxed);
  }
  return total;
}

void Header(std::string* out, absl::string_view name, absl::string_view type,
            absl::string_view help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void Simple(std::string* out, absl::string_view name, absl::string_view type,
            absl::string_view help, int64_t value) {
  Header(out, name, type, help);
  absl::StrAppend(out, name, " ", value, "\n");
}

void RenderCache(std::string* out, absl::Span<const WorkerMetrics* const> workers,
                 const CacheGauges& cache) {
  auto results = SumArray(workers, &WorkerMetrics::cache_results);
  Header(out, "cachingproxy_cache_requests_total", "counter",
         "Requests by what the cache did (the X-Cache value).");
  for (size_t i = 1; i < results.size(); ++i) {
    absl::StrAppend(out, "cachingproxy_cache_requests_total{result=\"",
                    CacheResultName(static_cast<CacheResult>(i)), "\"} ", results[i], "\n");
  }
  uint64_t hits = results[static_cast<size_t>(CacheResult::kHit)] +
                  results[static_cast<size_t>(CacheResult::kRevalidated)] +
                  results[static_cast<size_t>(CacheResult::kStale)];
  uint64_t lookups = hits + results[static_cast<size_t>(CacheResult::kMiss)];
  Header(out, "cachingproxy_cache_hit_ratio", "gauge",
         "Share of cache lookups answered from the cache (HIT, REVALIDATED, STALE) since start.");
  absl::StrAppend(out, "cachingproxy_cache_hit_ratio ",
                  lookups == 0 ? "0" : absl::StrFormat("%.6f", static_cast<double>(hits) / lookups),
                  "\n");
  struct Field {
    absl::string_view name, type, help;
    uint64_t CacheGauges::Tier::*value;
  };
  for (const Field& f : {Field{"cachingproxy_cache_entries", "gauge", "Entries stored, by tier.",
                               &CacheGauges::Tier::entries},
                         Field{"cachingproxy_cache_bytes", "gauge",
                               "Bytes charged against each tier's budget.", &CacheGauges::Tier::bytes},
                         Field{"cachingproxy_cache_evictions_total", "counter",
                               "Entries evicted to stay within budget, by tier.",
                               &CacheGauges::Tier::evictions},
                         Field{"cachingproxy_cache_corrupt_total", "counter",
                               "Damaged entries found and dropped, by tier.",
                               &CacheGauges::Tier::corrupt}}) {
    Header(out, f.name, f.type, f.help);
    for (const CacheGauges::Tier& t : cache.tiers) {
      absl::StrAppend(out, f.name, "{tier=\"", t.name, "\"} ", t.*f.value, "\n");
    }
  }
  Simple(out, "cachingproxy_cache_collapsed_total", "counter",
         "Requests that waited for another request's fetch of the same URL instead of going "
         "upstream.",
         cache.collapsed);
  Simple(out, "cachingproxy_cache_fetches_in_flight", "gauge",
         "Fetches other requests can collapse onto now.", cache.in_flight);
}

}  // namespace

absl::string_view UpstreamErrorName(UpstreamError e) {
  switch (e) {
    case UpstreamError::kResolve: return "resolve";
    case UpstreamError::kConnect: return "connect";
    case UpstreamError::kTimeout: return "timeout";
    case UpstreamError::kWrite: return "write";
    case UpstreamError::kClosed: return "closed";
    case UpstreamError::kBadResponse: return "bad_response";
    case UpstreamError::kPooledClosed: return "pooled_closed";
  }
  return "unknown";
}

absl::string_view CacheResultName(CacheResult r) {
  switch (r) {
    case CacheResult::kNone: return "";
    case CacheResult::kHit: return "HIT";
    case CacheResult::kMiss: return "MISS";
    case CacheResult::kRevalidated: return "REVALIDATED";
    case CacheResult::kStale: return "STALE";
    case CacheResult::kBypass: return "BYPASS";
  }
  return "";
}

void WorkerMetrics::CountRequest(int status, absl::Duration latency) {
  Add(requests_by_status[status >= 100 && status < 600 ? status : 0], 1);
  int64_t ns = std::max<int64_t>(0, absl::ToInt64Nanoseconds(latency));
  double seconds = static_cast<double>(ns) * 1e-9;
  size_t bucket = std::lower_bound(kLatencyBuckets.begin(), kLatencyBuckets.end(), seconds) -
                  kLatencyBuckets.begin();  // the first bound >= seconds; size() is +Inf
  Add(latency_buckets[bucket], 1);
  Add(latency_sum_ns, static_cast<uint64_t>(ns));
}

std::string RenderPrometheus(absl::Span<const WorkerMetrics* const> workers,
                             const CacheGauges* cache) {
  std::string out;
  out.reserve(4096);

  auto by_status = SumArray(workers, &WorkerMetrics::requests_by_status);
  Header(&out, "cachingproxy_requests_total", "counter",
         "Requests answered, by response status code (0: outside 100-599).");
  for (size_t code = 0; code < by_status.size(); ++code) {
    if (by_status[code] == 0) continue;
    absl::StrAppend(&out, "cachingproxy_requests_total{code=\"", code, "\"} ", by_status[code],
                    "\n");
  }

  auto buckets = SumArray(workers, &WorkerMetrics::latency_buckets);
  Header(&out, "cachingproxy_request_duration_seconds", "histogram",
         "Time from a request head's arrival to the end of its response.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    cumulative += buckets[i];
    std::string le = i < kLatencyBuckets.size() ? absl::StrCat(kLatencyBuckets[i]) : "+Inf";
    absl::StrAppend(&out, "cachingproxy_request_duration_seconds_bucket{le=\"", le, "\"} ",
                    cumulative, "\n");
  }
  absl::StrAppend(&out, "cachingproxy_request_duration_seconds_sum ",
                  absl::StrFormat("%.9f", static_cast<double>(Sum(
                                              workers, &WorkerMetrics::latency_sum_ns)) * 1e-9),
                  "\n");
  absl::StrAppend(&out, "cachingproxy_request_duration_seconds_count ", cumulative, "\n");

  Simple(&out, "cachingproxy_client_received_bytes_total", "counter",
         "Bytes read from clients (heads, bodies, tunnelled data).",
         Sum(workers, &WorkerMetrics::client_received_bytes));
  Simple(&out, "cachingproxy_client_sent_bytes_total", "counter",
         "Bytes written to clients (heads, bodies, tunnelled data).",
         Sum(workers, &WorkerMetrics::client_sent_bytes));
  Simple(&out, "cachingproxy_upstream_received_bytes_total", "counter",
         "Bytes read from upstream origins.", Sum(workers, &WorkerMetrics::upstream_received_bytes));
  Simple(&out, "cachingproxy_upstream_sent_bytes_total", "counter",
         "Bytes written to upstream origins.", Sum(workers, &WorkerMetrics::upstream_sent_bytes));

  auto errors = SumArray(workers, &WorkerMetrics::upstream_errors);
  Header(&out, "cachingproxy_upstream_errors_total", "counter",
         "Failed exchanges with upstream origins, by kind.");
  for (size_t i = 0; i < errors.size(); ++i) {
    absl::StrAppend(&out, "cachingproxy_upstream_errors_total{kind=\"",
                    UpstreamErrorName(static_cast<UpstreamError>(i)), "\"} ", errors[i], "\n");
  }

  // Closed first: every worker's count only grows and never passes its accepted count, so
  // reading it before the accepted ones keeps the gauge from going negative.
  uint64_t closed = Sum(workers, &WorkerMetrics::connections_closed);
  uint64_t accepted = Sum(workers, &WorkerMetrics::connections_accepted);
  Simple(&out, "cachingproxy_client_connections_accepted_total", "counter",
         "Client connections accepted and served.", accepted);
  Simple(&out, "cachingproxy_client_connections", "gauge", "Client connections open now.",
         accepted > closed ? static_cast<int64_t>(accepted - closed) : 0);
  uint64_t dequeued = Sum(workers, &WorkerMetrics::upstream_dequeued);
  uint64_t queued = Sum(workers, &WorkerMetrics::upstream_queued);
  Simple(&out, "cachingproxy_upstream_queued_total", "counter",
         "Requests that waited for a pooled upstream connection or a new-connection slot "
         "(--upstream_max_new).",
         queued);
  Simple(&out, "cachingproxy_upstream_waiting", "gauge",
         "Requests waiting for an upstream connection now.",
         queued > dequeued ? static_cast<int64_t>(queued - dequeued) : 0);
  if (cache != nullptr) RenderCache(&out, workers, *cache);
  return out;
}

}  // namespace proxy
