// echo.h: ICMP and ICMPv6 echo requests and the messages that answer them, built and parsed
// with ByteWriter/ByteReader.
//
//   std::vector<uint8_t> pkt = icmp::BuildEcho(AF_INET, {.id = 7, .seq = 1, .payload = data});
//   ASSIGN_OR_RETURN(icmp::Received r, icmp::ParseReceived(AF_INET, /*has_ip_header=*/true, buf));
//   if (r.kind == icmp::Received::kEchoReply && r.id == 7) ...
#ifndef LIB_ICMP_ECHO_H_
#define LIB_ICMP_ECHO_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace icmp {

// Message types (RFC 792, RFC 4443).
inline constexpr uint8_t kEchoReplyV4 = 0;
inline constexpr uint8_t kDestUnreachableV4 = 3;
inline constexpr uint8_t kEchoRequestV4 = 8;
inline constexpr uint8_t kTimeExceededV4 = 11;
inline constexpr uint8_t kDestUnreachableV6 = 1;
inline constexpr uint8_t kTimeExceededV6 = 3;
inline constexpr uint8_t kEchoRequestV6 = 128;
inline constexpr uint8_t kEchoReplyV6 = 129;

struct Echo {
  uint16_t id = 0;
  uint16_t seq = 0;
  std::vector<uint8_t> payload;
};

// BuildEcho makes an echo request for `family` (AF_INET or AF_INET6). For IPv4 the checksum is
// filled in; for ICMPv6 the kernel computes it (it covers a pseudo-header we cannot see).
std::vector<uint8_t> BuildEcho(int family, const Echo& echo);

struct Received {
  enum Kind { kEchoReply, kEchoRequest, kDestUnreachable, kTimeExceeded, kOther };
  Kind kind = kOther;
  uint8_t type = 0;
  uint8_t code = 0;
  // For echo messages: their own id/seq. For errors: those of the echo request they quote,
  // when the quoted packet is one of ours (quoted_echo true).
  uint16_t id = 0;
  uint16_t seq = 0;
  bool quoted_echo = false;
  // ttl / hop limit from the IPv4 header, when present.
  std::optional<uint8_t> ttl;
  bool checksum_ok = true;
  // ICMP message length (header + data), as ping prints "64 bytes from".
  size_t icmp_length = 0;
  std::vector<uint8_t> payload;  // echo data
};

// ParseReceived parses one datagram read from an ICMP socket. `has_ip_header` is true for raw
// IPv4 sockets (the kernel hands over the IP header too). OutOfRange when truncated,
// InvalidArgument when malformed. A wrong checksum is reported in `checksum_ok` (IPv4 only),
// not as an error, so ping can say so.
absl::StatusOr<Received> ParseReceived(int family, bool has_ip_header,
                                       absl::Span<const uint8_t> data);

}  // namespace icmp

#endif  // LIB_ICMP_ECHO_H_
