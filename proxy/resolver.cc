#include "proxy/resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <deque>
#include <memory>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

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

class SystemResolver : public Resolver {
 public:
  explicit SystemResolver(net::EventLoop* loop) : loop_(loop), thread_([this] { Serve(); }) {}
  ~SystemResolver() override {
    *alive_ = false;
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

  void Resolve(const std::string& host, uint16_t port, Done done) override {
    if (std::optional<net::Address> a = Literal(host, port)) {
      loop_->Post([alive = alive_, done = std::move(done), a = *a] {
        if (*alive) done(std::vector<net::Address>{a});
      });
      return;
    }
    absl::MutexLock lock(&mu_);
    queue_.push_back(Job{host, port, std::move(done)});
  }

 private:
  struct Job {
    std::string host;
    uint16_t port;
    Done done;
  };

  void Serve() {
    for (;;) {
      Job job;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](SystemResolver* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
              return r->stop_ || !r->queue_.empty();
            },
            this));
        if (stop_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      absl::StatusOr<std::vector<net::Address>> result = Lookup(job.host, job.port);
      loop_->Post([alive = alive_, done = std::move(job.done), result = std::move(result)] {
        if (*alive) done(result);
      });
    }
  }

  static absl::StatusOr<std::vector<net::Address>> Lookup(const std::string& host,
                                                          uint16_t port) {
    struct addrinfo hints = {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    struct addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
    if (rc != 0) return NotFound(host, gai_strerror(rc));
    std::vector<net::Address> out;
    for (struct addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      absl::StatusOr<net::Address> a = net::Address::FromSockaddr(ai->ai_addr, ai->ai_addrlen);
      if (!a.ok()) continue;
      a->set_port(port);
      out.push_back(*a);
    }
    freeaddrinfo(res);
    if (out.empty()) return NotFound(host, "no addresses");
    return out;
  }

  net::EventLoop* loop_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace

std::unique_ptr<Resolver> NewNumericResolver(net::EventLoop* loop) {
  return std::make_unique<NumericResolver>(loop);
}

std::unique_ptr<Resolver> NewSystemResolver(net::EventLoop* loop) {
  return std::make_unique<SystemResolver>(loop);
}

}  // namespace proxy
