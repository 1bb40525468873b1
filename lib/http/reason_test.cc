#include "lib/http/reason.h"

#include "gtest/gtest.h"

namespace http {
namespace {

TEST(ReasonPhraseTest, RegisteredCodes) {
  EXPECT_EQ(ReasonPhrase(200), "OK");
  EXPECT_EQ(ReasonPhrase(304), "Not Modified");
  EXPECT_EQ(ReasonPhrase(404), "Not Found");
  EXPECT_EQ(ReasonPhrase(413), "Content Too Large");
  EXPECT_EQ(ReasonPhrase(508), "Loop Detected");
}

TEST(ReasonPhraseTest, UnregisteredCodesAreEmpty) {
  for (int status : {0, 199, 299, 418, 599, 999}) EXPECT_EQ(ReasonPhrase(status), "") << status;
}

}  // namespace
}  // namespace http
