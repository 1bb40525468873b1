#include "lib/http/chunked.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

struct Outcome {
  absl::Status status;
  size_t consumed = 0;  // bytes of the input that belonged to the body
  bool done = false;
  std::string body;
  Headers trailers;
};

// Feed decodes `input` given in pieces that end at `cuts` (then the rest), each piece an
// exact-size heap copy so that ASan catches reads past it.
Outcome Feed(absl::string_view input, const std::vector<size_t>& cuts,
             const ParseLimits& limits) {
  ChunkedDecoder decoder(limits);
  Outcome o;
  size_t begin = 0;
  for (size_t i = 0; i <= cuts.size() && !decoder.done(); ++i) {
    const size_t end = i < cuts.size() ? cuts[i] : input.size();
    const std::vector<char> piece(input.begin() + begin, input.begin() + end);
    absl::StatusOr<size_t> used =
        decoder.Decode(absl::string_view(piece.data(), piece.size()), &o.body);
    if (!used.ok()) {
      Outcome failed;
      failed.status = used.status();
      return failed;
    }
    o.consumed += *used;
    begin = end;
  }
  o.done = decoder.done();
  o.trailers = decoder.trailers();
  return o;
}

// Decode decodes `input` whole, split in two at every offset and one byte at a time, expects
// the same outcome each way and returns it.
Outcome Decode(absl::string_view input, const ParseLimits& limits = ParseLimits()) {
  const Outcome whole = Feed(input, {}, limits);
  auto expect_same = [&whole](const Outcome& got, const std::string& how) {
    EXPECT_EQ(got.status.code(), whole.status.code()) << how << ": " << got.status;
    EXPECT_EQ(got.consumed, whole.consumed) << how;
    EXPECT_EQ(got.done, whole.done) << how;
    EXPECT_EQ(got.body, whole.body) << how;
    EXPECT_TRUE(got.trailers == whole.trailers) << how;
  };
  std::vector<size_t> bytewise;
  for (size_t cut = 1; cut < input.size(); ++cut) {
    expect_same(Feed(input, {cut}, limits), absl::StrCat("split at ", cut));
    bytewise.push_back(cut);
  }
  expect_same(Feed(input, bytewise, limits), "one byte at a time");
  return whole;
}

TEST(ChunkedTest, DecodesChunks) {
  const std::string in = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
  Outcome o = Decode(in);
  ASSERT_THAT(o.status, IsOk());
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.body, "hello, world");
  EXPECT_EQ(o.consumed, in.size());
  EXPECT_TRUE(o.trailers.empty());
}

TEST(ChunkedTest, LeavesPipelinedBytes) {
  const std::string body = "3\r\nabc\r\n0\r\n\r\n";
  Outcome o = Decode(body + "GET /next HTTP/1.1\r\n\r\n");
  ASSERT_THAT(o.status, IsOk());
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.consumed, body.size());
  EXPECT_EQ(o.body, "abc");
}

TEST(ChunkedTest, IncompleteIsNotDone) {
  Outcome o = Decode("A\r\n0123456789\r\n0\r\n");
  ASSERT_THAT(o.status, IsOk());
  EXPECT_FALSE(o.done);
  EXPECT_EQ(o.body, "0123456789");
}

TEST(ChunkedTest, HexSizesAndExtensions) {
  Outcome o = Decode(
      "0000a;name=value\r\n0123456789\r\n"
      "1F ; a=\"quoted; string\";b\r\n" + std::string(31, 'x') +
      "\r\n0;last\r\n\r\n");
  ASSERT_THAT(o.status, IsOk());
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.body, "0123456789" + std::string(31, 'x'));
}

TEST(ChunkedTest, Trailers) {
  Outcome o = Decode("2\r\nok\r\n0\r\nExpires: never\r\nX-Checksum:  abc \r\n\r\nNEXT");
  ASSERT_THAT(o.status, IsOk());
  EXPECT_TRUE(o.done);
  EXPECT_THAT(std::vector<Headers::Field>(o.trailers.begin(), o.trailers.end()),
              ElementsAre(Headers::Field{"Expires", "never"},
                          Headers::Field{"X-Checksum", "abc"}));
  EXPECT_EQ(o.body, "ok");
}

TEST(ChunkedTest, BadChunkSizes) {
  const char* kBad[][2] = {
      {"\r\nabc\r\n0\r\n\r\n", "no hex digits"},              // missing
      {"g\r\n", "no hex digits"},                             // non-hex
      {"-1\r\n", "no hex digits"},                            // negative
      {"0x5\r\nhello\r\n", "junk after size"},                // C-style prefix
      {"5 x\r\nhello\r\n", "junk after size"},
      {"5\n", "crlf"},                                        // bare LF
      {"5\rx\n", "crlf"},
      {"8000000000000000\r\n", "2^63"},                      // 2^63
      {"FFFFFFFFFFFFFFFF\r\n", "2^63"},
      {"00000000000000001\r\n", "more than 16"},             // 17 digits
      {"10000000000000000\r\n", "more than 16"},             // 2^64
      {"5;a\x01\r\nhello\r\n", "control byte"},
  };
  for (const auto& [in, message] : kBad) {
    EXPECT_THAT(Decode(in).status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(message)))
        << in;
  }
  // The largest size is accepted (the body is then just incomplete).
  Outcome o = Decode("7FFFFFFFFFFFFFFF\r\nabc");
  EXPECT_THAT(o.status, IsOk());
  EXPECT_EQ(o.body, "abc");
}

TEST(ChunkedTest, MissingCrlfAfterData) {
  EXPECT_THAT(Decode("3\r\nabcd\r\n0\r\n\r\n").status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing crlf")));
  EXPECT_THAT(Decode("3\r\nabc\n0\r\n\r\n").status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing crlf")));
  EXPECT_THAT(Decode("3\r\nabc\rx").status, StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ChunkedTest, BadTrailers) {
  EXPECT_THAT(Decode("0\r\nBad Name: x\r\n\r\n").status,
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Decode("0\r\n folded\r\n\r\n").status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("obs-fold")));
  EXPECT_THAT(Decode("0\r\nA: b\n\r\n").status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("crlf")));
}

TEST(ChunkedTest, Limits) {
  ParseLimits limits;
  limits.max_line = 16;
  limits.max_headers = 2;
  limits.max_header_bytes = 40;
  EXPECT_THAT(Decode("1;" + std::string(14, 'e') + "\r\nx\r\n0\r\n\r\n", limits).status, IsOk());
  EXPECT_THAT(Decode("1;" + std::string(15, 'e') + "\r\nx\r\n", limits).status,
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_line")));
  // An endless extension fails without a line end.
  EXPECT_THAT(Decode("1;" + std::string(100, 'e'), limits).status,
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(Decode("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits).status,
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_headers 2")));
  EXPECT_THAT(Decode("0\r\nA: 1234567890123\r\nB: 1234567890123\r\nC: 1\r\n\r\n", limits)
                  .status,
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_header_bytes")));
}

TEST(ChunkedTest, CapsFramingOverhead) {
  std::string tiny;
  for (int i = 0; i < 20000; ++i) tiny += "1\r\nx\r\n";  // 5 framing bytes per data byte
  ChunkedDecoder decoder;
  std::string body;
  EXPECT_THAT(decoder.Decode(tiny, &body),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("overhead")));
  // The error sticks.
  EXPECT_THAT(decoder.Decode("0\r\n\r\n", &body), StatusIs(absl::StatusCode::kResourceExhausted));
  std::string fair;
  for (int i = 0; i < 20000; ++i) fair += "10\r\n" + std::string(16, 'y') + "\r\n";
  ChunkedDecoder ok;
  EXPECT_THAT(ok.Decode(fair + "0\r\n\r\n", &body), IsOk());
  EXPECT_TRUE(ok.done());
  EXPECT_EQ(ok.body_bytes(), 20000u * 16);
}

TEST(ChunkedTest, DoneDecoderConsumesNothing) {
  ChunkedDecoder decoder;
  std::string body;
  ASSERT_THAT(decoder.Decode("0\r\n\r\n", &body), IsOk());
  EXPECT_THAT(decoder.Decode("more", &body), testing_util::IsOk());
  EXPECT_EQ(*decoder.Decode("more", &body), 0u);
}

TEST(ChunkedTest, EncodeRoundTrips) {
  EXPECT_EQ(EncodeChunk("hello"), "5\r\nhello\r\n");
  EXPECT_EQ(EncodeChunk(std::string(255, 'z')), "ff\r\n" + std::string(255, 'z') + "\r\n");
  EXPECT_EQ(EncodeChunk(""), "");
  EXPECT_EQ(EncodeLastChunk(), "0\r\n\r\n");
  Outcome o = Decode(EncodeChunk("abc") + EncodeChunk("") + EncodeChunk("de") + EncodeLastChunk());
  ASSERT_THAT(o.status, IsOk());
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.body, "abcde");
}

}  // namespace
}  // namespace http
