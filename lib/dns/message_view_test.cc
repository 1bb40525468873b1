#include "lib/dns/message_view.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/dns/message.h"
#include "lib/dns/parser.h"
#include "lib/dns/test_messages.h"
#include "lib/dns/wire_name.h"
#include "lib/dns/writer.h"
#include "testing/matchers.h"

// Every allocation of this test binary is counted, so a test can assert that a stretch of
// code allocates nothing.
namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace dns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kOutOfRange = absl::StatusCode::kOutOfRange;
constexpr absl::StatusCode kWrongType = absl::StatusCode::kFailedPrecondition;

using samples::Packet;

TEST(MessageViewTest, SampleMessagesDecodeAsWritten) {
  for (const Message& m : samples::SampleMessages()) {
    for (bool compress : {true, false}) {
      ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(m, WriteOptions{compress}));
      ASSERT_OK_AND_ASSIGN(MessageView view, MessageView::Parse(wire));
      EXPECT_EQ(samples::DescribeMismatch(view, m), "") << "message " << m.header.id;
      EXPECT_THAT(MessageView::Parse(wire, RdataChecks::kAll), IsOk());
    }
  }
}

TEST(MessageViewTest, SectionsOffsetsAndNames) {
  Packet p;
  p.Header(1, 2, 0, 0).Name("example.com").Question(kMX);                 // question at 12
  p.Pointer(12).Record(kMX, 9).U16(5).Bytes("\x04mail").Pointer(12);     // answer at 29
  p.Pointer(12).Record(4242, 2).Bytes("hi");                              // answer at 50
  const std::vector<uint8_t> bytes = p.bytes();
  ASSERT_OK_AND_ASSIGN(MessageView view, MessageView::Parse(bytes));
  EXPECT_EQ(view.header().id, 0x0102);
  EXPECT_TRUE(view.header().qr && view.header().rd && view.header().ra);
  EXPECT_EQ(view.bytes().data(), bytes.data());
  ASSERT_EQ(view.questions().size(), 1u);
  const QuestionView q = *view.questions().begin();
  NameBuffer buffer;
  EXPECT_EQ(q.name.Text(buffer), "example.com.");
  EXPECT_EQ(q.name.offset(), 12u);
  EXPECT_EQ(q.type, kMX);
  EXPECT_EQ(q.qclass, kClassIN);
  EXPECT_TRUE(view.authorities().empty());
  EXPECT_TRUE(view.additionals().empty());

  std::vector<size_t> offsets;
  for (const RecordView& rr : view.answers()) offsets.push_back(rr.offset());
  EXPECT_THAT(offsets, ElementsAre(29, 50));
  auto it = view.answers().begin();
  const RecordView& mx_record = *it;
  EXPECT_EQ(mx_record.name().Text(buffer), "example.com.");
  EXPECT_EQ(mx_record.ttl(), 60u);
  EXPECT_EQ(mx_record.rdata_offset(), 41u);
  ASSERT_OK_AND_ASSIGN(MxView mx, mx_record.AsMx());
  EXPECT_EQ(mx.preference, 5);
  const absl::string_view exchange = mx.exchange.Text(buffer);
  EXPECT_EQ(exchange, "mail.example.com.");
  EXPECT_EQ(exchange.data(), buffer.data());  // decompressed into the caller's buffer
  ++it;
  EXPECT_EQ(it->type(), 4242);
  EXPECT_THAT(it->rdata(), ElementsAre('h', 'i'));
  EXPECT_EQ(it->rdata().data(), bytes.data() + 62);  // a view into the message
  EXPECT_THAT(it->CheckRdata(), IsOk());              // unknown types are kept as bytes
  ++it;
  EXPECT_TRUE(it == view.answers().end());
}

TEST(MessageViewTest, RdataOfEachType) {
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(samples::SampleResponse()));
  ASSERT_OK_AND_ASSIGN(MessageView view, MessageView::Parse(wire));
  NameBuffer buffer;
  std::vector<std::string> seen;
  for (const RecordView& rr : view.answers()) {
    if (auto a = rr.AsA(); a.ok()) {
      EXPECT_THAT(*a, ElementsAre(192, 0, 2, 1));
    } else if (auto txt = rr.AsTxt(); txt.ok()) {
      EXPECT_EQ(txt->size(), 2u);
      EXPECT_THAT(std::vector<std::string>(txt->begin(), txt->end()),
                  ElementsAre("v=spf1 -all", "say \"hi\"\\\x01"));
    } else if (auto srv = rr.AsSrv(); srv.ok()) {
      EXPECT_EQ(srv->port, 5060);
      EXPECT_EQ(srv->target.Text(buffer), "sip.example.com.");
    } else if (auto caa = rr.AsCaa(); caa.ok()) {
      EXPECT_EQ(caa->tag, "issue");
      EXPECT_EQ(caa->value, "letsencrypt.org");
    }
    seen.push_back(TypeToString(rr.type()));
  }
  EXPECT_THAT(seen, ElementsAre("CNAME", "A", "AAAA", "MX", "TXT", "SRV", "CAA", "PTR",
                                "TYPE65534"));
  auto soa_record = view.authorities().begin();
  ++soa_record;
  ASSERT_OK_AND_ASSIGN(SoaView soa, soa_record->AsSoa());
  EXPECT_EQ(soa.rname.Text(buffer), "hostmaster.example.com.");
  EXPECT_EQ(soa.serial, 2024010101u);
  EXPECT_EQ(soa.minimum, 300u);
}

TEST(MessageViewTest, WrongTypeIsFailedPrecondition) {
  Packet p;
  p.Header(0, 1, 0, 0).Name("a.example").Record(kA, 4).Bytes("\x01\x02\x03\x04");
  const std::vector<uint8_t> bytes = p.bytes();  // the view points into it
  ASSERT_OK_AND_ASSIGN(MessageView view, MessageView::Parse(bytes));
  const RecordView rr = *view.answers().begin();
  EXPECT_THAT(rr.AsMx(), StatusIs(kWrongType, HasSubstr("record at offset 12 is A, not MX")));
  EXPECT_THAT(rr.AsName(), StatusIs(kWrongType, HasSubstr("not NS, CNAME or PTR")));
  EXPECT_THAT(rr.AsA(), IsOk());
}

TEST(MessageViewTest, Edns) {
  Packet p;
  p.Header(0, 0, 0, 2).U8(0).Record(kOPT, 12, 4096, 0x01008000).U16(10).U16(4).Bytes("abcd");
  p.U16(12).U16(0);
  p.Name("a.example").Record(kA, 4).Bytes("\x01\x02\x03\x04");
  const std::vector<uint8_t> bytes = p.bytes();  // the view points into it
  ASSERT_OK_AND_ASSIGN(MessageView view, MessageView::Parse(bytes));
  EXPECT_EQ(view.header().rcode, kBadVers);  // 1 << 4 from the OPT TTL, 0 in the header
  ASSERT_TRUE(view.edns().has_value());
  const EdnsView edns = *view.edns();
  EXPECT_EQ(edns.udp_payload_size, 4096);
  EXPECT_EQ(edns.extended_rcode, 1);
  EXPECT_EQ(edns.version, 0);
  EXPECT_TRUE(edns.dnssec_ok);
  std::vector<std::string> options;
  for (const EdnsOptionView& option : edns.options) {
    options.push_back(absl::StrCat(option.code, "=", option.data));
  }
  EXPECT_THAT(options, ElementsAre("10=abcd", "12="));
  EXPECT_EQ(view.additionals().size(), 2u);  // the OPT record stays in the section
  EXPECT_EQ(view.additionals().begin()->type(), kOPT);
}

TEST(MessageViewTest, RdataIsCheckedWhenDecoded) {
  // The MX in the authority section has 3 bytes after its exchange: Parse frames it, the
  // accessor rejects it, and ParseMessage and Parse with kAll stop there.
  Packet p;
  p.Header(0, 1, 1, 0).Name("a.example").Record(kA, 4).Bytes("\x01\x02\x03\x04");
  p.Pointer(12).Record(kMX, 6).U16(1).U8(0).Bytes("zzz");
  const std::vector<uint8_t> bytes = p.bytes();
  ASSERT_OK_AND_ASSIGN(MessageView view, MessageView::Parse(bytes));
  EXPECT_THAT(view.answers().begin()->AsA(), IsOk());
  const RecordView mx = *view.authorities().begin();
  EXPECT_THAT(mx.AsMx(), StatusIs(kInvalid, HasSubstr("MX rdata has 3 unread bytes at offset 52")));
  EXPECT_THAT(mx.CheckRdata(), StatusIs(kInvalid, HasSubstr("MX rdata has 3 unread bytes")));
  const std::string want = "dns: authority 0 of 1 at offset 37: MX rdata has 3 unread bytes";
  EXPECT_THAT(MessageView::Parse(bytes, RdataChecks::kAll), StatusIs(kInvalid, HasSubstr(want)));
  EXPECT_THAT(ParseMessage(bytes), StatusIs(kInvalid, HasSubstr(want)));
  EXPECT_THAT(samples::LazyParseStatus(bytes), StatusIs(kInvalid, HasSubstr(want)));
}

TEST(MessageViewTest, HostileOwnerNames) {
  Packet loop;
  loop.Header(0, 1, 0, 0).Pointer(12);
  EXPECT_THAT(MessageView::Parse(loop.bytes()),
              StatusIs(kInvalid, HasSubstr("answer 0 of 1 at offset 12: compression pointer to "
                                           "12 does not point before 12 (loop or forward "
                                           "pointer) at offset 12")));
  Packet cycle;
  cycle.Header(1, 0, 0, 0).Pointer(14).Pointer(12);
  EXPECT_THAT(MessageView::Parse(cycle.bytes()),
              StatusIs(kInvalid, HasSubstr("question 0 of 1 at offset 12: compression pointer "
                                           "to 14 does not point before 12")));
  Packet forward;
  forward.Header(1, 0, 0, 0).Pointer(16).U8(0).U8(0).Question(kA);
  EXPECT_THAT(MessageView::Parse(forward.bytes()),
              StatusIs(kInvalid, HasSubstr("pointer to 16 does not point before 12")));
  Packet past;
  past.Header(1, 0, 0, 0).Pointer(0x3fff);
  EXPECT_THAT(MessageView::Parse(past.bytes()),
              StatusIs(kInvalid, HasSubstr("compression pointer to 16383 past end of message "
                                           "(14 bytes) at offset 12")));
  Packet label64;
  label64.Header(1, 0, 0, 0).U8(64).Bytes(std::string(64, 'a')).U8(0).Question(kA);
  EXPECT_THAT(MessageView::Parse(label64.bytes()),
              StatusIs(kInvalid, HasSubstr("reserved label type 0x40 (length byte 0x40) at "
                                           "offset 12")));
  Packet long_name;
  long_name.Header(1, 0, 0, 0);
  for (int i = 0; i < 4; ++i) long_name.U8(63).Bytes(std::string(63, 'x'));
  long_name.U8(0).Question(kA);
  EXPECT_THAT(MessageView::Parse(long_name.bytes()),
              StatusIs(kInvalid, HasSubstr("name at offset 12 longer than 255 octets at offset "
                                           "204")));
}

TEST(MessageViewTest, HostileNameInRdataFailsWhenDecoded) {
  // The MX exchange points at itself; the owner and framing are fine.
  Packet p;
  p.Header(0, 1, 0, 0).U8(0).Record(kMX, 4).U16(10).Pointer(25);
  const std::vector<uint8_t> bytes = p.bytes();  // the view points into it
  ASSERT_OK_AND_ASSIGN(MessageView view, MessageView::Parse(bytes));
  EXPECT_THAT(view.answers().begin()->AsMx(),
              StatusIs(kInvalid, HasSubstr("compression pointer to 25 does not point before 25")));
  EXPECT_THAT(MessageView::Parse(bytes, RdataChecks::kAll),
              StatusIs(kInvalid, HasSubstr("answer 0 of 1 at offset 12: compression pointer")));
}

TEST(MessageViewTest, CountsTruncationAndTrailingBytes) {
  EXPECT_THAT(MessageView::Parse(std::vector<uint8_t>(11)),
              StatusIs(kOutOfRange, HasSubstr("dns: header needs 12 bytes, message has 11")));
  EXPECT_THAT(MessageView::Parse({}), StatusIs(kOutOfRange));
  Packet counts;
  counts.Header(1, 3, 0, 0).Name("a.example").Question(kA);
  counts.Pointer(12).Record(kA, 4).Bytes("\x01\x02\x03\x04");
  EXPECT_THAT(MessageView::Parse(counts.bytes()),
              StatusIs(kOutOfRange, HasSubstr("dns: answer 1 of 3 at offset 43: name at offset 43 "
                                              "truncated at offset 43")));
  Packet fields;
  fields.Header(1, 0, 0, 0).Name("a.example").U16(kA);
  EXPECT_THAT(MessageView::Parse(fields.bytes()),
              StatusIs(kOutOfRange, HasSubstr("question type and class need 4 bytes, 2 remain "
                                              "at offset 23")));
  Packet rdlength;
  rdlength.Header(0, 1, 0, 0).Name("a.example").Record(kA, 100).Bytes("\x01\x02\x03\x04");
  EXPECT_THAT(MessageView::Parse(rdlength.bytes()),
              StatusIs(kOutOfRange, HasSubstr("rdlength 100 > remaining 4 at offset 31")));
  Packet trailing;
  trailing.Header(1, 0, 0, 0).Name("a.example").Question(kA).Bytes("xyz");
  EXPECT_THAT(MessageView::Parse(trailing.bytes()),
              StatusIs(kInvalid, HasSubstr("dns: trailing 3 bytes at offset 27")));
}

TEST(MessageViewTest, EveryPrefixIsOutOfRange) {
  for (const Message& m : samples::SampleMessages()) {
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(m));
    for (size_t n = 0; n < wire.size(); ++n) {
      std::vector<uint8_t> prefix(wire.begin(), wire.begin() + n);  // exact size for ASan
      EXPECT_THAT(MessageView::Parse(prefix), StatusIs(kOutOfRange))
          << "message " << m.header.id << " cut at " << n << " of " << wire.size();
    }
  }
}

TEST(MessageViewTest, LazyAndFullChecksAgreeOnHostileInputs) {
  for (const std::vector<uint8_t>& input : samples::HostileInputs()) {
    const absl::Status full = MessageView::Parse(input, RdataChecks::kAll).status();
    EXPECT_FALSE(full.ok());
    EXPECT_EQ(full, ParseMessage(input).status());
    if (MessageView::Parse(input).ok()) {
      EXPECT_EQ(samples::LazyParseStatus(input), full);
    }
  }
}

TEST(MessageViewTest, ParseAndDecodeAllocateNothing) {
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, WriteMessage(samples::SampleResponse()));
  NameBuffer buffer;
  size_t text_bytes = 0;
  const size_t before = g_allocations.load();
  absl::StatusOr<MessageView> view = MessageView::Parse(wire, RdataChecks::kAll);
  const size_t parsed = g_allocations.load();
  ASSERT_TRUE(view.ok());
  for (const QuestionView& q : view->questions()) text_bytes += q.name.Text(buffer).size();
  for (const auto& section : {view->answers(), view->authorities(), view->additionals()}) {
    for (const RecordView& rr : section) {
      text_bytes += rr.name().Text(buffer).size();
      // (Asking a record for another type than its own is an error with a message, which
      // allocates: look at type() first.)
      if (rr.type() == kMX) text_bytes += rr.AsMx()->exchange.Text(buffer).size();
      if (rr.type() == kSOA) text_bytes += rr.AsSoa()->rname.Text(buffer).size();
      if (rr.type() == kTXT) text_bytes += rr.AsTxt()->size();
      if (rr.type() == kA) text_bytes += rr.AsA()->size();
    }
  }
  const size_t after = g_allocations.load();
  EXPECT_EQ(parsed, before);
  EXPECT_EQ(after, parsed);
  EXPECT_GT(text_bytes, 100u);
}

TEST(MessageViewTest, ParseHeaderAndFirstQuestion) {
  Packet p;
  p.Header(2, 0, 0, 0).Name("a.example").Question(kMX).Bytes("garbage");
  ASSERT_OK_AND_ASSIGN(Header h, MessageView::ParseHeader(p.bytes()));
  EXPECT_EQ(h.id, 0x0102);
  const std::vector<uint8_t> bytes = p.bytes();
  ASSERT_OK_AND_ASSIGN(QuestionView q, MessageView::ParseFirstQuestion(bytes));
  EXPECT_EQ(q.name.ToString(), "a.example.");
  EXPECT_EQ(q.type, kMX);
  EXPECT_THAT(MessageView::Parse(bytes), StatusIs(kInvalid, HasSubstr("question 1 of 2")));
  Packet none;
  none.Header(0, 0, 0, 0);
  EXPECT_THAT(MessageView::ParseFirstQuestion(none.bytes()),
              StatusIs(kInvalid, HasSubstr("dns: message has no question")));
}

}  // namespace
}  // namespace dns
