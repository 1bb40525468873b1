// resolv_conf.h: the resolver configuration file of resolv.conf(5) (/etc/resolv.conf).
//
//   ASSIGN_OR_RETURN(dns::ResolvConf conf, dns::ResolvConf::Load("/etc/resolv.conf"));
//   for (const net::Address& server : conf.nameservers) Ask(server);   // port 53
//   if (dots >= conf.ndots) TryAsIs(name);
//   for (const std::string& domain : conf.search) Try(name + "." + domain);
//
// Understood: `nameserver ADDR` (IPv4 or IPv6, at most 3, port 53), `search D...` and
// `domain D` (the last of them wins), `options ndots:N timeout:N attempts:N rotate edns0`.
// Lines starting with '#' or ';' are comments; unknown keywords and options are ignored.
// Unlike the C library, the search list is not derived from the host name when the file has
// neither `search` nor `domain`: it stays empty, so results do not depend on the machine.
#ifndef LIB_DNS_RESOLV_CONF_H_
#define LIB_DNS_RESOLV_CONF_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/net/address.h"

namespace dns {

struct ResolvConf {
  // kMaxNameservers, kMaxNdots, kMaxTimeout and kMaxAttempts are the C library's caps
  // (MAXNS, RES_MAXNDOTS, RES_MAXRETRANS, RES_MAXRETRY).
  static constexpr int kMaxNameservers = 3;
  static constexpr int kMaxNdots = 15;
  static constexpr int kMaxTimeoutSeconds = 30;
  static constexpr int kMaxAttempts = 5;

  // nameservers are the servers to ask, in order, with port 53. 127.0.0.1 when the file
  // names none.
  std::vector<net::Address> nameservers;
  // search are the domains appended to relative names, without trailing dots.
  std::vector<std::string> search;
  // ndots: a name with at least this many dots is tried as it is before the search list.
  int ndots = 1;
  // timeout is how long to wait for one server's reply to one attempt.
  absl::Duration timeout = absl::Seconds(5);
  // attempts is how many times each server is asked.
  int attempts = 2;
  // rotate spreads the load: the Resolver starts each query at the next server in turn
  // (round robin), then asks the others in order. Without it every query starts at the first.
  bool rotate = false;
  // edns0 makes queries carry an EDNS0 OPT record.
  bool edns0 = false;

  // Parse reads resolv.conf(5) text (not kept). It never fails: bad lines and values are
  // skipped, and defaults fill in what the text does not set.
  static ResolvConf Parse(absl::string_view text);

  // Load reads and parses the file at `path`. A missing file gives the defaults, as for the
  // C library; another read error is returned (code from errno).
  static absl::StatusOr<ResolvConf> Load(const std::string& path);
};

}  // namespace dns

#endif  // LIB_DNS_RESOLV_CONF_H_
