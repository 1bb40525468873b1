// test_messages.h: sample messages for tests, the corpus generator and benchmarks (testonly).
//
//   dns::Message m = dns::samples::SampleResponse();   // every RDATA type, EDNS, compression
//   ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, dns::WriteMessage(m));
//   EXPECT_EQ(dns::samples::DescribeMismatch(*dns::MessageView::Parse(wire), m), "");
#ifndef LIB_DNS_TEST_MESSAGES_H_
#define LIB_DNS_TEST_MESSAGES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "lib/base/byte_writer.h"
#include "lib/dns/message.h"
#include "lib/dns/message_view.h"
#include "lib/dns/name.h"

namespace dns::samples {

// SampleResponse returns a response with one record of each parsed RDATA type plus an
// unknown type, spread over all sections, and EDNS with the DO bit and a cookie option.
Message SampleResponse();

// SampleMessages returns a variety of valid messages: queries, responses of each type,
// NXDOMAIN with SOA, extended rcode, empty and odd names.
std::vector<Message> SampleMessages();

// HostileInputs returns hand-built malformed messages (pointer loops, forward pointers,
// reserved label types, overlong names, RDATA overruns, bad OPT records, ...). Each must fail
// to parse with OutOfRange or InvalidArgument.
std::vector<std::vector<uint8_t>> HostileInputs();

// DescribeMismatch compares a parsed view with the message it should hold, decoding every
// record with the view's accessors, and describes the first difference ("" when they agree).
// The view's OPT record is compared with `message.edns`.
std::string DescribeMismatch(const MessageView& view, const Message& message);

// LazyParseStatus parses `bytes` (not kept) with MessageView::Parse, checking RDATA only when
// decoded, then checks each record's RDATA in message order; it returns the first error,
// wrapped as Parse wraps errors. When the lazy Parse succeeds this must equal the status of
// Parse with RdataChecks::kAll; when it fails, that Parse must fail too (perhaps earlier, at
// a record's RDATA).
absl::Status LazyParseStatus(absl::Span<const uint8_t> bytes);

// Packet builds raw, possibly hostile, messages field by field (after c-ares
// test/dns-proto.h). Name() takes a valid presentation name.
class Packet {
 public:
  // Header writes id 0x0102, a response with RD and RA, and the four section counts.
  Packet& Header(uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
    w_.WriteU16(0x0102);
    w_.WriteU16(0x8180);
    for (uint16_t count : {qd, an, ns, ar}) w_.WriteU16(count);
    return *this;
  }
  Packet& Name(const std::string& name) {
    w_.WriteBytes(NameToWire(name).value());  // testonly: a bad name is a test bug
    return *this;
  }
  Packet& Pointer(uint16_t target) {
    w_.WriteU16(0xc000 | target);
    return *this;
  }
  Packet& U8(uint8_t v) {
    w_.WriteU8(v);
    return *this;
  }
  Packet& U16(uint16_t v) {
    w_.WriteU16(v);
    return *this;
  }
  Packet& Bytes(const std::string& bytes) {
    w_.WriteBytes(bytes);
    return *this;
  }
  // Question writes the fixed part of a question after its name: type and class IN.
  Packet& Question(uint16_t type) { return U16(type).U16(kClassIN); }
  // Record writes the fixed part of a record after its owner name: type, class, TTL 60 and
  // `rdlength`.
  Packet& Record(uint16_t type, uint16_t rdlength, uint16_t rclass = kClassIN, uint32_t ttl = 60) {
    w_.WriteU16(type);
    w_.WriteU16(rclass);
    w_.WriteU32(ttl);
    w_.WriteU16(rdlength);
    return *this;
  }
  size_t size() const { return w_.size(); }
  std::vector<uint8_t> bytes() const { return {w_.data().begin(), w_.data().end()}; }

 private:
  base::ByteWriter w_;
};

}  // namespace dns::samples

#endif  // LIB_DNS_TEST_MESSAGES_H_
