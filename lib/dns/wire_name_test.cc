#include "lib/dns/wire_name.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace dns {
namespace {

using ::testing::HasSubstr;
using ::testing_util::StatusIs;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// Wire builds wire-form names and pointers byte by byte.
struct Wire {
  Wire& Label(const std::string& text) {
    bytes.push_back(static_cast<uint8_t>(text.size()));
    bytes.insert(bytes.end(), text.begin(), text.end());
    return *this;
  }
  Wire& Root() {
    bytes.push_back(0);
    return *this;
  }
  Wire& Pointer(size_t target) {
    bytes.push_back(static_cast<uint8_t>(0xc0 | target >> 8));
    bytes.push_back(static_cast<uint8_t>(target & 0xff));
    return *this;
  }
  std::vector<uint8_t> bytes;
};

// Text checks the name at `offset` of `bytes` and returns its presentation form, or the
// error text.
std::string Text(const std::vector<uint8_t>& bytes, size_t offset) {
  NameCheck check;
  if (!CheckName(bytes, offset, check)) return check.ToStatus().ToString();
  NameBuffer buffer;
  return std::string(check.name().Text(buffer));
}

TEST(CheckNameTest, InPlaceAndCompressed) {
  Wire w;
  w.Label("www").Label("example").Label("com").Root();  // 0..16
  w.Label("mail").Pointer(4);                          // 17..23: mail.example.com
  NameCheck check;
  ASSERT_TRUE(CheckName(w.bytes, 0, check));
  EXPECT_EQ(check.end(), 17u);
  EXPECT_EQ(check.wire_length(), 17u);
  ASSERT_TRUE(CheckName(w.bytes, 17, check));
  EXPECT_EQ(check.end(), 24u);  // just past the pointer, not where the pointer led
  EXPECT_EQ(check.wire_length(), 18u);
  EXPECT_TRUE(check.ToStatus().ok());
  EXPECT_EQ(Text(w.bytes, 17), "mail.example.com.");
}

TEST(NameViewTest, RootEscapesAndDefault) {
  EXPECT_EQ(Text({0}, 0), ".");
  EXPECT_EQ(Text({6, 'a', '.', 'b', 0x20, '\\', 0xff, 0}, 0), R"(a\.b\032\\\255.)");
  EXPECT_EQ(Text({3, 'A', '"', ';', 0}, 0), "A\";.");  // printable bytes stay as they are
  NameView root;
  NameBuffer buffer;
  EXPECT_EQ(root.Text(buffer), ".");
  EXPECT_TRUE(root.IsRoot());
  EXPECT_EQ(root.ToString(), ".");
}

TEST(NameViewTest, LongestTextFitsTheBuffer) {
  // 255 octets (labels of 63, 63, 63 and 61) of bytes that all need \DDD: 4 * 250 + 4.
  Wire w;
  for (size_t length : {63, 63, 63, 61}) w.Label(std::string(length, '\0'));
  w.Root();
  ASSERT_EQ(w.bytes.size(), kMaxNameLength);
  NameCheck check;
  ASSERT_TRUE(CheckName(w.bytes, 0, check));
  NameBuffer buffer;
  const absl::string_view text = check.name().Text(buffer);
  EXPECT_EQ(text.size(), kMaxNameTextLength);
  EXPECT_EQ(text.substr(0, 8), "\\000\\000");
  EXPECT_EQ(text.substr(text.size() - 5), "\\000.");
}

TEST(NameViewTest, EqualsIgnoreCaseAcrossCompression) {
  Wire a;
  a.Label("Example").Label("COM").Root().Label("www").Pointer(0);
  Wire b;
  b.Label("WWW").Label("example").Label("com").Root();
  NameCheck in_a, in_b, other;
  ASSERT_TRUE(CheckName(a.bytes, 13, in_a));
  ASSERT_TRUE(CheckName(b.bytes, 0, in_b));
  ASSERT_TRUE(CheckName(a.bytes, 0, other));
  EXPECT_TRUE(in_a.name().EqualsIgnoreCase(in_b.name()));
  EXPECT_FALSE(in_a.name().EqualsIgnoreCase(other.name()));
  EXPECT_FALSE(in_a.name().IsRoot());
}

TEST(CheckNameTest, HostileNamesFailWithOffsets) {
  EXPECT_EQ(Text(Wire().Label("a").Pointer(2).bytes, 2),
            "INVALID_ARGUMENT: dns: compression pointer to 2 does not point before 2 (loop or "
            "forward pointer) at offset 2");
  EXPECT_THAT(Text(Wire().Pointer(2).Root().bytes, 0), HasSubstr("loop or forward pointer"));
  EXPECT_THAT(Text(Wire().Label("a").Pointer(300).bytes, 0),
              HasSubstr("pointer to 300 past end of message (4 bytes) at offset 2"));
  std::vector<uint8_t> label64 = {64};
  label64.insert(label64.end(), 64, 'a');
  label64.push_back(0);
  EXPECT_THAT(Text(label64, 0), HasSubstr("reserved label type 0x40 (length byte 0x40)"));
  Wire too_long;
  for (int i = 0; i < 4; ++i) too_long.Label(std::string(63, 'x'));
  too_long.Root();
  EXPECT_THAT(Text(too_long.bytes, 0), HasSubstr("longer than 255 octets at offset 192"));
  EXPECT_EQ(Text({2, 'a'}, 0),
            "OUT_OF_RANGE: dns: label of 2 octets at offset 0 runs past end of message (2 bytes)");
  EXPECT_EQ(Text({1, 'a', 0xc0}, 0), "OUT_OF_RANGE: dns: name at offset 0 truncated at offset 3");
  EXPECT_EQ(Text({}, 0), "OUT_OF_RANGE: dns: name at offset 0 truncated at offset 0");
}

TEST(NameMemoTest, LimitsHoldThroughTheMemo) {
  // A 201-octet name at 0; then a 60-octet label pointing to it, 262 octets in all; then a
  // short label pointing into its second label, which fits.
  Wire w;
  for (int i = 0; i < 4; ++i) w.Label(std::string(49, 'a'));  // 4 * 50 octets
  w.Root();                                                    // ends at 201
  w.Label(std::string(60, 'b')).Pointer(0);                    // 201..263
  w.Label("c").Pointer(50);                                    // 264..267
  NameMemo memo;
  NameCheck check;
  ASSERT_TRUE(CheckName(w.bytes, 0, check, &memo));
  EXPECT_FALSE(CheckName(w.bytes, 201, check, &memo));
  EXPECT_THAT(check.ToStatus(), StatusIs(kInvalid, HasSubstr("longer than 255 octets")));
  ASSERT_TRUE(CheckName(w.bytes, 264, check, &memo));
  EXPECT_EQ(check.wire_length(), 2u + 151u);
  EXPECT_EQ(check.end(), 268u);
}

TEST(NameMemoTest, PointerChainsStillCountTowardTheCap) {
  // A chain of 128 pointers, each to the one before, ending at a root: each entry alone is
  // fine and lands in the memo, but one more pointer in front makes 129.
  Wire w;
  w.Root();
  for (int i = 0; i < kMaxCompressionJumps; ++i) w.Pointer(i == 0 ? 0 : 1 + 2 * (i - 1));
  NameMemo memo;
  NameCheck check;
  for (size_t at = 0; at < w.bytes.size(); at += at == 0 ? 1 : 2) {
    ASSERT_TRUE(CheckName(w.bytes, at, check, &memo)) << at << ": " << check.ToStatus();
  }
  const size_t last = w.bytes.size() - 2;
  w.Pointer(last);
  EXPECT_FALSE(CheckName(w.bytes, last + 2, check, &memo));
  EXPECT_THAT(check.ToStatus(), StatusIs(kInvalid, HasSubstr("more than 128 compression")));
}

// With or without a memo, CheckName gives the same outcome on every name of random messages
// made of labels, pointers (mostly backwards) and noise.
TEST(NameMemoTest, SameOutcomeAsTheWalk) {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> bytes;
    const size_t size = 1 + rng() % 600;
    while (bytes.size() < size) {
      const uint32_t pick = rng() % 10;
      if (pick < 5) {
        const size_t length = rng() % 8;
        bytes.push_back(static_cast<uint8_t>(length));
        for (size_t i = 0; i < length; ++i) bytes.push_back(static_cast<uint8_t>('a' + rng() % 26));
      } else if (pick < 8 && !bytes.empty()) {
        const size_t target = rng() % (bytes.size() + 2);
        bytes.push_back(static_cast<uint8_t>(0xc0 | target >> 8));
        bytes.push_back(static_cast<uint8_t>(target));
      } else {
        bytes.push_back(static_cast<uint8_t>(rng()));
      }
    }
    NameMemo memo;
    for (size_t start = 0; start < bytes.size(); ++start) {
      NameCheck walked, memoized;
      const bool ok = CheckName(bytes, start, walked);
      ASSERT_EQ(CheckName(bytes, start, memoized, &memo), ok) << round << " at " << start;
      EXPECT_EQ(memoized.ToStatus(), walked.ToStatus()) << round << " at " << start;
      if (!ok) continue;
      EXPECT_EQ(memoized.end(), walked.end());
      EXPECT_EQ(memoized.wire_length(), walked.wire_length());
      NameBuffer a, b;
      EXPECT_EQ(memoized.name().Text(a), walked.name().Text(b));
    }
  }
}

}  // namespace
}  // namespace dns
