#include "lib/dns/message.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace dns {
namespace {

using ::testing::HasSubstr;
using ::testing_util::StatusIs;

TEST(TypeToStringTest, KnownAndUnknown) {
  EXPECT_EQ(TypeToString(kA), "A");
  EXPECT_EQ(TypeToString(kAAAA), "AAAA");
  EXPECT_EQ(TypeToString(kCAA), "CAA");
  EXPECT_EQ(TypeToString(65534), "TYPE65534");
}

TEST(TypeFromStringTest, MnemonicsAreCaseInsensitive) {
  EXPECT_EQ(TypeFromString("mx").value(), kMX);
  EXPECT_EQ(TypeFromString("Srv").value(), kSRV);
  EXPECT_EQ(TypeFromString("ANY").value(), kANY);
}

TEST(TypeFromStringTest, GenericForm) {
  EXPECT_EQ(TypeFromString("TYPE65534").value(), 65534);
  EXPECT_EQ(TypeFromString("type1").value(), kA);
}

TEST(TypeFromStringTest, Rejects) {
  for (const char* bad : {"", "FOO", "TYPE", "TYPE65536", "TYPE-1", "TYPE1x", "TYPE0000001"}) {
    EXPECT_THAT(TypeFromString(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dns: unknown record type")))
        << bad;
  }
}

TEST(RcodeToStringTest, Names) {
  EXPECT_EQ(RcodeToString(kNoError), "NOERROR");
  EXPECT_EQ(RcodeToString(kNxDomain), "NXDOMAIN");
  EXPECT_EQ(RcodeToString(kBadVers), "BADVERS");
  EXPECT_EQ(RcodeToString(4000), "RCODE4000");
}

TEST(ClassToStringTest, Names) {
  EXPECT_EQ(ClassToString(kClassIN), "IN");
  EXPECT_EQ(ClassToString(kClassCH), "CH");
  EXPECT_EQ(ClassToString(42), "CLASS42");
}

}  // namespace
}  // namespace dns
