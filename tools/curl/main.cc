// mini-curl: an HTTP client like curl for http:// URLs. See tools/curl/curl.h.
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <string>

#include "absl/time/time.h"
#include "gflags/gflags.h"
#include "lib/cli/args.h"
#include "tools/curl/curl.h"
#include "tools/curl/progress_bar.h"

DEFINE_bool(s, false, "Silent mode (-s, --silent)");
DEFINE_bool(S, false, "Show error even when -s is used (-S, --show-error)");
DEFINE_bool(f, false, "Fail fast with no output on HTTP errors (-f, --fail)");
DEFINE_bool(L, false, "Follow redirects (-L, --location)");
DEFINE_int32(max_redirs, 50, "Maximum number of redirects allowed (--max-redirs)");
DEFINE_bool(i, false, "Include response headers in the output (-i, --include)");
DEFINE_bool(I, false, "Show document info only: HEAD (-I, --head)");
DEFINE_bool(v, false, "Make the operation more talkative (-v, --verbose)");
DEFINE_string(o, "", "Write to file instead of stdout (-o, --output; repeatable)");
DEFINE_bool(O, false, "Write output to a file named as the remote file (-O, --remote-name)");
DEFINE_string(X, "", "Request method (-X, --request)");
DEFINE_string(H, "", "Pass custom header(s) to server (-H, --header; repeatable)");
DEFINE_string(d, "", "HTTP POST data (-d, --data; repeatable)");
DEFINE_string(data_binary, "", "HTTP POST data, binary (--data-binary; repeatable)");
DEFINE_string(A, "", "Send User-Agent (-A, --user-agent)");
DEFINE_string(e, "", "Referrer URL (-e, --referer)");
DEFINE_string(x, "", "Use this HTTP proxy: http://HOST:PORT (-x, --proxy)");
DEFINE_double(connect_timeout, 0, "Maximum time allowed for connection, seconds");
DEFINE_double(max_time, 0, "Maximum time allowed for the transfer, seconds (-m)");
DEFINE_bool(http1_0, false, "Use HTTP 1.0 (-0, --http1.0)");
DEFINE_bool(compressed, false, "Request compressed response (gzip, deflate)");
DEFINE_string(w, "", "Use output FORMAT after completion (-w, --write-out)");
DEFINE_string(resolve, "", "Resolve HOST:PORT to ADDR (--resolve HOST:PORT:ADDR; repeatable)");
DEFINE_bool(ipv4, false, "Resolve names to IPv4 addresses (-4)");
DEFINE_bool(ipv6, false, "Resolve names to IPv6 addresses (-6)");
DEFINE_bool(progress_bar, false, "Display the transfer progress as a bar (-#, --progress-bar)");
DEFINE_bool(g, false, "Switch off URL globbing with {} and [] (-g, --globoff)");
DEFINE_bool(path_as_is, false, "Do not squash .. sequences in URL path (--path-as-is)");

namespace {

constexpr char kUsage[] = "Usage: mini-curl [options...] <url>...";

const cli::Spec kSpec = {
    .short_options = {{'s', "s"}, {'S', "S"}, {'f', "f"}, {'L', "L"}, {'i', "i"}, {'I', "I"},
                      {'v', "v"}, {'O', "O"}, {'0', "http1_0"}, {'4', "ipv4"}, {'6', "ipv6"},
                      {'g', "g"}, {'#', "progress_bar"}, {'o', "o", cli::kRepeated}, {'X', "X", cli::kValue},
                      {'H', "H", cli::kRepeated}, {'d', "d", cli::kRepeated},
                      {'A', "A", cli::kValue}, {'e', "e", cli::kValue}, {'x', "x", cli::kValue},
                      {'m', "max_time", cli::kValue}, {'w', "w", cli::kValue}},
    .long_aliases = {{"silent", "s"}, {"show-error", "S"}, {"fail", "f"}, {"location", "L"},
                     {"include", "i"}, {"head", "I"}, {"verbose", "v"}, {"remote-name", "O"},
                     {"globoff", "g"}, {"progress-bar", "progress_bar"}, {"http1.0", "http1_0"}, {"compressed", "compressed"},
                     {"output", "o", cli::kRepeated}, {"request", "X", cli::kValue},
                     {"header", "H", cli::kRepeated}, {"data", "d", cli::kRepeated},
                     {"data-binary", "data_binary", cli::kRepeated},
                     {"user-agent", "A", cli::kValue}, {"referer", "e", cli::kValue},
                     {"proxy", "x", cli::kValue}, {"max-time", "max_time", cli::kValue},
                     {"connect-timeout", "connect_timeout", cli::kValue},
                     {"max-redirs", "max_redirs", cli::kValue}, {"write-out", "w", cli::kValue},
                     {"resolve", "resolve", cli::kRepeated}, {"ipv4", "ipv4"}, {"ipv6", "ipv6"},
                     {"path-as-is", "path_as_is"}},
};

std::vector<std::string> Repeated(const std::string& joined) {
  return joined.empty() ? std::vector<std::string>{} : cli::SplitRepeated(joined);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  absl::StatusOr<cli::Args> args = cli::Expand(argc, argv, kSpec);
  if (!args.ok()) {
    std::fprintf(stderr, "curl: %s\ncurl: try 'mini-curl --help' for more information\n",
                 std::string(args.status().message()).c_str());
    return 2;
  }
  gflags::SetUsageMessage(kUsage);
  gflags::ParseCommandLineFlags(&args->argc, &args->argv, true);

  curl_tool::Options o;
  for (int i = 1; i < args->argc; ++i) o.urls.emplace_back(args->argv[i]);
  o.globoff = FLAGS_g;
  o.path_as_is = FLAGS_path_as_is;
  o.outputs = Repeated(FLAGS_o);
  o.remote_name = FLAGS_O;
  o.silent = FLAGS_s;
  o.show_error = FLAGS_S;
  o.fail = FLAGS_f;
  o.location = FLAGS_L;
  o.max_redirs = FLAGS_max_redirs;
  o.include = FLAGS_i;
  o.head = FLAGS_I;
  o.verbose = FLAGS_v;
  o.compressed = FLAGS_compressed;
  o.http10 = FLAGS_http1_0;
  o.method = FLAGS_X;
  o.headers = Repeated(FLAGS_H);
  for (const std::string& d : Repeated(FLAGS_d)) o.data.push_back({d, false});
  for (const std::string& d : Repeated(FLAGS_data_binary)) o.data.push_back({d, true});
  if (gflags::GetCommandLineFlagInfoOrDie("A").is_default == false) o.user_agent = FLAGS_A;
  o.referer = FLAGS_e;
  o.proxy = FLAGS_x;
  if (FLAGS_connect_timeout > 0) o.connect_timeout = absl::Seconds(FLAGS_connect_timeout);
  if (FLAGS_max_time > 0) o.max_time = absl::Seconds(FLAGS_max_time);
  o.write_out = FLAGS_w;
  o.resolve = Repeated(FLAGS_resolve);
  o.family = FLAGS_ipv4 ? AF_INET : FLAGS_ipv6 ? AF_INET6 : AF_UNSPEC;
  const bool to_file = !o.outputs.empty() || o.remote_name;
  o.progress_meter = !o.silent && (to_file || !::isatty(1));
  o.progress_bar = FLAGS_progress_bar;
  o.bar_width = curl_tool::BarWidth(std::getenv("COLUMNS"), 0);  // curl asks about stdin
  return curl_tool::Run(o, curl_tool::Stdio{});
}
