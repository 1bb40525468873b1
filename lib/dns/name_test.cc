#include "lib/dns/name.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/byte_reader.h"
#include "testing/matchers.h"

namespace dns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kOutOfRange = absl::StatusCode::kOutOfRange;

// Label appends one wire label to `bytes`.
void Label(std::vector<uint8_t>& bytes, const std::string& text) {
  bytes.push_back(static_cast<uint8_t>(text.size()));
  bytes.insert(bytes.end(), text.begin(), text.end());
}

// Pointer appends a compression pointer to `target`.
void Pointer(std::vector<uint8_t>& bytes, size_t target) {
  bytes.push_back(static_cast<uint8_t>(0xc0 | target >> 8));
  bytes.push_back(static_cast<uint8_t>(target & 0xff));
}

// ReadAt reads a name from `bytes` starting at `offset`.
absl::StatusOr<std::string> ReadAt(const std::vector<uint8_t>& bytes, size_t offset) {
  base::ByteReader reader(bytes);
  if (absl::Status s = reader.Seek(offset); !s.ok()) return s;
  return ReadName(reader);
}

TEST(NameToWireTest, Simple) {
  EXPECT_THAT(
      NameToWire("www.example.com.").value(),
      ElementsAre(3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0));
  EXPECT_EQ(NameToWire("www.example.com").value(), NameToWire("www.example.com.").value());
  EXPECT_THAT(NameToWire(".").value(), ElementsAre(0));
}

TEST(NameToWireTest, Escapes) {
  EXPECT_THAT(NameToWire(R"(a\.b.c\\\065\255.)").value(),
              ElementsAre(3, 'a', '.', 'b', 4, 'c', '\\', 'A', 255, 0));
}

TEST(NameToWireTest, Rejects) {
  EXPECT_THAT(NameToWire(""), StatusIs(kInvalid, HasSubstr("dns: empty name")));
  EXPECT_THAT(NameToWire("a..b"), StatusIs(kInvalid, HasSubstr("empty label")));
  EXPECT_THAT(NameToWire(".a"), StatusIs(kInvalid, HasSubstr("empty label")));
  EXPECT_THAT(NameToWire(std::string(64, 'a')),
              StatusIs(kInvalid, HasSubstr("label longer than 63 octets (64)")));
  EXPECT_THAT(NameToWire(std::string(63, 'a')), IsOk());
  EXPECT_THAT(NameToWire("a\\"), StatusIs(kInvalid, HasSubstr("dangling backslash")));
  EXPECT_THAT(NameToWire("a\\25"), StatusIs(kInvalid, HasSubstr("needs 3 digits")));
  EXPECT_THAT(NameToWire("a\\256"), StatusIs(kInvalid, HasSubstr("over 255")));
}

TEST(NameToWireTest, NameLengthLimit) {
  // 4 labels of 63 octets take 4 * 64 + 1 = 257 octets; with the last one 61 long, 255.
  const std::string l63(63, 'a');
  EXPECT_THAT(NameToWire(absl::StrCat(l63, ".", l63, ".", l63, ".", std::string(61, 'b'))), IsOk());
  EXPECT_THAT(NameToWire(absl::StrCat(l63, ".", l63, ".", l63, ".", std::string(62, 'b'))),
              StatusIs(kInvalid, HasSubstr("longer than 255 octets (256)")));
}

TEST(ReadNameTest, LeavesReaderAfterNameInPlace) {
  std::vector<uint8_t> bytes;
  Label(bytes, "com");
  bytes.push_back(0);
  Label(bytes, "www");  // at offset 5
  Pointer(bytes, 0);
  bytes.push_back(0xff);
  base::ByteReader reader(bytes);
  ASSERT_THAT(reader.Seek(5), IsOk());
  EXPECT_EQ(ReadName(reader).value(), "www.com.");
  EXPECT_EQ(reader.offset(), 11u);
  ASSERT_THAT(reader.Seek(0), IsOk());
  EXPECT_EQ(ReadName(reader).value(), "com.");
  EXPECT_EQ(reader.offset(), 5u);
}

TEST(ReadNameTest, RootAndEscaping) {
  EXPECT_EQ(ReadAt({0}, 0).value(), ".");
  std::vector<uint8_t> bytes = {6, 'a', '.', 'b', 0x20, '\\', 0xff, 0};
  EXPECT_EQ(ReadAt(bytes, 0).value(), R"(a\.b\032\\\255.)");
  // The escaped form converts back to the same wire bytes.
  EXPECT_EQ(NameToWire(ReadAt(bytes, 0).value()).value(), bytes);
}

TEST(ReadNameTest, SelfPointer) {
  std::vector<uint8_t> bytes;
  Label(bytes, "a");
  Pointer(bytes, 2);  // at offset 2, points at itself
  EXPECT_THAT(ReadAt(bytes, 2),
              StatusIs(kInvalid, HasSubstr("pointer to 2 does not point before 2 (loop or "
                                           "forward pointer) at offset 2")));
}

TEST(ReadNameTest, TwoPointerCycle) {
  std::vector<uint8_t> bytes;
  Pointer(bytes, 2);  // offset 0 → 2
  Pointer(bytes, 0);  // offset 2 → 0
  EXPECT_THAT(ReadAt(bytes, 2),
              StatusIs(kInvalid, HasSubstr("pointer to 2 does not point before 0")));
}

TEST(ReadNameTest, ForwardPointer) {
  std::vector<uint8_t> bytes;
  Pointer(bytes, 2);
  bytes.push_back(0);
  EXPECT_THAT(ReadAt(bytes, 0), StatusIs(kInvalid, HasSubstr("loop or forward pointer")));
}

TEST(ReadNameTest, PointerPastEnd) {
  std::vector<uint8_t> bytes;
  Label(bytes, "a");
  Pointer(bytes, 300);
  EXPECT_THAT(ReadAt(bytes, 0),
              StatusIs(kInvalid, HasSubstr("pointer to 300 past end of message (4 bytes) at "
                                           "offset 2")));
}

TEST(ReadNameTest, ReservedLabelTypes) {
  // A length byte of 64 would be a label over 63 octets; it is the reserved type 0x40.
  std::vector<uint8_t> bytes = {64};
  bytes.insert(bytes.end(), 64, 'a');
  bytes.push_back(0);
  EXPECT_THAT(ReadAt(bytes, 0),
              StatusIs(kInvalid, HasSubstr("reserved label type 0x40 (length byte 0x40) at "
                                           "offset 0")));
  EXPECT_THAT(ReadAt({1, 'a', 0x80, 0}, 0),
              StatusIs(kInvalid, HasSubstr("reserved label type 0x80 (length byte 0x80) at "
                                           "offset 2")));
}

TEST(ReadNameTest, NameTooLongInPlace) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 4; ++i) Label(bytes, std::string(63, 'a'));
  bytes.push_back(0);
  EXPECT_THAT(ReadAt(bytes, 0),
              StatusIs(kInvalid, HasSubstr("longer than 255 octets at offset 192")));
}

TEST(ReadNameTest, NameTooLongThroughPointers) {
  // Five chunks of a 50-octet label each pointing to the chunk before: 5 * 51 + 1 = 256.
  std::vector<uint8_t> bytes;
  size_t previous = 0;
  Label(bytes, std::string(50, 'x'));
  bytes.push_back(0);
  for (int i = 0; i < 4; ++i) {
    const size_t start = bytes.size();
    Label(bytes, std::string(50, 'x'));
    Pointer(bytes, previous);
    previous = start;
  }
  EXPECT_THAT(ReadAt(bytes, previous), StatusIs(kInvalid, HasSubstr("longer than 255 octets")));
  // Four chunks are fine.
  EXPECT_THAT(ReadAt(bytes, 52), IsOk());
}

TEST(ReadNameTest, TooManyJumps) {
  std::vector<uint8_t> bytes = {0};
  for (int i = 0; i <= kMaxCompressionJumps; ++i) Pointer(bytes, bytes.size() - (i ? 2 : 1));
  EXPECT_THAT(ReadAt(bytes, bytes.size() - 2),
              StatusIs(kInvalid, HasSubstr("more than 128 compression pointers")));
  EXPECT_EQ(ReadAt(bytes, bytes.size() - 4).value(), ".");
}

TEST(ReadNameTest, Truncated) {
  EXPECT_THAT(ReadAt({3, 'w', 'w'}, 0),
              StatusIs(kOutOfRange, HasSubstr("label of 3 octets at offset 0 runs past end")));
  EXPECT_THAT(ReadAt({1, 'a', 0xc0}, 0),
              StatusIs(kOutOfRange, HasSubstr("name at offset 0 truncated at offset 3")));
  EXPECT_THAT(ReadAt({1, 'a'}, 0), StatusIs(kOutOfRange));
}

TEST(NamesEqualTest, CaseAndTrailingDot) {
  EXPECT_TRUE(NamesEqual("WWW.Example.com", "www.example.COM."));
  EXPECT_TRUE(NamesEqual(".", "."));
  EXPECT_FALSE(NamesEqual("a.example.", "b.example."));
  EXPECT_FALSE(NamesEqual("a\\.", "a"));
}

TEST(ReverseNameTest, Ipv4) {
  EXPECT_EQ(ReverseName(std::array<uint8_t, 4>{1, 2, 3, 4}), "4.3.2.1.in-addr.arpa.");
  EXPECT_EQ(ReverseNameForAddress("192.0.2.10").value(), "10.2.0.192.in-addr.arpa.");
}

TEST(ReverseNameTest, Ipv6) {
  EXPECT_EQ(ReverseNameForAddress("2001:db8::567:89ab").value(),
            "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
}

TEST(ReverseNameTest, RejectsNonAddress) {
  EXPECT_THAT(ReverseNameForAddress("example.com"),
              StatusIs(kInvalid, HasSubstr("\"example.com\" is not an IPv4 or IPv6 address")));
}

// RFC 3492 section 7.1 sample strings.
TEST(PunycodeTest, Rfc3492Vectors) {
  EXPECT_EQ(PunycodeEncode("\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645"
                           "\u0648\u0634\u0639\u0631\u0628\u064A\u061F")
                .value(),
            "egbpdaj6bu4bxfgehfvwxn");
  EXPECT_EQ(PunycodeEncode("\u4ED6\u4EEC\u4E3A\u4EC0\u4E48\u4E0D\u8BF4\u4E2D\u6587").value(),
            "ihqwcrb4cv8a8dqg056pqjye");
  EXPECT_EQ(PunycodeEncode("\u4ED6\u5011\u7232\u4EC0\u9EBD\u4E0D\u8AAA\u4E2D\u6587").value(),
            "ihqwctvzc91f659drss3x8bo0yb");
  EXPECT_EQ(PunycodeEncode("3\u5E74B\u7D44\u91D1\u516B\u5148\u751F").value(),
            "3B-ww4c5e180e575a65lsy2b");
  EXPECT_EQ(PunycodeEncode("\u5B89\u5BA4\u5948\u7F8E\u6075-with-SUPER-MONKEYS").value(),
            "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n");
  EXPECT_EQ(PunycodeEncode("\u305D\u306E\u30B9\u30D4\u30FC\u30C9\u3067").value(),
            "d9juau41awczczp");
}

TEST(ToAsciiTest, ConvertsNonAsciiLabels) {
  EXPECT_EQ(ToAscii("b\u00fccher.example").value(), "xn--bcher-kva.example.");
  EXPECT_EQ(ToAscii("B\u00fccher.Example.").value(), "xn--bcher-kva.Example.");
  EXPECT_EQ(ToAscii("www.example.com").value(), "www.example.com.");
  EXPECT_EQ(ToAscii(".").value(), ".");
}

TEST(ToAsciiTest, RejectsInvalidUtf8) {
  EXPECT_THAT(ToAscii("b\xfc"
                      "cher.example"),
              StatusIs(kInvalid, HasSubstr("dns: invalid utf-8 lead byte 252 at offset 1")));
  EXPECT_THAT(ToAscii("\xc3"), StatusIs(kInvalid, HasSubstr("truncated utf-8")));
  EXPECT_THAT(ToAscii("\xc0\x80"), StatusIs(kInvalid, HasSubstr("invalid utf-8 code point")));
  EXPECT_THAT(ToAscii("\xed\xa0\x80"), StatusIs(kInvalid, HasSubstr("code point 55296")));
}

TEST(ToAsciiTest, RejectsResultThatIsNoName) {
  EXPECT_THAT(ToAscii(""), StatusIs(kInvalid, HasSubstr("dns: empty name")));
  EXPECT_THAT(ToAscii("a..\u00fc"), StatusIs(kInvalid, HasSubstr("empty label")));
}

}  // namespace
}  // namespace dns
