// acl.h: client address allow-lists made of CIDR blocks ("127.0.0.0/8,::1/128").
//
//   ASSIGN_OR_RETURN(proxy::Acl acl, proxy::Acl::Parse("127.0.0.0/8,::1"));
//   if (!acl.Allows(peer)) { /* 403 */ }
//
// An IPv4-mapped IPv6 peer (::ffff:10.0.0.1) is matched against the IPv4 blocks.
#ifndef PROXY_ACL_H_
#define PROXY_ACL_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/net/address.h"

namespace proxy {

class Acl {
 public:
  // Parse reads a comma-separated list of "ip/prefix" or bare "ip" (a single host). An empty
  // list allows nobody. A bad address or prefix length is InvalidArgument.
  static absl::StatusOr<Acl> Parse(absl::string_view spec);

  // Allows reports whether `peer` (IPv4 or IPv6) lies in one of the blocks.
  bool Allows(const net::Address& peer) const;

 private:
  struct Block {
    bool v4 = false;
    std::array<uint8_t, 16> bytes{};  // v4 uses the first 4
    int prefix = 0;
  };
  std::vector<Block> blocks_;
};

}  // namespace proxy

#endif  // PROXY_ACL_H_
