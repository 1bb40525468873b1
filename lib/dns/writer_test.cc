#include "lib/dns/writer.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/dns/message.h"
#include "lib/dns/name.h"
#include "lib/dns/parser.h"
#include "lib/dns/test_messages.h"
#include "testing/matchers.h"

namespace dns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

TEST(WriteMessageTest, RoundTripsEverySample) {
  for (const Message& m : samples::SampleMessages()) {
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(m));
    ASSERT_OK_AND_ASSIGN(Message parsed, ParseMessage(wire));
    EXPECT_EQ(parsed, m) << "message id " << m.header.id;
  }
}

TEST(WriteMessageTest, CompressionShrinksAndParsesTheSame) {
  const Message m = samples::SampleResponse();
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> compressed, WriteMessage(m));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> plain, WriteMessage(m, WriteOptions{false}));
  EXPECT_LT(compressed.size() + 100, plain.size());
  ASSERT_OK_AND_ASSIGN(Message from_compressed, ParseMessage(compressed));
  ASSERT_OK_AND_ASSIGN(Message from_plain, ParseMessage(plain));
  EXPECT_EQ(from_compressed, from_plain);
  EXPECT_EQ(from_plain, m);
}

TEST(WriteMessageTest, CompressionIsCaseExact) {
  Message m;
  m.questions.push_back({"www.example.com.", kA, kClassIN});
  m.answers.push_back({"WWW.Example.com.", kA, kClassIN, 5, A{{1, 2, 3, 4}}});
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(m));
  ASSERT_OK_AND_ASSIGN(Message parsed, ParseMessage(wire));
  EXPECT_EQ(parsed.answers[0].name, "WWW.Example.com.");
  // Only "com." is shared: header, question (17 + 4), "WWW" "Example" + pointer, fields, rdata.
  EXPECT_THAT(wire, SizeIs(12 + 21 + (4 + 8 + 2) + 10 + 4));
}

TEST(WriteMessageTest, PointsBackToEarlierName) {
  Message m;
  m.questions.push_back({"example.com.", kMX, kClassIN});
  m.answers.push_back({"example.com.", kMX, kClassIN, 5, Mx{10, "mail.example.com."}});
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(m));
  // The answer's owner is a pointer to the question name at offset 12, and the exchange is
  // "mail" followed by a pointer to 12 too.
  const std::vector<uint8_t> tail(wire.end() - 9, wire.end());
  EXPECT_THAT(tail, ElementsAre(0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 12));
  EXPECT_EQ(wire[12 + 13 + 4], 0xc0);
  EXPECT_EQ(wire[12 + 13 + 5], 12);
}

TEST(WriteMessageTest, SrvTargetIsNotCompressed) {
  Message m;
  m.answers.push_back({"_sip._tcp.example.com.", kSRV, kClassIN, 5, Srv{1, 2, 3, "example.com."}});
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(m));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> target, NameToWire("example.com."));
  EXPECT_TRUE(std::equal(target.rbegin(), target.rend(), wire.rbegin()));
}

TEST(WriteMessageTest, ExtendedRcodeGoesIntoOpt) {
  Message m;
  m.header.rcode = kBadVers;
  m.edns = Edns{1232, 0, true, {}};
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(m));
  EXPECT_EQ(wire[3] & 0xf, 0);
  // OPT: root, type 41, class 1232, TTL = rcode high bits 1, version 0, DO, rdlength 0.
  const std::vector<uint8_t> opt(wire.begin() + 12, wire.end());
  EXPECT_THAT(opt, ElementsAre(0, 0, 41, 0x04, 0xd0, 1, 0, 0x80, 0, 0, 0));
  ASSERT_OK_AND_ASSIGN(Message parsed, ParseMessage(wire));
  EXPECT_EQ(parsed.header.rcode, kBadVers);
}

TEST(WriteMessageTest, Rejects) {
  Message m;
  m.header.rcode = kBadVers;
  EXPECT_THAT(WriteMessage(m), StatusIs(kInvalid, HasSubstr("dns: rcode 16 over 15 needs edns")));

  m = Message();
  m.answers.push_back({".", kOPT, 512, 0, Opt{}});
  EXPECT_THAT(WriteMessage(m),
              StatusIs(kInvalid, HasSubstr("OPT record in answer section; set Message::edns")));

  m = Message();
  m.answers.push_back({"a.", kA, kClassIN, 0, Mx{1, "b."}});
  EXPECT_THAT(WriteMessage(m), StatusIs(kInvalid, HasSubstr("record a. of type A holds rdata")));

  m = Message();
  m.answers.push_back({"a.", kTXT, kClassIN, 0, Txt{{std::string(256, 'x')}}});
  EXPECT_THAT(WriteMessage(m), StatusIs(kInvalid, HasSubstr("TXT string of 256 bytes over 255")));

  m = Message();
  m.answers.push_back({"a.", kCAA, kClassIN, 0, Caa{0, "", "x"}});
  EXPECT_THAT(WriteMessage(m), StatusIs(kInvalid, HasSubstr("empty tag")));

  m = Message();
  m.questions.push_back({"a..b", kA, kClassIN});
  EXPECT_THAT(WriteMessage(m), StatusIs(kInvalid, HasSubstr("empty label")));

  m = Message();
  m.answers.push_back({"a.", 99, kClassIN, 0, Raw{std::vector<uint8_t>(70000)}});
  EXPECT_THAT(WriteMessage(m), StatusIs(kInvalid, HasSubstr("rdata of 70000 bytes over 65535")));
}

TEST(BuildQueryTest, Fields) {
  QueryOptions opts;
  opts.id = 0x1234;
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, BuildQuery("example.com", kAAAA, opts));
  EXPECT_THAT(std::vector<uint8_t>(wire.begin(), wire.begin() + 12),
              ElementsAre(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1));
  ASSERT_OK_AND_ASSIGN(Message parsed, ParseMessage(wire));
  EXPECT_EQ(parsed.questions, (std::vector<Question>{{"example.com.", kAAAA, kClassIN}}));
  ASSERT_TRUE(parsed.edns.has_value());
  EXPECT_EQ(parsed.edns->udp_payload_size, 1232);
}

TEST(BuildQueryTest, WithoutEdnsOrRecursion) {
  QueryOptions opts;
  opts.edns = false;
  opts.recursion_desired = false;
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, BuildQuery(".", kNS, opts));
  ASSERT_OK_AND_ASSIGN(Message parsed, ParseMessage(wire));
  EXPECT_FALSE(parsed.header.rd);
  EXPECT_FALSE(parsed.edns.has_value());
  EXPECT_THAT(wire, SizeIs(12 + 1 + 4));
}

TEST(BuildQueryTest, RandomIdAndBadName) {
  EXPECT_THAT(BuildQuery("example.com", kA, QueryOptions()), IsOk());
  EXPECT_THAT(BuildQuery("bad..name", kA, QueryOptions()),
              StatusIs(kInvalid, HasSubstr("empty label")));
}

}  // namespace
}  // namespace dns
