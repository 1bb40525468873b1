#include "lib/icmp/echo.h"

#include <sys/socket.h>

#include "absl/strings/str_cat.h"
#include "lib/base/byte_reader.h"
#include "lib/base/byte_writer.h"
#include "lib/base/status_macros.h"
#include "lib/icmp/checksum.h"

namespace icmp {

std::vector<uint8_t> BuildEcho(int family, const Echo& echo) {
  base::ByteWriter w;
  w.WriteU8(family == AF_INET6 ? kEchoRequestV6 : kEchoRequestV4);
  w.WriteU8(0);   // code
  w.WriteU16(0);  // checksum, below
  w.WriteU16(echo.id);
  w.WriteU16(echo.seq);
  w.WriteBytes(echo.payload);
  std::vector<uint8_t> out = std::move(w).Take();
  if (family != AF_INET6) {
    uint16_t c = InternetChecksum(out);
    out[2] = static_cast<uint8_t>(c >> 8);
    out[3] = static_cast<uint8_t>(c);
  }
  return out;
}

namespace {

// SkipIpv4Header moves past an IPv4 header, returning its TTL.
absl::StatusOr<uint8_t> SkipIpv4Header(base::ByteReader& r) {
  ASSIGN_OR_RETURN(uint8_t vihl, r.PeekU8());
  if ((vihl >> 4) != 4) {
    return absl::InvalidArgumentError(absl::StrCat("icmp: IP version ", vihl >> 4, ", want 4"));
  }
  size_t ihl = static_cast<size_t>(vihl & 0x0f) * 4;
  if (ihl < 20) return absl::InvalidArgumentError(absl::StrCat("icmp: IP header length ", ihl));
  if (r.remaining() < ihl) {
    return absl::OutOfRangeError(absl::StrCat("icmp: IP header of ", ihl, " bytes truncated"));
  }
  ASSIGN_OR_RETURN(auto header, r.ReadBytes(ihl));
  return header[8];
}

}  // namespace

absl::StatusOr<Received> ParseReceived(int family, bool has_ip_header,
                                       absl::Span<const uint8_t> data) {
  base::ByteReader r(data);
  Received out;
  const bool v6 = family == AF_INET6;
  if (has_ip_header && !v6) {
    ASSIGN_OR_RETURN(uint8_t ttl, SkipIpv4Header(r));
    out.ttl = ttl;
  }
  const size_t icmp_start = r.offset();
  if (r.remaining() < 8) {
    return absl::OutOfRangeError(
        absl::StrCat("icmp: message of ", r.remaining(), " bytes, need at least 8"));
  }
  out.icmp_length = r.remaining();
  if (!v6) out.checksum_ok = InternetChecksum(data.subspan(icmp_start)) == 0;
  ASSIGN_OR_RETURN(out.type, r.ReadU8());
  ASSIGN_OR_RETURN(out.code, r.ReadU8());
  RETURN_IF_ERROR(r.Skip(2));  // checksum
  const uint8_t echo_reply = v6 ? kEchoReplyV6 : kEchoReplyV4;
  const uint8_t echo_request = v6 ? kEchoRequestV6 : kEchoRequestV4;
  if (out.type == echo_reply || out.type == echo_request) {
    out.kind = out.type == echo_reply ? Received::kEchoReply : Received::kEchoRequest;
    ASSIGN_OR_RETURN(out.id, r.ReadU16());
    ASSIGN_OR_RETURN(out.seq, r.ReadU16());
    ASSIGN_OR_RETURN(auto payload, r.ReadBytes(r.remaining()));
    out.payload.assign(payload.begin(), payload.end());
    return out;
  }
  if (out.type == (v6 ? kDestUnreachableV6 : kDestUnreachableV4)) {
    out.kind = Received::kDestUnreachable;
  } else if (out.type == (v6 ? kTimeExceededV6 : kTimeExceededV4)) {
    out.kind = Received::kTimeExceeded;
  } else {
    return out;  // kOther
  }
  RETURN_IF_ERROR(r.Skip(4));  // unused / MTU
  // The error quotes the offending packet's IP header and at least 8 bytes of its payload.
  if (v6) {
    if (r.remaining() < 40 + 8) return out;  // too little quoted to match
    ASSIGN_OR_RETURN(auto ip6, r.ReadBytes(40));
    if (ip6[6] != 58) return out;  // next header is not ICMPv6
  } else {
    absl::StatusOr<uint8_t> ttl = SkipIpv4Header(r);
    if (!ttl.ok() || r.remaining() < 8) return out;
  }
  ASSIGN_OR_RETURN(uint8_t qtype, r.ReadU8());
  RETURN_IF_ERROR(r.Skip(3));
  ASSIGN_OR_RETURN(out.id, r.ReadU16());
  ASSIGN_OR_RETURN(out.seq, r.ReadU16());
  out.quoted_echo = qtype == echo_request;
  return out;
}

}  // namespace icmp
