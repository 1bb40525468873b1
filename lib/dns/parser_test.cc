#include "lib/dns/parser.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/dns/message.h"
#include "lib/dns/test_messages.h"
#include "lib/dns/writer.h"
#include "testing/matchers.h"

namespace dns {
namespace {

using ::testing::HasSubstr;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kOutOfRange = absl::StatusCode::kOutOfRange;

using samples::Packet;

TEST(ParseMessageTest, ParsesWrittenSample) {
  const Message m = samples::SampleResponse();
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(m));
  ASSERT_OK_AND_ASSIGN(Message parsed, ParseMessage(wire));
  EXPECT_EQ(parsed, m);
  EXPECT_EQ(std::get<Mx>(parsed.answers[3].data).exchange, "mail.example.com.");
  EXPECT_TRUE(parsed.edns->dnssec_ok);
}

TEST(ParseMessageTest, BuiltByHand) {
  Packet p;
  p.Header(1, 2, 0, 0).Name("example.com").Question(kMX);
  p.Pointer(12).Record(kMX, 9).U16(5).Bytes("\x04mail").Pointer(12);
  p.Pointer(12).Record(4242, 2).Bytes("hi");
  ASSERT_OK_AND_ASSIGN(Message m, ParseMessage(p.bytes()));
  EXPECT_EQ(m.header.id, 0x0102);
  EXPECT_TRUE(m.header.qr && m.header.rd && m.header.ra);
  EXPECT_FALSE(m.header.aa || m.header.tc || m.header.ad || m.header.cd);
  ASSERT_EQ(m.answers.size(), 2u);
  EXPECT_EQ(m.answers[0].name, "example.com.");
  EXPECT_EQ(m.answers[0].ttl, 60u);
  EXPECT_EQ(m.answers[0].data, Rdata(Mx{5, "mail.example.com."}));
  EXPECT_EQ(m.answers[1].data, Rdata(Raw{{'h', 'i'}}));
}

TEST(ParseMessageTest, TruncatedHeader) {
  std::vector<uint8_t> bytes(11);
  EXPECT_THAT(ParseMessage(bytes),
              StatusIs(kOutOfRange, HasSubstr("dns: header needs 12 bytes, message has 11")));
  EXPECT_THAT(ParseHeader(bytes), StatusIs(kOutOfRange));
  EXPECT_THAT(ParseMessage({}), StatusIs(kOutOfRange));
}

TEST(ParseMessageTest, EveryPrefixIsOutOfRange) {
  for (const Message& m : samples::SampleMessages()) {
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(m));
    for (size_t n = 0; n < wire.size(); ++n) {
      std::vector<uint8_t> prefix(wire.begin(), wire.begin() + n);  // exact size for ASan
      EXPECT_THAT(ParseMessage(prefix), StatusIs(kOutOfRange))
          << "message " << m.header.id << " cut at " << n << " of " << wire.size();
    }
  }
}

TEST(ParseMessageTest, CountsLargerThanRecords) {
  Packet p;
  p.Header(1, 3, 0, 0).Name("a.example").Question(kA);
  p.Pointer(12).Record(kA, 4).Bytes("\x01\x02\x03\x04");
  EXPECT_THAT(ParseMessage(p.bytes()),
              StatusIs(kOutOfRange, HasSubstr("dns: answer 1 of 3 at offset 43: name at")));
  Packet q;
  q.Header(2, 0, 0, 0).Name("a.example").Question(kA);
  EXPECT_THAT(ParseMessage(q.bytes()), StatusIs(kOutOfRange, HasSubstr("question 1 of 2")));
  Packet r;
  r.Header(0, 0, 0, 1);
  EXPECT_THAT(ParseMessage(r.bytes()), StatusIs(kOutOfRange, HasSubstr("additional 0 of 1")));
}

TEST(ParseMessageTest, TrailingBytes) {
  Packet p;
  p.Header(1, 0, 0, 0).Name("a.example").Question(kA).Bytes("xyz");
  EXPECT_THAT(ParseMessage(p.bytes()),
              StatusIs(kInvalid, HasSubstr("dns: trailing 3 bytes at offset 27")));
}

TEST(ParseMessageTest, RdlengthOverrunsMessage) {
  Packet p;
  p.Header(0, 1, 0, 0).Name("a.example").Record(kA, 100).Bytes("\x01\x02\x03\x04");
  EXPECT_THAT(ParseMessage(p.bytes()),
              StatusIs(kOutOfRange, HasSubstr("answer 0 of 1 at offset 12: rdlength 100 > "
                                              "remaining 4 at offset 31")));
}

TEST(ParseMessageTest, AddressWithWrongLength) {
  Packet p;
  p.Header(0, 1, 0, 0).Name("a.example").Record(kA, 5).Bytes("\x01\x02\x03\x04\x05");
  EXPECT_THAT(ParseMessage(p.bytes()),
              StatusIs(kInvalid, HasSubstr("A rdata length 5, want 4 at offset 33")));
  Packet q;
  q.Header(0, 1, 0, 0).Name("a.example").Record(kAAAA, 4).Bytes("\x01\x02\x03\x04");
  EXPECT_THAT(ParseMessage(q.bytes()),
              StatusIs(kInvalid, HasSubstr("AAAA rdata length 4, want 16")));
}

TEST(ParseMessageTest, TxtStringPastRdlength) {
  // The string claims 10 bytes but RDLENGTH holds 4; the bytes after it belong to no record.
  Packet p;
  p.Header(0, 1, 0, 0).Name("a.example").Record(kTXT, 4).U8(10).Bytes("abcdefghij");
  EXPECT_THAT(ParseMessage(p.bytes()),
              StatusIs(kInvalid, HasSubstr("string of 10 bytes at offset 33 overruns rdata "
                                           "end 37")));
}

TEST(ParseMessageTest, UnreadRdataBytes) {
  Packet p;
  p.Header(0, 1, 0, 0).Name("a.example").Record(kMX, 6).U16(1).U8(0).Bytes("zzz");
  EXPECT_THAT(ParseMessage(p.bytes()),
              StatusIs(kInvalid, HasSubstr("MX rdata has 3 unread bytes at offset 36")));
}

TEST(ParseMessageTest, NameInRdataPastRdlength) {
  Packet p;
  p.Header(0, 1, 0, 0).Name("a.example").Record(kCNAME, 3).Name("b.example");
  EXPECT_THAT(ParseMessage(p.bytes()),
              StatusIs(kInvalid, HasSubstr("name at offset 33 ends at 44, past rdata end 36")));
}

TEST(ParseMessageTest, NameInRdataRunningOffMessage) {
  Packet p;
  p.Header(0, 1, 0, 0)
      .Name("a.example")
      .Record(kNS, 3)
      .Bytes(
          "\x05"
          "ab");
  EXPECT_THAT(ParseMessage(p.bytes()),
              StatusIs(kInvalid, HasSubstr("NS rdata of 3 bytes at offset 33 is malformed")));
}

TEST(ParseMessageTest, TruncatedFixedRdataFields) {
  Packet p;
  p.Header(0, 1, 0, 0).Name("a.example").Record(kSRV, 4).U16(1).U16(2);
  EXPECT_THAT(ParseMessage(p.bytes()),
              StatusIs(kInvalid, HasSubstr("SRV rdata of 4 bytes at offset 33 is malformed")));
}

TEST(ParseMessageTest, HostileOwnerNames) {
  Packet loop;
  loop.Header(0, 1, 0, 0).Pointer(12);
  EXPECT_THAT(ParseMessage(loop.bytes()),
              StatusIs(kInvalid, HasSubstr("answer 0 of 1 at offset 12: compression pointer to "
                                           "12 does not point before 12")));
  Packet cycle;
  cycle.Header(1, 0, 0, 0).Pointer(14).Pointer(12);
  EXPECT_THAT(ParseMessage(cycle.bytes()), StatusIs(kInvalid, HasSubstr("loop or forward")));
  Packet past;
  past.Header(1, 0, 0, 0).Pointer(0x3fff);
  EXPECT_THAT(ParseMessage(past.bytes()), StatusIs(kInvalid, HasSubstr("past end of message")));
  Packet reserved;
  reserved.Header(1, 0, 0, 0).U8(0x40).Question(kA);
  EXPECT_THAT(ParseMessage(reserved.bytes()),
              StatusIs(kInvalid, HasSubstr("reserved label type 0x40")));
}

TEST(ParseMessageTest, RdataNamePointsBackIntoMessage) {
  Packet p;
  p.Header(0, 1, 0, 0).Name("a.example").Record(kPTR, 4).U8(1).Bytes("b").Pointer(14);
  ASSERT_OK_AND_ASSIGN(Message m, ParseMessage(p.bytes()));
  EXPECT_EQ(std::get<NameRdata>(m.answers[0].data).name, "b.example.");
}

TEST(ParseMessageTest, Edns) {
  Packet p;
  p.Header(0, 0, 0, 1).U8(0).Record(kOPT, 8, 4096, 0x01008000).U16(10).U16(4).Bytes("abcd");
  ASSERT_OK_AND_ASSIGN(Message m, ParseMessage(p.bytes()));
  ASSERT_TRUE(m.edns.has_value());
  EXPECT_EQ(*m.edns, (Edns{4096, 0, true, {EdnsOption{10, "abcd"}}}));
  EXPECT_EQ(m.header.rcode, kBadVers);
  EXPECT_TRUE(m.additionals.empty());
}

TEST(ParseMessageTest, BadOpt) {
  Packet answer;
  answer.Header(0, 1, 0, 0).U8(0).Record(kOPT, 0, 512);
  EXPECT_THAT(ParseMessage(answer.bytes()),
              StatusIs(kInvalid, HasSubstr("OPT record in answer section at offset 12")));
  Packet twice;
  twice.Header(0, 0, 0, 2).U8(0).Record(kOPT, 0, 512).U8(0).Record(kOPT, 0, 512);
  EXPECT_THAT(ParseMessage(twice.bytes()),
              StatusIs(kInvalid, HasSubstr("second OPT record at offset 23")));
  Packet owner;
  owner.Header(0, 0, 0, 1).Name("a").Record(kOPT, 0, 512);
  EXPECT_THAT(ParseMessage(owner.bytes()), StatusIs(kInvalid, HasSubstr("is not the root")));
  Packet option;
  option.Header(0, 0, 0, 1).U8(0).Record(kOPT, 6, 512).U16(10).U16(9).U16(0);
  EXPECT_THAT(ParseMessage(option.bytes()),
              StatusIs(kInvalid, HasSubstr("edns option 10 of 9 bytes at offset 23 overruns")));
}

TEST(ParseMessageTest, BadCaa) {
  Packet empty_tag;
  empty_tag.Header(0, 1, 0, 0).U8(0).Record(kCAA, 3).U8(0).U8(0).Bytes("x");
  EXPECT_THAT(ParseMessage(empty_tag.bytes()), StatusIs(kInvalid, HasSubstr("empty CAA tag")));
  Packet bad_tag;
  bad_tag.Header(0, 1, 0, 0).U8(0).Record(kCAA, 4).U8(0).U8(2).Bytes("a-x");
  EXPECT_THAT(ParseMessage(bad_tag.bytes()),
              StatusIs(kInvalid, HasSubstr("CAA tag byte 45 is not alphanumeric")));
}

TEST(ParseMessageTest, EveryHostileInputFails) {
  const std::vector<std::vector<uint8_t>> inputs = samples::HostileInputs();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const absl::Status status = ParseMessage(inputs[i]).status();
    EXPECT_TRUE(status.code() == kInvalid || status.code() == kOutOfRange) << i << ": " << status;
    EXPECT_THAT(std::string(status.message()), ::testing::StartsWith("dns: ")) << i;
  }
  EXPECT_THAT(ParseMessage(inputs[6]), StatusIs(kInvalid, HasSubstr("longer than 255 octets")));
  EXPECT_THAT(ParseMessage(inputs[19]),
              StatusIs(kInvalid, HasSubstr("more than 128 compression pointers")));
}

TEST(ParseHeaderTest, Flags) {
  Packet p;
  p.U16(0xabcd).U16(0x87b3).U16(0).U16(0).U16(0).U16(0);
  ASSERT_OK_AND_ASSIGN(Header h, ParseHeader(p.bytes()));
  EXPECT_EQ(h.id, 0xabcd);
  EXPECT_TRUE(h.qr && h.aa && h.tc && h.rd && h.ra && h.ad && h.cd);
  EXPECT_EQ(h.opcode, 0);
  EXPECT_EQ(h.rcode, 3);
}

TEST(ParseFirstQuestionTest, ReadsOnlyTheFirst) {
  Packet p;
  p.Header(2, 0, 0, 0).Name("a.example").Question(kMX).Bytes("garbage");
  ASSERT_OK_AND_ASSIGN(Question q, ParseFirstQuestion(p.bytes()));
  EXPECT_EQ(q, (Question{"a.example.", kMX, kClassIN}));
  Packet none;
  none.Header(0, 0, 0, 0);
  EXPECT_THAT(ParseFirstQuestion(none.bytes()),
              StatusIs(kInvalid, HasSubstr("dns: message has no question")));
  Packet cut;
  cut.Header(1, 0, 0, 0).Name("a.example");
  EXPECT_THAT(ParseFirstQuestion(cut.bytes()), StatusIs(kOutOfRange, HasSubstr("question 0 of 1")));
}

}  // namespace
}  // namespace dns
