#include "proxy/resolver.h"

#include <sys/socket.h>

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace proxy {
namespace {

// Literal returns the address of an IP literal or "localhost", or nullopt.
std::optional<net::Address> Literal(const std::string& host, uint16_t port) {
  if (host == "localhost") return net::Address::Loopback(AF_INET, port);
  absl::StatusOr<net::Address> a = net::Address::FromIp(host, port);
  if (a.ok()) return *a;
  return std::nullopt;
}

absl::Status NotFound(const std::string& host, absl::string_view why) {
  return absl::NotFoundError(absl::StrCat("resolve: ", host, ": ", why));
}

class NumericResolver : public Resolver {
 public:
  explicit NumericResolver(net::EventLoop* loop) : loop_(loop) {}
  ~NumericResolver() override { *alive_ = false; }

  void Resolve(const std::string& host, uint16_t port, Done done) override {
    absl::StatusOr<std::vector<net::Address>> result;
    if (std::optional<net::Address> a = Literal(host, port)) {
      result = std::vector<net::Address>{*a};
    } else {
      result = NotFound(host, "not an IP address (numeric resolver)");
    }
    loop_->Post([alive = alive_, done = std::move(done), result = std::move(result)] {
      if (*alive) done(result);
    });
  }

 private:
  net::EventLoop* loop_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class DnsResolver : public Resolver {
 public:
  DnsResolver(net::EventLoop* loop, dns::Resolver* dns) : loop_(loop), dns_(dns) {}
  ~DnsResolver() override { *alive_ = false; }

  void Resolve(const std::string& host, uint16_t port, Done done) override {
    // The answer is posted to loop_; alive_ is read and cleared only on the loop's thread
    // (or after it stopped), so a late answer finds it false.
    dns_->ResolveHostAsync(loop_, host, port, AF_UNSPEC,
                           [alive = alive_, done = std::move(done)](
                               absl::StatusOr<std::vector<net::Address>> addrs) {
                             if (*alive) done(std::move(addrs));
                           });
  }

 private:
  net::EventLoop* loop_;
  dns::Resolver* dns_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<Resolver> NewNumericResolver(net::EventLoop* loop) {
  return std::make_unique<NumericResolver>(loop);
}

std::unique_ptr<Resolver> NewDnsResolver(net::EventLoop* loop, dns::Resolver* dns) {
  return std::make_unique<DnsResolver>(loop, dns);
}

}  // namespace proxy
