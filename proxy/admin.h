// admin.h: cachingproxy's admin listener (--admin_listen), a tiny HTTP/1.1 server on its own
// thread and event loop, apart from the workers: GET /metrics (Prometheus text format) and
// GET /health. Every response closes its connection.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<proxy::AdminServer> admin,
//                    proxy::AdminServer::Start(*net::Address::Parse("127.0.0.1:0"),
//                                              [&] { return proxy::RenderPrometheus(all); }));
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

// AdminResponse returns the complete response (status line, headers, body, with
// "Connection: close") to a request for `method` and `target`: GET (or HEAD) /metrics → 200
// with `metrics()`; /health → 200 "ok\n"; another method on those → 405; any other path → 404.
// A query string is ignored. `metrics` is called only for /metrics.
std::string AdminResponse(absl::string_view method, absl::string_view target,
                          const std::function<std::string()>& metrics);

class AdminServer {
 public:
  // Start listens on `address` (port 0 picks one) and serves from a new thread. `metrics`
  // renders the /metrics body; it runs on the admin thread and must be thread-safe.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(const net::Address& address,
                                                            std::function<std::string()> metrics);
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
