#include "lib/http/client.h"

#include <netdb.h>
#include <poll.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"
#include "lib/dns/resolver.h"
#include "lib/http/chunked.h"
#include "lib/http/decompress.h"
#include "lib/http/request_writer.h"
#include "lib/http/response_parser.h"
#include "lib/net/socket.h"

namespace http {
namespace {

constexpr absl::string_view kCurlCodeUrl = "type.mini-toolkit/http.CurlCode";
constexpr size_t kMinReadBuffer = 128 * 1024;

absl::Status ClientError(int curl_code, absl::StatusCode code, absl::string_view message) {
  absl::Status s(code, message);
  s.SetPayload(kCurlCodeUrl, absl::Cord(absl::StrCat(curl_code)));
  return s;
}

int64_t MillisSince(absl::Time start) {
  return absl::ToInt64Milliseconds(absl::Now() - start);
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// WaitFn blocks until `fd` is ready for `events` (Client::Waiter::Wait).
using WaitFn = absl::FunctionRef<absl::Status(int fd, short events)>;

// SendAll writes all of `data` without raising SIGPIPE; errors are curl's 55.
absl::Status SendAll(int fd, absl::string_view data, WaitFn wait) {
  while (!data.empty()) {
    RETURN_IF_ERROR(wait(fd, POLLOUT));
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ClientError(55, absl::StatusCode::kUnavailable,
                         absl::StrCat("Send failure: ", std::strerror(errno)));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// CanSpliceTo reports whether splice(2) can write to `fd`: a pipe, a regular file opened
// without O_APPEND, or /dev/null.
bool CanSpliceTo(int fd) {
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0) return false;
  if (S_ISFIFO(st.st_mode)) return true;
  if (S_ISCHR(st.st_mode)) return st.st_rdev == makedev(1, 3);
  if (!S_ISREG(st.st_mode)) return false;
  int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_APPEND) == 0;
}

// QueuedBytes returns how many bytes `sock` has to read, after waiting for some (or for the
// end of the stream, 0) when there are none yet. A Waiter without deadline or idle callback
// does not poll, and deciding on an empty queue would always copy.
size_t QueuedBytes(int sock) {
  int n = 0;
  if (::ioctl(sock, FIONREAD, &n) == 0 && n > 0) return static_cast<size_t>(n);
  struct pollfd p = {sock, POLLIN, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
  return ::ioctl(sock, FIONREAD, &n) == 0 && n > 0 ? static_cast<size_t>(n) : 0;
}

// SpliceBody moves `length` body bytes from `sock` to `out` inside the kernel (through a pipe
// unless `out` is one), calling `count` after each piece. Returns the bytes not received when
// the peer closes early (0 when complete).
//
// Less than kMinSplice readable bytes are copied instead (read, then write). A spliced piece
// takes a pipe buffer slot per TCP segment it spans, however small: a pipe has 16, so a body
// arriving a byte a segment would fill the caller's pipe after 16 bytes (and block us until
// the reader drains it), where written bytes share the pipe's pages.
absl::StatusOr<uint64_t> SpliceBody(int sock, int out, uint64_t length, WaitFn wait,
                                    absl::FunctionRef<void(uint64_t)> count) {
  constexpr size_t kPiece = 1 << 20;
  constexpr size_t kMinSplice = 16 * 1024;
  struct stat st;
  const bool direct = ::fstat(out, &st) == 0 && S_ISFIFO(st.st_mode);
  net::Fd pipe_r, pipe_w;
  if (!direct) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return net::ErrnoStatus(errno, "pipe2");
    pipe_r = net::Fd(fds[0]);
    pipe_w = net::Fd(fds[1]);
    (void)::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(kPiece));
  }
  const int into = direct ? out : pipe_w.get();
  auto write_failure = [] {
    return ClientError(23, absl::StatusCode::kAborted, "Failure writing output to destination");
  };
  while (length > 0) {
    RETURN_IF_ERROR(wait(sock, POLLIN));
    const bool copy = QueuedBytes(sock) < kMinSplice;
    char small[kMinSplice];
    ssize_t n = copy ? ::read(sock, small, std::min<uint64_t>(length, sizeof(small)))
                     : ::splice(sock, nullptr, into, nullptr, std::min<uint64_t>(length, kPiece),
                                SPLICE_F_MOVE | SPLICE_F_MORE);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ClientError(56, absl::StatusCode::kUnavailable,
                         absl::StrCat("Recv failure: ", std::strerror(errno)));
    }
    if (n == 0) return length;
    if (copy && !net::WriteAllFd(out, absl::string_view(small, static_cast<size_t>(n))).ok()) {
      return write_failure();
    }
    for (ssize_t left = n; !copy && !direct && left > 0;) {
      ssize_t m = ::splice(pipe_r.get(), nullptr, out, nullptr, static_cast<size_t>(left),
                           SPLICE_F_MOVE | SPLICE_F_MORE);
      if (m < 0 && errno == EINTR) continue;
      if (m <= 0) return write_failure();
      left -= m;
    }
    length -= static_cast<uint64_t>(n);
    count(static_cast<uint64_t>(n));
  }
  return 0;
}

bool IsIpLiteral(const std::string& host) {
  return net::Address::FromIp(host, 0).ok();
}

}  // namespace

int ClientErrorCode(const absl::Status& status) {
  if (status.ok()) return 0;
  absl::optional<absl::Cord> payload = status.GetPayload(kCurlCodeUrl);
  int code = 0;
  if (payload.has_value() && absl::SimpleAtoi(std::string(*payload), &code)) return code;
  return absl::IsDeadlineExceeded(status) ? 28 : 56;
}

absl::StatusOr<std::vector<net::Address>> ResolveSystem(const std::string& host, uint16_t port,
                                                        int family) {
  absl::StatusOr<std::vector<net::Address>> addrs = dns::ResolveSystemHost(host, port, family);
  if (!addrs.ok()) {
    return absl::NotFoundError(
        absl::StrCat("resolve: ", host, ": ", dns::GaiStyleReason(addrs.status())));
  }
  return addrs;
}

// Waiter blocks until a socket is ready or one Fetch's deadline passes (DeadlineExceeded).
// While it waits it calls `idle` when curl would call its progress callback with no news:
// 200 ms after the Fetch began (curl's happy-eyeballs timer), then after every second
// without network activity.
class Client::Waiter {
 public:
  Waiter(absl::Time deadline, const std::function<void()>& idle, absl::Time start)
      : deadline_(deadline), idle_(idle), next_idle_(start + absl::Milliseconds(200)) {}

  absl::Status Wait(int fd, short events) {
    const bool ticking = static_cast<bool>(idle_);
    if (deadline_ == absl::InfiniteFuture() && !ticking) return absl::OkStatus();
    for (;;) {
      const absl::Time now = absl::Now();
      if (now >= deadline_) return absl::DeadlineExceededError("http: timed out");
      if (ticking && now >= next_idle_) {
        idle_();
        ticked_ = true;
        next_idle_ = now + absl::Seconds(1);
        continue;
      }
      const absl::Time wake = ticking ? std::min(deadline_, next_idle_) : deadline_;
      const int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(wake - now, absl::Milliseconds(1)));
      struct pollfd p = {fd, events, 0};
      int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 1 << 30)));
      if (rc > 0) {
        if (ticked_) next_idle_ = absl::Now() + absl::Seconds(1);
        return absl::OkStatus();
      }
      if (rc < 0 && errno != EINTR) return net::ErrnoStatus(errno, "poll");
    }
  }

 private:
  const absl::Time deadline_;
  const std::function<void()>& idle_;
  absl::Time next_idle_;
  bool ticked_ = false;  // the first (200 ms) call came; later ones wait for a quiet second
};

// Connection is one TCP connection with its receive buffer; bytes after a response stay
// buffered for the next one.
struct Client::Connection {
  net::Socket socket;
  int id = 0;
  std::string host;  // the host name it was opened for (for messages)
  std::unique_ptr<char[]> buf;
  size_t cap = 0;
  size_t begin = 0;
  size_t end = 0;

  absl::string_view pending() const { return absl::string_view(buf.get() + begin, end - begin); }
  void Consume(size_t n) { begin += n; }

  // Fill reads more bytes after the pending ones. Returns the count, 0 at end of stream.
  absl::StatusOr<size_t> Fill(Waiter& wait) {
    if (begin == end) begin = end = 0;
    if (end == cap && begin > 0) {
      std::memmove(buf.get(), buf.get() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (end == cap) return absl::ResourceExhaustedError("http: receive buffer full");
    RETURN_IF_ERROR(wait.Wait(socket.fd(), POLLIN));
    for (;;) {
      ssize_t n = ::read(socket.fd(), buf.get() + end, cap - end);
      if (n >= 0) {
        end += static_cast<size_t>(n);
        return static_cast<size_t>(n);
      }
      if (errno == EINTR) continue;
      return ClientError(56, absl::StatusCode::kUnavailable,
                         absl::StrCat("Recv failure: ", std::strerror(errno)));
    }
  }
};

// Attempt is what one request/response exchange learned.
struct Client::Attempt {
  Attempt() { head.status = 0; }  // until a final head arrives
  ResponseHead head;
  bool keep_alive = false;
  bool follow = false;
  uint64_t response_bytes = 0;  // any bytes of the response (to tell a stale connection)
  uint64_t body_bytes = 0;
  std::optional<uint64_t> expected;
};

Client::Client(ClientOptions options) : options_(std::move(options)) {
  options_.read_buffer_size = std::max(options_.read_buffer_size, kMinReadBuffer);
  if (!options_.resolve) options_.resolve = ResolveSystem;
}

Client::~Client() = default;

std::string Client::OriginKey(const Url& url) const {
  const Url& target = options_.proxy.has_value() ? *options_.proxy : url;
  return absl::StrCat(target.scheme(), "://", target.host(), ":", target.port());
}

absl::StatusOr<std::vector<net::Address>> Client::Resolve(const Url& target) {
  std::vector<net::Address> addrs;
  auto it = options_.resolve_overrides.find(absl::StrCat(target.host(), ":", target.port()));
  if (it != options_.resolve_overrides.end()) {
    addrs = it->second;
  } else if (IsIpLiteral(target.host())) {
    ASSIGN_OR_RETURN(net::Address a, net::Address::FromIp(target.host(), target.port()));
    addrs.push_back(a);
  } else {
    absl::StatusOr<std::vector<net::Address>> r =
        options_.resolve(target.host(), target.port(), options_.family);
    if (r.ok()) addrs = *std::move(r);
  }
  if (options_.family != AF_UNSPEC) {
    std::erase_if(addrs, [&](const net::Address& a) { return a.family() != options_.family; });
  }
  if (addrs.empty()) {
    bool proxy = options_.proxy.has_value();
    return ClientError(proxy ? 5 : 6, absl::StatusCode::kNotFound,
                       absl::StrCat("Could not resolve ", proxy ? "proxy" : "host", ": ",
                                    target.host()));
  }
  resolved_.insert(absl::StrCat(target.host(), ":", target.port()));
  return addrs;
}

absl::StatusOr<std::unique_ptr<Client::Connection>> Client::Open(const Url& url,
                                                                 absl::Time deadline,
                                                                 const FetchCallbacks& cb,
                                                                 int id, int* connects) {
  const Url& target = options_.proxy.has_value() ? *options_.proxy : url;
  ASSIGN_OR_RETURN(std::vector<net::Address> addrs, Resolve(target));
  absl::Time start = absl::Now();
  absl::Time connect_deadline = std::min(deadline, start + options_.connect_timeout);
  absl::Status last;
  for (const net::Address& addr : addrs) {
    if (cb.info) cb.info(absl::StrCat("  Trying ", addr.ToString(), "..."));
    absl::StatusOr<net::Socket> s = net::Connect(addr, connect_deadline);
    if (s.ok()) {
      auto conn = std::make_unique<Connection>();
      conn->socket = *std::move(s);
      (void)conn->socket.SetNoDelay(true);
      conn->id = id;
      conn->host = target.host();
      conn->cap = options_.read_buffer_size;
      conn->buf = std::make_unique<char[]>(conn->cap);
      ++*connects;
      if (cb.info) {
        cb.info(absl::StrCat("Connected to ", target.host(), " (", addr.IpString(), ") port ",
                             target.port(), " (#", conn->id, ")"));
      }
      return conn;
    }
    last = s.status();
    if (absl::IsDeadlineExceeded(last)) break;
    if (cb.info) {
      // net::Connect says "connect ADDR: REASON"; curl says which address and port failed.
      absl::string_view why = last.message();
      why.remove_prefix(std::min(why.size(), why.find(": ") + 2));
      cb.info(absl::StrCat("connect to ", addr.IpString(), " port ", addr.port(),
                           " failed: ", why));
    }
  }
  if (absl::IsDeadlineExceeded(last)) {
    return ClientError(28, absl::StatusCode::kDeadlineExceeded,
                       absl::StrCat("Connection timed out after ", MillisSince(start),
                                    " milliseconds"));
  }
  return ClientError(7, absl::StatusCode::kUnavailable,
                     absl::StrCat("Failed to connect to ", target.host(), " port ",
                                  target.port(), " after ", MillisSince(start),
                                  " ms: Couldn't connect to server"));
}

absl::Status Client::Exchange(Connection& conn, const Request& request, const FetchCallbacks& cb,
                              Waiter& waiter, Attempt* attempt) {
  auto wait = [&waiter](int fd, short events) { return waiter.Wait(fd, events); };
  // Request head: Host first (unless given), the caller's fields, then what we must add.
  RequestHead req;
  req.method = request.method;
  req.version_minor = request.version_minor;
  req.target = options_.proxy.has_value() ? request.url.ToString() : request.url.RequestTarget();
  if (!request.headers.Has("Host")) RETURN_IF_ERROR(req.headers.Add("Host", request.url.HostHeader()));
  for (const Headers::Field& f : request.headers) RETURN_IF_ERROR(req.headers.Add(f.name, f.value));
  if (options_.proxy.has_value() && !req.headers.Has("Proxy-Connection")) {
    RETURN_IF_ERROR(req.headers.Add("Proxy-Connection", "Keep-Alive"));
  }
  if (!request.body.empty() && !req.headers.Has("Content-Length")) {
    RETURN_IF_ERROR(req.headers.Add("Content-Length", absl::StrCat(request.body.size())));
  }
  absl::StatusOr<std::string> wire = SerializeRequestHead(req);
  if (!wire.ok()) {
    return ClientError(3, absl::StatusCode::kInvalidArgument,
                       "URL using bad/illegal format or missing URL");
  }
  if (cb.request_head) cb.request_head(*wire);
  if (request.body.size() <= 64 * 1024) {
    wire->append(request.body);
    RETURN_IF_ERROR(SendAll(conn.socket.fd(), *wire, wait));
  } else {
    RETURN_IF_ERROR(SendAll(conn.socket.fd(), *wire, wait));
    RETURN_IF_ERROR(SendAll(conn.socket.fd(), request.body, wait));
  }

  // Response heads: skip 1xx interim responses.
  ResponseHead& head = attempt->head;
  for (;;) {
    size_t prev = 0;
    size_t consumed = 0;
    for (;;) {
      absl::string_view view = conn.pending();
      if (view.size() > prev) {
        absl::StatusOr<size_t> r = ParseResponseHead(view, prev, options_.limits, &head);
        if (!r.ok()) {
          if (absl::IsResourceExhausted(r.status())) {
            return ClientError(56, absl::StatusCode::kResourceExhausted,
                               "Too large response headers");
          }
          return ClientError(8, absl::StatusCode::kInvalidArgument, "Weird server reply");
        }
        if (*r > 0) {
          consumed = *r;
          break;
        }
        prev = view.size();
      }
      ASSIGN_OR_RETURN(size_t n, conn.Fill(waiter));
      attempt->response_bytes += n;
      if (n == 0) {
        if (attempt->response_bytes == 0) {
          return ClientError(52, absl::StatusCode::kUnavailable, "Empty reply from server");
        }
        return ClientError(56, absl::StatusCode::kOutOfRange,
                           "Recv failure: connection closed in the response header");
      }
    }
    if (head.version_minor == 0 && cb.info) cb.info("HTTP 1.0, assume close after body");
    if (cb.response_head) cb.response_head(head, conn.pending().substr(0, consumed));
    conn.Consume(consumed);
    if (head.status >= 200) break;
    if (head.status == 101) {
      return ClientError(8, absl::StatusCode::kInvalidArgument,
                         "Weird server reply: unexpected 101 Switching Protocols");
    }
  }

  absl::StatusOr<BodyFraming> framing_or = ResponseBodyFraming(request.method, head);
  if (!framing_or.ok()) {
    return ClientError(8, absl::StatusCode::kInvalidArgument,
                       absl::StrCat("Weird server reply: ", framing_or.status().message()));
  }
  const BodyFraming framing = *framing_or;
  bool close = head.headers.HasToken("Connection", "close") ||
               framing.kind == BodyFraming::kUntilClose;
  if ((head.version_minor == 0 || request.version_minor == 0) &&
      !head.headers.HasToken("Connection", "keep-alive")) {
    close = true;
  }
  attempt->keep_alive = !close;
  attempt->follow = options_.follow_redirects && IsRedirect(head.status) &&
                    head.headers.Has("Location");
  if (options_.fail_on_http_error && head.status >= 400 && !attempt->follow) {
    attempt->keep_alive = false;
    return ClientError(22, absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("The requested URL returned error: ", head.status));
  }

  // Body: the final response goes to the callbacks, a followed redirect's body is read (so
  // the connection can be reused) and dropped; on a connection that closes it is not read.
  const bool deliver = !attempt->follow;
  if (attempt->follow) {
    if (!attempt->keep_alive) return absl::OkStatus();
    if (cb.info) cb.info("Ignoring the response-body");
  }
  if (framing.kind == BodyFraming::kContentLength) attempt->expected = framing.length;
  std::unique_ptr<Inflater> inflater;
  if (deliver && options_.decompress) {
    std::optional<absl::string_view> ce = head.headers.Get("Content-Encoding");
    if (ce.has_value() && Inflater::IsSupportedEncoding(*ce)) {
      ASSIGN_OR_RETURN(inflater, Inflater::Create(*ce));
    }
  }
  auto write_out = [&](absl::string_view data) -> absl::Status {
    if (!cb.body) return absl::OkStatus();
    absl::Status s = cb.body(data);
    if (!s.ok()) {
      return ClientError(23, absl::StatusCode::kAborted,
                         "Failure writing output to destination");
    }
    return s;
  };
  auto emit = [&](absl::string_view data) -> absl::Status {
    if (!deliver || data.empty()) return absl::OkStatus();
    if (inflater != nullptr) {
      absl::Status s = inflater->Feed(data, write_out);
      if (!s.ok() && ClientErrorCode(s) != 23) {
        return ClientError(61, absl::StatusCode::kDataLoss,
                           absl::StrCat("Error while processing content unencoding: ",
                                        s.message()));
      }
      return s;
    }
    return write_out(data);
  };
  auto count = [&](uint64_t n) {
    attempt->body_bytes += n;
    if (cb.body_read && n > 0) cb.body_read(n, attempt->body_bytes, attempt->expected);
  };

  // more ensures body bytes are pending; false at end of stream, which ends the connection.
  auto more = [&]() -> absl::StatusOr<bool> {
    if (!conn.pending().empty()) return true;
    ASSIGN_OR_RETURN(size_t n, conn.Fill(waiter));
    attempt->response_bytes += n;
    if (n == 0) attempt->keep_alive = false;
    return n > 0;
  };
  auto truncated = [](std::string message) {
    return ClientError(18, absl::StatusCode::kOutOfRange, message);
  };

  switch (framing.kind) {
    case BodyFraming::kNone:
      break;
    case BodyFraming::kContentLength: {
      uint64_t remaining = framing.length;
      const int splice_fd = deliver && inflater == nullptr && cb.body_fd ? cb.body_fd() : -1;
      if (splice_fd >= 0 && CanSpliceTo(splice_fd)) {
        // Write what is buffered, then let the kernel move the rest.
        absl::string_view data = conn.pending().substr(0, remaining);
        conn.Consume(data.size());
        remaining -= data.size();
        count(data.size());
        if (!net::WriteAllFd(splice_fd, data).ok()) {
          return ClientError(23, absl::StatusCode::kAborted,
                             "Failure writing output to destination");
        }
        ASSIGN_OR_RETURN(remaining, SpliceBody(conn.socket.fd(), splice_fd, remaining, wait,
                                               count));
        if (remaining > 0) attempt->keep_alive = false;
      }
      while (remaining > 0) {
        ASSIGN_OR_RETURN(bool got, more());
        if (!got) {
          return truncated(absl::StrCat("transfer closed with ", remaining,
                                        " bytes remaining to read"));
        }
        absl::string_view data = conn.pending().substr(0, remaining);
        conn.Consume(data.size());
        remaining -= data.size();
        count(data.size());
        RETURN_IF_ERROR(emit(data));
      }
      break;
    }
    case BodyFraming::kChunked: {
      ChunkedDecoder decoder(options_.limits);
      absl::Status sink_error;
      while (!decoder.done()) {
        ASSIGN_OR_RETURN(bool got, more());
        if (!got) return truncated("transfer closed with outstanding read data remaining");
        uint64_t before = decoder.body_bytes();
        absl::StatusOr<size_t> used = decoder.Decode(conn.pending(), [&](absl::string_view d) {
          if (sink_error.ok()) sink_error = emit(d);
        });
        if (!used.ok()) {
          attempt->keep_alive = false;
          return ClientError(56, absl::StatusCode::kInvalidArgument,
                             absl::StrCat("Illegal or missing hexadecimal sequence in "
                                          "chunked-encoding (",
                                          used.status().message(), ")"));
        }
        conn.Consume(*used);
        count(decoder.body_bytes() - before);
        RETURN_IF_ERROR(sink_error);
      }
      if (deliver && cb.trailers && !decoder.trailers().empty()) cb.trailers(decoder.trailers());
      break;
    }
    case BodyFraming::kUntilClose: {
      for (;;) {
        ASSIGN_OR_RETURN(bool got, more());
        if (!got) break;
        absl::string_view data = conn.pending();
        conn.Consume(data.size());
        count(data.size());
        RETURN_IF_ERROR(emit(data));
      }
      break;
    }
  }
  if (inflater != nullptr) {
    absl::Status s = inflater->Finish();
    if (!s.ok()) {
      return ClientError(61, absl::StatusCode::kDataLoss,
                         absl::StrCat("Error while processing content unencoding: ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<FetchResult> Client::Fetch(const Request& request, const FetchCallbacks& cb) {
  const absl::Time start = absl::Now();
  const absl::Time deadline = options_.total_timeout == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : start + options_.total_timeout;
  Waiter waiter(deadline, cb.idle, start);
  FetchResult result;
  Request cur = request;
  Attempt attempt;
  // end tells the callbacks that a request ended, with what this Fetch has learned so far.
  auto end = [&](const absl::Status& s) {
    result.head = attempt.head;
    result.effective_url = cur.url.ToString();
    result.body_bytes = attempt.body_bytes;
    if (cb.request_done) cb.request_done(s, result);
  };
  // fail ends a request that failed, then closes connection `id` (-1 when none was made), as
  // curl -v prints it.
  auto fail = [&](absl::Status s, int id) -> absl::Status {
    end(s);
    if (cb.info) cb.info(absl::StrCat("Closing connection ", id));
    return s;
  };
  for (;;) {
    if (cur.url.scheme() != "http") {
      std::string why = cur.url.scheme() == "https"
                            ? " (mini-curl speaks http:// only for now)"
                            : " or disabled in libcurl";
      return fail(ClientError(1, absl::StatusCode::kUnimplemented,
                              absl::StrCat("Protocol \"", cur.url.scheme(), "\" not supported",
                                           why)),
                  -1);
    }
    const std::string key = OriginKey(cur.url);
    for (int tries = 0;; ++tries) {
      std::unique_ptr<Connection> conn;
      bool reused = false;
      auto it = idle_.find(key);
      if (it != idle_.end()) {
        conn = std::move(it->second);
        idle_.erase(it);
        reused = true;
        if (cb.info) {
          // curl finds the host's connection "bundle" first; an HTTP/1 one is used serially.
          cb.info(absl::StrFormat("Found bundle for host: %p [serially]", conn.get()));
          cb.info("Can not multiplex, even if we wanted to");
          cb.info(absl::StrCat("Re-using existing connection #", conn->id, " with host ",
                               conn->host));
        }
      }
      if (conn == nullptr && cb.info) {
        const Url& target = options_.proxy.has_value() ? *options_.proxy : cur.url;
        if (resolved_.contains(absl::StrCat(target.host(), ":", target.port()))) {
          cb.info(absl::StrCat("Hostname ", target.host(), " was found in DNS cache"));
        }
      }
      if (cb.request_start) cb.request_start(reused);
      if (conn == nullptr) {
        const int id = next_connection_id_++;
        absl::StatusOr<std::unique_ptr<Connection>> opened =
            Open(cur.url, deadline, cb, id, &result.num_connects);
        if (!opened.ok()) return fail(opened.status(), id);
        conn = *std::move(opened);
      }
      attempt = Attempt();
      absl::Status s = Exchange(*conn, cur, cb, waiter, &attempt);
      if (!s.ok()) {
        const int code = ClientErrorCode(s);
        if (reused && tries == 0 && attempt.response_bytes == 0 &&
            (code == 52 || code == 55 || code == 56)) {
          // The server closed the idle connection: retry once on a new one.
          if (cb.info) cb.info(absl::StrCat("Closing connection ", conn->id));
          continue;
        }
        if (absl::IsDeadlineExceeded(s) && !s.GetPayload(kCurlCodeUrl).has_value()) {
          std::string got = attempt.expected.has_value()
                                ? absl::StrCat(attempt.body_bytes, " out of ", *attempt.expected)
                                : absl::StrCat(attempt.body_bytes);
          s = ClientError(28, absl::StatusCode::kDeadlineExceeded,
                          absl::StrCat("Operation timed out after ", MillisSince(start),
                                       " milliseconds with ", got, " bytes received"));
        }
        return fail(s, conn->id);
      }
      end(absl::OkStatus());
      if (attempt.keep_alive) {
        if (cb.info) {
          cb.info(absl::StrCat("Connection #", conn->id, " to host ", conn->host,
                               " left intact"));
        }
        idle_[key] = std::move(conn);
      } else if (cb.info) {
        cb.info(absl::StrCat("Closing connection ", conn->id));
      }
      break;
    }
    if (!attempt.follow) return result;
    if (options_.max_redirects >= 0 && result.redirects >= options_.max_redirects) {
      return ClientError(47, absl::StatusCode::kFailedPrecondition,
                         absl::StrCat("Maximum (", options_.max_redirects,
                                      ") redirects followed"));
    }
    absl::StatusOr<Url> next = cur.url.Resolve(*attempt.head.headers.Get("Location"));
    if (!next.ok()) {
      return ClientError(3, absl::StatusCode::kInvalidArgument,
                         "URL using bad/illegal format or missing URL");
    }
    if (cb.info) cb.info(absl::StrCat("Issue another request to this URL: '", next->ToString(), "'"));
    const int status = attempt.head.status;
    // RFC 9110 §15.4 as curl does it: 303 turns anything but HEAD into GET; 301 and 302 turn
    // POST into GET; 307 and 308 keep the method and the body.
    if ((status == 303 && cur.method != "HEAD") ||
        ((status == 301 || status == 302) && cur.method == "POST")) {
      cur.method = "GET";
      cur.body.clear();
      cur.headers.Remove("Content-Length");
      cur.headers.Remove("Content-Type");
    }
    if (OriginKey(*next) != OriginKey(cur.url) || next->host() != cur.url.host()) {
      cur.headers.Remove("Authorization");
      cur.headers.Remove("Cookie");
    }
    cur.url = *std::move(next);
    ++result.redirects;
  }
}

}  // namespace http
