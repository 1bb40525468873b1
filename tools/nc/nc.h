// nc.h: mini-nc, a netcat in the manner of OpenBSD nc (Debian's netcat-openbsd).
//
//   nc::Options opts;
//   opts.positional = {"127.0.0.1", "8080"};
//   int exit_code = nc::Run(opts, nc::Stdio{});   // copies stdin→socket, socket→stdout
//
// main.cc turns flags into Options; tests drive the built binary.
#ifndef TOOLS_NC_NC_H_
#define TOOLS_NC_NC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nc {

struct Options {
  bool listen = false;          // -l
  bool udp = false;             // -u
  bool unix_socket = false;     // -U
  bool scan = false;            // -z
  bool verbose = false;         // -v
  bool keep_listening = false;  // -k
  bool shutdown_on_eof = false; // -N
  bool numeric = false;         // -n
  bool ipv4_only = false;       // -4
  bool ipv6_only = false;       // -6
  std::optional<absl::Duration> timeout;  // -w: connect and idle timeout
  std::string source_address;             // -s
  std::string source_port;                // -p (listen port with -l)
  std::vector<std::string> positional;    // [host] port...
};

struct Stdio {
  int in = 0;
  int out = 1;
  int err = 2;
};

// ParsePorts expands "22", "20-25" and several such arguments into a port list.
// InvalidArgument with nc's wording ("port number too large: 99999", "port range not valid").
absl::StatusOr<std::vector<uint16_t>> ParsePorts(const std::vector<std::string>& args);

// Run does what nc does with `opts` and returns the process exit code (0 or 1). Messages go to
// stdio.err in nc's own wording ("nc: connect to 127.0.0.1 port 1 (tcp) failed: ...").
int Run(const Options& opts, const Stdio& stdio);

}  // namespace nc

#endif  // TOOLS_NC_NC_H_
