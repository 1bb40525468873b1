#include "lib/base/status_macros.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace {

using ::testing_util::IsOk;
using ::testing_util::StatusIs;

absl::StatusOr<std::unique_ptr<int>> MakeInt(bool ok) {
  if (!ok) return absl::NotFoundError("no int");
  return std::make_unique<int>(42);
}

absl::StatusOr<int> Doubled(bool ok, int* calls) {
  ++*calls;
  ASSIGN_OR_RETURN(std::unique_ptr<int> p, MakeInt(ok));  // move-only value
  return *p * 2;
}

absl::Status Chain(absl::Status first, bool* reached_end) {
  RETURN_IF_ERROR(first);
  *reached_end = true;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturn) {
  int calls = 0;
  EXPECT_EQ(*Doubled(true, &calls), 84);
  EXPECT_THAT(Doubled(false, &calls), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(calls, 2);
}

TEST(StatusMacrosTest, ReturnIfError) {
  bool reached = false;
  EXPECT_THAT(Chain(absl::DataLossError("x"), &reached), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_FALSE(reached);
  EXPECT_THAT(Chain(absl::OkStatus(), &reached), IsOk());
  EXPECT_TRUE(reached);
}

}  // namespace
