// mini-ping: ping like iputils. See README.md and tools/ping/ping.h.
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "gflags/gflags.h"
#include "lib/cli/args.h"
#include "tools/ping/ping.h"

DEFINE_string(c, "", "Stop after sending COUNT ECHO_REQUEST packets");
DEFINE_string(i, "", "Wait INTERVAL seconds between sending each packet (default 1)");
DEFINE_string(W, "", "Time to wait for a response, in seconds");
DEFINE_string(w, "", "Deadline: stop after this many seconds");
DEFINE_string(s, "", "Number of data bytes to be sent (default 56)");
DEFINE_string(t, "", "IP Time to Live");
DEFINE_bool(ipv4, false, "Use IPv4 only (-4)");
DEFINE_bool(ipv6, false, "Use IPv6 only (-6)");
DEFINE_bool(q, false, "Quiet output");
DEFINE_bool(n, false, "Numeric output only");

namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int) { g_interrupted.store(true); }

constexpr char kUsage[] =
    "\nUsage\n  mini-ping [options] <destination>\n\nOptions:\n"
    "  -4 / -6      use IPv4 / IPv6\n  -c <count>   stop after <count> replies\n"
    "  -i <interval> seconds between sending each packet\n  -n           no dns name resolution\n"
    "  -q           quiet output\n  -s <size>    use <size> as number of data bytes to be sent\n"
    "  -t <ttl>     define time to live\n  -W <timeout> time to wait for response\n"
    "  -w <deadline> reply wait <deadline> in seconds\n";

const cli::Spec kSpec = {
    .short_options = {{'c', "c", cli::kValue}, {'i', "i", cli::kValue}, {'W', "W", cli::kValue},
                      {'w', "w", cli::kValue}, {'s', "s", cli::kValue}, {'t', "t", cli::kValue},
                      {'4', "ipv4"}, {'6', "ipv6"}, {'q', "q"}, {'n', "n"}},
    .long_aliases = {},
};

// Seconds parses a non-negative decimal number of seconds, as iputils takes "0.2".
bool Seconds(const std::string& text, absl::Duration* out) {
  double v;
  if (!absl::SimpleAtod(text, &v) || !(v >= 0) || v > 2147483) return false;
  *out = absl::Microseconds(static_cast<int64_t>(v * 1e6));
  return true;
}

int Bad(const std::string& flag, const std::string& value, const char* range) {
  std::fprintf(stderr, "ping: invalid argument: '%s': %s\n", value.c_str(), range);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<cli::Args> args = cli::Expand(argc, argv, kSpec);
  if (!args.ok()) {
    std::fprintf(stderr, "ping: %s\n%s", std::string(args.status().message()).c_str(), kUsage);
    return 2;
  }
  gflags::SetUsageMessage(kUsage);
  gflags::ParseCommandLineFlags(&args->argc, &args->argv, true);
  if (args->argc != 2) {
    std::fprintf(stderr, "ping: usage error: Destination address required\n");
    return 2;
  }
  ping::Options o;
  o.host = args->argv[1];
  o.quiet = FLAGS_q;
  o.numeric = FLAGS_n;
  if (FLAGS_ipv4 && FLAGS_ipv6) {
    std::fprintf(stderr, "ping: only one -4 or -6 option may be specified\n");
    return 2;
  }
  o.family = FLAGS_ipv4 ? AF_INET : FLAGS_ipv6 ? AF_INET6 : 0;
  int64_t n;
  if (!FLAGS_c.empty()) {
    if (!absl::SimpleAtoi(FLAGS_c, &n) || n < 1) {
      return Bad("c", FLAGS_c, "out of range: 1 <= value <= 9223372036854775807");
    }
    o.count = n;
  }
  if (!FLAGS_s.empty()) {
    if (!absl::SimpleAtoi(FLAGS_s, &n) || n < 0 || n > 65507) {
      return Bad("s", FLAGS_s, "out of range: 0 <= value <= 65507");
    }
    o.size = static_cast<int>(n);
  }
  if (!FLAGS_t.empty()) {
    if (!absl::SimpleAtoi(FLAGS_t, &n) || n < 0 || n > 255) {
      return Bad("t", FLAGS_t, "out of range: 0 <= value <= 255");
    }
    o.ttl = static_cast<int>(n);
  }
  absl::Duration d;
  if (!FLAGS_i.empty()) {
    if (!Seconds(FLAGS_i, &d)) {
      std::fprintf(stderr, "ping: bad timing interval: %s\n", FLAGS_i.c_str());
      return 2;
    }
    o.interval = d;
  }
  if (!FLAGS_W.empty()) {
    if (!Seconds(FLAGS_W, &d)) {
      std::fprintf(stderr, "ping: bad linger time: %s\n", FLAGS_W.c_str());
      return 2;
    }
    o.wait = d;
  }
  if (!FLAGS_w.empty()) {
    if (!Seconds(FLAGS_w, &d)) {
      return Bad("w", FLAGS_w, "out of range: 0 <= value <= 2147483647");
    }
    o.deadline = d;
  }
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;  // no SA_RESTART: poll returns EINTR at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return ping::Run(o, 1, 2, &g_interrupted);
}
