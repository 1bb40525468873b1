#include "lib/dns/parser.h"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "lib/base/byte_reader.h"
#include "lib/base/status_macros.h"
#include "lib/dns/message.h"
#include "lib/dns/name.h"

namespace dns {
namespace {

constexpr size_t kHeaderSize = 12;

// Section indexes into WireHeader::counts.
enum Section { kQuestionSection, kAnswerSection, kAuthoritySection, kAdditionalSection };
constexpr const char* kSectionNames[] = {"question", "answer", "authority", "additional"};

struct WireHeader {
  Header header;
  std::array<uint16_t, 4> counts{};
};

absl::StatusOr<WireHeader> ReadHeader(base::ByteReader& reader) {
  if (reader.remaining() < kHeaderSize) {
    return absl::OutOfRangeError(absl::StrCat("dns: header needs 12 bytes, message has ",
                                              reader.remaining(), " at offset ", reader.offset()));
  }
  WireHeader w;
  ASSIGN_OR_RETURN(w.header.id, reader.ReadU16());
  ASSIGN_OR_RETURN(uint16_t flags, reader.ReadU16());
  Header& h = w.header;
  h.qr = flags & 0x8000;
  h.opcode = static_cast<uint8_t>(flags >> 11 & 0xf);
  h.aa = flags & 0x0400;
  h.tc = flags & 0x0200;
  h.rd = flags & 0x0100;
  h.ra = flags & 0x0080;
  h.ad = flags & 0x0020;
  h.cd = flags & 0x0010;
  h.rcode = flags & 0xf;
  for (uint16_t& count : w.counts) {
    ASSIGN_OR_RETURN(count, reader.ReadU16());
  }
  return w;
}

absl::StatusOr<Question> ReadQuestion(base::ByteReader& reader) {
  Question q;
  ASSIGN_OR_RETURN(q.name, ReadName(reader));
  ASSIGN_OR_RETURN(q.type, reader.ReadU16());
  ASSIGN_OR_RETURN(q.qclass, reader.ReadU16());
  return q;
}

// RdataReader reads one record's RDATA: fixed fields from a reader limited to RDLENGTH, names
// from a reader over the whole message (they may point back into it) that must end within
// RDLENGTH.
class RdataReader {
 public:
  RdataReader(absl::Span<const uint8_t> message, size_t start, size_t length)
      : message_(message), start_(start), fields_(message.subspan(start, length)) {}

  base::ByteReader& fields() { return fields_; }
  size_t offset() const { return start_ + fields_.offset(); }
  size_t end() const { return start_ + fields_.size(); }

  absl::StatusOr<std::string> ReadName() {
    base::ByteReader whole(message_);
    RETURN_IF_ERROR(whole.Seek(offset()));
    ASSIGN_OR_RETURN(std::string name, dns::ReadName(whole));
    if (whole.offset() > end()) {
      return absl::InvalidArgumentError(absl::StrCat("dns: name at offset ", offset(), " ends at ",
                                                     whole.offset(), ", past rdata end ", end()));
    }
    RETURN_IF_ERROR(fields_.Skip(whole.offset() - offset()));
    return name;
  }

  // ReadCharacterString reads a length-prefixed string (RFC 1035 section 3.3).
  absl::StatusOr<std::string> ReadCharacterString() {
    const size_t at = offset();
    ASSIGN_OR_RETURN(uint8_t length, fields_.ReadU8());
    if (length > fields_.remaining()) {
      return absl::InvalidArgumentError(absl::StrCat("dns: string of ", length, " bytes at offset ",
                                                     at, " overruns rdata end ", end()));
    }
    ASSIGN_OR_RETURN(absl::Span<const uint8_t> bytes, fields_.ReadBytes(length));
    return std::string(bytes.begin(), bytes.end());
  }

  std::string ReadRest() {
    absl::Span<const uint8_t> rest = fields_.data().subspan(fields_.offset());
    fields_.Skip(rest.size()).IgnoreError();
    return std::string(rest.begin(), rest.end());
  }

 private:
  absl::Span<const uint8_t> message_;
  size_t start_;
  base::ByteReader fields_;
};

template <size_t N>
absl::StatusOr<std::array<uint8_t, N>> ReadAddress(RdataReader& rd, uint16_t type) {
  if (rd.fields().size() != N) {
    return absl::InvalidArgumentError(absl::StrCat("dns: ", TypeToString(type), " rdata length ",
                                                   rd.fields().size(), ", want ", N, " at offset ",
                                                   rd.offset()));
  }
  std::array<uint8_t, N> address;
  ASSIGN_OR_RETURN(absl::Span<const uint8_t> bytes, rd.fields().ReadBytes(N));
  std::copy(bytes.begin(), bytes.end(), address.begin());
  return address;
}

absl::StatusOr<Rdata> ReadSoa(RdataReader& rd) {
  Soa soa;
  ASSIGN_OR_RETURN(soa.mname, rd.ReadName());
  ASSIGN_OR_RETURN(soa.rname, rd.ReadName());
  for (uint32_t* field : {&soa.serial, &soa.refresh, &soa.retry, &soa.expire, &soa.minimum}) {
    ASSIGN_OR_RETURN(*field, rd.fields().ReadU32());
  }
  return soa;
}

absl::StatusOr<Rdata> ReadSrv(RdataReader& rd) {
  Srv srv;
  ASSIGN_OR_RETURN(srv.priority, rd.fields().ReadU16());
  ASSIGN_OR_RETURN(srv.weight, rd.fields().ReadU16());
  ASSIGN_OR_RETURN(srv.port, rd.fields().ReadU16());
  // RFC 2782 forbids compressing the target; like most resolvers we accept it anyway.
  ASSIGN_OR_RETURN(srv.target, rd.ReadName());
  return srv;
}

absl::StatusOr<Rdata> ReadTxt(RdataReader& rd) {
  Txt txt;
  while (rd.fields().remaining() > 0) {
    ASSIGN_OR_RETURN(std::string s, rd.ReadCharacterString());
    txt.strings.push_back(std::move(s));
  }
  return txt;
}

absl::StatusOr<Rdata> ReadCaa(RdataReader& rd) {
  Caa caa;
  ASSIGN_OR_RETURN(caa.flags, rd.fields().ReadU8());
  const size_t tag_at = rd.offset();
  ASSIGN_OR_RETURN(caa.tag, rd.ReadCharacterString());
  if (caa.tag.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("dns: empty CAA tag at offset ", tag_at));
  }
  for (char c : caa.tag) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(absl::StrCat("dns: CAA tag byte ",
                                                     static_cast<int>(static_cast<uint8_t>(c)),
                                                     " is not alphanumeric at offset ", tag_at));
    }
  }
  caa.value = rd.ReadRest();
  return caa;
}

absl::StatusOr<Rdata> ReadOpt(RdataReader& rd) {
  Opt opt;
  while (rd.fields().remaining() > 0) {
    EdnsOption option;
    const size_t at = rd.offset();
    ASSIGN_OR_RETURN(option.code, rd.fields().ReadU16());
    ASSIGN_OR_RETURN(uint16_t length, rd.fields().ReadU16());
    absl::StatusOr<absl::Span<const uint8_t>> data = rd.fields().ReadBytes(length);
    if (!data.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("dns: edns option ", option.code, " of ",
                                                     length, " bytes at offset ", at,
                                                     " overruns rdata end ", rd.end()));
    }
    option.data.assign(data->begin(), data->end());
    opt.options.push_back(std::move(option));
  }
  return opt;
}

absl::StatusOr<Rdata> ReadKnownRdata(RdataReader& rd, uint16_t type) {
  switch (type) {
    case kA: {
      ASSIGN_OR_RETURN(auto address, ReadAddress<4>(rd, type));
      return A{address};
    }
    case kAAAA: {
      ASSIGN_OR_RETURN(auto address, ReadAddress<16>(rd, type));
      return Aaaa{address};
    }
    case kNS:
    case kCNAME:
    case kPTR: {
      ASSIGN_OR_RETURN(std::string name, rd.ReadName());
      return NameRdata{std::move(name)};
    }
    case kMX: {
      Mx mx;
      ASSIGN_OR_RETURN(mx.preference, rd.fields().ReadU16());
      ASSIGN_OR_RETURN(mx.exchange, rd.ReadName());
      return mx;
    }
    case kTXT:
      return ReadTxt(rd);
    case kSOA:
      return ReadSoa(rd);
    case kSRV:
      return ReadSrv(rd);
    case kCAA:
      return ReadCaa(rd);
    case kOPT:
      return ReadOpt(rd);
    default:
      return Raw{std::vector<uint8_t>(rd.fields().data().begin(), rd.fields().data().end())};
  }
}

// ReadRdata parses the RDATA of `type` at [start, start + length) of `message`. The bytes are
// all present, so running past RDLENGTH is malformed data (InvalidArgument), not truncation.
absl::StatusOr<Rdata> ReadRdata(absl::Span<const uint8_t> message, size_t start, size_t length,
                                uint16_t type) {
  RdataReader rd(message, start, length);
  absl::StatusOr<Rdata> data = ReadKnownRdata(rd, type);
  if (!data.ok()) {
    if (data.status().code() != absl::StatusCode::kOutOfRange) return data.status();
    return absl::InvalidArgumentError(
        absl::StrCat("dns: ", TypeToString(type), " rdata of ", length, " bytes at offset ", start,
                     " is malformed: ", absl::StripPrefix(data.status().message(), "dns: ")));
  }
  if (!std::holds_alternative<Raw>(*data) && rd.fields().remaining() > 0) {
    return absl::InvalidArgumentError(absl::StrCat("dns: ", TypeToString(type), " rdata has ",
                                                   rd.fields().remaining(),
                                                   " unread bytes at offset ", rd.offset()));
  }
  return data;
}

absl::StatusOr<ResourceRecord> ReadRecord(base::ByteReader& reader) {
  ResourceRecord rr;
  ASSIGN_OR_RETURN(rr.name, ReadName(reader));
  ASSIGN_OR_RETURN(rr.type, reader.ReadU16());
  ASSIGN_OR_RETURN(rr.rclass, reader.ReadU16());
  ASSIGN_OR_RETURN(rr.ttl, reader.ReadU32());
  ASSIGN_OR_RETURN(uint16_t rdlength, reader.ReadU16());
  const size_t start = reader.offset();
  if (rdlength > reader.remaining()) {
    return absl::OutOfRangeError(absl::StrCat("dns: rdlength ", rdlength, " > remaining ",
                                              reader.remaining(), " at offset ", start - 2));
  }
  ASSIGN_OR_RETURN(rr.data, ReadRdata(reader.data(), start, rdlength, rr.type));
  RETURN_IF_ERROR(reader.Skip(rdlength));
  return rr;
}

// InSection prefixes an error with the section and entry it happened in, keeping its code.
absl::Status InSection(const absl::Status& status, Section section, size_t index, size_t count,
                       size_t offset) {
  return absl::Status(status.code(), absl::StrCat("dns: ", kSectionNames[section], " ", index,
                                                  " of ", count, " at offset ", offset, ": ",
                                                  absl::StripPrefix(status.message(), "dns: ")));
}

// TakeOpt moves the OPT record `rr` into `message.edns`.
absl::Status TakeOpt(ResourceRecord& rr, Section section, size_t offset, Message& message) {
  if (section != kAdditionalSection) {
    return absl::InvalidArgumentError(
        absl::StrCat("dns: OPT record in ", kSectionNames[section], " section at offset ", offset));
  }
  if (message.edns.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("dns: second OPT record at offset ", offset));
  }
  if (rr.name != ".") {
    return absl::InvalidArgumentError(
        absl::StrCat("dns: OPT record owner \"", rr.name, "\" is not the root at offset ", offset));
  }
  Edns edns;
  edns.udp_payload_size = rr.rclass;
  edns.version = static_cast<uint8_t>(rr.ttl >> 16);
  edns.dnssec_ok = rr.ttl & 0x8000;
  edns.options = std::move(std::get<Opt>(rr.data).options);
  message.header.rcode |= static_cast<uint16_t>((rr.ttl >> 24) << 4);
  message.edns = std::move(edns);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Header> ParseHeader(absl::Span<const uint8_t> bytes) {
  base::ByteReader reader(bytes);
  ASSIGN_OR_RETURN(WireHeader w, ReadHeader(reader));
  return w.header;
}

absl::StatusOr<Question> ParseFirstQuestion(absl::Span<const uint8_t> bytes) {
  base::ByteReader reader(bytes);
  ASSIGN_OR_RETURN(WireHeader w, ReadHeader(reader));
  if (w.counts[kQuestionSection] == 0) {
    return absl::InvalidArgumentError("dns: message has no question");
  }
  absl::StatusOr<Question> q = ReadQuestion(reader);
  if (!q.ok()) {
    return InSection(q.status(), kQuestionSection, 0, w.counts[kQuestionSection], kHeaderSize);
  }
  return q;
}

absl::StatusOr<Message> ParseMessage(absl::Span<const uint8_t> bytes) {
  base::ByteReader reader(bytes);
  ASSIGN_OR_RETURN(WireHeader w, ReadHeader(reader));
  Message message;
  message.header = w.header;
  for (size_t i = 0; i < w.counts[kQuestionSection]; ++i) {
    const size_t at = reader.offset();
    absl::StatusOr<Question> q = ReadQuestion(reader);
    if (!q.ok()) return InSection(q.status(), kQuestionSection, i, w.counts[0], at);
    message.questions.push_back(*std::move(q));
  }
  std::vector<ResourceRecord>* sections[] = {nullptr, &message.answers, &message.authorities,
                                             &message.additionals};
  for (Section section : {kAnswerSection, kAuthoritySection, kAdditionalSection}) {
    const size_t count = w.counts[section];
    for (size_t i = 0; i < count; ++i) {
      const size_t at = reader.offset();
      absl::StatusOr<ResourceRecord> rr = ReadRecord(reader);
      if (!rr.ok()) return InSection(rr.status(), section, i, count, at);
      if (rr->type == kOPT) {
        absl::Status s = TakeOpt(*rr, section, at, message);
        if (!s.ok()) return InSection(s, section, i, count, at);
        continue;
      }
      sections[section]->push_back(*std::move(rr));
    }
  }
  if (reader.remaining() > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("dns: trailing ", reader.remaining(), " bytes at offset ", reader.offset()));
  }
  return message;
}

}  // namespace dns
