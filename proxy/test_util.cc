#include "proxy/test_util.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/http/chunked.h"
#include "lib/http/response_parser.h"
#include "lib/net/address.h"

namespace proxy::testutil {
namespace {

// PrintedPort returns the port after `prefix` (".. 127.0.0.1:") in `err`, or 0.
uint16_t PrintedPort(const std::string& err, const std::string& prefix) {
  size_t at = err.find(prefix);
  if (at == std::string::npos) return 0;
  std::string rest = err.substr(at + prefix.size());
  uint32_t port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(rest.substr(0, rest.find('\n')), &port)) << err;
  return static_cast<uint16_t>(port);
}

}  // namespace

std::string ProxyBinary() { return testing_util::Runfile("proxy/cachingproxy"); }

Proxy StartProxy(std::vector<std::string> args) {
  args.insert(args.begin(), {"--listen=127.0.0.1:0", "--resolver=numeric"});
  return StartProgram(ProxyBinary(), args);
}

Proxy StartProgram(const std::string& program, const std::vector<std::string>& args) {
  Proxy p;
  absl::StatusOr<std::unique_ptr<testing_util::Subprocess>> s =
      testing_util::Subprocess::Start(program, args);
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return p;
  p.process = *std::move(s);
  const std::string prefix = "cachingproxy listening on 127.0.0.1:";
  EXPECT_TRUE(p.process->WaitForStderr(prefix, absl::Seconds(10))) << p.process->Stderr();
  // The admin line, when there is one, is printed before the main one.
  std::string err = p.process->Stderr();
  p.port = PrintedPort(err, prefix);
  p.admin_port = PrintedPort(err, "cachingproxy admin listening on 127.0.0.1:");
  return p;
}

net::Socket Dial(uint16_t port) {
  absl::StatusOr<net::Socket> s =
      net::Connect(net::Address::Loopback(AF_INET, port), absl::Now() + absl::Seconds(5));
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return net::Socket();
  struct timeval tv = {.tv_sec = 15, .tv_usec = 0};
  setsockopt(s->fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return *std::move(s);
}

std::string ReadToEnd(net::Socket& s) {
  std::string out;
  char buf[65536];
  for (;;) {
    absl::StatusOr<size_t> n = s.Read(absl::MakeSpan(buf));
    if (!n.ok() || *n == 0 || *n == net::kWouldBlock) return out;
    out.append(buf, *n);
  }
}

std::string Exchange(uint16_t port, const std::string& request) {
  net::Socket s = Dial(port);
  if (!s.valid()) return "";
  EXPECT_TRUE(s.WriteAll(request).ok());
  return ReadToEnd(s);
}

Reply ParseReply(const std::string& raw, bool head_request) {
  Reply r;
  r.raw = raw;
  absl::StatusOr<size_t> used = http::ParseResponseHead(raw, 0, {}, &r.head);
  if (!used.ok() || *used == 0) return r;
  r.status = r.head.status;
  absl::string_view rest = absl::string_view(raw).substr(*used);
  absl::StatusOr<http::BodyFraming> framing =
      http::ResponseBodyFraming(head_request ? "HEAD" : "GET", r.head);
  if (!framing.ok()) return r;
  switch (framing->kind) {
    case http::BodyFraming::kNone:
      break;
    case http::BodyFraming::kContentLength:
      r.body = std::string(rest.substr(0, framing->length));
      break;
    case http::BodyFraming::kChunked: {
      http::ChunkedDecoder decoder;
      EXPECT_TRUE(decoder.Decode(rest, &r.body).ok());
      break;
    }
    case http::BodyFraming::kUntilClose:
      r.body = std::string(rest);
      break;
  }
  return r;
}

Reply Fetch(uint16_t port, const std::string& request) {
  return ParseReply(Exchange(port, request), absl::StartsWith(request, "HEAD "));
}

std::string WaitForMetrics(uint16_t admin_port, const std::vector<std::string>& want) {
  std::string text;
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    text = Exchange(admin_port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    bool all = true;
    for (const std::string& line : want) all = all && absl::StrContains(text, line + "\n");
    if (all) break;
    absl::SleepFor(absl::Milliseconds(50));  // polling a condition, with a deadline
  } while (absl::Now() < deadline);
  return text;
}

}  // namespace proxy::testutil
