#include "lib/net/address.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace net {

Address::Address() : len_(sizeof(sockaddr_in)) {
  std::memset(&storage_, 0, sizeof(storage_));
  storage_.ss_family = AF_INET;
}

absl::StatusOr<Address> Address::FromIp(absl::string_view ip, uint16_t port) {
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') {
    ip = ip.substr(1, ip.size() - 2);
  }
  Address a;
  std::string text(ip);
  if (text.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("address: NUL in address");
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len_ = sizeof(sockaddr_in);
    return a;
  }
  std::string scope;
  if (size_t pct = text.find('%'); pct != std::string::npos) {
    scope = text.substr(pct + 1);
    text.resize(pct);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  std::memset(v6, 0, sizeof(*v6));
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("address: not a numeric IP address: \"",
                                                   absl::CEscape(ip), "\""));
  }
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  if (!scope.empty()) {
    uint32_t id = 0;
    if (!absl::SimpleAtoi(scope, &id)) {
      id = if_nametoindex(scope.c_str());
      if (id == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("address: unknown scope id \"", absl::CEscape(scope), "\""));
      }
    }
    v6->sin6_scope_id = id;
  }
  a.len_ = sizeof(sockaddr_in6);
  return a;
}

absl::StatusOr<std::pair<std::string, std::string>> SplitHostPort(absl::string_view host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    size_t close = host_port.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("address: missing ']' in \"", absl::CEscape(host_port), "\""));
    }
    absl::string_view rest = host_port.substr(close + 1);
    if (rest.size() < 2 || rest.front() != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("address: no port in \"", absl::CEscape(host_port), "\""));
    }
    return std::make_pair(std::string(host_port.substr(1, close - 1)),
                          std::string(rest.substr(1)));
  }
  size_t colon = host_port.rfind(':');
  if (colon == absl::string_view::npos || colon + 1 == host_port.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("address: no port in \"", absl::CEscape(host_port), "\""));
  }
  if (host_port.substr(0, colon).find(':') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "address: IPv6 address needs brackets: \"", absl::CEscape(host_port), "\""));
  }
  return std::make_pair(std::string(host_port.substr(0, colon)),
                        std::string(host_port.substr(colon + 1)));
}

absl::StatusOr<uint16_t> ParsePort(absl::string_view text) {
  uint32_t port = 0;
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(text, &port) || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("address: bad port \"", absl::CEscape(text), "\""));
  }
  return static_cast<uint16_t>(port);
}

absl::StatusOr<Address> Address::Parse(absl::string_view host_port) {
  auto split = SplitHostPort(host_port);
  if (!split.ok()) return split.status();
  auto port = ParsePort(split->second);
  if (!port.ok()) return port.status();
  return FromIp(split->first, *port);
}

absl::StatusOr<Address> Address::FromSockaddr(const struct sockaddr* sa, socklen_t len) {
  Address a;
  if (sa == nullptr || len < sizeof(sa_family_t) || len > sizeof(a.storage_)) {
    return absl::InvalidArgumentError(absl::StrCat("address: bad sockaddr length ", len));
  }
  socklen_t want = 0;
  switch (sa->sa_family) {
    case AF_INET: want = sizeof(sockaddr_in); break;
    case AF_INET6: want = sizeof(sockaddr_in6); break;
    case AF_UNIX: want = sizeof(sa_family_t); break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("address: unsupported family ", sa->sa_family));
  }
  if (len < want) {
    return absl::InvalidArgumentError(absl::StrCat("address: sockaddr of family ",
                                                   sa->sa_family, " too short: ", len));
  }
  std::memset(&a.storage_, 0, sizeof(a.storage_));
  std::memcpy(&a.storage_, sa, len);
  a.len_ = len;
  return a;
}

absl::StatusOr<Address> Address::Unix(absl::string_view path) {
  Address a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
  if (path.empty() || path.size() >= sizeof(un->sun_path) ||
      path.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("address: bad unix socket path \"", absl::CEscape(path), "\""));
  }
  std::memset(un, 0, sizeof(*un));
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  a.len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return a;
}

Address Address::Loopback(int family, uint16_t port) {
  Address a = Any(family, port);
  if (family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&a.storage_)->sin6_addr = in6addr_loopback;
  } else {
    reinterpret_cast<sockaddr_in*>(&a.storage_)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  return a;
}

Address Address::Any(int family, uint16_t port) {
  Address a;
  if (family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_any;
    a.len_ = sizeof(sockaddr_in6);
  }
  a.set_port(port);
  return a;
}

uint16_t Address::port() const {
  switch (family()) {
    case AF_INET: return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    case AF_INET6: return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    default: return 0;
  }
}

void Address::set_port(uint16_t port) {
  switch (family()) {
    case AF_INET: reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port); break;
    case AF_INET6: reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port); break;
    default: break;
  }
}

bool Address::is_loopback() const {
  switch (family()) {
    case AF_INET:
      return (ntohl(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr) >> 24) ==
             127;
    case AF_INET6: {
      const in6_addr& a6 = reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr;
      if (IN6_IS_ADDR_LOOPBACK(&a6)) return true;
      // IPv4-mapped 127.0.0.0/8.
      return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    case AF_UNIX: return true;
    default: return false;
  }
}

std::string Address::IpString() const {
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {0};
  switch (family()) {
    case AF_INET:
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf,
                sizeof(buf));
      return buf;
    case AF_INET6: {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
      inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof(buf));
      std::string out = buf;
      if (v6->sin6_scope_id != 0) {
        char name[IF_NAMESIZE] = {0};
        if (if_indextoname(v6->sin6_scope_id, name) != nullptr) {
          absl::StrAppend(&out, "%", name);
        } else {
          absl::StrAppend(&out, "%", v6->sin6_scope_id);
        }
      }
      return out;
    }
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
      size_t max = len_ > offsetof(sockaddr_un, sun_path) ? len_ - offsetof(sockaddr_un, sun_path)
                                                          : 0;
      return std::string(un->sun_path, strnlen(un->sun_path, max));
    }
    default:
      return "?";
  }
}

std::string Address::ToString() const {
  switch (family()) {
    case AF_INET: return absl::StrCat(IpString(), ":", port());
    case AF_INET6: return absl::StrCat("[", IpString(), "]:", port());
    default: return IpString();
  }
}

bool operator==(const Address& a, const Address& b) {
  return a.len_ == b.len_ && std::memcmp(&a.storage_, &b.storage_, a.len_) == 0;
}

}  // namespace net
