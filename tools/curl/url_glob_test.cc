#include "tools/curl/url_glob.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace curl_tool {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

// Every expectation below was checked against curl 7.88.1 (`curl -s -w '%{url_effective}\n'`
// for expansions, stderr for errors).
constexpr char kBase[] = "http://127.0.0.1:28099/";

std::vector<std::string> Expand(const std::string& pattern) {
  absl::StatusOr<UrlGlob> g = UrlGlob::Parse(pattern);
  EXPECT_THAT(g, IsOk()) << pattern;
  std::vector<std::string> out;
  if (!g.ok()) return out;
  for (uint64_t i = 0; i < g->size(); ++i) out.push_back(g->Url(i));
  return out;
}

// Paths expands kBase + `path` and strips kBase again.
std::vector<std::string> Paths(const std::string& path) {
  std::vector<std::string> out;
  for (const std::string& url : Expand(kBase + path)) out.push_back(url.substr(sizeof(kBase) - 1));
  return out;
}

// FirstLine is the first line of Parse's error for `pattern` ("" when it parses).
std::string FirstLine(const std::string& pattern) {
  absl::StatusOr<UrlGlob> g = UrlGlob::Parse(pattern);
  if (g.ok()) return "";
  EXPECT_THAT(g, StatusIs(absl::StatusCode::kInvalidArgument, testing::_));
  std::string m(g.status().message());
  return m.substr(0, m.find('\n'));
}

TEST(UrlGlobTest, RangesAndSetsExpandRightmostFastest) {
  EXPECT_THAT(Paths("f[01-12:5].txt"), ElementsAre("f01.txt", "f06.txt", "f11.txt"));
  EXPECT_THAT(Paths("{b,a}[1-2]x"), ElementsAre("b1x", "b2x", "a1x", "a2x"));
  EXPECT_THAT(Paths("[a-c]"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Paths("[1-3]/{x,y}"), ElementsAre("1/x", "1/y", "2/x", "2/y", "3/x", "3/y"));
  EXPECT_THAT(Paths("[a-e:2]"), ElementsAre("a", "c", "e"));
  EXPECT_THAT(Paths("[1-10:3]"), ElementsAre("1", "4", "7", "10"));
  EXPECT_THAT(Paths("[1-3:2]"), ElementsAre("1", "3"));
  EXPECT_THAT(Paths("[a-c:2]"), ElementsAre("a", "c"));
  EXPECT_THAT(Paths("[1-1:1]"), ElementsAre("1"));
  EXPECT_THAT(Paths("[a-a:1]"), ElementsAre("a"));
  EXPECT_THAT(Paths("[1- 3]"), ElementsAre("1", "2", "3"));
  EXPECT_THAT(Paths("[18446744073709551614-18446744073709551615]"),
              ElementsAre("18446744073709551614", "18446744073709551615"));
}

TEST(UrlGlobTest, ALeadingZeroPadsToTheFirstNumbersWidth) {
  EXPECT_THAT(Paths("[001-3]"), ElementsAre("001", "002", "003"));
  EXPECT_THAT(Paths("[1-003]"), ElementsAre("1", "2", "3"));
  EXPECT_THAT(Paths("[09-11]"), ElementsAre("09", "10", "11"));
  EXPECT_THAT(Paths("[8-10]"), ElementsAre("8", "9", "10"));
  EXPECT_THAT(Paths("[0-0]"), ElementsAre("0"));
  EXPECT_THAT(Paths("[1-1]"), ElementsAre("1"));
  EXPECT_THAT(Paths("[a-a]"), ElementsAre("a"));
}

TEST(UrlGlobTest, SetElementsMayBeEmptyAndBackslashEscapes) {
  EXPECT_THAT(Paths("{a,}"), ElementsAre("a", ""));
  EXPECT_THAT(Paths("{,a}"), ElementsAre("", "a"));
  EXPECT_THAT(Paths("{a,,b}"), ElementsAre("a", "", "b"));
  EXPECT_THAT(Paths("{a\\,b,c}"), ElementsAre("a,b", "c"));
  EXPECT_THAT(Paths("{a\\}b,c}"), ElementsAre("a}b", "c"));
  EXPECT_THAT(Paths("{a\\bc}"), ElementsAre("abc"));  // any character, inside a set
  EXPECT_THAT(Paths("\\[1-2\\]"), ElementsAre("[1-2]"));
  EXPECT_THAT(Paths("\\{a,b\\}"), ElementsAre("{a,b}"));
  EXPECT_THAT(Paths("a\\b"), ElementsAre("a\\b"));  // only before {}[] outside sets
  EXPECT_THAT(Paths("x\\"), ElementsAre("x\\"));
}

TEST(UrlGlobTest, EmptyBracketsAndIpv6AddressesAreLiteral) {
  for (const char* literal : {"[]", "[::1]", "[::]", "[fe80::1%25eth0]", "[::1%eth0]",
                              "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]", "[::ffff:1.2.3.4]",
                              "[ABCD::]"}) {
    EXPECT_THAT(Paths(literal), ElementsAre(literal));
  }
  EXPECT_THAT(Expand("http://[::1]:28099/[1-2]"),
              ElementsAre("http://[::1]:28099/1", "http://[::1]:28099/2"));
  EXPECT_THAT(Expand("http://127.0.0.1/plain"), ElementsAre("http://127.0.0.1/plain"));
  for (const char* bad : {"[:]", "[1]", "[a]", "[::g]", "[1::2::3]", "[1:2:3:4:5:6:7:8:9]",
                          "[::1.2]", "[:::]", "[::1%]", "[::1]]", "[ ]", "[x]", "[ab]x", "[1:2]",
                          "[1.2]"}) {
    EXPECT_NE(FirstLine(kBase + std::string(bad)), "") << bad;
  }
}

TEST(UrlGlobTest, CurlsMessageWithTheUrlAndACaret) {
  EXPECT_THAT(UrlGlob::Parse("http://[bad"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "bad range in URL position 9:\nhttp://[bad\n        ^"));
}

TEST(UrlGlobTest, ErrorsAndPositionsLikeCurl) {
  struct Case {
    std::string pattern;
    std::string first_line;
  } cases[] = {
      {"http://[bad", "bad range in URL position 9:"},
      {"http://x/{a,b", "unmatched brace in URL position 10:"},
      {"http://x/a}", "unmatched close brace/bracket in URL position 11:"},
      {"http://x/[1-3", "bad range in URL position 13:"},
      {"http://x/1-3]", "unmatched close brace/bracket in URL position 13:"},
      {"http://x/{a,{b}}", "nested brace in URL position 13:"},
      {"http://x/{}", "empty string within braces in URL position 11:"},
      {"http://x/[3-1]", "bad range in URL position 15:"},
      {"http://x/[1-3:0]", "bad range in URL position 17:"},
      {"http://x/[a-3]", "bad range in URL position 15:"},
      {"http://x/[1-z]", "bad range in URL position 13:"},
      {"http://x/[a-c:0]", "bad range in URL position 17:"},
      {"http://x/[1-]", "bad range in URL position 13:"},
      {"http://x/[-3]", "bad range specification in URL position 11:"},
      {"http://x/[1-99999999999999999999]", "bad range in URL position 13:"},
      {"http://x/{a,[1-2]}", "nested brace in URL position 13:"},
      {"http://x/[1-2{a}]", "bad range in URL position 13:"},
      {"http://x/[ab]", "bad range in URL position 11:"},
      {"http://x/[a-cc]", "bad range in URL position 11:"},
      {"http://x/[1-3:2x]", "bad range in URL position 15:"},
      {"http://x/[1-3:]", "bad range in URL position 16:"},
      {"http://x/[A-c]", "bad range in URL position 15:"},
      {absl::StrCat(kBase, "[1-3:10]"), "bad range in URL position 32:"},
      {absl::StrCat(kBase, "{a,b}["), "bad range specification in URL position 29:"},
      {absl::StrCat(kBase, "[a-b"), "bad range in URL position 25:"},
      // Each set before the error counts one character less, as in curl.
      {absl::StrCat(kBase, "\\[x[bad"), "bad range in URL position 28:"},
      {absl::StrCat(kBase, "{a\\,b}[bad"), "bad range in URL position 30:"},
      {absl::StrCat(kBase, "{a,b}{c,d}[bad"), "bad range in URL position 33:"},
      {absl::StrCat(kBase, "[1-2]{a}[bad"), "bad range in URL position 32:"},
      {absl::StrCat(kBase, "{a,b}{c"), "unmatched brace in URL position 28:"},
      {absl::StrCat(kBase, "{ab,cd}x}"), "unmatched close brace/bracket in URL position 31:"},
      {absl::StrCat(kBase, "a\\{b[bad"), "bad range in URL position 29:"},
      {absl::StrCat(kBase, "{a,b}}"), "unmatched close brace/bracket in URL position 28:"},
      {absl::StrCat(kBase, "[1-2]]"), "unmatched close brace/bracket in URL position 29:"},
      {absl::StrCat(kBase, "{a]b}"), "unexpected close bracket in URL position 26:"},
      {absl::StrCat(kBase, "{a[b}"), "nested brace in URL position 26:"},
      {absl::StrCat(kBase, "{a\\}"), "unmatched brace in URL position 24:"},
      {absl::StrCat(kBase, "{a\\"), "unmatched brace in URL position 24:"},
      {absl::StrCat(kBase, "[1-2\\]"), "bad range in URL position 27:"},
      {absl::StrCat(kBase, "[1-1:2]"), "bad range in URL position 31:"},
      {absl::StrCat(kBase, "{}x"), "empty string within braces in URL position 25:"},
      {absl::StrCat(kBase, "x{"), "unmatched brace in URL position 25:"},
      {absl::StrCat(kBase, "x["), "bad range specification in URL position 26:"},
      {absl::StrCat(kBase, "{a}]"), "unmatched close brace/bracket in URL position 26:"},
      {absl::StrCat(kBase, "[1-2]{"), "unmatched brace in URL position 29:"},
      {absl::StrCat(kBase, "[1-+3]"), "bad range in URL position 27:"},
      {absl::StrCat(kBase, "[1--3]"), "bad range in URL position 27:"},
      {absl::StrCat(kBase, "[1]"), "bad range in URL position 25:"},
      {absl::StrCat(kBase, "[1x3]"), "bad range in URL position 25:"},
      {absl::StrCat(kBase, "[99999999999999999999-1]"), "bad range in URL position 25:"},
      {absl::StrCat(kBase, "[1-3:99999999999999999999]"), "bad range in URL position 29:"},
      {absl::StrCat(kBase, "[a-c:x]"), "bad range in URL position 25:"},
      {absl::StrCat(kBase, "[a-c:99999999999999999999]"), "bad range in URL position 25:"},
      {absl::StrCat(kBase, "[a-c:2x]"), "bad range in URL position 25:"},
      {absl::StrCat(kBase, "[ a-c]"), "bad range specification in URL position 25:"},
      {absl::StrCat(kBase, "[+1-3]"), "bad range specification in URL position 25:"},
      {absl::StrCat(kBase, "[a-]"), "bad range in URL position 25:"},
      {absl::StrCat(kBase, "[a-c"), "bad range in URL position 25:"},
      {absl::StrCat(kBase, "[a-cx"), "bad range in URL position 25:"},
      {absl::StrCat(kBase, "[1-100000000][1-100000000][1-1000000000]"),
       "range overflow in URL position 64:"},
      {absl::StrCat(kBase, "[1-4294967296][1-4294967296][1-4294967296]"),
       "range overflow in URL position 52:"},
  };
  for (const Case& c : cases) EXPECT_EQ(FirstLine(c.pattern), c.first_line) << c.pattern;
  for (const char* bad : {"[1-3:3]", "[a-c:3]", "[1-2:2]", "[a-a:2]", "[5-5:7]", "[0-0:0]",
                          "[a-b:0]"}) {
    EXPECT_THAT(FirstLine(kBase + std::string(bad)), testing::StartsWith("bad range in URL"))
        << bad;
  }
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(UrlGlobTest, AHundredPatternsAreTooMany) {
  // Literal runs count as patterns too: 1 + 98 sets parse, 1 + 99 do not.
  EXPECT_EQ(FirstLine(kBase + Repeat("{a}", 98)), "");
  EXPECT_EQ(FirstLine(kBase + Repeat("{a}", 99)), "too many globs in URL position 222:");
  EXPECT_EQ(FirstLine(kBase + Repeat("{a}x", 49)), "");
  EXPECT_EQ(FirstLine(kBase + Repeat("{a}x", 50)), "too many globs in URL position 173:");
  EXPECT_EQ(FirstLine(kBase + Repeat("[1-1]", 99)), "too many globs in URL position 519:");
  EXPECT_EQ(FirstLine(kBase + Repeat("x[1-1]", 50)), "too many globs in URL position 324:");
}

TEST(UrlGlobTest, HugeCountsAreCountedNotListed) {
  absl::StatusOr<UrlGlob> g = UrlGlob::Parse(absl::StrCat(kBase, "[1-4294967296][1-2147483648]"));
  ASSERT_THAT(g, IsOk());
  EXPECT_EQ(g->size(), uint64_t{1} << 63);
  EXPECT_EQ(g->Url(g->size() - 1), absl::StrCat(kBase, "42949672962147483648"));
  EXPECT_EQ(g->Url(1), absl::StrCat(kBase, "12"));
}

TEST(UrlGlobTest, FillNameReplacesHashNumbersOfExistingGlobs) {
  absl::StatusOr<UrlGlob> g = UrlGlob::Parse("http://h/[1-3]/{x,y}");
  ASSERT_THAT(g, IsOk());
  std::vector<std::string> names;
  for (uint64_t i = 0; i < g->size(); ++i) names.push_back(g->FillName("o_#1_#2_#3_#0", i));
  EXPECT_THAT(names, ElementsAreArray({"o_1_x_#3_#0", "o_1_y_#3_#0", "o_2_x_#3_#0",
                                       "o_2_y_#3_#0", "o_3_x_#3_#0", "o_3_y_#3_#0"}));
  EXPECT_EQ(g->FillName("#", 0), "#");
  EXPECT_EQ(g->FillName("a#b#2#", 5), "a#by#");
  EXPECT_EQ(UrlGlob::Literal("http://h/[1-2]").FillName("g#1", 0), "g#1");
  EXPECT_EQ(UrlGlob::Literal("http://h/[1-2]").Url(0), "http://h/[1-2]");
  EXPECT_EQ(UrlGlob::Literal("http://h/[1-2]").size(), 1u);
}

}  // namespace
}  // namespace curl_tool
