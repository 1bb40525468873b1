// mini-nc: netcat like OpenBSD nc. See README.md and tools/nc/nc.h.
#include <cstdio>
#include <string>

#include "absl/time/time.h"
#include "gflags/gflags.h"
#include "lib/cli/args.h"
#include "tools/nc/nc.h"

DEFINE_bool(l, false, "Listen mode, for inbound connects");
DEFINE_bool(u, false, "UDP mode");
DEFINE_bool(U, false, "Use UNIX domain socket");
DEFINE_bool(z, false, "Zero-I/O mode: only scan for listening daemons");
DEFINE_bool(v, false, "Verbose");
DEFINE_bool(k, false, "Keep inbound sockets open for multiple connects");
DEFINE_bool(N, false, "Shutdown the network socket after EOF on stdin");
DEFINE_bool(n, false, "Suppress name/port resolutions");
DEFINE_bool(ipv4, false, "Use IPv4 (-4)");
DEFINE_bool(ipv6, false, "Use IPv6 (-6)");
DEFINE_int32(w, -1, "Timeout in seconds for connects and idle reads/writes");
DEFINE_string(s, "", "Local source address");
DEFINE_string(p, "", "Local port for remote connects (listen port with -l)");
DEFINE_bool(h, false, "This help text");

namespace {

constexpr char kUsage[] =
    "usage: mini-nc [-46hklNnUuvz] [-p source_port] [-s sourceaddr] [-w timeout]\n"
    "\t  [destination] [port]\n";

const cli::Spec kSpec = {
    .short_options = {{'l', "l"}, {'u', "u"}, {'U', "U"}, {'z', "z"}, {'v', "v"}, {'k', "k"},
                      {'N', "N"}, {'n', "n"}, {'4', "ipv4"}, {'6', "ipv6"}, {'h', "h"},
                      {'w', "w", cli::kValue}, {'s', "s", cli::kValue}, {'p', "p", cli::kValue}},
    .long_aliases = {},
};

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<cli::Args> args = cli::Expand(argc, argv, kSpec);
  if (!args.ok()) {
    std::fprintf(stderr, "nc: %s\n%s", std::string(args.status().message()).c_str(), kUsage);
    return 1;
  }
  gflags::SetUsageMessage(kUsage);
  gflags::ParseCommandLineFlags(&args->argc, &args->argv, true);
  if (FLAGS_h) {
    std::fputs(kUsage, stderr);
    return 1;
  }
  nc::Options o;
  o.listen = FLAGS_l;
  o.udp = FLAGS_u;
  o.unix_socket = FLAGS_U;
  o.scan = FLAGS_z;
  o.verbose = FLAGS_v;
  o.keep_listening = FLAGS_k;
  o.shutdown_on_eof = FLAGS_N;
  o.numeric = FLAGS_n;
  o.ipv4_only = FLAGS_ipv4;
  o.ipv6_only = FLAGS_ipv6;
  if (FLAGS_w == 0 || FLAGS_w < -1) {
    std::fprintf(stderr, "nc: timeout invalid: %d\n", FLAGS_w);
    return 1;
  }
  if (FLAGS_w > 0) o.timeout = absl::Seconds(FLAGS_w);
  o.source_address = FLAGS_s;
  o.source_port = FLAGS_p;
  for (int i = 1; i < args->argc; ++i) o.positional.emplace_back(args->argv[i]);
  if (o.positional.empty() && !(o.listen && !o.source_port.empty())) {
    std::fputs(kUsage, stderr);
    return 1;
  }
  return nc::Run(o, nc::Stdio{});
}
