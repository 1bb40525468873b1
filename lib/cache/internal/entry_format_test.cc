#include "lib/cache/internal/entry_format.h"

#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/cache/store.h"
#include "testing/matchers.h"

namespace cache::internal {
namespace {

using ::testing_util::IsOk;
using ::testing_util::StatusIs;

TEST(EntryFormatTest, HeaderRoundTripsBigEndian) {
  std::string head = EncodeHeader({.key_size = 3, .meta_size = 0x0102, .body_size = 0x100000002});
  ASSERT_EQ(head.size(), kHeaderSize);
  EXPECT_EQ(head.substr(0, 8), std::string("PXCE\0\0\0\1", 8));
  EXPECT_EQ(head.substr(16, 8), std::string("\0\0\0\1\0\0\0\2", 8));
  ASSERT_OK_AND_ASSIGN(FileHeader h, DecodeHeader(head));
  EXPECT_EQ(h.key_size, 3u);
  EXPECT_EQ(h.meta_size, 0x0102u);
  EXPECT_EQ(h.body_size, 0x100000002u);
  EXPECT_EQ(h.file_size(), kHeaderSize + 3 + 0x0102 + 0x100000002 + kChecksumSize);
}

TEST(EntryFormatTest, BadMagicVersionOrShortHeaderIsDataLoss) {
  std::string head = EncodeHeader({});
  std::string bad_magic = head;
  bad_magic[0] = 'X';
  std::string bad_version = head;
  bad_version[7] = 2;
  EXPECT_THAT(DecodeHeader(bad_magic), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(DecodeHeader(bad_version), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(DecodeHeader(head.substr(0, 10)), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(EntryFormatTest, MetaRoundTrips) {
  EntryMeta meta;
  meta.status = 404;
  ASSERT_THAT(meta.headers.Add("Content-Type", "text/html"), IsOk());
  ASSERT_THAT(meta.headers.Add("Set-Cookie", "a=1"), IsOk());
  meta.request_time = absl::FromUnixNanos(1700000000123456789);
  meta.response_time = absl::FromUnixNanos(1700000001000000000);
  meta.vary_values = {{"accept-encoding", "gzip"}, {"accept", ""}};
  ASSERT_OK_AND_ASSIGN(EntryMeta back, DecodeMeta(EncodeMeta(meta)));
  EXPECT_EQ(back, meta);
}

TEST(EntryFormatTest, TruncatedOrPaddedMetaIsDataLoss) {
  EntryMeta meta;
  ASSERT_THAT(meta.headers.Add("A", "b"), IsOk());
  std::string bytes = EncodeMeta(meta);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THAT(DecodeMeta(bytes.substr(0, n)), StatusIs(absl::StatusCode::kDataLoss)) << n;
  }
  EXPECT_THAT(DecodeMeta(bytes + "x"), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace cache::internal
