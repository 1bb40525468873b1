#include "tools/curl/progress.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace curl_tool {
namespace {

TEST(ProgressTest, SizesLikeCurl) {
  EXPECT_EQ(FormatSize5(0), "    0");
  EXPECT_EQ(FormatSize5(31), "   31");
  EXPECT_EQ(FormatSize5(99999), "99999");
  EXPECT_EQ(FormatSize5(5242880), "5120k");
  EXPECT_EQ(FormatSize5(494LL * 1024 * 1024), " 494M");
  EXPECT_EQ(FormatSize5(12LL * 1024 * 1024 + 400 * 1024), "12.3M");
  EXPECT_EQ(FormatSize5(1LL << 30), "1024M");
}

TEST(ProgressTest, DurationsLikeCurl) {
  EXPECT_EQ(FormatDuration8(0), "--:--:--");
  EXPECT_EQ(FormatDuration8(1), " 0:00:01");
  EXPECT_EQ(FormatDuration8(3725), " 1:02:05");
}

TEST(ProgressTest, LinesMatchCurlsColumns) {
  // From testdata/golden/curl/closed_port.stderr and truncated.stderr.
  EXPECT_EQ(FormatProgressLine(0, std::nullopt, absl::ZeroDuration(), 0),
            "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0");
  EXPECT_EQ(FormatProgressLine(10, 100, absl::Microseconds(2173), 5000),
            "\r 10   100   10    10    0     0   4601      0 --:--:-- --:--:-- --:--:--  5000");
  EXPECT_EQ(FormatProgressLine(0, std::nullopt, absl::Milliseconds(1001), 0),
            "\r  0     0    0     0    0     0      0      0 --:--:--  0:00:01 --:--:--     0");
}

}  // namespace
}  // namespace curl_tool
