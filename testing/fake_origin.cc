#include "testing/fake_origin.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/http/request_parser.h"

namespace testing_util {

absl::StatusOr<std::unique_ptr<FakeOrigin>> FakeOrigin::Start() {
  std::unique_ptr<FakeOrigin> origin(new FakeOrigin());
  FakeOrigin* raw = origin.get();
  absl::StatusOr<std::unique_ptr<TcpReplayServer>> server = TcpReplayServer::StartWithResponder(
      [raw](const std::string& request, size_t) -> std::optional<std::string> {
        return raw->Answer(request);
      });
  if (!server.ok()) return server.status();
  origin->server_ = *std::move(server);
  return origin;
}

void FakeOrigin::Handle(const std::string& target, Handler h) {
  absl::MutexLock lock(&mu_);
  handlers_[target] = std::move(h);
}

void FakeOrigin::Serve(const std::string& target, std::string response) {
  Handle(target, [response = std::move(response)](const http::RequestHead&) { return response; });
}

std::string FakeOrigin::Answer(const std::string& raw) {
  http::RequestHead head;
  absl::StatusOr<size_t> used = http::ParseRequestHead(raw, 0, {}, &head);
  if (!used.ok() || *used == 0) return Response(400, "", "fake origin: bad request\n");
  Handler handler;
  {
    absl::MutexLock lock(&mu_);
    seen_[head.target].push_back(head);
    auto it = handlers_.find(head.target);
    if (it != handlers_.end()) handler = it->second;
  }
  if (!handler) return Response(404, "", absl::StrCat("fake origin: no handler for ", head.target, "\n"));
  return handler(head);
}

int FakeOrigin::count(const std::string& target) {
  absl::MutexLock lock(&mu_);
  auto it = seen_.find(target);
  return it == seen_.end() ? 0 : static_cast<int>(it->second.size());
}

std::vector<http::RequestHead> FakeOrigin::requests(const std::string& target) {
  absl::MutexLock lock(&mu_);
  auto it = seen_.find(target);
  return it == seen_.end() ? std::vector<http::RequestHead>() : it->second;
}

bool FakeOrigin::WaitForCount(const std::string& target, int n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, &target, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = seen_.find(target);
    return it != seen_.end() && static_cast<int>(it->second.size()) >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

std::string Response(int status, const std::string& fields, const std::string& body) {
  return absl::StrCat("HTTP/1.1 ", status, " X\r\n", fields, "Content-Length: ", body.size(),
                      "\r\n\r\n", body);
}

}  // namespace testing_util
