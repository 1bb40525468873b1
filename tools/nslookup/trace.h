// trace.h: `mini-nslookup -trace`, iterative resolution from the root printed
// like `dig +trace`.
//
//   nslookup::TraceOptions o;
//   o.name = "host.example.test";
//   o.type = dns::kA;
//   o.port = 5300;                                   // every server is queried
//   at this port ASSIGN_OR_RETURN(o.roots,
//   nslookup::ReadRootHints("/tmp/named.root")); int exit_code =
//   nslookup::Trace(o, std::cout, std::cerr);
//
// Each reply is printed as dig +trace prints it: its answer and authority
// records in dig's one-line form, then ";; Received N bytes from
// IP#PORT(NS-NAME) in T ms" and a blank line.
#ifndef TOOLS_NSLOOKUP_TRACE_H_
#define TOOLS_NSLOOKUP_TRACE_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/dns/message.h"

namespace nslookup {

// NameServer is one server of a zone: its name and the addresses known for it
// (IPv4 first).
struct NameServer {
  std::string name;                    // absolute, "a.root-servers.net."
  std::vector<std::string> addresses;  // numeric IPv4/IPv6; may be empty (no glue)
};

// kMaxTraceSteps caps the queries one trace sends (sub-resolutions of glueless
// NS names included); kMaxCnameRestarts the CNAMEs it follows;
// kMaxGluelessDepth the nesting of glueless NS-name resolutions.
inline constexpr int kMaxTraceSteps = 30;
inline constexpr int kMaxCnameRestarts = 8;
inline constexpr int kMaxGluelessDepth = 3;

// ParseRootHints reads root hints in named.root form from `text` (not kept):
// `.` NS records name the root servers, A and AAAA records give their
// addresses; `;` starts a comment, and TTL and class are optional.
// InvalidArgument when no root NS has an address.
absl::StatusOr<std::vector<NameServer>> ParseRootHints(absl::string_view text);

// ReadRootHints reads the root hints file at `path` (not kept); NotFound if it
// cannot be read.
absl::StatusOr<std::vector<NameServer>> ReadRootHints(const std::string &path);

// DefaultRootHints returns the IANA root servers (named.root of 2023) — real
// Internet addresses.
std::vector<NameServer> DefaultRootHints();

struct TraceOptions {
  std::string name;                           // NAME as typed
  uint16_t type = dns::kA;                    // -type=X
  uint16_t port = 53;                         // the port of every server queried
  std::vector<NameServer> roots;              // where to start; empty means DefaultRootHints()
  absl::Duration timeout = absl::Seconds(5);  // per try
  int tries = 1;                              // UDP tries per server
};

// Trace resolves `options.name` iteratively with RD=0 queries, starting at a
// root server and following referrals (glue from the additional section; a
// glueless NS name is itself resolved from the root, quietly) and CNAMEs
// (restarting at the root for the target). A server that fails is reported on
// `out` and the next server of the zone tried. It writes each reply to `out`
// and errors to `err`, and returns the exit code: 0 for an answer or NODATA, 1
// for NXDOMAIN or another error rcode, no reachable server, a referral that
// does not get closer to the name, or one of the caps above hit.
int Trace(const TraceOptions &options, std::ostream &out, std::ostream &err);

}  // namespace nslookup

#endif  // TOOLS_NSLOOKUP_TRACE_H_
