// client.h: a blocking HTTP/1.x client with keep-alive reuse, redirects and proxy mode.
//
// One Client keeps at most one idle connection per origin (or per proxy) and reuses it for
// the next request there. Bodies are streamed to a callback and never held whole. Errors are
// Statuses that also carry the curl exit code for the failure (ClientErrorCode).
//
//   http::Client client({.total_timeout = absl::Seconds(10), .follow_redirects = true});
//   ASSIGN_OR_RETURN(http::Url url, http::Url::Parse("http://127.0.0.1:8080/a"));
//   http::FetchCallbacks cb;
//   cb.body = [&](absl::string_view data) { return WriteAllFd(1, data); };
//   ASSIGN_OR_RETURN(http::FetchResult r, client.Fetch({.url = url}, cb));
//   // r.head.status == 200, r.body_bytes, r.num_connects, r.effective_url
#ifndef LIB_HTTP_CLIENT_H_
#define LIB_HTTP_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/http/headers.h"
#include "lib/http/message.h"
#include "lib/http/url.h"
#include "lib/net/address.h"

namespace http {

// ClientErrorCode returns the curl exit code carried by a Client error: 0 for OK, otherwise
// one of 1 (unsupported protocol), 3 (malformed URL), 5/6 (couldn't resolve proxy/host),
// 7 (couldn't connect), 8 (weird server reply), 18 (partial file), 22 (HTTP error with
// fail_on_http_error), 23 (write error in the body callback), 28 (timeout), 47 (too many
// redirects), 52 (empty reply), 55 (send failure), 56 (receive failure), 61 (bad content
// encoding). A Status without the payload maps by its code (DeadlineExceeded 28, else 56).
// The message of a Client error is curl's wording for the failure, e.g. "Empty reply from
// server" (curl compatibility takes precedence over the lowercase-component message rule).
int ClientErrorCode(const absl::Status& status);

// ResolveFn returns the addresses of `host` (a reg-name, never an IP literal) for `port`;
// `family` is AF_UNSPEC, AF_INET or AF_INET6. Tests inject their own.
using ResolveFn = std::function<absl::StatusOr<std::vector<net::Address>>(
    const std::string& host, uint16_t port, int family)>;

// ResolveSystem is the default ResolveFn: lib/dns (hosts file, then DNS per resolv.conf).
absl::StatusOr<std::vector<net::Address>> ResolveSystem(const std::string& host, uint16_t port,
                                                        int family);

struct ClientOptions {
  // connect_timeout bounds each connection attempt (curl --connect-timeout; curl's default).
  absl::Duration connect_timeout = absl::Seconds(300);
  // total_timeout bounds one Fetch, redirects included (curl -m).
  absl::Duration total_timeout = absl::InfiniteDuration();
  // follow_redirects follows 301, 302, 303, 307 and 308 (curl -L), at most max_redirects
  // times (-1 = no limit); one more is error 47.
  bool follow_redirects = false;
  int max_redirects = 50;
  // fail_on_http_error makes a final status >= 400 error 22, before its body (curl -f).
  bool fail_on_http_error = false;
  // decompress inflates gzip/deflate Content-Encoding before the body callback (curl
  // --compressed; the caller adds Accept-Encoding).
  bool decompress = false;
  // proxy, when set, is an http:// proxy: every request goes there in absolute-form.
  std::optional<Url> proxy;
  // family restricts resolved addresses: AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6).
  int family = AF_UNSPEC;
  // resolve_overrides maps "host:port" to addresses, tried before `resolve` (curl --resolve).
  std::map<std::string, std::vector<net::Address>> resolve_overrides;
  // resolve looks up names; null means ResolveSystem.
  ResolveFn resolve;
  // read_buffer_size is the per-connection receive buffer (>= 64 KiB is enforced).
  size_t read_buffer_size = 256 * 1024;
  ParseLimits limits;
};

// Request is one request to send. `headers` are sent in order after Host, which the client
// adds from the URL unless `headers` has one. Content-Length is added for a non-empty body.
struct Request {
  explicit Request(Url u) : url(std::move(u)) {}

  std::string method = "GET";
  Url url;
  Headers headers;
  std::string body;
  int version_minor = 1;  // 0 sends HTTP/1.0 and does not ask for keep-alive
};

// FetchResult describes a completed Fetch (or, in request_done, one in progress).
struct FetchResult {
  ResponseHead head;       // the final response head
  std::string effective_url;  // the URL of the final response (Url::ToString)
  uint64_t body_bytes = 0;  // raw body bytes of the final response (before decoding)
  int redirects = 0;       // redirects followed
  int num_connects = 0;    // new connections made by this Fetch
};

// FetchCallbacks observe a transfer; every member is optional. Views are valid only during
// the call. Each request of a Fetch (the first, then one per redirect followed) runs
// request_start, request_head, response_head(s), body_read/body, then request_done, and
// only then the info line that says whether its connection is kept or closed, in curl -v's
// order (curl prints its progress meter's last line from request_done).
struct FetchCallbacks {
  // info receives curl -v's "* " lines, without the "* " and newline.
  std::function<void(absl::string_view line)> info;
  // request_start is called when a request has its connection: after the info lines about
  // reusing an idle one (`reused`), or before a new one is resolved and connected. It may be
  // called twice for one request when a stale idle connection is replaced by a new one.
  std::function<void(bool reused)> request_start;
  // request_done is called once per request when it ends: OK when its response was read
  // whole, else the error Fetch returns (also for errors before any connection, e.g. an
  // unsupported scheme, where request_start was not called). `so_far` is the Fetch's result
  // up to this request (its head and body count; status 0 if no head came), which a failed
  // Fetch does not return otherwise.
  std::function<void(const absl::Status& status, const FetchResult& so_far)>
      request_done;
  // request_head receives each request head exactly as sent.
  std::function<void(absl::string_view raw)> request_head;
  // response_head receives every response head exactly as received: 1xx interim heads,
  // redirect heads, then the final one.
  std::function<void(const ResponseHead& head, absl::string_view raw)> response_head;
  // body receives the final response's body (decoded when decompress is on). An error stops
  // the transfer and is returned from Fetch with code 23.
  std::function<absl::Status(absl::string_view data)> body;
  // body_read receives each count of raw body bytes read from the network: the final
  // response's, and those of a followed redirect's body, which is read and dropped ("Ignoring
  // the response-body"). `total_so_far` starts from 0 in each response.
  std::function<void(uint64_t bytes, uint64_t total_so_far, std::optional<uint64_t> expected)>
      body_read;
  // body_fd, when set, may return a file descriptor (a pipe, a regular file or /dev/null;
  // not owned) that a Content-Length body without decoding is written and spliced into
  // instead of passing through `body`, or -1 to use `body`. Called at most once, before the body.
  std::function<int()> body_fd;
  // trailers receives the trailer fields of a chunked final response.
  std::function<void(const Headers& trailers)> trailers;
  // idle is called while the client waits for the network, when curl would call its
  // progress callback with no news: 200 ms after Fetch began, then after every second
  // without network activity (curl's meter and -# bar redraw then).
  std::function<void()> idle;
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Fetch sends `request` and streams the final response body to `callbacks.body`, reusing an
  // idle connection to the same origin when there is one and following redirects when
  // enabled. Non-http schemes are error 1; the error codes are listed at ClientErrorCode.
  absl::StatusOr<FetchResult> Fetch(const Request& request, const FetchCallbacks& callbacks);

  // idle_connections returns how many connections are kept for reuse.
  size_t idle_connections() const { return idle_.size(); }

 private:
  class Waiter;
  struct Connection;
  struct Attempt;

  absl::StatusOr<std::unique_ptr<Connection>> Open(const Url& url, absl::Time deadline,
                                                   const FetchCallbacks& cb, int id,
                                                   int* connects);
  absl::StatusOr<std::vector<net::Address>> Resolve(const Url& target);
  absl::Status Exchange(Connection& conn, const Request& request, const FetchCallbacks& cb,
                        Waiter& waiter, Attempt* attempt);
  std::string OriginKey(const Url& url) const;

  ClientOptions options_;
  std::map<std::string, std::unique_ptr<Connection>> idle_;
  // resolved_ holds the "host:port"s resolved before, which curl -v reports as found in its
  // DNS cache when it connects there again.
  std::set<std::string> resolved_;
  int next_connection_id_ = 0;
};

}  // namespace http

#endif  // LIB_HTTP_CLIENT_H_
