// address.h: a socket address (IPv4, IPv6 with scope id, or Unix-domain path) as a value.
//
//   ASSIGN_OR_RETURN(net::Address a, net::Address::Parse("[::1]:8080"));
//   ASSIGN_OR_RETURN(net::Address b, net::Address::FromIp("127.0.0.1", 53));
//   connect(fd, a.sockaddr(), a.socklen());
//   std::cout << a.ToString();   // "[::1]:8080"
#ifndef LIB_NET_ADDRESS_H_
#define LIB_NET_ADDRESS_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace net {

class Address {
 public:
  // Address() is the unspecified IPv4 address 0.0.0.0 port 0.
  Address();

  // FromIp parses a numeric IPv4 or IPv6 address ("10.0.0.1", "::1", "fe80::1%lo", also
  // "[::1]") without any name lookup. InvalidArgument if it is not one.
  static absl::StatusOr<Address> FromIp(absl::string_view ip, uint16_t port);

  // Parse parses "IPv4:port", "[IPv6]:port" or "[IPv6%scope]:port".
  static absl::StatusOr<Address> Parse(absl::string_view host_port);

  // FromSockaddr copies a sockaddr of family AF_INET, AF_INET6 or AF_UNIX.
  static absl::StatusOr<Address> FromSockaddr(const struct sockaddr* sa, socklen_t len);

  // Unix makes a Unix-domain address. InvalidArgument if the path does not fit sun_path.
  static absl::StatusOr<Address> Unix(absl::string_view path);

  // Loopback is 127.0.0.1 (AF_INET) or ::1 (AF_INET6) with `port`.
  static Address Loopback(int family, uint16_t port);
  // Any is 0.0.0.0 or :: with `port`.
  static Address Any(int family, uint16_t port);

  int family() const { return storage_.ss_family; }
  uint16_t port() const;  // 0 for Unix-domain addresses
  void set_port(uint16_t port);
  bool is_loopback() const;

  const struct sockaddr* sockaddr() const {
    return reinterpret_cast<const struct sockaddr*>(&storage_);
  }
  socklen_t socklen() const { return len_; }

  // IpString prints the address alone: "127.0.0.1", "::1", "fe80::1%eth0", or the Unix path.
  std::string IpString() const;
  // ToString prints "127.0.0.1:80", "[::1]:80", or the Unix path.
  std::string ToString() const;

  friend bool operator==(const Address& a, const Address& b);
  friend bool operator!=(const Address& a, const Address& b) { return !(a == b); }

 private:
  struct sockaddr_storage storage_;
  socklen_t len_;
};

// SplitHostPort splits "host:port", "[v6]:port" into host (without brackets) and port text.
// InvalidArgument if there is no port or the brackets are unbalanced.
absl::StatusOr<std::pair<std::string, std::string>> SplitHostPort(absl::string_view host_port);

// ParsePort parses a decimal port 0..65535. InvalidArgument otherwise.
absl::StatusOr<uint16_t> ParsePort(absl::string_view text);

}  // namespace net

#endif  // LIB_NET_ADDRESS_H_
