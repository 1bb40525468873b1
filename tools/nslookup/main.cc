// mini-nslookup: non-interactive nslookup with BIND 9's output. See tools/nslookup/nslookup.h.
//
//   mini-nslookup [-type=X] [-port=N] [-timeout=N] [-retry=N] [-vc] [-debug] NAME [SERVER]
//   mini-nslookup -trace [-root_hints=FILE] [-type=X] [-port=N] NAME   (tools/nslookup/trace.h)
//
// As with BIND's nslookup, options go before NAME and SERVER: anything after SERVER gets the
// usage text and exit status 1.
#include <algorithm>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gflags/gflags.h"
#include "lib/cli/args.h"
#include "lib/dns/message.h"
#include "tools/nslookup/nslookup.h"
#include "tools/nslookup/trace.h"

DEFINE_string(type, "", "Query type (A, AAAA, CNAME, MX, NS, TXT, SOA, PTR, SRV, CAA, ANY, TYPEn)");
DEFINE_string(query, "", "Same as -type");
DEFINE_string(querytype, "", "Same as -type");
DEFINE_string(q, "", "Same as -type");
DEFINE_int32(port, 53, "Server port");
DEFINE_int32(timeout, 5, "Seconds to wait for each reply");
DEFINE_int32(retry, 3, "Tries per lookup");
DEFINE_bool(vc, false, "Use TCP only");
DEFINE_bool(debug, false, "Print every section of each reply");
DEFINE_bool(trace, false,
            "Resolve iteratively from the root servers and print each reply, like dig +trace "
            "(every server is queried at -port)");
DEFINE_string(root_hints, "", "With -trace: root hints file in named.root form (default: IANA's)");
DEFINE_string(resolv_conf, "/etc/resolv.conf", "File whose first nameserver is the default server");

namespace {

constexpr char kUsage[] =
    "Usage:\n"
    "   mini-nslookup [-opt ...] host        # just look up 'host' using default server\n"
    "   mini-nslookup [-opt ...] host server # just look up 'host' using 'server'\n"
    "   mini-nslookup -trace [-root_hints=FILE] [-opt ...] host  # iterate from the root\n";

// No short options: every single-dash argument ("-type=MX", "-vc") goes to gflags.
const cli::Spec kSpec = {.short_options = {}, .long_aliases = {}, .pass_unknown_single_dash = true};

// TypeFlag returns the -type/-query/-querytype/-q value given, or "".
std::string TypeFlag() {
  for (const std::string* v : {&FLAGS_type, &FLAGS_querytype, &FLAGS_query, &FLAGS_q}) {
    if (!v->empty()) return *v;
  }
  return "";
}

// RunTrace runs `mini-nslookup -trace` with the options parsed into `o`.
int RunTrace(const nslookup::Options& o) {
  if (!o.server.empty()) {
    std::cerr << "mini-nslookup: -trace starts at the root servers and takes no SERVER\n";
    return 1;
  }
  nslookup::TraceOptions t;
  t.name = o.name;
  t.type = o.type.value_or(dns::kA);
  t.port = o.port;
  t.timeout = o.timeout;
  t.tries = o.tries;
  if (!FLAGS_root_hints.empty()) {
    absl::StatusOr<std::vector<nslookup::NameServer>> roots =
        nslookup::ReadRootHints(FLAGS_root_hints);
    if (!roots.ok()) {
      std::cerr << "mini-nslookup: " << roots.status().message() << "\n";
      return 1;
    }
    t.roots = *std::move(roots);
  }
  return nslookup::Trace(t, std::cout, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  // Checked on argv as typed: cli::Expand moves the options before the other arguments.
  const std::vector<std::string> typed(argv + std::min(argc, 1), argv + argc);
  if (nslookup::ArgumentsFollowServer(typed)) {
    std::cerr << kUsage;
    return 1;
  }
  absl::StatusOr<cli::Args> args = cli::Expand(argc, argv, kSpec);
  if (!args.ok()) {
    std::cerr << "mini-nslookup: " << args.status().message() << "\n" << kUsage;
    return 1;
  }
  gflags::SetUsageMessage(kUsage);
  gflags::ParseCommandLineFlags(&args->argc, &args->argv, true);
  if (args->argc < 2 || args->argc > 3) {
    std::cerr << kUsage;
    return 1;
  }
  nslookup::Options o;
  o.name = args->argv[1];
  if (args->argc == 3) o.server = args->argv[2];
  o.resolv_conf = FLAGS_resolv_conf;
  if (std::string type = TypeFlag(); !type.empty()) {
    absl::StatusOr<uint16_t> t = dns::TypeFromString(type);
    if (!t.ok()) {
      std::cerr << "mini-nslookup: unknown query type: " << type << "\n";
      return 1;
    }
    o.type = *t;
  }
  if (FLAGS_port < 0 || FLAGS_port > 65535) {
    std::cerr << "mini-nslookup: invalid port: " << FLAGS_port << "\n";
    return 1;
  }
  o.port = static_cast<uint16_t>(FLAGS_port);
  if (FLAGS_timeout > 0) o.timeout = absl::Seconds(FLAGS_timeout);
  if (FLAGS_retry > 0) o.tries = FLAGS_retry;
  o.vc = FLAGS_vc;
  o.debug = FLAGS_debug;
  if (FLAGS_trace) return RunTrace(o);
  return nslookup::Run(o, std::cout, std::cerr);
}
