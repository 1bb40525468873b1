#include "lib/cache/internal/field_codec.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/cache/policy.h"
#include "lib/http/headers.h"
#include "testing/matchers.h"

namespace cache::internal {
namespace {

using ::testing_util::IsOk;
using ::testing_util::StatusIs;

http::Headers Typical() {
  http::Headers h;
  for (auto [name, value] : std::initializer_list<std::pair<const char*, std::string>>{
           {"Server", "nginx/1.22.1"},
           {"Date", "Tue, 01 Dec 2026 19:13:16 GMT"},
           {"Content-Type", "text/plain"},
           {"Content-Length", "1024"},
           {"Last-Modified", "Mon, 06 Nov 1994 08:49:37 GMT"},  // wrong weekday: kept literal
           {"ETag", "\"6b0f1c4b-400\""},
           {"Expires", "Tue, 01 Dec 2026 20:13:16 GMT"},
           {"Cache-Control", "max-age=3600"},
           {"Age", "3"},
           {"X-Cache", "HIT"},
           {"x-custom", ""},
           {"content-type", "lower case name kept as is"},
           {"X-Long", std::string(300, 'v')},
           {"Set-Cookie", "a=1"},
           {"Set-Cookie", "b=2"},
           {"Expires", "0"},
       }) {
    EXPECT_THAT(h.Add(name, value), IsOk());
  }
  return h;
}

TEST(FieldCodecTest, RoundTripIsExact) {
  http::Headers h = Typical();
  std::string encoded = EncodeFields(h);
  ASSERT_OK_AND_ASSIGN(http::Headers back, DecodeFields(encoded));
  EXPECT_EQ(back, h);
  EXPECT_THAT(DecodeFields(EncodeFields(http::Headers())), IsOk());
}

TEST(FieldCodecTest, ServedWireFieldsMatchTheUncompressedForm) {
  http::Headers h = Typical();
  std::string want;
  AppendServedFields(h, &want);
  std::string got;
  AppendServedWireFields(EncodeFields(h), &got);
  EXPECT_EQ(got, want);
  EXPECT_THAT(got, testing::Not(testing::HasSubstr("Age:")));
  EXPECT_THAT(got, testing::Not(testing::HasSubstr("Content-Length:")));
  EXPECT_THAT(got, testing::Not(testing::HasSubstr("X-Cache:")));
  EXPECT_THAT(got, testing::HasSubstr("\r\nDate: Tue, 01 Dec 2026 19:13:16 GMT\r\n"));
}

TEST(FieldCodecTest, CommonResponsesShrink) {
  http::Headers h;
  ASSERT_THAT(h.Add("Server", "nginx/1.22.1"), IsOk());
  ASSERT_THAT(h.Add("Date", "Tue, 01 Dec 2026 19:13:16 GMT"), IsOk());
  ASSERT_THAT(h.Add("Last-Modified", "Tue, 01 Dec 2026 19:13:15 GMT"), IsOk());
  ASSERT_THAT(h.Add("ETag", "\"6b0f1c4b-400\""), IsOk());
  std::string wire;
  AppendServedFields(h, &wire);
  EXPECT_LT(EncodeFields(h).size() * 2, wire.size());
}

TEST(FieldCodecTest, EveryTruncationAndBadByteIsDataLossNotACrash) {
  std::string encoded = EncodeFields(Typical());
  for (size_t n = 0; n < encoded.size(); ++n) {
    absl::StatusOr<http::Headers> h = DecodeFields(encoded.substr(0, n));
    if (!h.ok()) EXPECT_THAT(h, StatusIs(absl::StatusCode::kDataLoss)) << n;
    std::string wire;
    AppendServedWireFields(encoded.substr(0, n), &wire);  // stops at the break
  }
  for (std::string bad : {std::string("\xff", 1), std::string("\x01\x07", 2),
                          std::string("\x00\x05" "ab", 4), std::string("\x01\x00\xff\xff\xff", 5)}) {
    EXPECT_THAT(DecodeFields(bad), StatusIs(absl::StatusCode::kDataLoss));
  }
}

TEST(FieldCodecTest, VaryValuesRoundTrip) {
  std::vector<VaryValue> v = {{"accept-encoding", "gzip, br"}, {"x-empty", ""}};
  EXPECT_EQ(DecodeVaryValues(EncodeVaryValues(v)), v);
  EXPECT_TRUE(DecodeVaryValues("").empty());
  std::string encoded = EncodeVaryValues(v);
  EXPECT_EQ(DecodeVaryValues(encoded.substr(0, encoded.size() - 1)).size(), 1u);  // stops
}

}  // namespace
}  // namespace cache::internal
