#include "lib/cli/args.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing_util::StatusIs;

const Spec kSpec = {
    .short_options = {{'z', "z"},
                      {'v', "v"},
                      {'l', "l"},
                      {'k', "k"},
                      {'4', "ipv4"},
                      {'w', "w", kValue},
                      {'H', "header", kRepeated}},
    .long_aliases = {{"max-time", "max_time", kValue}, {"http1.0", "http1_0"}},
};

absl::StatusOr<std::vector<std::string>> ExpandArgs(std::vector<const char*> args,
                                             const Spec& spec = kSpec) {
  args.insert(args.begin(), "prog");
  absl::StatusOr<Args> a = Expand(static_cast<int>(args.size()), args.data(), spec);
  if (!a.ok()) return a.status();
  return a->strings();
}

TEST(ArgsTest, ExpandsClustersAndValues) {
  EXPECT_THAT(*ExpandArgs({"-zv", "host", "20-25"}),
              ElementsAre("prog", "--z", "--v", "--", "host", "20-25"));
  EXPECT_THAT(*ExpandArgs({"-lkv", "-w", "2", "1234"}),
              ElementsAre("prog", "--l", "--k", "--v", "--w=2", "--", "1234"));
  EXPECT_THAT(*ExpandArgs({"-vw2", "-4"}), ElementsAre("prog", "--v", "--w=2", "--ipv4", "--"));
}

TEST(ArgsTest, LongAliasesAndPassThrough) {
  EXPECT_THAT(*ExpandArgs({"--max-time", "5", "--http1.0", "--other=1", "--max-time=7"}),
              ElementsAre("prog", "--max_time=5", "--http1_0", "--other=1", "--max_time=7", "--"));
}

TEST(ArgsTest, RepeatedValuesAreJoined) {
  auto out = ExpandArgs({"-H", "A: 1", "-HB: 2", "url"});
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(*out, ElementsAre("prog", std::string("--header=A: 1") + kRepeatSeparator + "B: 2",
                                "--", "url"));
  EXPECT_THAT(SplitRepeated("A: 1\x1f" "B: 2"), ElementsAre("A: 1", "B: 2"));
  EXPECT_TRUE(SplitRepeated("").empty());
}

TEST(ArgsTest, DashAndDoubleDashArePositional) {
  EXPECT_THAT(*ExpandArgs({"-", "--", "-v"}), ElementsAre("prog", "--", "-", "-v"));
}

TEST(ArgsTest, Errors) {
  EXPECT_THAT(ExpandArgs({"-w"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("option requires an argument -- 'w'")));
  EXPECT_THAT(ExpandArgs({"-zQ"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid option -- 'Q'")));
  EXPECT_THAT(ExpandArgs({"-Q"}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ExpandArgs({"--max-time"}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ArgsTest, NslookupStyleSingleDashLongFlags) {
  Spec spec = {.short_options = {}, .long_aliases = {}, .pass_unknown_single_dash = true};
  EXPECT_THAT(*ExpandArgs({"-type=MX", "example.com", "-port=53"}, spec),
              ElementsAre("prog", "-type=MX", "-port=53", "--", "example.com"));
}

}  // namespace
}  // namespace cli
