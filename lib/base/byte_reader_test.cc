#include "lib/base/byte_reader.h"

#include <cstdint>
#include <functional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace base {
namespace {

using ::testing::ElementsAre;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

TEST(ByteReaderTest, ReadsBigEndian) {
  const std::vector<uint8_t> bytes = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ByteReader r(bytes);
  ASSERT_OK_AND_ASSIGN(uint8_t a, r.ReadU8());
  ASSERT_OK_AND_ASSIGN(uint16_t b, r.ReadU16());
  ASSERT_OK_AND_ASSIGN(uint32_t c, r.ReadU32());
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0203);
  EXPECT_EQ(c, 0x04050607u);
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(r.offset(), 7u);
}

TEST(ByteReaderTest, HighBitsDoNotSignExtend) {
  const std::vector<uint8_t> bytes = {0xff, 0xfe, 0xfd, 0xfc};
  ByteReader r(bytes);
  ASSERT_OK_AND_ASSIGN(uint32_t v, r.ReadU32());
  EXPECT_EQ(v, 0xfffefdfcu);
}

TEST(ByteReaderTest, ReadBytesReturnsSubspanAndSkipSeek) {
  const std::vector<uint8_t> bytes = {10, 20, 30, 40, 50};
  ByteReader r(bytes);
  ASSERT_THAT(r.Skip(1), IsOk());
  ASSERT_OK_AND_ASSIGN(auto span, r.ReadBytes(3));
  EXPECT_THAT(span, ElementsAre(20, 30, 40));
  EXPECT_EQ(span.data(), bytes.data() + 1);
  ASSERT_THAT(r.Seek(0), IsOk());
  ASSERT_OK_AND_ASSIGN(uint8_t first, r.PeekU8());
  EXPECT_EQ(first, 10);
  EXPECT_EQ(r.offset(), 0u);
  EXPECT_THAT(r.Seek(5), IsOk());
  EXPECT_THAT(r.Seek(6), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(r.offset(), 5u);
}

// Ok turns a Try* result into a Status for the table below.
absl::Status Ok(bool ok) { return ok ? absl::OkStatus() : absl::OutOfRangeError("try failed"); }

// TryStatus runs one TryReadU* and checks that a failed read left its output alone.
template <typename T>
absl::Status TryStatus(ByteReader& r, bool (ByteReader::*read)(T&)) {
  T out = 0x5a;
  const bool ok = (r.*read)(out);
  if (!ok && out != 0x5a) return absl::InternalError("output written on failure");
  return Ok(ok);
}

// Every read, started at every offset of buffers of every length up to 8, either succeeds
// exactly when enough bytes remain or fails with OutOfRange without moving.
TEST(ByteReaderTest, EveryReadAtEveryEndFailsWithoutMoving) {
  struct Op {
    const char* name;
    size_t width;
    std::function<absl::Status(ByteReader&)> run;
  };
  const std::vector<Op> ops = {
      {"u8", 1, [](ByteReader& r) { return r.ReadU8().status(); }},
      {"peek", 1, [](ByteReader& r) { return r.PeekU8().status(); }},
      {"u16", 2, [](ByteReader& r) { return r.ReadU16().status(); }},
      {"u32", 4, [](ByteReader& r) { return r.ReadU32().status(); }},
      {"bytes3", 3, [](ByteReader& r) { return r.ReadBytes(3).status(); }},
      {"bytes0", 0, [](ByteReader& r) { return r.ReadBytes(0).status(); }},
      {"skip5", 5, [](ByteReader& r) { return r.Skip(5); }},
      {"try_u8", 1, [](ByteReader& r) { return TryStatus(r, &ByteReader::TryReadU8); }},
      {"try_u16", 2, [](ByteReader& r) { return TryStatus(r, &ByteReader::TryReadU16); }},
      {"try_u32", 4, [](ByteReader& r) { return TryStatus(r, &ByteReader::TryReadU32); }},
      {"try_bytes3", 3,
       [](ByteReader& r) {
         absl::Span<const uint8_t> out;
         return Ok(r.TryReadBytes(3, out) && out.size() == 3);
       }},
      {"try_skip5", 5, [](ByteReader& r) { return Ok(r.TrySkip(5)); }},
  };
  for (size_t len = 0; len <= 8; ++len) {
    std::vector<uint8_t> bytes(len, 0xab);
    for (size_t start = 0; start <= len; ++start) {
      for (const Op& op : ops) {
        ByteReader r(bytes);
        ASSERT_THAT(r.Seek(start), IsOk());
        absl::Status s = op.run(r);
        bool fits = len - start >= op.width;
        SCOPED_TRACE(testing::Message() << op.name << " len=" << len << " start=" << start);
        if (fits) {
          EXPECT_THAT(s, IsOk());
          size_t moved = std::string(op.name) == "peek" ? 0 : op.width;
          EXPECT_EQ(r.offset(), start + moved);
        } else {
          EXPECT_THAT(s, StatusIs(absl::StatusCode::kOutOfRange));
          EXPECT_EQ(r.offset(), start);
        }
      }
    }
  }
}

TEST(ByteReaderTest, TryFormsReadBigEndian) {
  const std::vector<uint8_t> bytes = {0x81, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  ByteReader r(bytes);
  uint8_t a = 0;
  uint16_t b = 0;
  uint32_t c = 0;
  absl::Span<const uint8_t> d;
  ASSERT_TRUE(r.TryReadU8(a) && r.TryReadU16(b) && r.TryReadU32(c) && r.TryReadBytes(1, d));
  EXPECT_EQ(a, 0x81);
  EXPECT_EQ(b, 0x0203);
  EXPECT_EQ(c, 0x04050607u);
  EXPECT_THAT(d, ElementsAre(0x08));
  EXPECT_FALSE(r.TryReadU8(a));
  EXPECT_FALSE(r.TrySkip(SIZE_MAX));
  EXPECT_EQ(r.offset(), 8u);
}

TEST(ByteReaderTest, HugeLengthDoesNotOverflow) {
  const std::vector<uint8_t> bytes = {1, 2, 3};
  ByteReader r(bytes);
  ASSERT_THAT(r.Skip(1), IsOk());
  EXPECT_THAT(r.ReadBytes(SIZE_MAX), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(r.Skip(SIZE_MAX), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(r.offset(), 1u);
}

TEST(ByteReaderTest, ErrorMessageNamesOffset) {
  const std::vector<uint8_t> bytes = {1, 2, 3};
  ByteReader r(bytes);
  ASSERT_THAT(r.Skip(2), IsOk());
  EXPECT_THAT(r.ReadU32(), StatusIs(absl::StatusCode::kOutOfRange,
                                    testing::HasSubstr("need 4 at offset 2, only 1 remain")));
}

}  // namespace
}  // namespace base
