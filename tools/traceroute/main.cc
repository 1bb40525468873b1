// mini-traceroute: traceroute like Linux traceroute. See README.md and traceroute.h.
#include <sys/socket.h>

#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "gflags/gflags.h"
#include "lib/cli/args.h"
#include "tools/traceroute/traceroute.h"

DEFINE_int32(f, 1, "Start from the first_ttl hop");
DEFINE_int32(m, 30, "Max number of hops");
DEFINE_int32(q, 3, "Number of probes per hop");
DEFINE_string(w, "5", "Wait for a probe no more than this many seconds");
DEFINE_int32(p, 33434, "Initial destination port for UDP probes");
DEFINE_bool(n, false, "Do not resolve IP addresses to their domain names");
DEFINE_bool(I, false, "Use ICMP ECHO for tracerouting");
DEFINE_bool(ipv4, false, "Use IPv4 (-4)");
DEFINE_bool(ipv6, false, "Use IPv6 (-6)");

namespace {

constexpr char kUsage[] =
    "Usage: mini-traceroute [ -46In ] [ -f first_ttl ] [ -m max_ttl ] [ -p port ] [ -q nqueries ]"
    " [ -w waittime ] host\n";

const cli::Spec kSpec = {
    .short_options = {{'f', "f", cli::kValue}, {'m', "m", cli::kValue}, {'q', "q", cli::kValue},
                      {'w', "w", cli::kValue}, {'p', "p", cli::kValue}, {'n', "n"}, {'I', "I"},
                      {'4', "ipv4"}, {'6', "ipv6"}},
    .long_aliases = {},
};

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<cli::Args> args = cli::Expand(argc, argv, kSpec);
  if (!args.ok()) {
    std::fprintf(stderr, "%s\n%s", std::string(args.status().message()).c_str(), kUsage);
    return 2;
  }
  gflags::SetUsageMessage(kUsage);
  gflags::ParseCommandLineFlags(&args->argc, &args->argv, true);
  if (args->argc != 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  traceroute::Options o;
  o.host = args->argv[1];
  o.first_ttl = FLAGS_f;
  o.max_hops = FLAGS_m;
  o.probes = FLAGS_q;
  double wait;
  if (!absl::SimpleAtod(FLAGS_w, &wait) || !(wait >= 0) || wait > 86400) {
    std::fprintf(stderr, "Cannot handle `-w' option with arg `%s' (argc 2)\n", FLAGS_w.c_str());
    return 2;
  }
  o.wait = absl::Microseconds(static_cast<int64_t>(wait * 1e6));
  if (FLAGS_p < 1 || FLAGS_p > 65535) {
    std::fprintf(stderr, "Cannot handle `-p' option with arg `%d' (argc 2)\n", FLAGS_p);
    return 2;
  }
  o.port = static_cast<uint16_t>(FLAGS_p);
  o.numeric = FLAGS_n;
  o.icmp = FLAGS_I;
  o.family = FLAGS_ipv4 ? AF_INET : FLAGS_ipv6 ? AF_INET6 : 0;
  return traceroute::Run(o, 1, 2);
}
