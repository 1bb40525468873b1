#include "lib/http/response_parser.h"

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
using ::testing::HasSubstr;
using ::http::internal::IsOkAndHolds;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

// Parse parses `input` fed in every possible way (see split_test_util.h).
absl::StatusOr<size_t> Parse(absl::string_view input, ResponseHead* head,
                             const ParseLimits& limits = ParseLimits()) {
  return internal::ParseAtEverySplit(
      input,
      [&limits](absl::string_view buf, size_t prev, ResponseHead* out) {
        return ParseResponseHead(buf, prev, limits, out);
      },
      head);
}

TEST(ResponseParserTest, ParsesStatusLineAndFields) {
  const std::string in =
      "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found";
  ResponseHead head;
  ASSERT_OK_AND_ASSIGN(size_t consumed, Parse(in, &head));
  EXPECT_EQ(consumed, in.size() - 9);
  EXPECT_EQ(head.version_minor, 1);
  EXPECT_EQ(head.status, 404);
  EXPECT_EQ(head.reason, "Not Found");
  EXPECT_EQ(head.headers.Get("content-type"), "text/plain");
  EXPECT_THAT(ResponseBodyFraming("GET", head),
              IsOkAndHolds(BodyFraming{BodyFraming::kContentLength, 9}));
}

TEST(ResponseParserTest, ReasonForms) {
  ResponseHead head;
  ASSERT_THAT(Parse("HTTP/1.0 200 \r\n\r\n", &head), IsOk());
  EXPECT_EQ(head.reason, "");
  EXPECT_EQ(head.version_minor, 0);
  ASSERT_THAT(Parse("HTTP/1.1 200\r\n\r\n", &head), IsOk());
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.reason, "");
  ASSERT_THAT(Parse("HTTP/1.1 599 Weird\treason \xC3\xA9 \r\n\r\n", &head), IsOk());
  EXPECT_EQ(head.reason, "Weird\treason \xC3\xA9 ");
}

TEST(ResponseParserTest, BareLf) {
  ResponseHead head;
  const std::string in = "HTTP/1.1 200 OK\nServer: x\n\nbody";
  ASSERT_THAT(Parse(in, &head), IsOkAndHolds(in.size() - 4));
  EXPECT_EQ(head.headers.Get("Server"), "x");
}

TEST(ResponseParserTest, PipelinedResponses) {
  const std::string first = "HTTP/1.1 100 Continue\r\n\r\n";
  const std::string second = "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n";
  ResponseHead head;
  ASSERT_THAT(Parse(first + second, &head), IsOkAndHolds(first.size()));
  EXPECT_EQ(head.status, 100);
  ASSERT_THAT(Parse(second, &head), IsOkAndHolds(second.size()));
  EXPECT_EQ(head.status, 204);
}

TEST(ResponseParserTest, RejectsBadStatusLines) {
  ResponseHead head;
  const char* kBad[] = {
      "HTTP/1.1 20 OK\r\n\r\n",  "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
      "HTTP/1.1 099 OK\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n", "HTTP/2 200\r\n\r\n",
      "HTTP/1.2 200 OK\r\n\r\n", "HTTP/1.1\r\n\r\n",         "ICY 200 OK\r\n\r\n",
      "\r\nHTTP/1.1 200 OK\r\n\r\n",  // no leading empty lines in responses
      "HTTP/1.1 200 O\x01K\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
      "HTTP/1.1 200 OK\r\nA\r\n\r\n",  "HTTP/1.1 200 OK\r\n\tfold\r\n\r\n",
  };
  for (const char* in : kBad) {
    EXPECT_THAT(Parse(in, &head), StatusIs(absl::StatusCode::kInvalidArgument)) << in;
  }
  EXPECT_THAT(Parse("HTTP/1.1 200 OK\r\nX: \0\r\n\r\n"s, &head),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ResponseParserTest, Limits) {
  ParseLimits limits;
  limits.max_line = 64;
  limits.max_headers = 2;
  limits.max_header_bytes = 128;
  ResponseHead head;
  EXPECT_THAT(Parse("HTTP/1.1 200 " + std::string(60, 'r') + "\r\n\r\n", &head, limits),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_line")));
  EXPECT_THAT(Parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &head, limits),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_headers")));
  EXPECT_THAT(Parse("HTTP/1.1 200 OK\r\nA: " + std::string(50, 'a') + "\r\nB: " +
                        std::string(50, 'b') + "\r\n\r\n",
                    &head, limits),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_header_bytes")));
}

absl::StatusOr<BodyFraming> FramingOf(absl::string_view method, absl::string_view in) {
  ResponseHead head;
  absl::StatusOr<size_t> parsed = ParseResponseHead(in, 0, {}, &head);
  if (!parsed.ok()) return parsed.status();
  EXPECT_EQ(*parsed, in.size());
  return ResponseBodyFraming(method, head);
}

TEST(ResponseParserTest, BodyFramingWithoutBody) {
  const BodyFraming kNone{BodyFraming::kNone, 0};
  const std::string cl = "Content-Length: 10\r\n\r\n";
  EXPECT_THAT(FramingOf("HEAD", "HTTP/1.1 200 OK\r\n" + cl), IsOkAndHolds(kNone));
  EXPECT_THAT(FramingOf("GET", "HTTP/1.1 100 Continue\r\n\r\n"), IsOkAndHolds(kNone));
  EXPECT_THAT(FramingOf("GET", "HTTP/1.1 101 Switching Protocols\r\n\r\n"), IsOkAndHolds(kNone));
  EXPECT_THAT(FramingOf("GET", "HTTP/1.1 204 No Content\r\n" + cl), IsOkAndHolds(kNone));
  EXPECT_THAT(FramingOf("GET", "HTTP/1.1 304 Not Modified\r\n" + cl), IsOkAndHolds(kNone));
  EXPECT_THAT(FramingOf("CONNECT", "HTTP/1.1 200 Connection established\r\n\r\n"),
              IsOkAndHolds(kNone));
  // A refused CONNECT has an ordinary body.
  EXPECT_THAT(FramingOf("CONNECT", "HTTP/1.1 407 Auth\r\n" + cl),
              IsOkAndHolds(BodyFraming{BodyFraming::kContentLength, 10}));
}

TEST(ResponseParserTest, BodyFramingWithBody) {
  const BodyFraming kClose{BodyFraming::kUntilClose, 0};
  EXPECT_THAT(FramingOf("GET", "HTTP/1.1 200 OK\r\n\r\n"), IsOkAndHolds(kClose));
  EXPECT_THAT(FramingOf("GET", "HTTP/1.0 200 OK\r\n\r\n"), IsOkAndHolds(kClose));
  EXPECT_THAT(FramingOf("GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
              IsOkAndHolds(BodyFraming{BodyFraming::kChunked, 0}));
  EXPECT_THAT(FramingOf("GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
              IsOkAndHolds(kClose));
  // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing: read until close.
  EXPECT_THAT(FramingOf("GET", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
              IsOkAndHolds(kClose));
  EXPECT_THAT(FramingOf("POST", "HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\n"),
              IsOkAndHolds(BodyFraming{BodyFraming::kContentLength, 7}));
}

TEST(ResponseParserTest, BodyFramingErrors) {
  EXPECT_THAT(FramingOf("GET",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("smuggling")));
  EXPECT_THAT(FramingOf("GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conflicting")));
  EXPECT_THAT(FramingOf("GET", "HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace http
