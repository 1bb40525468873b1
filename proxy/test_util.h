// test_util.h: running the real cachingproxy binary in end-to-end tests, and talking to it
// over loopback (test only).
//
//   proxy::testutil::Proxy proxy = proxy::testutil::StartProxy({"--upstream=127.0.0.1:8081"});
//   std::string raw = proxy::testutil::Exchange(proxy.port, "GET / HTTP/1.1\r\n...\r\n\r\n");
//   proxy::testutil::Reply r = proxy::testutil::Fetch(proxy.port, request);   // parsed
#ifndef PROXY_TEST_UTIL_H_
#define PROXY_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/http/message.h"
#include "lib/net/socket.h"
#include "testing/subprocess.h"

namespace proxy::testutil {

// Proxy is a running cachingproxy child and the ports it printed.
struct Proxy {
  std::unique_ptr<testing_util::Subprocess> process;
  uint16_t port = 0;
  uint16_t admin_port = 0;  // with --admin_listen
};

// StartProxy starts cachingproxy on 127.0.0.1 port 0 with the numeric resolver and `args`, and
// waits until it says where it listens.
Proxy StartProxy(std::vector<std::string> args);

// StartProgram runs `program` with `args` (a wrapper that ends up exec-ing cachingproxy) and
// waits for the proxy to say where it listens.
Proxy StartProgram(const std::string& program, const std::vector<std::string>& args);

// ProxyBinary returns the path of the cachingproxy binary in the test's runfiles.
std::string ProxyBinary();

// Dial connects to 127.0.0.1:`port` (reads time out after 15 s).
net::Socket Dial(uint16_t port);

// ReadToEnd reads until the peer closes (or the 15 s receive timeout ends it).
std::string ReadToEnd(net::Socket& s);

// Exchange sends `request` on a new connection and returns everything until the proxy closes.
std::string Exchange(uint16_t port, const std::string& request);

// Reply is a parsed response; status 0 when nothing parsable came back.
struct Reply {
  int status = 0;
  http::ResponseHead head;
  std::string body;  // de-chunked
  std::string raw;
};

// ParseReply parses one complete response (Content-Length, chunked or close-delimited).
Reply ParseReply(const std::string& raw, bool head_request = false);

// Fetch is Exchange followed by ParseReply.
Reply Fetch(uint16_t port, const std::string& request);

// WaitForMetrics scrapes /metrics until it has every line of `want` (the counters of a
// response are updated right after its last write, so a scrape can run a hair ahead), or
// 10 s passed; returns the last scrape.
std::string WaitForMetrics(uint16_t admin_port, const std::vector<std::string>& want);

}  // namespace proxy::testutil

#endif  // PROXY_TEST_UTIL_H_
