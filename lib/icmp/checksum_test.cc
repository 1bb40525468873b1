#include "lib/icmp/checksum.h"

#include <vector>

#include "gtest/gtest.h"

namespace icmp {
namespace {

TEST(ChecksumTest, Rfc1071Example) {
  // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2; the checksum is its complement.
  const std::vector<uint8_t> data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(InternetChecksum(data), static_cast<uint16_t>(~0xddf2));
}

TEST(ChecksumTest, OddLengthPadsWithZero) {
  const std::vector<uint8_t> odd = {0x12, 0x34, 0x56};
  const std::vector<uint8_t> even = {0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(InternetChecksum(odd), InternetChecksum(even));
}

TEST(ChecksumTest, VerifiesToZeroWithChecksumInPlace) {
  std::vector<uint8_t> pkt = {8, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, 'h', 'i', '!'};
  uint16_t c = InternetChecksum(pkt);
  pkt[2] = c >> 8;
  pkt[3] = c & 0xff;
  EXPECT_EQ(InternetChecksum(pkt), 0);
  pkt[9] ^= 1;
  EXPECT_NE(InternetChecksum(pkt), 0);
}

}  // namespace
}  // namespace icmp
