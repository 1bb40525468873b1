#include "lib/http/request_parser.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/internal/split_test_util.h"
#include "lib/http/message.h"
#include "testing/matchers.h"

namespace http {
namespace {

using namespace std::string_literals;  // NOLINT: NUL bytes in literals
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::http::internal::IsOkAndHolds;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

// Parse parses `input` fed in every possible way (see split_test_util.h).
absl::StatusOr<size_t> Parse(absl::string_view input, RequestHead* head,
                             const ParseLimits& limits = ParseLimits()) {
  return internal::ParseAtEverySplit(
      input,
      [&limits](absl::string_view buf, size_t prev, RequestHead* out) {
        return ParseRequestHead(buf, prev, limits, out);
      },
      head);
}

std::vector<Headers::Field> Fields(const RequestHead& head) {
  return std::vector<Headers::Field>(head.headers.begin(), head.headers.end());
}

TEST(RequestParserTest, ParsesSimpleRequest) {
  const std::string in =
      "GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent:  mini-curl/1 \r\n"
      "Accept:*/*\r\nX-Empty:\r\n\r\n";
  RequestHead head;
  ASSERT_OK_AND_ASSIGN(size_t consumed, Parse(in, &head));
  EXPECT_EQ(consumed, in.size());
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/index.html?x=1");
  EXPECT_EQ(head.version_minor, 1);
  EXPECT_THAT(Fields(head), ElementsAre(Headers::Field{"Host", "example.com"},
                                        Headers::Field{"User-Agent", "mini-curl/1"},
                                        Headers::Field{"Accept", "*/*"},
                                        Headers::Field{"X-Empty", ""}));
}

TEST(RequestParserTest, IncompleteReturnsZeroAndLeavesOutAlone) {
  RequestHead head;
  head.method = "untouched";
  for (absl::string_view in : {"", "G", "GET / HTTP/1.1", "GET / HTTP/1.1\r\n",
                               "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r"}) {
    EXPECT_THAT(ParseRequestHead(in, 0, {}, &head), IsOkAndHolds(0u)) << in;
  }
  EXPECT_EQ(head.method, "untouched");
}

TEST(RequestParserTest, PipelinedRequestsConsumeExactlyOne) {
  const std::string first = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string second = "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  const std::string in = first + second;
  RequestHead head;
  ASSERT_OK_AND_ASSIGN(size_t consumed, Parse(in, &head));
  EXPECT_EQ(consumed, first.size());
  EXPECT_EQ(head.target, "/a");
  ASSERT_OK_AND_ASSIGN(consumed, Parse(absl::string_view(in).substr(consumed), &head));
  EXPECT_EQ(consumed, second.size() - 3);
  EXPECT_EQ(head.method, "POST");
  ASSERT_OK_AND_ASSIGN(BodyFraming framing, RequestBodyFraming(head));
  EXPECT_EQ(framing, (BodyFraming{BodyFraming::kContentLength, 3}));
}

TEST(RequestParserTest, BareLfAndHttp10) {
  const std::string in = "GET / HTTP/1.0\nHost: a\nX: y\r\n\n";
  RequestHead head;
  ASSERT_OK_AND_ASSIGN(size_t consumed, Parse(in, &head));
  EXPECT_EQ(consumed, in.size());
  EXPECT_EQ(head.version_minor, 0);
  EXPECT_THAT(Fields(head),
              ElementsAre(Headers::Field{"Host", "a"}, Headers::Field{"X", "y"}));
}

TEST(RequestParserTest, SkipsAFewLeadingEmptyLines) {
  const std::string in = "\r\n\n\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestHead head;
  ASSERT_OK_AND_ASSIGN(size_t consumed, Parse(in, &head));
  EXPECT_EQ(consumed, in.size());
  EXPECT_EQ(head.target, "*");
  EXPECT_THAT(Parse("\r\n" + in, &head),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty lines")));
}

TEST(RequestParserTest, TargetForms) {
  RequestHead head;
  ASSERT_THAT(Parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", &head),
              IsOk());
  EXPECT_EQ(head.target, "example.com:443");
  ASSERT_THAT(Parse("GET http://a/b?c HTTP/1.1\r\nHost: a\r\n\r\n", &head), IsOk());
  EXPECT_EQ(head.target, "http://a/b?c");
}

TEST(RequestParserTest, RejectsBadRequestLines) {
  RequestHead head;
  const char* kBad[] = {
      "GET /\r\n\r\n",                        // HTTP/0.9
      "GET / HTTP/2.0\r\n\r\n",               // not HTTP/1.x
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",     // HTTP/2 preface
      "GET / HTTP/1.1 \r\n\r\n",              // trailing space
      "GET  / HTTP/1.1\r\n\r\n",              // empty target
      "G(T / HTTP/1.1\r\n\r\n",               // method not a token
      " GET / HTTP/1.1\r\n\r\n",              // empty method
      "GET /a\tb HTTP/1.1\r\n\r\n",           // tab in target
      "GET /\x7f HTTP/1.1\r\n\r\n",           // DEL in target
      "GET / http/1.1\r\n\r\n",               // version is case-sensitive
      "\x16\x03\x01\x02\x01\n\n",             // TLS-like garbage
      "GET / HTTP/1.1\rHost: a\r\n\r\n",      // bare CR
  };
  for (const char* in : kBad) {
    EXPECT_THAT(Parse(in, &head), StatusIs(absl::StatusCode::kInvalidArgument)) << in;
  }
}

TEST(RequestParserTest, RejectsBadFieldLines) {
  RequestHead head;
  EXPECT_THAT(Parse("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", &head),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("obs-fold")));
  EXPECT_THAT(Parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &head),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("whitespace between")));
  EXPECT_THAT(Parse("GET / HTTP/1.1\r\nHost a\r\n\r\n", &head),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("without colon")));
  EXPECT_THAT(Parse("GET / HTTP/1.1\r\n: a\r\n\r\n", &head),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("header name")));
  EXPECT_THAT(Parse("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"s, &head),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0x0")));
  EXPECT_THAT(Parse("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", &head),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0xd")));
  // A name byte that is not a tchar, before the colon or as the colon's place.
  EXPECT_THAT(Parse("GET / HTTP/1.1\r\nX(y): a\r\n\r\n", &head),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid header name")));
  EXPECT_THAT(Parse("GET / HTTP/1.1\r\nH\xC3\xA9: a\r\n\r\n", &head),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid header name")));
}

TEST(RequestParserTest, FieldLinesWithoutSpaceOrValue) {
  RequestHead head;
  ASSERT_THAT(Parse("GET / HTTP/1.1\r\nHost:a\r\nX-Empty:\r\nX-Pad: \t b \t\r\n\r\n", &head),
              IsOk());
  ASSERT_EQ(head.headers.size(), 3u);
  EXPECT_EQ(head.headers.Get("host"), "a");
  EXPECT_EQ(head.headers.Get("x-empty"), "");
  EXPECT_EQ(head.headers.Get("x-pad"), "b");
}

TEST(RequestParserTest, LineTooLong) {
  ParseLimits limits;
  limits.max_line = 32;
  RequestHead head;
  const std::string ok_line = "X: " + std::string(29, 'a');  // exactly 32 bytes
  EXPECT_THAT(Parse("GET / HTTP/1.1\r\n" + ok_line + "\r\n\r\n", &head, limits), IsOk());
  EXPECT_THAT(Parse("GET / HTTP/1.1\r\n" + ok_line + "a\r\n\r\n", &head, limits),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_line 32")));
  // An endless line fails as soon as it passes the limit, without a line end.
  EXPECT_THAT(ParseRequestHead("GET / HTTP/1.1\r\n" + ok_line + "a", 0, limits, &head),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("unterminated line")));
  EXPECT_THAT(ParseRequestHead("GET / HTTP/1.1\r\n" + ok_line + "\r", 0, limits, &head),
              IsOkAndHolds(0u));
  EXPECT_THAT(ParseRequestHead(std::string(33, 'G'), 0, limits, &head),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(RequestParserTest, TooManyHeaders) {
  ParseLimits limits;
  limits.max_headers = 3;
  RequestHead head;
  std::string in = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n";
  EXPECT_THAT(Parse(in + "\r\n", &head, limits), IsOk());
  in += "D: 4\r\n";
  EXPECT_THAT(Parse(in + "\r\n", &head, limits),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_headers 3")));
  // Endless headers fail without a blank line.
  EXPECT_THAT(ParseRequestHead(in, 0, limits, &head),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(RequestParserTest, HeaderSectionTooLarge) {
  ParseLimits limits;
  limits.max_header_bytes = 100;
  RequestHead head;
  const std::string start = "GET / HTTP/1.1\r\n";  // 16 bytes
  const std::string exact = start + "X: " + std::string(100 - 16 - 3 - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), 100u);
  EXPECT_THAT(Parse(exact, &head, limits), IsOkAndHolds(100u));
  const std::string over = start + "X: " + std::string(100 - 16 - 3 - 3, 'a') + "\r\n\r\n";
  EXPECT_THAT(Parse(over, &head, limits),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_header_bytes 100")));
  std::string endless = start;
  for (int i = 0; i < 20; ++i) endless += "X: 123\r\n";
  EXPECT_THAT(Parse(endless, &head, limits), StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(RequestParserTest, DefaultLimitsWithLargeInput) {
  RequestHead head;
  std::string in = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) absl::StrAppend(&in, "X-", i, ": ", std::string(500, 'v'), "\r\n");
  EXPECT_THAT(Parse(in + "\r\n", &head), IsOk());
  EXPECT_EQ(head.headers.size(), 100u);
  EXPECT_THAT(Parse(in + "Y: 1\r\n\r\n", &head), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(Parse(in + std::string(20000, 'z'), &head),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

absl::StatusOr<BodyFraming> FramingOf(absl::string_view in) {
  RequestHead head;
  absl::StatusOr<size_t> parsed = ParseRequestHead(in, 0, {}, &head);
  if (!parsed.ok()) return parsed.status();
  EXPECT_EQ(*parsed, in.size());
  return RequestBodyFraming(head);
}

TEST(RequestParserTest, BodyFraming) {
  EXPECT_THAT(FramingOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
              IsOkAndHolds(BodyFraming{BodyFraming::kNone, 0}));
  EXPECT_THAT(FramingOf("POST / HTTP/1.1\r\nContent-Length: 42\r\n\r\n"),
              IsOkAndHolds(BodyFraming{BodyFraming::kContentLength, 42}));
  EXPECT_THAT(FramingOf("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
              IsOkAndHolds(BodyFraming{BodyFraming::kContentLength, 0}));
  EXPECT_THAT(FramingOf("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"),
              IsOkAndHolds(BodyFraming{BodyFraming::kChunked, 0}));
  EXPECT_THAT(FramingOf("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n"),
              IsOkAndHolds(BodyFraming{BodyFraming::kChunked, 0}));
  // Identical repeated lengths are one length.
  EXPECT_THAT(FramingOf("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n"),
              IsOkAndHolds(BodyFraming{BodyFraming::kContentLength, 5}));
  EXPECT_THAT(FramingOf("POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n"),
              IsOkAndHolds(BodyFraming{BodyFraming::kContentLength, UINT64_MAX}));
}

TEST(RequestParserTest, BodyFramingErrors) {
  const char* kBad[][2] = {
      {"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "both"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", "both"},
      {"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "conflicting"},
      {"POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\n", "conflicting"},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "not a number"},
      {"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", "not a number"},
      {"POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", "not a number"},
      {"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", "not a number"},
      {"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", "empty"},
      {"POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n", "overflows"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "does not end in chunked"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "does not end"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", "twice"},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "http/1.0"},
  };
  for (const auto& [in, message] : kBad) {
    EXPECT_THAT(FramingOf(in), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(message)))
        << in;
  }
}

}  // namespace
}  // namespace http
