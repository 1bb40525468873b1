#include "lib/http/internal/head_parser.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/internal/split_test_util.h"
#include "testing/matchers.h"

namespace http {
namespace internal {
namespace {

using ::testing::HasSubstr;
using ::testing_util::StatusIs;

TEST(ScanHeadTest, FindsEndAndStart) {
  size_t start = 99;
  EXPECT_THAT(ScanHead("\r\nA\r\nB: c\n\r\nrest", 0, {}, 1, &start), IsOkAndHolds(12u));
  EXPECT_EQ(start, 2u);
  EXPECT_THAT(ScanHead("A\n\n", 0, {}, 0, &start), IsOkAndHolds(3u));
  EXPECT_EQ(start, 0u);
  EXPECT_THAT(ScanHead("A\r\n\r", 0, {}, 0, &start), IsOkAndHolds(0u));
  EXPECT_THAT(ScanHead("\n", 0, {}, 0, &start),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty lines")));
}

TEST(ScanHeadTest, ResumesFromPrevLen) {
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  size_t start = 0;
  // prev_len inside the blank line, inside a field line, and at a line start.
  for (size_t prev : {head.size() - 1, size_t{20}, size_t{16}, size_t{0}}) {
    EXPECT_THAT(ScanHead(head, prev, {}, 0, &start), IsOkAndHolds(head.size())) << prev;
  }
}

TEST(ScanHeadTest, LimitsWhileIncomplete) {
  ParseLimits limits;
  limits.max_line = 4;
  limits.max_headers = 1;
  limits.max_header_bytes = 20;
  size_t start = 0;
  EXPECT_THAT(ScanHead("abcd\r", 0, limits, 0, &start), IsOkAndHolds(0u));
  EXPECT_THAT(ScanHead("abcde", 0, limits, 0, &start),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("unterminated")));
  EXPECT_THAT(ScanHead("a\nb\nc\n", 0, limits, 0, &start),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_headers 1")));
  EXPECT_THAT(ScanHead("abc\nabc\n" + std::string(13, 'x'), 0, limits, 0, &start),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(NextLineTest, StripsLfAndCrlf) {
  absl::string_view lines = "a\r\nb\nc\r";
  EXPECT_EQ(NextLine(&lines), "a");
  EXPECT_EQ(NextLine(&lines), "b");
  EXPECT_EQ(NextLine(&lines), "c\r");
  EXPECT_TRUE(lines.empty());
}

TEST(ParseFieldLineTest, Errors) {
  Headers h;
  EXPECT_THAT(ParseFieldLine("A: b", &h), testing_util::IsOk());
  EXPECT_EQ(h.Get("a"), "b");
  EXPECT_THAT(ParseFieldLine("\tA: b", &h), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFieldLine("A\t: b", &h), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFieldLine("A", &h), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace internal
}  // namespace http
