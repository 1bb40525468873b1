#include "lib/dns/hosts.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace dns {
namespace {

// Key is the lookup form of a host name: lowercase, without a trailing dot.
std::string Key(absl::string_view name) {
  absl::ConsumeSuffix(&name, ".");
  return absl::AsciiStrToLower(name);
}

}  // namespace

HostsFile HostsFile::Parse(absl::string_view text) {
  HostsFile hosts;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = line.substr(0, line.find('#'));
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r\f\v"), absl::SkipEmpty());
    if (fields.size() < 2) continue;
    absl::StatusOr<net::Address> addr = net::Address::FromIp(fields[0], 0);
    if (!addr.ok() || fields[0].front() == '[') continue;
    hosts.by_ip_.try_emplace(addr->IpString(), std::string(fields[1]));
    for (size_t i = 1; i < fields.size(); ++i) {
      std::vector<net::Address>& list = hosts.by_name_[Key(fields[i])];
      if (std::find(list.begin(), list.end(), *addr) == list.end()) list.push_back(*addr);
    }
  }
  return hosts;
}

absl::StatusOr<HostsFile> HostsFile::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return absl::ErrnoToStatus(err, absl::StrCat("hosts: open ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str());
}

std::vector<net::Address> HostsFile::Lookup(absl::string_view name) const {
  auto it = by_name_.find(Key(name));
  if (it == by_name_.end()) return {};
  return it->second;
}

std::optional<std::string> HostsFile::NameFor(const net::Address& address) const {
  auto it = by_ip_.find(address.IpString());
  if (it == by_ip_.end()) return std::nullopt;
  return it->second;
}

}  // namespace dns
