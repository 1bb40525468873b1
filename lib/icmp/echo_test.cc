#include "lib/icmp/echo.h"

#include <sys/socket.h>

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/icmp/checksum.h"
#include "testing/matchers.h"

namespace icmp {
namespace {

using ::testing::ElementsAre;
using ::testing_util::StatusIs;

// A 20-byte IPv4 header with the given TTL and protocol ICMP (checksum not checked by us).
std::vector<uint8_t> Ipv4Header(uint8_t ttl, uint16_t total_len) {
  return {0x45, 0, static_cast<uint8_t>(total_len >> 8), static_cast<uint8_t>(total_len), 0, 0,
          0x40, 0, ttl, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1};
}

std::vector<uint8_t> Concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(EchoTest, BuildsIpv4RequestWithChecksum) {
  std::vector<uint8_t> pkt = BuildEcho(AF_INET, {.id = 0x1234, .seq = 7, .payload = {1, 2, 3}});
  EXPECT_THAT(pkt, ElementsAre(8, 0, testing::_, testing::_, 0x12, 0x34, 0, 7, 1, 2, 3));
  EXPECT_EQ(InternetChecksum(pkt), 0);
  std::vector<uint8_t> v6 = BuildEcho(AF_INET6, {.id = 1, .seq = 2, .payload = {}});
  EXPECT_THAT(v6, ElementsAre(128, 0, 0, 0, 0, 1, 0, 2));
}

TEST(EchoTest, ParsesReplyWithIpHeader) {
  std::vector<uint8_t> icmp = BuildEcho(AF_INET, {.id = 9, .seq = 3, .payload = {'a', 'b'}});
  icmp[0] = kEchoReplyV4;
  icmp[2] = icmp[3] = 0;
  uint16_t c = InternetChecksum(icmp);
  icmp[2] = c >> 8;
  icmp[3] = c & 0xff;
  std::vector<uint8_t> datagram = Concat(Ipv4Header(61, 20 + icmp.size()), icmp);
  ASSERT_OK_AND_ASSIGN(Received r, ParseReceived(AF_INET, true, datagram));
  EXPECT_EQ(r.kind, Received::kEchoReply);
  EXPECT_EQ(r.id, 9);
  EXPECT_EQ(r.seq, 3);
  EXPECT_EQ(r.ttl, 61);
  EXPECT_TRUE(r.checksum_ok);
  EXPECT_EQ(r.icmp_length, 10u);
  EXPECT_THAT(r.payload, ElementsAre('a', 'b'));

  datagram.back() ^= 0xff;  // corrupt the payload: checksum no longer matches
  ASSERT_OK_AND_ASSIGN(Received bad, ParseReceived(AF_INET, true, datagram));
  EXPECT_FALSE(bad.checksum_ok);
}

TEST(EchoTest, ParsesTimeExceededQuotingOurEcho) {
  std::vector<uint8_t> ours = BuildEcho(AF_INET, {.id = 0xbeef, .seq = 42, .payload = {0, 0}});
  std::vector<uint8_t> quoted = Concat(Ipv4Header(1, 20 + ours.size()), ours);
  std::vector<uint8_t> err = {kTimeExceededV4, 0, 0, 0, 0, 0, 0, 0};
  err = Concat(err, quoted);
  ASSERT_OK_AND_ASSIGN(Received r, ParseReceived(AF_INET, false, err));
  EXPECT_EQ(r.kind, Received::kTimeExceeded);
  EXPECT_TRUE(r.quoted_echo);
  EXPECT_EQ(r.id, 0xbeef);
  EXPECT_EQ(r.seq, 42);

  err[0] = kDestUnreachableV4;
  err[1] = 1;  // host unreachable
  ASSERT_OK_AND_ASSIGN(Received u, ParseReceived(AF_INET, false, err));
  EXPECT_EQ(u.kind, Received::kDestUnreachable);
  EXPECT_EQ(u.code, 1);
}

TEST(EchoTest, ParsesIcmpv6ReplyAndErrors) {
  std::vector<uint8_t> reply = {kEchoReplyV6, 0, 0xab, 0xcd, 0, 5, 0, 6, 'x'};
  ASSERT_OK_AND_ASSIGN(Received r, ParseReceived(AF_INET6, false, reply));
  EXPECT_EQ(r.kind, Received::kEchoReply);
  EXPECT_EQ(r.id, 5);
  EXPECT_EQ(r.seq, 6);

  std::vector<uint8_t> ip6(40, 0);
  ip6[0] = 0x60;
  ip6[6] = 58;  // next header ICMPv6
  std::vector<uint8_t> err = {kDestUnreachableV6, 3, 0, 0, 0, 0, 0, 0};
  err = Concat(Concat(err, ip6), {kEchoRequestV6, 0, 0, 0, 0, 5, 0, 6});
  ASSERT_OK_AND_ASSIGN(Received e, ParseReceived(AF_INET6, false, err));
  EXPECT_EQ(e.kind, Received::kDestUnreachable);
  EXPECT_TRUE(e.quoted_echo);
  EXPECT_EQ(e.seq, 6);
}

TEST(EchoTest, TruncatedAndMalformed) {
  std::vector<uint8_t> reply = BuildEcho(AF_INET, {.id = 1, .seq = 1, .payload = {}});
  for (size_t n = 0; n < reply.size(); ++n) {
    EXPECT_THAT(ParseReceived(AF_INET, false, absl::MakeSpan(reply).subspan(0, n)),
                StatusIs(absl::StatusCode::kOutOfRange))
        << n;
  }
  std::vector<uint8_t> ip = Ipv4Header(64, 28);
  for (size_t n = 0; n < ip.size(); ++n) {
    EXPECT_FALSE(ParseReceived(AF_INET, true, absl::MakeSpan(ip).subspan(0, n)).ok()) << n;
  }
  ip[0] = 0x65;  // version 6 in an IPv4 socket
  EXPECT_THAT(ParseReceived(AF_INET, true, Concat(ip, reply)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ip[0] = 0x43;  // IHL 12 bytes < 20
  EXPECT_THAT(ParseReceived(AF_INET, true, Concat(ip, reply)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // An error quoting too little is still parsed, just not matched.
  std::vector<uint8_t> short_err = {kTimeExceededV4, 0, 0, 0, 0, 0, 0, 0, 0x45};
  ASSERT_OK_AND_ASSIGN(Received r, ParseReceived(AF_INET, false, short_err));
  EXPECT_FALSE(r.quoted_echo);
}

}  // namespace
}  // namespace icmp
