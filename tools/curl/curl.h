// curl.h: mini-curl, a curl-compatible command-line HTTP client for http:// URLs.
//
// main.cc turns the command line into Options; Run performs every transfer with one
// http::Client (so URLs to the same origin share a connection), writes bodies, headers,
// -v traces, the progress meter and -w output, and returns curl's exit code. Error lines use
// curl's own prefix, "curl: (N) message", so outputs compare equal to curl 7.88.1's.
//
//   curl_tool::Options o;
//   o.urls = {"http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b"};
//   o.silent = true;
//   return curl_tool::Run(o, curl_tool::Stdio{.out = 1, .err = 2});
#ifndef TOOLS_CURL_CURL_H_
#define TOOLS_CURL_CURL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace curl_tool {

// DataArg is one -d / --data-binary argument (a leading '@' names a file; -d strips CR/LF
// from file contents, --data-binary keeps them).
struct DataArg {
  std::string value;
  bool binary = false;
};

struct Options {
  // urls are curl URL arguments: each may hold {a,b} sets and [1-3] ranges (see url_glob.h)
  // and stands for every URL they expand to, fetched in order on the shared connections.
  std::vector<std::string> urls;
  bool globoff = false;              // -g: take the URLs as they are
  bool path_as_is = false;           // --path-as-is: keep /./ and /../ in paths
  // outputs are -o FILE, matched to URL arguments in order; "#N" in a name is the value of
  // that URL's glob N.
  std::vector<std::string> outputs;
  bool remote_name = false;          // -O: name the file after the URL's last path segment
  bool silent = false;               // -s
  bool show_error = false;           // -S
  bool fail = false;                 // -f
  bool location = false;             // -L
  int max_redirs = 50;               // --max-redirs
  bool include = false;              // -i
  bool head = false;                 // -I
  bool verbose = false;              // -v
  bool compressed = false;           // --compressed
  bool http10 = false;               // -0 / --http1.0
  std::string method;                // -X
  std::vector<std::string> headers;  // -H, in order
  std::vector<DataArg> data;         // -d, --data-binary
  std::optional<std::string> user_agent;  // -A (default "mini-curl/0.1")
  std::string referer;               // -e
  std::string proxy;                 // -x http://HOST:PORT
  std::optional<absl::Duration> connect_timeout;  // --connect-timeout
  std::optional<absl::Duration> max_time;         // -m / --max-time
  std::string write_out;             // -w
  std::vector<std::string> resolve;  // --resolve HOST:PORT:ADDR
  int family = 0;                    // AF_UNSPEC, AF_INET (-4), AF_INET6 (-6)
  // progress_meter shows the progress on stderr (main: no -s, and stdout is not a terminal
  // or the body goes to a file): curl's meter, or with progress_bar (-#) its bar of
  // bar_width columns (main: BarWidth from COLUMNS or the terminal).
  bool progress_meter = false;
  bool progress_bar = false;
  int bar_width = 79;
};

// Stdio names the file descriptors Run writes to (not owned).
struct Stdio {
  int out = 1;
  int err = 2;
};

// kUserAgent is the default User-Agent value.
inline constexpr char kUserAgent[] = "mini-curl/0.1";

// Run performs every transfer in `options` and returns curl's exit code: that of the last
// transfer (an earlier failure does not count, as in curl), or 3 for a malformed glob, which
// ends the run there.
int Run(const Options& options, const Stdio& stdio);

}  // namespace curl_tool

#endif  // TOOLS_CURL_CURL_H_
