#include "proxy/admin.h"

#include <sys/socket.h>

#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/http/message.h"
#include "lib/http/request_parser.h"
#include "lib/http/url.h"
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

// QueryValue returns the percent-decoded value of `name` in `query` ("a=1&url=..."), or
// nullopt.
std::optional<std::string> QueryValue(absl::string_view query, absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.first != name) continue;
    std::string plus_as_space = absl::StrReplaceAll(kv.second, {{"+", " "}});
    absl::StatusOr<std::string> value = http::PercentDecode(plus_as_space);
    if (value.ok()) return *value;
    return std::nullopt;
  }
  return std::nullopt;
}

std::string PurgeResponse(absl::string_view method, absl::string_view query,
                          const AdminHandlers& handlers) {
  if (method != "GET" && method != "POST") {
    return absl::StrCat("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, POST\r\n"
                        "Content-Type: text/plain\r\nContent-Length: 23\r\n"
                        "Connection: close\r\n\r\n405 Method Not Allowed\n");
  }
  std::optional<std::string> url = QueryValue(query, "url");
  if (!url.has_value() || url->empty()) {
    return Response(400, "Bad Request", "text/plain", "400 Bad Request\nuse /purge?url=URL\n", false);
  }
  absl::StatusOr<bool> found = handlers.purge(*url);
  if (!found.ok()) {
    return Response(400, "Bad Request", "text/plain",
                    absl::StrCat("400 Bad Request\n", found.status().message(), "\n"), false);
  }
  return *found ? Response(200, "OK", "text/plain", "purged\n", false)
                : Response(404, "Not Found", "text/plain", "not in the cache\n", false);
}

}  // namespace

std::string AdminResponse(absl::string_view method, absl::string_view target,
                          const AdminHandlers& handlers) {
  size_t q = target.find('?');
  absl::string_view path = target.substr(0, q);
  absl::string_view query = q == absl::string_view::npos ? "" : target.substr(q + 1);
  if (path == "/purge" && handlers.purge) return PurgeResponse(method, query, handlers);
  bool known = path == "/metrics" || path == "/health";
  if (!known) return Response(404, "Not Found", "text/plain", "404 Not Found\n", method == "HEAD");
  if (method != "GET" && method != "HEAD") {
    return absl::StrCat("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"
                        "Content-Type: text/plain\r\nContent-Length: 23\r\n"
                        "Connection: close\r\n\r\n405 Method Not Allowed\n");
  }
  if (path == "/health") return Response(200, "OK", "text/plain", "ok\n", method == "HEAD");
  return Response(200, "OK", kMetricsType, handlers.metrics(), method == "HEAD");
}

// Impl is the admin event loop and its connections; everything but Stop runs on its thread.
class AdminServer::Impl {
 public:
  Impl(std::unique_ptr<net::EventLoop> loop, net::Socket listener, AdminHandlers handlers)
      : loop_(std::move(loop)), listener_(std::move(listener)), handlers_(std::move(handlers)) {}

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
      c.out = used.ok() ? AdminResponse(head.method, head.target, handlers_)
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
  AdminHandlers handlers_;
  absl::flat_hash_map<int, std::unique_ptr<Conn>> conns_;
};

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    const net::Address& address, AdminHandlers handlers) {
  std::unique_ptr<AdminServer> server(new AdminServer());
  ASSIGN_OR_RETURN(net::Socket listener, net::Listen(address, {.backlog = 64}));
  ASSIGN_OR_RETURN(server->address_, listener.LocalAddress());
  RETURN_IF_ERROR(listener.SetNonBlocking(true));
  ASSIGN_OR_RETURN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  server->impl_ = std::make_unique<Impl>(std::move(loop), std::move(listener), std::move(handlers));
  RETURN_IF_ERROR(server->impl_->Init());
  server->thread_ = std::thread([impl = server->impl_.get()] { impl->Run(); });
  return server;
}

AdminServer::~AdminServer() {
  if (impl_ != nullptr) impl_->Stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace proxy
