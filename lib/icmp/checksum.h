// checksum.h: the Internet checksum (RFC 1071), as used by ICMP.
//
//   uint16_t c = icmp::InternetChecksum(packet);   // with the checksum field zeroed
//   bool ok = icmp::InternetChecksum(received) == 0;  // over a packet that carries one
#ifndef LIB_ICMP_CHECKSUM_H_
#define LIB_ICMP_CHECKSUM_H_

#include <cstdint>

#include "absl/types/span.h"

namespace icmp {

// InternetChecksum is the ones' complement of the ones' complement sum of 16-bit big-endian
// words (an odd last byte is padded with zero). Over data that includes a correct checksum
// field the result is 0.
uint16_t InternetChecksum(absl::Span<const uint8_t> data);

}  // namespace icmp

#endif  // LIB_ICMP_CHECKSUM_H_
