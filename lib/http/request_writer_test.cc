#include "lib/http/request_writer.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/request_parser.h"
#include "lib/http/response_parser.h"
#include "testing/matchers.h"

namespace http {
namespace {

using ::testing::HasSubstr;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

RequestHead Get(absl::string_view target) {
  RequestHead head;
  head.method = "GET";
  head.target = std::string(target);
  EXPECT_THAT(head.headers.Add("Host", "example.com"), IsOk());
  return head;
}

TEST(RequestWriterTest, SerializesRequestAndParsesBack) {
  RequestHead head = Get("/a?b=c");
  ASSERT_THAT(head.headers.Add("user-agent", "mini-curl/1"), IsOk());
  ASSERT_OK_AND_ASSIGN(std::string bytes, SerializeRequestHead(head));
  EXPECT_EQ(bytes, "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nuser-agent: mini-curl/1\r\n\r\n");
  RequestHead parsed;
  ASSERT_THAT(ParseRequestHead(bytes, 0, {}, &parsed), IsOk());
  EXPECT_EQ(parsed, head);
}

TEST(RequestWriterTest, Http10NeedsNoHost) {
  RequestHead head;
  head.method = "GET";
  head.target = "/";
  head.version_minor = 0;
  EXPECT_EQ(*SerializeRequestHead(head), "GET / HTTP/1.0\r\n\r\n");
}

TEST(RequestWriterTest, RejectsBadHeads) {
  RequestHead no_host = Get("/");
  no_host.headers.Remove("host");
  EXPECT_THAT(SerializeRequestHead(no_host),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("without host")));
  RequestHead bad_method = Get("/");
  bad_method.method = "GE T";
  EXPECT_THAT(SerializeRequestHead(bad_method),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad method")));
  bad_method.method = "";
  EXPECT_THAT(SerializeRequestHead(bad_method), StatusIs(absl::StatusCode::kInvalidArgument));
  for (const char* target : {"", "/a b", "/a\r\nX: y", "/\x7f"}) {
    EXPECT_THAT(SerializeRequestHead(Get(target)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad request target")))
        << target;
  }
  RequestHead http2 = Get("/");
  http2.version_minor = 2;
  EXPECT_THAT(SerializeRequestHead(http2), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RequestWriterTest, SerializesResponseAndParsesBack) {
  ResponseHead head;
  head.status = 404;
  head.reason = "Not Found";
  ASSERT_THAT(head.headers.Add("Content-Length", "0"), IsOk());
  const std::string bytes = SerializeResponseHead(head);
  EXPECT_EQ(bytes, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  ResponseHead parsed;
  ASSERT_THAT(ParseResponseHead(bytes, 0, {}, &parsed), IsOk());
  EXPECT_EQ(parsed, head);
}

TEST(RequestWriterTest, ResponseCannotInjectLines) {
  ResponseHead head;
  head.version_minor = 0;
  head.status = 42;
  head.reason = "OK\r\nSet-Cookie: evil";
  EXPECT_EQ(SerializeResponseHead(head), "HTTP/1.0 100 OKSet-Cookie: evil\r\n\r\n");
}

TEST(RequestWriterTest, AppendFormsAddToWhatIsThere) {
  std::string out = "pipelined:";
  ASSERT_THAT(AppendRequestHead(Get("/x"), &out), IsOk());
  EXPECT_EQ(out, "pipelined:GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n");
  RequestHead http10 = Get("/y");
  http10.version_minor = 0;
  ASSERT_THAT(AppendRequestHead(http10, &out), IsOk());
  EXPECT_EQ(out,
            "pipelined:GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n"
            "GET /y HTTP/1.0\r\nHost: example.com\r\n\r\n");

  // A refused head leaves `out` as it was.
  const std::string before = out;
  RequestHead bad = Get("/z");
  bad.method = "G T";
  EXPECT_THAT(AppendRequestHead(bad, &out), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(out, before);

  ResponseHead head;
  head.status = 1234;  // clamped to three digits
  head.reason = "Big";
  ASSERT_THAT(head.headers.Add("Via", "1.1 x"), IsOk());
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  std::string resp = interim;
  AppendResponseHead(head, &resp);
  EXPECT_EQ(resp, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 999 Big\r\nVia: 1.1 x\r\n\r\n");
  EXPECT_EQ(resp.substr(interim.size()), SerializeResponseHead(head));
}

}  // namespace
}  // namespace http
