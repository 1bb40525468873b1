// fake_origin.h: a scriptable HTTP origin on 127.0.0.1 port 0 that counts what it is asked,
// so proxy tests can prove a response came from the cache (zero new upstream requests).
//
//   ASSERT_OK_AND_ASSIGN(auto origin, testing_util::FakeOrigin::Start());
//   origin->Serve("/a", "HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nContent-Length: 2\r\n\r\nhi");
//   origin->Handle("/b", [](const http::RequestHead& r) { return std::string("HTTP/1.1 ..."); });
//   ... requests through the proxy ...
//   EXPECT_EQ(origin->count("/a"), 1);
//   EXPECT_EQ(origin->requests("/b")[0].headers.Get("if-none-match"), "\"v1\"");
//
// Connections are kept alive. A path with no handler gets 404. Handlers run on the origin's
// connection threads (one per connection) and may block, e.g. to hold a response back.
#ifndef TESTING_FAKE_ORIGIN_H_
#define TESTING_FAKE_ORIGIN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/http/message.h"
#include "testing/replay_server.h"

namespace testing_util {

class FakeOrigin {
 public:
  // Handler returns the complete response (head and body) for a request.
  using Handler = std::function<std::string(const http::RequestHead& request)>;

  static absl::StatusOr<std::unique_ptr<FakeOrigin>> Start();

  // Handle answers requests for `target` (path and query, as the proxy sends it) with `h`.
  void Handle(const std::string& target, Handler h) ABSL_LOCKS_EXCLUDED(mu_);
  // Serve answers `target` with `response` every time.
  void Serve(const std::string& target, std::string response);

  // count returns how many requests for `target` arrived; requests returns them.
  int count(const std::string& target) ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<http::RequestHead> requests(const std::string& target) ABSL_LOCKS_EXCLUDED(mu_);
  // WaitForCount waits until `target` was asked `n` times (true) or `timeout` passed.
  bool WaitForCount(const std::string& target, int n, absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);

  uint16_t port() const { return server_->port(); }
  // Stop closes the listener and every connection: later requests are refused.
  void Stop() { server_.reset(); }

 private:
  FakeOrigin() = default;
  std::string Answer(const std::string& raw) ABSL_LOCKS_EXCLUDED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Handler> handlers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::vector<http::RequestHead>> seen_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<TcpReplayServer> server_;  // last: its threads use the members above
};

// Response builds "HTTP/1.1 <status> X\r\n<fields>Content-Length: <n>\r\n\r\n<body>"; `fields`
// are complete lines ("Cache-Control: max-age=60\r\n").
std::string Response(int status, const std::string& fields, const std::string& body);

}  // namespace testing_util

#endif  // TESTING_FAKE_ORIGIN_H_
