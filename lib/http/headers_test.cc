#include "lib/http/headers.h"

#include <cctype>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

TEST(HeadersTest, AddKeepsOrderAndCaseAndTrimsValue) {
  Headers h;
  ASSERT_THAT(h.Add("Content-Type", " text/html \t"), IsOk());
  ASSERT_THAT(h.Add("X-Custom", "a"), IsOk());
  ASSERT_THAT(h.Add("x-custom", "b"), IsOk());
  ASSERT_THAT(h.Add("Empty", ""), IsOk());
  EXPECT_THAT(std::vector<Headers::Field>(h.begin(), h.end()),
              ElementsAre(Headers::Field{"Content-Type", "text/html"},
                          Headers::Field{"X-Custom", "a"}, Headers::Field{"x-custom", "b"},
                          Headers::Field{"Empty", ""}));
  EXPECT_EQ(h.size(), 4u);
}

TEST(HeadersTest, LookupIsCaseInsensitive) {
  Headers h;
  ASSERT_THAT(h.Add("Set-Cookie", "a=1"), IsOk());
  ASSERT_THAT(h.Add("set-cookie", "b=2"), IsOk());
  EXPECT_EQ(h.Get("SET-COOKIE"), "a=1");
  EXPECT_THAT(h.GetAll("Set-cookie"), ElementsAre("a=1", "b=2"));
  EXPECT_TRUE(h.Has("set-COOKIE"));
  EXPECT_FALSE(h.Has("Cookie"));
  EXPECT_EQ(h.Get("Cookie"), std::nullopt);
  EXPECT_THAT(h.GetAll("Cookie"), ElementsAre());
}

TEST(HeadersTest, RejectsBadNames) {
  Headers h;
  for (const char* name : {"", "Bad Name", "Bad:Name", "Na\xC3\xA9", "a\tb", "(x)", "a/b"}) {
    EXPECT_THAT(h.Add(name, "v"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("http: invalid header name")))
        << name;
  }
  EXPECT_TRUE(h.empty());
  EXPECT_THAT(h.Add("!#$%&'*+-.^_`|~09azAZ", "v"), IsOk());
}

TEST(HeadersTest, RejectsNulCrLfInValues) {
  Headers h;
  EXPECT_THAT(h.Add("A", std::string("x\0y", 3)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0x0 in value of header A")));
  EXPECT_THAT(h.Add("A", "x\r\nInjected: 1"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(h.Add("A", "x\ny"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(h.Set("A", "x\ry"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(h.empty());
  EXPECT_THAT(h.Add("A", "tab\tand obs-text \xFF ok"), IsOk());
}

TEST(HeadersTest, SetReplacesAllInPlaceOfFirst) {
  Headers h;
  ASSERT_THAT(h.Add("A", "1"), IsOk());
  ASSERT_THAT(h.Add("B", "2"), IsOk());
  ASSERT_THAT(h.Add("a", "3"), IsOk());
  ASSERT_THAT(h.Set("A", "4"), IsOk());
  EXPECT_THAT(std::vector<Headers::Field>(h.begin(), h.end()),
              ElementsAre(Headers::Field{"A", "4"}, Headers::Field{"B", "2"}));
  ASSERT_THAT(h.Set("C", "5"), IsOk());
  EXPECT_EQ(h.Get("c"), "5");
  EXPECT_EQ(h.size(), 3u);
}

TEST(HeadersTest, RemoveDeletesEveryCase) {
  Headers h;
  ASSERT_THAT(h.Add("A", "1"), IsOk());
  ASSERT_THAT(h.Add("B", "2"), IsOk());
  ASSERT_THAT(h.Add("a", "3"), IsOk());
  h.Remove("A");
  EXPECT_THAT(std::vector<Headers::Field>(h.begin(), h.end()),
              ElementsAre(Headers::Field{"B", "2"}));
  h.Remove("missing");
  EXPECT_EQ(h.size(), 1u);
}

TEST(HeadersTest, HasTokenSearchesCommaListsAcrossFields) {
  Headers h;
  ASSERT_THAT(h.Add("Connection", "keep-alive, Upgrade"), IsOk());
  ASSERT_THAT(h.Add("connection", " ,close ,"), IsOk());
  EXPECT_TRUE(h.HasToken("connection", "keep-alive"));
  EXPECT_TRUE(h.HasToken("Connection", "upgrade"));
  EXPECT_TRUE(h.HasToken("Connection", "CLOSE"));
  EXPECT_FALSE(h.HasToken("Connection", "keep"));
  EXPECT_FALSE(h.HasToken("Connection", "keep-alive, Upgrade"));
  EXPECT_FALSE(h.HasToken("Upgrade", "close"));
}

TEST(HeadersTest, FieldNameEqualsFoldsOnlyAsciiLetters) {
  EXPECT_TRUE(FieldNameEquals("Content-Length", "content-LENGTH"));
  EXPECT_TRUE(FieldNameEquals("", ""));
  EXPECT_FALSE(FieldNameEquals("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(FieldNameEquals("Via", "Vib"));
  // Pairs 0x20 apart that are not letters: '@' and '`', '[' and '{', '-' and CR, and bytes >= 0x80.
  EXPECT_FALSE(FieldNameEquals("@", "`"));
  EXPECT_FALSE(FieldNameEquals("[", "{"));
  EXPECT_FALSE(FieldNameEquals("\x0d", "-"));
  EXPECT_FALSE(FieldNameEquals("\xC0", "\xE0"));
  for (int c = 0; c < 256; ++c) {
    for (int d = 0; d < 256; ++d) {
      const char a[1] = {static_cast<char>(c)}, b[1] = {static_cast<char>(d)};
      const bool want = c == d || (std::isalpha(c) && std::isalpha(d) && (c | 0x20) == (d | 0x20) &&
                                   c < 0x80 && d < 0x80);
      ASSERT_EQ(FieldNameEquals(absl::string_view(a, 1), absl::string_view(b, 1)), want) << c << " " << d;
    }
  }
}

TEST(HeadersTest, IsToken) {
  EXPECT_TRUE(IsToken("GET"));
  EXPECT_TRUE(IsToken("M-SEARCH"));
  EXPECT_FALSE(IsToken(""));
  EXPECT_FALSE(IsToken("G T"));
  EXPECT_FALSE(IsToken("GET\r"));
}

}  // namespace
TEST(HeadersTest, RemoveIfKeepsTheOrderOfTheRest) {
  Headers h;
  for (const char* name : {"A", "b", "C", "d", "E"}) ASSERT_TRUE(h.Add(name, "v").ok());
  h.RemoveIf([](const Headers::Field& f) { return f.name == "b" || f.name == "d"; });
  std::vector<std::string> names;
  for (const Headers::Field& f : h) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"A", "C", "E"}));
}

TEST(HeadersTest, ForbiddenBytesAnywhereInLongValuesAreRefused) {
  // Every position of a value long enough for the word-at-a-time check, each forbidden byte.
  for (char bad : {'\0', '\r', '\n'}) {
    for (size_t at = 0; at < 40; ++at) {
      std::string value(40, 'v');
      value[at] = bad;
      Headers h;
      EXPECT_FALSE(h.Add("X", value).ok()) << static_cast<int>(bad) << " at " << at;
      EXPECT_TRUE(h.empty());
    }
  }
  Headers h;
  EXPECT_TRUE(h.Add("X", std::string(40, '\x7f') + "\t\x01\xff ok").ok());
}

}  // namespace http
