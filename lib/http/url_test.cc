#include "lib/http/url.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace http {
namespace {

using ::testing::HasSubstr;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

// WithFragment returns the URL as text including its fragment, as RFC 3986 §5.4 writes it.
std::string WithFragment(const Url& url) {
  std::string s = url.ToString();
  if (url.has_fragment()) s += "#" + url.fragment();
  return s;
}

TEST(UrlTest, ParsesAllComponents) {
  ASSERT_OK_AND_ASSIGN(Url url, Url::Parse("HTTP://user:pw@Example.COM:8080/a/b?x=1&y#frag"));
  EXPECT_EQ(url.scheme(), "http");
  EXPECT_EQ(url.userinfo(), "user:pw");
  EXPECT_EQ(url.host(), "example.com");
  EXPECT_EQ(url.port(), 8080);
  EXPECT_TRUE(url.has_explicit_port());
  EXPECT_EQ(url.path(), "/a/b");
  EXPECT_EQ(url.query(), "x=1&y");
  EXPECT_EQ(url.fragment(), "frag");
  EXPECT_EQ(url.RequestTarget(), "/a/b?x=1&y");
  EXPECT_EQ(url.HostHeader(), "example.com:8080");
  EXPECT_EQ(url.ToString(), "http://user:pw@example.com:8080/a/b?x=1&y");
}

TEST(UrlTest, DefaultsPortAndPath) {
  ASSERT_OK_AND_ASSIGN(Url http, Url::Parse("http://example.com"));
  EXPECT_EQ(http.port(), 80);
  EXPECT_FALSE(http.has_explicit_port());
  EXPECT_EQ(http.path(), "/");
  EXPECT_EQ(http.RequestTarget(), "/");
  EXPECT_EQ(http.ToString(), "http://example.com/");
  ASSERT_OK_AND_ASSIGN(Url https, Url::Parse("https://example.com:443?q"));
  EXPECT_EQ(https.port(), 443);
  EXPECT_TRUE(https.has_explicit_port());
  EXPECT_EQ(https.HostHeader(), "example.com");
  EXPECT_EQ(https.RequestTarget(), "/?q");
  ASSERT_OK_AND_ASSIGN(Url empty_port, Url::Parse("http://a:/x"));
  EXPECT_EQ(empty_port.port(), 80);
  EXPECT_FALSE(empty_port.has_explicit_port());
}

TEST(UrlTest, Ipv6Literals) {
  ASSERT_OK_AND_ASSIGN(Url url, Url::Parse("http://[2001:DB8::1]:8080/"));
  EXPECT_EQ(url.host(), "2001:db8::1");
  EXPECT_TRUE(url.is_ipv6());
  EXPECT_EQ(url.port(), 8080);
  EXPECT_EQ(url.HostHeader(), "[2001:db8::1]:8080");
  EXPECT_EQ(url.ToString(), "http://[2001:db8::1]:8080/");
  ASSERT_OK_AND_ASSIGN(Url v4mapped, Url::Parse("http://[::ffff:1.2.3.4]"));
  EXPECT_EQ(v4mapped.HostHeader(), "[::ffff:1.2.3.4]");
  EXPECT_THAT(Url::Parse("http://[::1/"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                    HasSubstr("unterminated ipv6")));
  EXPECT_THAT(Url::Parse("http://[1:2:3]/"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Url::Parse("http://[::1]x/"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(UrlTest, Ports) {
  EXPECT_EQ(Url::Parse("http://a:0/")->port(), 0);
  EXPECT_EQ(Url::Parse("http://a:65535/")->port(), 65535);
  EXPECT_THAT(Url::Parse("http://a:65536/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("> 65535")));
  EXPECT_THAT(Url::Parse("http://a:99999999999999999999/"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Url::Parse("http://a:8x/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a number")));
  EXPECT_THAT(Url::Parse("http://a:-1/"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(UrlTest, RejectsBadInput) {
  EXPECT_THAT(Url::Parse("http://a b/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at offset 8")));
  EXPECT_THAT(Url::Parse("http://a/\r\nHost: x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Url::Parse(std::string("http://a/\0", 10)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Url::Parse("http://a/\x7f"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Url::Parse("/relative"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no scheme")));
  EXPECT_THAT(Url::Parse("1http://a/"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Url::Parse("http:///x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no host")));
  EXPECT_THAT(Url::Parse("http:x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Url::Parse("http://a<b/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad byte")));
  EXPECT_THAT(Url::Parse("http://a%2/"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Url::Parse(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(UrlTest, OtherSchemes) {
  ASSERT_OK_AND_ASSIGN(Url mail, Url::Parse("mailto:joe@example.com"));
  EXPECT_EQ(mail.scheme(), "mailto");
  EXPECT_EQ(mail.host(), "");
  EXPECT_EQ(mail.path(), "joe@example.com");
  EXPECT_EQ(mail.port(), 0);
  EXPECT_EQ(mail.ToString(), "mailto:joe@example.com");
  ASSERT_OK_AND_ASSIGN(Url file, Url::Parse("file:///etc/hosts"));
  EXPECT_EQ(file.ToString(), "file:///etc/hosts");
}

TEST(UrlTest, ParseWithDefaultScheme) {
  ASSERT_OK_AND_ASSIGN(Url url, Url::ParseWithDefaultScheme("localhost:8080/x", "http"));
  EXPECT_EQ(url.ToString(), "http://localhost:8080/x");
  ASSERT_OK_AND_ASSIGN(Url bare, Url::ParseWithDefaultScheme("example.com", "http"));
  EXPECT_EQ(bare.ToString(), "http://example.com/");
  ASSERT_OK_AND_ASSIGN(Url https, Url::ParseWithDefaultScheme("https://x/y", "http"));
  EXPECT_EQ(https.scheme(), "https");
  ASSERT_OK_AND_ASSIGN(Url query, Url::ParseWithDefaultScheme("x/y?u=http://z", "http"));
  EXPECT_EQ(query.host(), "x");
  EXPECT_EQ(query.query(), "u=http://z");
}

TEST(UrlTest, ToStringReparsesEqualWithoutFragment) {
  for (const char* s : {"http://a/b?c", "http://u@[::1]:1/", "http://a/?", "https://a:443/",
                        "foo://:8/x", "http://a/%7e"}) {
    ASSERT_OK_AND_ASSIGN(Url url, Url::Parse(s));
    ASSERT_OK_AND_ASSIGN(Url again, Url::Parse(url.ToString()));
    EXPECT_EQ(url, again) << s;
  }
  ASSERT_OK_AND_ASSIGN(Url url, Url::Parse("http://a/#f"));
  EXPECT_EQ(url.ToString(), "http://a/");
}

// RFC 3986 §5.4.1 and §5.4.2, with one difference: an http URL with an empty path gets "/"
// ("//g" → "http://g/"), and "http:g" resolves as relative (the backward-compatible variant).
TEST(UrlTest, ResolveRfc3986Examples) {
  ASSERT_OK_AND_ASSIGN(Url base, Url::Parse("http://a/b/c/d;p?q"));
  const std::pair<const char*, const char*> kCases[] = {
      // Normal examples.
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
      // Abnormal examples.
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
      {"http:g", "http://a/b/c/g"},
  };
  for (const auto& [ref, want] : kCases) {
    ASSERT_OK_AND_ASSIGN(Url got, base.Resolve(ref));
    EXPECT_EQ(WithFragment(got), want) << "reference " << ref;
  }
}

TEST(UrlTest, ResolveRedirects) {
  ASSERT_OK_AND_ASSIGN(Url base, Url::Parse("https://u@example.com:8443/dir/page?x"));
  EXPECT_EQ(base.Resolve("other")->ToString(), "https://u@example.com:8443/dir/other");
  EXPECT_EQ(base.Resolve("HTTP://Elsewhere/")->ToString(), "http://elsewhere/");
  EXPECT_EQ(base.Resolve("//cdn.example/x")->ToString(), "https://cdn.example/x");
  EXPECT_THAT(base.Resolve("a b"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(base.Resolve("//bad host/"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(UrlTest, NormalizeDotSegmentsOfAParsedUrl) {
  auto norm = [](absl::string_view in) {
    absl::StatusOr<Url> u = Url::Parse(in);
    EXPECT_TRUE(u.ok()) << in;
    u->NormalizeDotSegments();
    return u->ToString();
  };
  EXPECT_EQ(norm("http://h/a/../b?x=/../y"), "http://h/b?x=/../y");  // the query is not a path
  EXPECT_EQ(norm("http://h/a/./b/."), "http://h/a/b/");
  EXPECT_EQ(norm("http://h/.."), "http://h/");
  EXPECT_EQ(norm("http://h:8080/a/b/../../.."), "http://h:8080/");
  EXPECT_EQ(norm("http://h/a/%2e%2e/b"), "http://h/a/%2e%2e/b");
  EXPECT_EQ(norm("http://h/a.b/.c/..d"), "http://h/a.b/.c/..d");
}

TEST(UrlTest, RemoveDotSegments) {
  EXPECT_EQ(RemoveDotSegments("/a/b/c/./../../g"), "/a/g");
  EXPECT_EQ(RemoveDotSegments("mid/content=5/../6"), "mid/6");
  EXPECT_EQ(RemoveDotSegments("/.."), "/");
  EXPECT_EQ(RemoveDotSegments(""), "");
}

TEST(UrlTest, PercentEncodeDecode) {
  EXPECT_EQ(PercentEncode("a b/c~\xff"), "a%20b%2Fc~%FF");
  EXPECT_EQ(PercentEncode("/a b/", "/"), "/a%20b/");
  EXPECT_EQ(*PercentDecode("a%20b%2fc+%FF"), "a b/c+\xff");
  EXPECT_EQ(*PercentDecode(PercentEncode(std::string("\0\r\n%", 4))), std::string("\0\r\n%", 4));
  EXPECT_THAT(PercentDecode("%"), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("bad percent escape at offset 0")));
  EXPECT_THAT(PercentDecode("ab%2"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode("%zz"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace http
