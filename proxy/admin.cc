#include "proxy/admin.h"

#include <sys/socket.h>

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/http/message.h"
#include "lib/http/request_parser.h"
#include "lib/net/event_loop.h"
#include "lib/net/socket.h"

namespace proxy {
namespace {

constexpr size_t kMaxConnections = 64;
constexpr absl::Duration kConnectionTimeout = absl::Seconds(5);
constexpr char kMetricsType[] = "text/plain; version=0.0.4; charset=utf-8";

std::string Response(int status, absl::string_view reason, absl::string_view type,
                     absl::string_view body, bool head_only) {
  return absl::StrCat("HTTP/1.1 ", status, " ", reason, "\r\nContent-Type: ", type,
                      "\r\nContent-Length: ", body.size(), "\r\nConnection: close\r\n\r\n",
                      head_only ? "" : body);
}

}  // namespace

std::string AdminResponse(absl::string_view method, absl::string_view target,
                          const std::function<std::string()>& metrics) {
  absl::string_view path = target.substr(0, target.find('?'));
  bool known = path == "/metrics" || path == "/health";
  if (!known) return Response(404, "Not Found", "text/plain", "404 Not Found\n", method == "HEAD");
  if (method != "GET" && method != "HEAD") {
    return absl::StrCat("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"
                        "Content-Type: text/plain\r\nContent-Length: 23\r\n"
                        "Connection: close\r\n\r\n405 Method Not Allowed\n");
  }
  if (path == "/health") return Response(200, "OK", "text/plain", "ok\n", method == "HEAD");
  return Response(200, "OK", kMetricsType, metrics(), method == "HEAD");
}

// Impl is the admin event loop and its connections; everything but Stop runs on its thread.
class AdminServer::Impl {
 public:
  Impl(std::unique_ptr<net::EventLoop> loop, net::Socket listener,
       std::function<std::string()> metrics)
      : loop_(std::move(loop)), listener_(std::move(listener)), metrics_(std::move(metrics)) {}

  ~Impl() {
    for (auto& [fd, c] : conns_) {
      loop_->Unwatch(fd);
      loop_->Cancel(c->timer);
    }
    if (listener_.valid()) loop_->Unwatch(listener_.fd());
  }

  absl::Status Init() {
    return loop_->Watch(listener_.fd(), net::EventLoop::kReadable, [this](uint32_t) { Accept(); });
  }
  void Run() { loop_->Run(); }
  void Stop() { loop_->Stop(); }

 private:
  struct Conn {
    net::Socket sock;
    std::string in;
    std::string out;
    size_t prev_len = 0;
    bool answered = false;
    net::EventLoop::TimerId timer = 0;
  };

  void Accept() {
    for (int i = 0; i < 16; ++i) {
      absl::StatusOr<std::optional<std::pair<net::Socket, net::Address>>> a = listener_.Accept();
      if (!a.ok() || !a->has_value()) return;
      net::Socket sock = std::move((*a)->first);
      if (conns_.size() >= kMaxConnections || !sock.SetNonBlocking(true).ok()) continue;
      int fd = sock.fd();
      auto c = std::make_unique<Conn>();
      c->sock = std::move(sock);
      if (!loop_->Watch(fd, net::EventLoop::kReadable, [this, fd](uint32_t) { Serve(fd); }).ok()) {
        continue;
      }
      c->timer = loop_->RunAfter(kConnectionTimeout, [this, fd] {
        auto it = conns_.find(fd);
        if (it == conns_.end()) return;
        it->second->timer = 0;
        Drop(fd);
      });
      conns_.emplace(fd, std::move(c));
    }
  }

  void Serve(int fd) {
    auto it = conns_.find(fd);
    if (it == conns_.end()) return;
    Conn& c = *it->second;
    if (!c.answered) {
      char buf[4096];
      absl::StatusOr<size_t> n = c.sock.Read(absl::MakeSpan(buf));
      if (!n.ok() || *n == 0) return Drop(fd);
      if (*n == net::kWouldBlock) return;
      c.in.append(buf, *n);
      http::ParseLimits limits;
      limits.max_header_bytes = 8192;
      limits.max_line = 4096;
      http::RequestHead head;
      absl::StatusOr<size_t> used = http::ParseRequestHead(c.in, c.prev_len, limits, &head);
      if (used.ok() && *used == 0) {
        c.prev_len = c.in.size();
        return;
      }
      c.answered = true;
      c.out = used.ok() ? AdminResponse(head.method, head.target, metrics_)
                        : Response(400, "Bad Request", "text/plain", "400 Bad Request\n", false);
      if (!loop_->SetEvents(fd, net::EventLoop::kWritable).ok()) return Drop(fd);
    }
    absl::StatusOr<size_t> n = c.sock.Write(c.out);
    if (!n.ok()) return Drop(fd);
    if (*n == net::kWouldBlock) return;
    c.out.erase(0, *n);
    if (c.out.empty()) {
      ::shutdown(fd, SHUT_WR);
      Drop(fd);
    }
  }

  void Drop(int fd) {
    auto it = conns_.find(fd);
    if (it == conns_.end()) return;
    loop_->Unwatch(fd);
    loop_->Cancel(it->second->timer);
    conns_.erase(it);
  }

  std::unique_ptr<net::EventLoop> loop_;
  net::Socket listener_;
  std::function<std::string()> metrics_;
  absl::flat_hash_map<int, std::unique_ptr<Conn>> conns_;
};

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    const net::Address& address, std::function<std::string()> metrics) {
  std::unique_ptr<AdminServer> server(new AdminServer());
  ASSIGN_OR_RETURN(net::Socket listener, net::Listen(address, {.backlog = 64}));
  ASSIGN_OR_RETURN(server->address_, listener.LocalAddress());
  RETURN_IF_ERROR(listener.SetNonBlocking(true));
  ASSIGN_OR_RETURN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  server->impl_ = std::make_unique<Impl>(std::move(loop), std::move(listener), std::move(metrics));
  RETURN_IF_ERROR(server->impl_->Init());
  server->thread_ = std::thread([impl = server->impl_.get()] { impl->Run(); });
  return server;
}

AdminServer::~AdminServer() {
  if (impl_ != nullptr) impl_->Stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace proxy
