#include "tools/curl/curl.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/http/client.h"
#include "lib/http/headers.h"
#include "lib/http/message.h"
#include "lib/http/url.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"
#include "tools/curl/progress.h"
#include "tools/curl/progress_bar.h"
#include "tools/curl/url_glob.h"

namespace curl_tool {
namespace {

// CurlFailure is an error found by the tool itself (before the client runs).
struct CurlFailure {
  int code;
  std::string message;
};

void Write(int fd, absl::string_view text) { (void)net::WriteAllFd(fd, text); }

// PrefixLines writes each line of `raw` (a head as on the wire) to `fd` after `prefix`.
void PrefixLines(int fd, absl::string_view prefix, absl::string_view raw) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(raw, '\n')) {
    if (line.empty()) continue;  // after the final LF
    absl::StrAppend(&out, prefix, line, "\n");
  }
  Write(fd, out);
}

// WithoutBlankLine returns `raw` (a head as on the wire) without the empty line that ends it.
absl::string_view WithoutBlankLine(absl::string_view raw) {
  if (absl::EndsWith(raw, "\r\n\r\n")) return raw.substr(0, raw.size() - 2);
  if (absl::EndsWith(raw, "\n\n")) return raw.substr(0, raw.size() - 1);
  return raw;
}

// Output is where a transfer's body (and -i heads) go: stdout or a file opened on first use.
// A file that cannot be opened is tried once and reported once through `warn`, as curl
// says it: "Failed to open the file PATH: REASON".
class Output {
 public:
  Output(int stdout_fd, std::string path, std::function<void(absl::string_view)> warn)
      : stdout_fd_(stdout_fd), path_(std::move(path)), warn_(std::move(warn)) {}
  ~Output() {
    if (owned_ >= 0) ::close(owned_);
  }

  absl::Status Write(absl::string_view data) {
    RETURN_IF_ERROR(Open());
    return net::WriteAllFd(fd_, data);
  }
  absl::Status Open() {
    if (fd_ >= 0) return absl::OkStatus();
    if (path_.empty()) {
      fd_ = stdout_fd_;
      return absl::OkStatus();
    }
    if (!open_error_.ok()) return open_error_;
    owned_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (owned_ < 0) {
      const int err = errno;
      open_error_ = net::ErrnoStatus(err, absl::StrCat("open ", path_));
      warn_(absl::StrCat("Failed to open the file ", path_, ": ", std::strerror(err)));
      return open_error_;
    }
    fd_ = owned_;
    return absl::OkStatus();
  }
  const std::string& path() const { return path_; }
  // fd opens the output and returns its descriptor, or -1 if it cannot be opened.
  int fd() { return Open().ok() ? fd_ : -1; }

 private:
  int stdout_fd_;
  std::string path_;
  std::function<void(absl::string_view)> warn_;
  int fd_ = -1;
  int owned_ = -1;
  absl::Status open_error_;
};

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  int fd = path == "-" ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return net::ErrnoStatus(errno, absl::StrCat("open ", path));
  net::Fd owner(fd == 0 ? -1 : fd);
  std::string out;
  char buf[65536];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, net::ReadFd(fd, absl::MakeSpan(buf)));
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

absl::StatusOr<std::string> PostData(const Options& o) {
  std::vector<std::string> parts;
  for (const DataArg& d : o.data) {
    if (!absl::StartsWith(d.value, "@")) {
      parts.push_back(d.value);
      continue;
    }
    ASSIGN_OR_RETURN(std::string contents, ReadWholeFile(d.value.substr(1)));
    if (!d.binary) contents = absl::StrReplaceAll(contents, {{"\r", ""}, {"\n", ""}});
    parts.push_back(std::move(contents));
  }
  return absl::StrJoin(parts, "&");
}

// BuildHeaders returns curl's default fields (Host is added by the client) merged with -H:
// "Name: value" replaces a default, "Name:" removes it, "Name;" sends it empty.
absl::StatusOr<http::Headers> BuildHeaders(const Options& o, bool has_body) {
  std::vector<std::pair<std::string, std::string>> defaults;
  std::string ua = o.user_agent.value_or(kUserAgent);
  if (!ua.empty()) defaults.emplace_back("User-Agent", ua);
  defaults.emplace_back("Accept", "*/*");
  if (o.compressed) defaults.emplace_back("Accept-Encoding", "deflate, gzip");
  if (!o.referer.empty()) defaults.emplace_back("Referer", o.referer);
  if (!o.proxy.empty()) defaults.emplace_back("Proxy-Connection", "Keep-Alive");
  std::vector<std::pair<std::string, std::string>> custom;
  std::vector<std::string> removed;
  for (const std::string& h : o.headers) {
    size_t colon = h.find(':');
    size_t semi = h.find(';');
    if (colon == std::string::npos && semi != std::string::npos &&
        absl::StripAsciiWhitespace(h.substr(semi + 1)).empty()) {
      custom.emplace_back(h.substr(0, semi), "");
      continue;
    }
    if (colon == std::string::npos) continue;  // curl ignores it too
    std::string name = h.substr(0, colon);
    std::string value(absl::StripAsciiWhitespace(h.substr(colon + 1)));
    if (value.empty()) {
      removed.push_back(name);
    } else {
      custom.emplace_back(name, value);
    }
  }
  auto overridden = [&](const std::string& name) {
    for (const auto& [n, v] : custom) {
      if (absl::EqualsIgnoreCase(n, name)) return true;
    }
    for (const std::string& n : removed) {
      if (absl::EqualsIgnoreCase(n, name)) return true;
    }
    return false;
  };
  http::Headers out;
  for (const auto& [n, v] : defaults) {
    if (!overridden(n)) RETURN_IF_ERROR(out.Add(n, v));
  }
  for (const auto& [n, v] : custom) RETURN_IF_ERROR(out.Add(n, v));
  if (has_body && !overridden("Content-Type")) {
    RETURN_IF_ERROR(out.Add("Content-Type", "application/x-www-form-urlencoded"));
  }
  return out;
}

// WriteOutText expands -w: %{http_code} %{response_code} %{size_download} %{time_total}
// %{num_connects} %{num_redirects} %{url_effective} %{exitcode}, %%, and \n \r \t \\.
// `url` is the URL asked for, the url_effective of a failed transfer.
std::string WriteOutText(absl::string_view format, const std::optional<http::FetchResult>& r,
                         absl::string_view url, absl::Duration elapsed, int exit_code) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (c == '\\' && i + 1 < format.size()) {
      char n = format[++i];
      out += n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : n;
      continue;
    }
    if (c == '%' && i + 1 < format.size() && format[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    if (c == '%' && i + 1 < format.size() && format[i + 1] == '{') {
      size_t end = format.find('}', i);
      if (end != absl::string_view::npos) {
        absl::string_view var = format.substr(i + 2, end - i - 2);
        i = end;
        if (var == "http_code" || var == "response_code") {
          absl::StrAppend(&out, absl::StrFormat("%03d", r.has_value() ? r->head.status : 0));
        } else if (var == "size_download") {
          absl::StrAppend(&out, r.has_value() ? r->body_bytes : 0);
        } else if (var == "time_total") {
          absl::StrAppend(&out, absl::StrFormat("%.6f", absl::ToDoubleSeconds(elapsed)));
        } else if (var == "num_connects") {
          absl::StrAppend(&out, r.has_value() ? r->num_connects : 0);
        } else if (var == "num_redirects") {
          absl::StrAppend(&out, r.has_value() ? r->redirects : 0);
        } else if (var == "url_effective") {
          absl::StrAppend(&out, r.has_value() ? absl::string_view(r->effective_url) : url);
        } else if (var == "exitcode") {
          absl::StrAppend(&out, exit_code);
        }
        continue;
      }
    }
    out += c;
  }
  return out;
}

std::optional<CurlFailure> BuildClientOptions(const Options& o, http::ClientOptions* co) {
  co->follow_redirects = o.location;
  co->max_redirects = o.max_redirs;
  co->fail_on_http_error = o.fail;
  co->decompress = o.compressed;
  co->family = o.family;
  if (o.connect_timeout.has_value()) co->connect_timeout = *o.connect_timeout;
  if (o.max_time.has_value()) co->total_timeout = *o.max_time;
  if (!o.proxy.empty()) {
    absl::StatusOr<http::Url> proxy = http::Url::ParseWithDefaultScheme(o.proxy, "http");
    if (!proxy.ok()) return CurlFailure{5, absl::StrCat("Could not resolve proxy: ", o.proxy)};
    if (proxy->scheme() != "http") {
      return CurlFailure{1, absl::StrCat("Protocol \"", proxy->scheme(),
                                         "\" not supported for proxies")};
    }
    if (!proxy->has_explicit_port()) {
      proxy = http::Url::Parse(absl::StrCat("http://", proxy->HostHeader(), ":1080/"));
    }
    co->proxy = *proxy;
  }
  for (const std::string& r : o.resolve) {
    // HOST:PORT:ADDR[,ADDR...]; ADDR may be a bracketed IPv6 literal.
    std::vector<std::string> parts = absl::StrSplit(r, absl::MaxSplits(':', 2));
    uint16_t port = 0;
    if (parts.size() != 3 || !net::ParsePort(parts[1]).ok()) {
      return CurlFailure{2, absl::StrCat("--resolve: bad entry '", r, "'")};
    }
    port = *net::ParsePort(parts[1]);
    std::vector<net::Address>& addrs =
        co->resolve_overrides[absl::StrCat(absl::AsciiStrToLower(parts[0]), ":", port)];
    for (absl::string_view ip : absl::StrSplit(parts[2], ',')) {
      absl::StatusOr<net::Address> a = net::Address::FromIp(ip, port);
      if (!a.ok()) return CurlFailure{2, absl::StrCat("--resolve: bad address '", ip, "'")};
      addrs.push_back(*a);
    }
  }
  return std::nullopt;
}

// ContentLength is the body size a response head announces, if any (for the meter's Total).
std::optional<uint64_t> ContentLength(const http::ResponseHead& head) {
  std::optional<absl::string_view> v = head.headers.Get("Content-Length");
  uint64_t n = 0;
  if (!v.has_value() || !absl::SimpleAtoi(*v, &n)) return std::nullopt;
  return n;
}

// RemoteName is -O's file name: the URL path's last segment.
std::string RemoteName(const http::Url& url) {
  const std::string& path = url.path();
  return path.substr(path.rfind('/') + 1);
}

class Transfer {
 public:
  Transfer(const Options& o, const Stdio& io, http::Client& client)
      : o_(o), io_(io), client_(client) {}

  // Run fetches `url` into `output` (a file name, or "" for stdout) and returns the exit code.
  int Run(const std::string& url, const std::string& output) {
    start_ = absl::Now();
    int code = Perform(url, output);
    if (progress_ != nullptr) progress_->Finish(received_, expected_, absl::Now());
    // A body-less response still creates the file, after the meter's last line; when that
    // fails, curl's warning is all it says (no "curl: (23)" line).
    if (code == 0 && output_ != nullptr && !output_->path().empty() && !output_->Open().ok()) {
      code = Fail(23, "");
    }
    if (!o_.write_out.empty()) {
      Write(io_.out, WriteOutText(o_.write_out, result_, url_, absl::Now() - start_, code));
    }
    if (code != 0 && !message_.empty() && (!o_.silent || o_.show_error)) {
      Write(io_.err, absl::StrCat("curl: (", code, ") ", message_, "\n"));
    }
    if (progress_ != nullptr) progress_->Close();  // the -# bar's newline comes last
    return code;
  }

 private:
  int Fail(int code, std::string message) {
    message_ = std::move(message);
    return code;
  }

  int Perform(const std::string& url_text, std::string path) {
    url_ = url_text;
    absl::StatusOr<http::Url> url = http::Url::ParseWithDefaultScheme(url_text, "http");
    if (!url.ok()) return Fail(3, "URL using bad/illegal format or missing URL");
    if (!o_.path_as_is) url->NormalizeDotSegments();
    url_ = url->ToString();
    if (path.empty() && o_.remote_name) {
      path = RemoteName(*url);
      if (path.empty()) return Fail(23, "Remote file name has no length!");
    }
    output_ = std::make_unique<Output>(io_.out, path, [this](absl::string_view warning) {
      if (!o_.silent) Write(io_.err, absl::StrCat("Warning: ", warning, "\n"));
    });
    http::Request request(*url);
    absl::StatusOr<std::string> body = PostData(o_);
    if (!body.ok()) return Fail(26, std::string(body.status().message()));
    request.body = *std::move(body);
    const bool has_body = !o_.data.empty();
    request.method = !o_.method.empty() ? o_.method : o_.head ? "HEAD" : has_body ? "POST" : "GET";
    request.version_minor = o_.http10 ? 0 : 1;
    absl::StatusOr<http::Headers> headers = BuildHeaders(o_, has_body);
    if (!headers.ok()) return Fail(43, std::string(headers.status().message()));
    request.headers = *std::move(headers);
    absl::Status sink_error;
    bool error_told = false;  // the client's request_done reported the failure
    http::FetchCallbacks cb;
    if (o_.verbose) {
      cb.info = [&](absl::string_view line) { Write(io_.err, absl::StrCat("* ", line, "\n")); };
      cb.request_head = [&](absl::string_view raw) { PrefixLines(io_.err, "> ", raw); };
    }
    // As in curl, the meter (or -# bar) starts once the connection is chosen (after "Re-using ...",
    // before "Trying ...") and prints a last line for each request, redirects included,
    // before the connection is "left intact" or closed.
    cb.request_start = [&](bool) {
      if (!o_.progress_meter) return;
      if (progress_ != nullptr) {
        progress_->Resume();
      } else if (o_.progress_bar) {
        progress_ = std::make_unique<ProgressBar>(io_.err, o_.bar_width, start_);
      } else {
        progress_ = std::make_unique<ProgressMeter>(io_.err, start_);
      }
    };
    if (o_.progress_meter) {  // (else reads need no poll first)
      cb.idle = [&]() {
        if (progress_ != nullptr) progress_->Update(received_, expected_, absl::Now());
      };
    }
    cb.request_done = [&](const absl::Status& s, const http::FetchResult& so_far) {
      result_ = so_far;  // -w reports a failed transfer's last response too, as curl does
      if (!s.ok()) {
        error_told = true;
        // curl -v shows each failure as an info line too.
        if (o_.verbose) Write(io_.err, absl::StrCat("* ", s.message(), "\n"));
      }
      if (progress_ == nullptr) return;
      const int code = http::ClientErrorCode(s);
      if (code == 5 || code == 6) {
        progress_->Abandon();
      } else {
        progress_->Finish(received_, expected_, absl::Now());
      }
    };
    cb.response_head = [&](const http::ResponseHead& head, absl::string_view raw) {
      if (o_.verbose) {
        // curl shows no blank line after an interim (1xx) head, nor after an error status
        // with -f, where it stops before the end of the head.
        const bool cut = head.status < 200 || (o_.fail && head.status >= 400);
        PrefixLines(io_.err, "< ", cut ? WithoutBlankLine(raw) : raw);
      }
      if (head.status >= 200) {
        received_ = 0;
        expected_ = ContentLength(head);
      }
      if (o_.include || o_.head) {
        if (absl::Status s = output_->Write(raw); !s.ok() && sink_error.ok()) sink_error = s;
      }
    };
    cb.body = [&](absl::string_view data) {
      if (o_.head) return absl::OkStatus();
      return output_->Write(data);
    };
    cb.body_fd = [&]() { return o_.head ? -1 : output_->fd(); };
    cb.body_read = [&](uint64_t n, uint64_t total, std::optional<uint64_t> expected) {
      received_ = total;
      expected_ = expected;
      if (o_.verbose) Write(io_.err, absl::StrCat("{ [", n, " bytes data]\n"));
      if (progress_ != nullptr) progress_->Update(total, expected, absl::Now());
    };
    cb.trailers = [&](const http::Headers& trailers) {
      if (!o_.include) return;
      std::string text;
      for (const http::Headers::Field& f : trailers) absl::StrAppend(&text, f.name, ": ", f.value, "\r\n");
      (void)output_->Write(text);
    };
    absl::StatusOr<http::FetchResult> r = client_.Fetch(request, cb);
    if (!r.ok()) {
      int code = http::ClientErrorCode(r.status());
      if (o_.verbose && !error_told) Write(io_.err, absl::StrCat("* ", r.status().message(), "\n"));
      return Fail(code, std::string(r.status().message()));
    }
    result_ = *r;
    received_ = r->body_bytes;
    if (!sink_error.ok()) return Fail(23, "Failure writing output to destination");
    return 0;
  }

  const Options& o_;
  const Stdio& io_;
  http::Client& client_;
  absl::Time start_;
  std::unique_ptr<Output> output_;
  std::unique_ptr<Progress> progress_;
  uint64_t received_ = 0;
  std::optional<uint64_t> expected_;
  std::optional<http::FetchResult> result_;
  std::string url_;  // the URL asked for
  std::string message_;
};

}  // namespace

int Run(const Options& options, const Stdio& stdio) {
  if (options.urls.empty()) {
    Write(stdio.err,
          "curl: no URL specified!\ncurl: try 'mini-curl --help' for more information\n");
    return 2;
  }
  http::ClientOptions co;
  if (std::optional<CurlFailure> f = BuildClientOptions(options, &co); f.has_value()) {
    if (!options.silent || options.show_error) {
      Write(stdio.err, absl::StrCat("curl: (", f->code, ") ", f->message, "\n"));
    }
    return f->code;
  }
  http::Client client(std::move(co));
  int exit_code = 0;
  for (size_t i = 0; i < options.urls.size(); ++i) {
    // Like curl, a URL's globs are read when its turn comes, and a bad one ends the run.
    absl::StatusOr<UrlGlob> glob = options.globoff ? UrlGlob::Literal(options.urls[i])
                                                   : UrlGlob::Parse(options.urls[i]);
    if (!glob.ok()) {
      if (!options.silent || options.show_error) {
        Write(stdio.err, absl::StrCat("curl: (3) ", glob.status().message(), "\n"));
      }
      return 3;
    }
    const std::string output = i < options.outputs.size() ? options.outputs[i] : "";
    for (uint64_t k = 0; k < glob->size(); ++k) {
      int code = Transfer(options, stdio, client).Run(glob->Url(k), glob->FillName(output, k));
      exit_code = code;  // curl exits with the last transfer's code
    }
  }
  if (options.outputs.size() > options.urls.size() && !options.silent) {
    Write(stdio.err, "Warning: Got more output options than URLs\n");
  }
  return exit_code;
}

}  // namespace curl_tool
