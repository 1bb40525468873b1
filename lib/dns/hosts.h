// hosts.h: the static host table of hosts(5) (/etc/hosts): name → addresses, address → name.
//
//   ASSIGN_OR_RETURN(dns::HostsFile hosts, dns::HostsFile::Load("/etc/hosts"));
//   for (const net::Address& a : hosts.Lookup("LocalHost.")) Use(a);   // 127.0.0.1, ::1
//   std::optional<std::string> name = hosts.NameFor(addr);             // "localhost"
//
// Each line is "address name [aliases...]", '#' starts a comment. Lines without a numeric
// address or without a name are skipped, as the C library does. Names match ASCII
// case-insensitively and a trailing dot is ignored.
#ifndef LIB_DNS_HOSTS_H_
#define LIB_DNS_HOSTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/net/address.h"

namespace dns {

class HostsFile {
 public:
  // HostsFile() is an empty table.
  HostsFile() = default;

  // Parse reads hosts(5) text (not kept). Bad lines are skipped, never an error.
  static HostsFile Parse(absl::string_view text);

  // Load reads and parses the file at `path`. NotFound when it does not exist, another code
  // (from errno) when it cannot be read.
  static absl::StatusOr<HostsFile> Load(const std::string& path);

  // Lookup returns the addresses listed for `name` (not kept), in file order without
  // repeats, with port 0. Empty when the name is not in the table.
  std::vector<net::Address> Lookup(absl::string_view name) const;

  // NameFor returns the first name listed for the IP of `address` (its port is ignored),
  // spelled as in the file, or std::nullopt.
  std::optional<std::string> NameFor(const net::Address& address) const;

  // size is the number of distinct names.
  size_t size() const { return by_name_.size(); }

 private:
  absl::flat_hash_map<std::string, std::vector<net::Address>> by_name_;  // lowercase keys
  absl::flat_hash_map<std::string, std::string> by_ip_;                  // IpString → name
};

}  // namespace dns

#endif  // LIB_DNS_HOSTS_H_
