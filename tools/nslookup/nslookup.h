// nslookup.h: mini-nslookup, a non-interactive nslookup whose output matches BIND 9's.
//
//   nslookup::Options o;
//   o.name = "host.example.test";
//   o.server = "127.0.0.1";
//   o.port = 5300;
//   o.type = dns::kMX;                       // unset: A then AAAA (PTR for an address)
//   int exit_code = nslookup::Run(o, std::cout, std::cerr);
//
// What is printed, and when, follows BIND 9.18's nslookup.c (printmessage, printsection,
// detailsection); testdata/golden/nslookup/ holds the real tool's output for each case.
#ifndef TOOLS_NSLOOKUP_NSLOOKUP_H_
#define TOOLS_NSLOOKUP_NSLOOKUP_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/dns/message.h"

namespace nslookup {

struct Options {
  // name is NAME as typed; an IPv4 or IPv6 address means a PTR lookup of its reverse name.
  std::string name;
  // server is SERVER as typed (a numeric IPv4/IPv6 address); empty: the first `nameserver` of
  // `resolv_conf`, or 127.0.0.1 when there is none.
  std::string server;
  std::string resolv_conf = "/etc/resolv.conf";
  // type is -type=X; unset means nslookup's default lookups (A, then AAAA for the name the A
  // answer's CNAME chain ends at).
  std::optional<uint16_t> type;
  uint16_t port = 53;
  absl::Duration timeout = absl::Seconds(5);  // per try
  int tries = 3;                              // -retry=N: tries per lookup (UDP)
  bool vc = false;                            // TCP only
  bool debug = false;                         // print every section of each reply
};

// DefaultServer returns the address of the first `nameserver` line of the resolv.conf file at
// `path` (not kept), or "127.0.0.1" when the file is missing or names none (as BIND does).
std::string DefaultServer(const std::string& path);

// ArgumentsFollowServer says whether anything follows SERVER in `args` (the command line
// after the program name; not kept), which BIND's nslookup answers with its usage text and
// exit status 1: its options go before NAME and SERVER. As there, an argument that starts
// with '-' (other than a lone "-") is an option; the first other one is NAME (or "-"), the
// next SERVER.
bool ArgumentsFollowServer(absl::Span<const std::string> args);

// FormatServerAddress prints an address and port the way nslookup does: "127.0.0.1#53",
// "::1#53". `ip` is not kept.
std::string FormatServerAddress(absl::string_view ip, uint16_t port);

// ChaseCnames follows the CNAME chain of `name` through the answer section of `m` (as
// chase_cnamechain in nslookup.c does, at most 16 links) and returns the name it ends at.
std::string ChaseCnames(const dns::Message& m, std::string name);

// ExchangeErrorReason is how nslookup words a failed exchange: "timed out", "connection
// refused", ...
std::string ExchangeErrorReason(const absl::Status& status);

// Run performs the lookups of `options`, writing to `out` and `err` exactly what nslookup
// writes to stdout and stderr, and returns the exit code: 1 when a lookup got an error rcode
// (NXDOMAIN, SERVFAIL, REFUSED, ...), no server could be reached, or an argument is bad (a
// SERVER that is not an IP address, an illegal NAME), else 0 (a NODATA answer included).
int Run(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace nslookup

#endif  // TOOLS_NSLOOKUP_NSLOOKUP_H_
