// admin.h: cachingproxy's admin listener (--admin_listen), a tiny HTTP/1.1 server on its own
// thread and event loop, apart from the workers: GET /metrics (Prometheus text format),
// GET /health and GET or POST /purge?url=URL (drop a cached response). Every response closes
// its connection.
//
//   proxy::AdminHandlers h{.metrics = [&] { return proxy::RenderPrometheus(all); },
//                          .purge = [&](absl::string_view url) { return Purge(url); }};
//   ASSIGN_OR_RETURN(std::unique_ptr<proxy::AdminServer> admin,
//                    proxy::AdminServer::Start(*net::Address::Parse("127.0.0.1:0"), h));
//   std::cerr << "admin on " << admin->address().ToString() << "\n";
//   admin.reset();   // stops the thread and closes its connections
#ifndef PROXY_ADMIN_H_
#define PROXY_ADMIN_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/net/address.h"

namespace proxy {

// AdminHandlers are what the admin endpoints call, on the admin thread (so thread-safe).
struct AdminHandlers {
  // metrics renders the /metrics body.
  std::function<std::string()> metrics;
  // purge drops the cached response for an absolute URL: true if there was one,
  // InvalidArgument for a bad URL. Null: no cache, /purge is 404.
  std::function<absl::StatusOr<bool>(absl::string_view url)> purge;
};

// AdminResponse returns the complete response (status line, headers, body, with
// "Connection: close") to a request for `method` and `target`: GET (or HEAD) /metrics → 200
// with `metrics()`; /health → 200 "ok\n"; another method on those → 405; GET or POST
// /purge?url=URL (percent-encoded) → 200 "purged", 404 "not in the cache", or 400 for a
// missing or bad URL; any other path → 404. Other query strings are ignored.
std::string AdminResponse(absl::string_view method, absl::string_view target,
                          const AdminHandlers& handlers);

class AdminServer {
 public:
  // Start listens on `address` (port 0 picks one) and serves from a new thread with
  // `handlers`.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(const net::Address& address,
                                                            AdminHandlers handlers);
  // The destructor stops the admin thread and closes its connections.
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // address returns where the admin listener is bound (the real port for port 0).
  const net::Address& address() const { return address_; }

 private:
  class Impl;
  AdminServer() = default;

  net::Address address_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace proxy

#endif  // PROXY_ADMIN_H_
