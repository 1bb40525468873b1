// split_test_util.h: runs an incremental parser over every way of receiving its input
// (test-only, private to lib/http).
//
// The whole input at once, every two-part split (prefix, then the whole with prev_len set), and
// one byte at a time must all give the same verdict; ParseAtEverySplit records a gtest failure
// for any that differs and returns the whole-input result.
//
//   RequestHead head;
//   auto parse = [&](absl::string_view buf, size_t prev, RequestHead* out) {
//     return ParseRequestHead(buf, prev, limits, out);
//   };
//   EXPECT_THAT(internal::ParseAtEverySplit(input, parse, &head), IsOkAndHolds(input.size()));
#ifndef LIB_HTTP_INTERNAL_SPLIT_TEST_UTIL_H_
#define LIB_HTTP_INTERNAL_SPLIT_TEST_UTIL_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace http {
namespace internal {

// IsOkAndHolds matches an OK absl::StatusOr whose value matches `inner`
// (testing/matchers.h has no such matcher yet).
MATCHER_P(IsOkAndHolds, inner, "is OK and holds a value that " +
                                   testing::DescribeMatcher<decltype(inner)>(inner)) {
  if (!arg.ok()) {
    *result_listener << "status: " << arg.status();
    return false;
  }
  return testing::ExplainMatchResult(inner, *arg, result_listener);
}

// ParseAtEverySplit: `parse(buf, prev_len, out)` returns StatusOr<size_t> (consumed, or 0
// when incomplete) and fills `*out` on completion. Inputs up to 4 KiB are fed as exact-size heap
// copies so that ASan catches reads past the bytes given; longer ones are split at a stride.
template <typename Head, typename Parse>
absl::StatusOr<size_t> ParseAtEverySplit(absl::string_view input, Parse parse, Head* out) {
  constexpr size_t kCopyLimit = 4096;
  struct Outcome {
    absl::StatusCode code = absl::StatusCode::kOk;
    size_t consumed = 0;
    Head head{};
  };
  const std::vector<char> whole_copy(input.begin(), input.end());
  // feed passes the prefixes ending at `cuts`, then the whole input, until one is conclusive.
  auto feed = [&](const std::vector<size_t>& cuts, absl::StatusOr<size_t>* result) {
    size_t prev = 0;
    Outcome o;
    for (size_t i = 0; i <= cuts.size(); ++i) {
      const size_t len = i < cuts.size() ? cuts[i] : input.size();
      std::vector<char> copy;
      absl::string_view buf(whole_copy.data(), len);
      if (input.size() <= kCopyLimit) {
        copy.assign(input.begin(), input.begin() + len);
        buf = absl::string_view(copy.data(), len);
      }
      absl::StatusOr<size_t> r = parse(buf, prev, &o.head);
      if (result != nullptr) *result = r;
      if (!r.ok()) {
        o.code = r.status().code();
        o.head = Head{};
        return o;
      }
      if (*r > 0) {
        o.consumed = *r;
        return o;
      }
      prev = len;
    }
    o.head = Head{};
    return o;
  };
  absl::StatusOr<size_t> whole_result;
  const Outcome whole = feed({}, &whole_result);
  auto expect_same = [&](const Outcome& got, const std::string& how) {
    EXPECT_EQ(got.code, whole.code) << how;
    EXPECT_EQ(got.consumed, whole.consumed) << how;
    EXPECT_TRUE(got.head == whole.head) << how;
  };
  const size_t stride = input.size() <= kCopyLimit ? 1 : input.size() / 97;
  for (size_t cut = 1; cut < input.size(); cut += stride) {
    expect_same(feed({cut}, nullptr), "split at " + std::to_string(cut));
  }
  std::vector<size_t> bytewise;
  for (size_t cut = 1; cut < input.size(); ++cut) bytewise.push_back(cut);
  expect_same(feed(bytewise, nullptr), "one byte at a time");
  *out = whole.head;
  return whole_result;
}

}  // namespace internal
}  // namespace http

#endif  // LIB_HTTP_INTERNAL_SPLIT_TEST_UTIL_H_
