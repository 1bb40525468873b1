// traceroute.h: mini-traceroute, like Linux traceroute: UDP probes (default) or ICMP echo
// probes (-I) with a growing TTL, one line per hop.
//
//   traceroute::Options o;
//   o.host = "10.0.2.2";
//   int code = traceroute::Run(o, /*out=*/1, /*err=*/2);
//   //  1  10.0.1.1  0.045 ms  0.031 ms  0.030 ms
//   //  2  10.0.2.2  0.050 ms  0.040 ms  0.039 ms
#ifndef TOOLS_TRACEROUTE_TRACEROUTE_H_
#define TOOLS_TRACEROUTE_TRACEROUTE_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace traceroute {

struct Options {
  std::string host;
  int first_ttl = 1;                       // -f
  int max_hops = 30;                       // -m
  int probes = 3;                          // -q
  absl::Duration wait = absl::Seconds(5);  // -w
  bool numeric = false;                    // -n
  bool icmp = false;                       // -I
  int family = 0;                          // -4 / -6
  uint16_t port = 33434;                   // -p: first UDP destination port
};

// Run traces the route and returns 0, or 2 (with a message on `err`) for bad input.
int Run(const Options& options, int out, int err);

}  // namespace traceroute

#endif  // TOOLS_TRACEROUTE_TRACEROUTE_H_
