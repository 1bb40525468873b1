#include "proxy/metrics.h"

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The counters live on the heap, as in the server: ASan's fake stack frames (for
// detect_stack_use_after_return) do not honour the struct's 64-byte alignment.
TEST(MetricsTest, SumsWorkersAndRendersEveryFamily) {
  auto a_owner = std::make_unique<WorkerMetrics>();
  auto b_owner = std::make_unique<WorkerMetrics>();
  WorkerMetrics& a = *a_owner;
  WorkerMetrics& b = *b_owner;
  a.CountRequest(200, absl::Microseconds(300));  // <= 0.0005
  a.CountRequest(200, absl::Milliseconds(1));     // exactly on the 0.001 bound
  b.CountRequest(404, absl::Seconds(20));         // only in +Inf
  b.CountRequest(1000, absl::Milliseconds(2));    // out of range: code "0"
  WorkerMetrics::Add(a.client_received_bytes, 10);
  WorkerMetrics::Add(b.client_received_bytes, 5);
  WorkerMetrics::Add(a.client_sent_bytes, 7);
  WorkerMetrics::Add(b.upstream_sent_bytes, 3);
  WorkerMetrics::Add(b.upstream_received_bytes, 4);
  a.CountUpstreamError(UpstreamError::kTimeout);
  b.CountUpstreamError(UpstreamError::kTimeout);
  b.CountUpstreamError(UpstreamError::kConnect);
  WorkerMetrics::Add(a.connections_accepted, 3);
  WorkerMetrics::Add(a.connections_closed, 1);
  WorkerMetrics::Add(b.connections_accepted, 1);

  std::string text = RenderPrometheus({a_owner.get(), b_owner.get()});
  for (const char* line : {
           "# TYPE cachingproxy_requests_total counter\n",
           "cachingproxy_requests_total{code=\"200\"} 2\n",
           "cachingproxy_requests_total{code=\"404\"} 1\n",
           "cachingproxy_requests_total{code=\"0\"} 1\n",
           "# TYPE cachingproxy_request_duration_seconds histogram\n",
           "cachingproxy_request_duration_seconds_bucket{le=\"0.0005\"} 1\n",
           "cachingproxy_request_duration_seconds_bucket{le=\"0.001\"} 2\n",
           "cachingproxy_request_duration_seconds_bucket{le=\"0.0025\"} 3\n",
           "cachingproxy_request_duration_seconds_bucket{le=\"10\"} 3\n",
           "cachingproxy_request_duration_seconds_bucket{le=\"+Inf\"} 4\n",
           "cachingproxy_request_duration_seconds_sum 20.003300000\n",
           "cachingproxy_request_duration_seconds_count 4\n",
           "cachingproxy_client_received_bytes_total 15\n",
           "cachingproxy_client_sent_bytes_total 7\n",
           "cachingproxy_upstream_sent_bytes_total 3\n",
           "cachingproxy_upstream_received_bytes_total 4\n",
           "cachingproxy_upstream_errors_total{kind=\"timeout\"} 2\n",
           "cachingproxy_upstream_errors_total{kind=\"connect\"} 1\n",
           "cachingproxy_upstream_errors_total{kind=\"resolve\"} 0\n",
           "cachingproxy_client_connections_accepted_total 4\n",
           "# TYPE cachingproxy_client_connections gauge\n",
           "cachingproxy_client_connections 3\n",
       }) {
    EXPECT_THAT(text, HasSubstr(line));
  }
  EXPECT_THAT(text, Not(HasSubstr("code=\"500\"")));
  EXPECT_EQ(text.back(), '\n');
}

TEST(MetricsTest, EmptyRendersZeroes) {
  auto a = std::make_unique<WorkerMetrics>();
  std::string text = RenderPrometheus({a.get()});
  EXPECT_THAT(text, HasSubstr("cachingproxy_request_duration_seconds_count 0\n"));
  EXPECT_THAT(text, HasSubstr("cachingproxy_client_connections 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("cachingproxy_requests_total{")));
}

}  // namespace
}  // namespace proxy
