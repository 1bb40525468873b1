// ping.h: mini-ping, like iputils ping: ICMP/ICMPv6 echo with iputils' output and exit codes.
//
//   ping::Options o;
//   o.host = "127.0.0.1";
//   o.count = 3;
//   int code = ping::Run(o, /*out=*/1, /*err=*/2, &interrupted);   // 0 replies came, 1 none, 2 error
#ifndef TOOLS_PING_PING_H_
#define TOOLS_PING_PING_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace ping {

struct Options {
  std::string host;
  std::optional<int64_t> count;            // -c
  absl::Duration interval = absl::Seconds(1);  // -i
  std::optional<absl::Duration> wait;      // -W: how long to wait for replies after the last send
  std::optional<absl::Duration> deadline;  // -w: stop after this long whatever happens
  int size = 56;                           // -s: payload bytes
  std::optional<int> ttl;                  // -t
  int family = 0;                          // AF_UNSPEC, or AF_INET (-4) / AF_INET6 (-6)
  bool quiet = false;                      // -q
  bool numeric = false;                    // -n
};

// FormatRtt prints a round-trip time in microseconds as iputils does: 3 significant decimals
// below 1 ms ("0.045"), fewer above ("1.23", "12.3", "123").
std::string FormatRtt(int64_t usec);

// Run pings until count, deadline or `*interrupted` (set by a SIGINT handler), printing to
// `out`/`err`. Returns 0 when any reply came, 1 when none did, 2 on other errors.
int Run(const Options& options, int out, int err, const std::atomic<bool>* interrupted);

}  // namespace ping

#endif  // TOOLS_PING_PING_H_
