// matchers.h: gMock matchers for absl::Status and absl::StatusOr (Debian's Abseil has none).
//
//   EXPECT_THAT(reader.ReadU16(), IsOk());
//   EXPECT_THAT(reader.ReadU16(), StatusIs(absl::StatusCode::kOutOfRange));
//   EXPECT_THAT(Parse(bytes), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pointer")));
//   ASSERT_OK_AND_ASSIGN(auto msg, Parse(bytes));
#ifndef TESTING_MATCHERS_H_
#define TESTING_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace testing_util {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// IsOk matches an OK absl::Status or a StatusOr holding a value.
MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status: " << s;
  return s.ok();
}

// StatusIs matches a Status/StatusOr with the given code (and message matcher).
MATCHER_P(StatusIs, code, "has status code " + testing::PrintToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + testing::PrintToString(code) + " and message that " +
               testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  return s.code() == code &&
         testing::ExplainMatchResult(message_matcher, std::string(s.message()), result_listener);
}

}  // namespace testing_util

#define TESTING_MATCHERS_CONCAT_INNER_(a, b) a##b
#define TESTING_MATCHERS_CONCAT_(a, b) TESTING_MATCHERS_CONCAT_INNER_(a, b)

// ASSERT_OK_AND_ASSIGN(lhs, rexpr) asserts that the StatusOr `rexpr` is OK and moves its value.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(TESTING_MATCHERS_CONCAT_(testing_or_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, rexpr)  \
  auto tmp = (rexpr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status();             \
  lhs = *std::move(tmp)

#endif  // TESTING_MATCHERS_H_
