#include "proxy/acl.h"

#include <netinet/in.h>

#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace proxy {
namespace {

// RawBytes copies the address bytes of an AF_INET or AF_INET6 address; v4 is set for IPv4
// and for IPv4-mapped IPv6.
bool RawBytes(const net::Address& a, std::array<uint8_t, 16>* out, bool* v4) {
  out->fill(0);
  if (a.family() == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(a.sockaddr());
    std::memcpy(out->data(), &sin->sin_addr, 4);
    *v4 = true;
    return true;
  }
  if (a.family() == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a.sockaddr());
    if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
      std::memcpy(out->data(), sin6->sin6_addr.s6_addr + 12, 4);
      *v4 = true;
    } else {
      std::memcpy(out->data(), sin6->sin6_addr.s6_addr, 16);
      *v4 = false;
    }
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Acl> Acl::Parse(absl::string_view spec) {
  Acl acl;
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(item, absl::MaxSplits('/', 1));
    absl::StatusOr<net::Address> addr = net::Address::FromIp(parts.first, 0);
    if (!addr.ok()) return absl::InvalidArgumentError(absl::StrCat("acl: bad address in ", item));
    Block block;
    RawBytes(*addr, &block.bytes, &block.v4);
    int max = block.v4 ? 32 : 128;
    block.prefix = max;
    if (absl::StrContains(item, '/') &&
        (!absl::SimpleAtoi(parts.second, &block.prefix) || block.prefix < 0 ||
         block.prefix > max)) {
      return absl::InvalidArgumentError(absl::StrCat("acl: bad prefix length in ", item));
    }
    acl.blocks_.push_back(block);
  }
  return acl;
}

bool Acl::Allows(const net::Address& peer) const {
  std::array<uint8_t, 16> bytes;
  bool v4 = false;
  if (!RawBytes(peer, &bytes, &v4)) return false;
  for (const Block& b : blocks_) {
    if (b.v4 != v4) continue;
    int full = b.prefix / 8, rest = b.prefix % 8;
    if (std::memcmp(bytes.data(), b.bytes.data(), full) != 0) continue;
    if (rest == 0) return true;
    uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    if ((bytes[full] & mask) == (b.bytes[full] & mask)) return true;
  }
  return false;
}

}  // namespace proxy
