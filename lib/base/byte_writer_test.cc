#include "lib/base/byte_writer.h"

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/byte_reader.h"
#include "testing/matchers.h"

namespace base {
namespace {

using ::testing::ElementsAre;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

TEST(ByteWriterTest, WritesBigEndian) {
  ByteWriter w;
  w.WriteU8(0x01);
  w.WriteU16(0x0203);
  w.WriteU32(0x04050607);
  w.WriteBytes(absl::string_view("ab"));
  EXPECT_THAT(w.data(), ElementsAre(1, 2, 3, 4, 5, 6, 7, 'a', 'b'));
}

TEST(ByteWriterTest, PatchesLengthWrittenEarlier) {
  ByteWriter w;
  w.WriteU8(9);
  size_t at = w.size();
  w.WriteU16(0);
  w.WriteBytes(std::vector<uint8_t>{1, 2, 3});
  ASSERT_THAT(w.PatchU16(at, static_cast<uint16_t>(w.size() - at - 2)), IsOk());
  EXPECT_THAT(w.data(), ElementsAre(9, 0, 3, 1, 2, 3));
  EXPECT_THAT(w.PatchU16(5, 1), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(w.PatchU16(6, 1), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(w.PatchU16(SIZE_MAX, 1), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(w.data(), ElementsAre(9, 0, 3, 1, 2, 3));
}

TEST(ByteWriterTest, RoundTripsThroughReader) {
  ByteWriter w;
  for (uint32_t i = 0; i < 1000; i += 7) {
    w.WriteU32(i * 2654435761u);
    w.WriteU16(static_cast<uint16_t>(i));
  }
  std::vector<uint8_t> bytes = std::move(w).Take();
  ByteReader r(bytes);
  for (uint32_t i = 0; i < 1000; i += 7) {
    ASSERT_OK_AND_ASSIGN(uint32_t a, r.ReadU32());
    ASSERT_OK_AND_ASSIGN(uint16_t b, r.ReadU16());
    EXPECT_EQ(a, i * 2654435761u);
    EXPECT_EQ(b, static_cast<uint16_t>(i));
  }
  EXPECT_EQ(r.remaining(), 0u);
}

}  // namespace
}  // namespace base
