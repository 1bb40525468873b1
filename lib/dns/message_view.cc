#include "lib/dns/message_view.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "lib/base/byte_reader.h"
#include "lib/dns/message.h"
#include "lib/dns/wire_name.h"

// The checks return bool and leave their error in an absl::Status the caller passes in: Parse
// runs them for every name, record and field, and builds a Status only for the one that fails.

namespace dns {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kRecordFixedSize = 10;  // type, class, TTL, RDLENGTH

// Section indexes into the header counts.
enum Section { kQuestionSection, kAnswerSection, kAuthoritySection, kAdditionalSection };
constexpr const char* kSectionNames[] = {"question", "answer", "authority", "additional"};

inline uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Load32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

// SkipCheckedName returns the offset just past the name at `pos` as it appears in place.
// The name must have been checked by CheckName.
inline size_t SkipCheckedName(const uint8_t* message, size_t pos) {
  while (true) {
    const uint8_t length = message[pos];
    if (length >= 0xc0) return pos + 2;
    if (length == 0) return pos + 1;
    pos += 1 + length;
  }
}

// Fail stores `status` in `error` and returns false, for `return Fail(error, ...)`.
ABSL_ATTRIBUTE_NOINLINE bool Fail(absl::Status* error, absl::Status status) {
  if (error != nullptr) *error = std::move(status);
  return false;
}

// ReadHeader decodes the header at the start of `bytes` and its section counts.
bool ReadHeader(absl::Span<const uint8_t> bytes, Header& h, std::array<uint16_t, 4>& counts,
                absl::Status& error) {
  if (ABSL_PREDICT_FALSE(bytes.size() < kHeaderSize)) {
    return Fail(&error, absl::OutOfRangeError(absl::StrCat(
                            "dns: header needs 12 bytes, message has ", bytes.size(),
                            " at offset 0")));
  }
  const uint8_t* p = bytes.data();
  h.id = Load16(p);
  const uint16_t flags = Load16(p + 2);
  h.qr = flags & 0x8000;
  h.opcode = static_cast<uint8_t>(flags >> 11 & 0xf);
  h.aa = flags & 0x0400;
  h.tc = flags & 0x0200;
  h.rd = flags & 0x0100;
  h.ra = flags & 0x0080;
  h.ad = flags & 0x0020;
  h.cd = flags & 0x0010;
  h.rcode = flags & 0xf;
  for (size_t i = 0; i < counts.size(); ++i) counts[i] = Load16(p + 4 + 2 * i);
  return true;
}

// InSection prefixes an error with the section and entry it happened in, keeping its code.
absl::Status InSection(const absl::Status& status, int section, size_t index, size_t count,
                       size_t offset) {
  return absl::Status(status.code(), absl::StrCat("dns: ", kSectionNames[section], " ", index,
                                                  " of ", count, " at offset ", offset, ": ",
                                                  absl::StripPrefix(status.message(), "dns: ")));
}

// CheckQuestion checks the question at the reader's offset and moves past it.
bool CheckQuestion(base::ByteReader& reader, NameMemo* memo, absl::Status& error) {
  NameCheck name;
  if (ABSL_PREDICT_FALSE(!CheckName(reader.data(), reader.offset(), name, memo))) {
    return Fail(&error, name.ToStatus());
  }
  const size_t fields = name.end();
  if (ABSL_PREDICT_FALSE(!reader.TrySkip(fields - reader.offset()) || !reader.TrySkip(4))) {
    return Fail(&error, absl::OutOfRangeError(absl::StrCat(
                            "dns: question type and class need 4 bytes, ",
                            reader.size() - fields, " remain at offset ", fields)));
  }
  return true;
}

// ItemName describes the framed item at the front of `rest` that does not fit, for errors.
std::string ItemName(CharacterStringTraits, absl::Span<const uint8_t> rest) {
  return absl::StrCat("string of ", rest[0], " bytes");
}
std::string ItemName(EdnsOptionTraits, absl::Span<const uint8_t> rest) {
  if (rest.size() < 4) return absl::StrCat("edns option header of ", rest.size(), " bytes");
  return absl::StrCat("edns option ", Load16(rest.data()), " of ", Load16(rest.data() + 2),
                      " bytes");
}

// RdataReader reads one record's RDATA: fixed fields from a reader limited to RDLENGTH, names
// from the whole message (they may point back into it), which must end within RDLENGTH. A read
// that fails stores its error in `error` and returns false; a field read past the RDATA end
// fails with OutOfRange, which DecodeRdata reports as malformed RDATA.
class RdataReader {
 public:
  RdataReader(absl::Span<const uint8_t> message, size_t start, size_t length,
              absl::Status& error)
      : message_(message),
        start_(start),
        fields_(absl::MakeConstSpan(message.data() + start, length)),  // the caller checked
        error_(error) {}

  size_t offset() const { return start_ + fields_.offset(); }
  size_t end() const { return start_ + fields_.size(); }
  size_t remaining() const { return fields_.remaining(); }
  size_t length() const { return fields_.size(); }

  bool U8(uint8_t& out) { return fields_.TryReadU8(out) || FieldPastEnd(); }
  bool U16(uint16_t& out) { return fields_.TryReadU16(out) || FieldPastEnd(); }
  bool U32(uint32_t& out) { return fields_.TryReadU32(out) || FieldPastEnd(); }

  bool Name(NameView& out) {
    const size_t at = offset();
    NameCheck check;
    if (ABSL_PREDICT_FALSE(!CheckName(message_, at, check))) {
      return Fail(check.ToStatus());
    }
    if (ABSL_PREDICT_FALSE(check.end() > end())) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "dns: name at offset ", at, " ends at ", check.end(), ", past rdata end ", end())));
    }
    (void)fields_.TrySkip(check.end() - at);  // inside the RDATA: checked just above
    out = check.name();
    return true;
  }

  // Items reads the rest of the RDATA as framed items (see RdataItems), checking each fits.
  template <typename Traits>
  bool Items(RdataItems<Traits>& out) {
    absl::Span<const uint8_t> rest = Rest();
    out = RdataItems<Traits>(rest);
    typename Traits::Item item;
    size_t size = 0;
    while (!rest.empty()) {
      if (ABSL_PREDICT_FALSE(!Traits::Next(rest, item, size))) {
        return Fail(absl::InvalidArgumentError(
            absl::StrCat("dns: ", ItemName(Traits(), rest), " at offset ", end() - rest.size(),
                         " overruns rdata end ", end())));
      }
      rest.remove_prefix(size);
    }
    return true;
  }

  // Rest reads all that is left of the RDATA.
  absl::Span<const uint8_t> Rest() {
    absl::Span<const uint8_t> rest;
    (void)fields_.TryReadBytes(fields_.remaining(), rest);  // always fits
    return rest;
  }

  bool Fail(absl::Status status) { return dns::Fail(&error_, std::move(status)); }

 private:
  ABSL_ATTRIBUTE_NOINLINE bool FieldPastEnd() {
    return Fail(absl::OutOfRangeError(
        absl::StrCat("dns: field at offset ", offset(), " runs past rdata end ", end())));
  }

  absl::Span<const uint8_t> message_;
  size_t start_;
  base::ByteReader fields_;
  absl::Status& error_;
};

// One Decode function per RDATA type: it checks and reads the type's fields from `rd` into
// `out`, and returns false when they are malformed. DecodeRdata adds the rules common to all
// types.

template <size_t N>
bool DecodeAddress(RdataReader& rd, std::array<uint8_t, N>& out, uint16_t type) {
  if (ABSL_PREDICT_FALSE(rd.length() != N)) {
    return rd.Fail(absl::InvalidArgumentError(absl::StrCat("dns: ", TypeToString(type),
                                                           " rdata length ", rd.length(),
                                                           ", want ", N, " at offset ",
                                                           rd.offset())));
  }
  std::memcpy(out.data(), rd.Rest().data(), N);
  return true;
}

bool DecodeA(RdataReader& rd, std::array<uint8_t, 4>& out) { return DecodeAddress(rd, out, kA); }

bool DecodeAaaa(RdataReader& rd, std::array<uint8_t, 16>& out) {
  return DecodeAddress(rd, out, kAAAA);
}

bool DecodeName(RdataReader& rd, NameView& out) { return rd.Name(out); }

bool DecodeMx(RdataReader& rd, MxView& out) {
  return rd.U16(out.preference) && rd.Name(out.exchange);
}

bool DecodeTxt(RdataReader& rd, CharacterStrings& out) { return rd.Items(out); }

bool DecodeSoa(RdataReader& rd, SoaView& out) {
  return rd.Name(out.mname) && rd.Name(out.rname) && rd.U32(out.serial) &&
         rd.U32(out.refresh) && rd.U32(out.retry) && rd.U32(out.expire) && rd.U32(out.minimum);
}

bool DecodeSrv(RdataReader& rd, SrvView& out) {
  // RFC 2782 forbids compressing the target; like most resolvers we accept it anyway.
  return rd.U16(out.priority) && rd.U16(out.weight) && rd.U16(out.port) && rd.Name(out.target);
}

bool DecodeCaa(RdataReader& rd, CaaView& out) {
  uint8_t tag_length = 0;
  const size_t tag_at = rd.offset() + 1;
  if (!rd.U8(out.flags) || !rd.U8(tag_length)) return false;
  if (ABSL_PREDICT_FALSE(tag_length > rd.remaining())) {
    return rd.Fail(absl::InvalidArgumentError(absl::StrCat("dns: CAA tag of ", tag_length,
                                                           " bytes at offset ", tag_at,
                                                           " overruns rdata end ", rd.end())));
  }
  const absl::Span<const uint8_t> rest = rd.Rest();
  out.tag = absl::string_view(reinterpret_cast<const char*>(rest.data()), tag_length);
  out.value = absl::string_view(reinterpret_cast<const char*>(rest.data()) + tag_length,
                                rest.size() - tag_length);
  if (ABSL_PREDICT_FALSE(out.tag.empty())) {
    return rd.Fail(
        absl::InvalidArgumentError(absl::StrCat("dns: empty CAA tag at offset ", tag_at)));
  }
  for (char c : out.tag) {
    if (ABSL_PREDICT_FALSE(!absl::ascii_isalnum(static_cast<unsigned char>(c)))) {
      return rd.Fail(absl::InvalidArgumentError(
          absl::StrCat("dns: CAA tag byte ", static_cast<int>(static_cast<uint8_t>(c)),
                       " is not alphanumeric at offset ", tag_at)));
    }
  }
  return true;
}

bool DecodeOpt(RdataReader& rd, EdnsOptions& out) { return rd.Items(out); }

// DecodeRdata runs `decode` on the RDATA of `type` at [start, start + length) of `message`
// and then applies the rules common to all types. The bytes are all present, so running past
// RDLENGTH is malformed data (InvalidArgument), not truncation; and bytes left unread are an
// error. Returns false with the error in `error`.
template <typename T, bool (*Decode)(RdataReader&, T&)>
bool DecodeRdata(absl::Span<const uint8_t> message, size_t start, size_t length, uint16_t type,
                 T& out, absl::Status& error) {
  RdataReader rd(message, start, length, error);
  if (ABSL_PREDICT_FALSE(!Decode(rd, out))) {
    if (error.code() != absl::StatusCode::kOutOfRange) return false;
    return Fail(&error, absl::InvalidArgumentError(absl::StrCat(
                            "dns: ", TypeToString(type), " rdata of ", length, " bytes at offset ",
                            start, " is malformed: ", absl::StripPrefix(error.message(), "dns: "))));
  }
  if (ABSL_PREDICT_FALSE(rd.remaining() > 0)) {
    return Fail(&error, absl::InvalidArgumentError(absl::StrCat(
                            "dns: ", TypeToString(type), " rdata has ", rd.remaining(),
                            " unread bytes at offset ", rd.offset())));
  }
  return true;
}

// DecodeAs is an As* accessor of `rr`: `type_ok` says whether the record has the type `want`
// names.
template <typename T, bool (*Decode)(RdataReader&, T&)>
absl::StatusOr<T> DecodeAs(const RecordView& rr, bool type_ok, absl::string_view want) {
  if (ABSL_PREDICT_FALSE(!type_ok)) {
    return absl::FailedPreconditionError(absl::StrCat("dns: record at offset ", rr.offset(),
                                                      " is ", TypeToString(rr.type()), ", not ",
                                                      want));
  }
  T out{};
  absl::Status error;
  const bool ok =
      DecodeRdata<T, Decode>(rr.message(), rr.rdata_offset(), rr.rdata().size(), rr.type(), out,
                             error);
  if (ABSL_PREDICT_FALSE(!ok)) return error;
  return out;
}

// CheckOpt checks the OPT record at `offset`, whose RDATA is [start, start + length) of
// `message`: well-framed options, only in the additional section, only once, owned by the
// root.
ABSL_ATTRIBUTE_NOINLINE bool CheckOpt(absl::Span<const uint8_t> message, int section,
                                      size_t offset, const NameCheck& owner, size_t start,
                                      size_t length, size_t& opt_offset, absl::Status& error) {
  EdnsOptions options;
  if (!DecodeRdata<EdnsOptions, DecodeOpt>(message, start, length, kOPT, options, error)) {
    return false;
  }
  if (section != kAdditionalSection) {
    return Fail(&error, absl::InvalidArgumentError(absl::StrCat(
                            "dns: OPT record in ", kSectionNames[section], " section at offset ",
                            offset)));
  }
  if (opt_offset != 0) {
    return Fail(&error, absl::InvalidArgumentError(
                            absl::StrCat("dns: second OPT record at offset ", offset)));
  }
  if (owner.wire_length() != 1) {
    return Fail(&error, absl::InvalidArgumentError(absl::StrCat(
                            "dns: OPT record owner \"", owner.name().ToString(),
                            "\" is not the root at offset ", offset)));
  }
  opt_offset = offset;
  return true;
}

// CheckRecord checks the record at the reader's offset, in `section`, and moves past it.
bool CheckRecord(base::ByteReader& reader, int section, size_t& opt_offset, NameMemo& memo,
                 absl::Status& error) {
  const size_t at = reader.offset();
  NameCheck owner;
  if (ABSL_PREDICT_FALSE(!CheckName(reader.data(), at, owner, &memo))) {
    return Fail(&error, owner.ToStatus());
  }
  const size_t fields = owner.end();
  uint16_t type = 0, rclass = 0, rdlength = 0;
  uint32_t ttl = 0;
  if (ABSL_PREDICT_FALSE(!reader.TrySkip(fields - at) || !reader.TryReadU16(type) ||
                         !reader.TryReadU16(rclass) || !reader.TryReadU32(ttl) ||
                         !reader.TryReadU16(rdlength))) {
    return Fail(&error, absl::OutOfRangeError(absl::StrCat(
                            "dns: record type, class, ttl and rdlength need ", kRecordFixedSize,
                            " bytes, ", reader.size() - fields, " remain at offset ", fields)));
  }
  const size_t start = reader.offset();
  if (ABSL_PREDICT_FALSE(rdlength > reader.remaining())) {
    return Fail(&error, absl::OutOfRangeError(absl::StrCat("dns: rdlength ", rdlength,
                                                           " > remaining ", reader.remaining(),
                                                           " at offset ", start - 2)));
  }
  if (ABSL_PREDICT_FALSE(type == kOPT) &&
      !CheckOpt(reader.data(), section, at, owner, start, rdlength, opt_offset, error)) {
    return false;
  }
  (void)reader.TrySkip(rdlength);  // checked against remaining() above
  return true;
}

}  // namespace

absl::Status SectionError(const absl::Status& status, MessageSection section, size_t index,
                          size_t count, size_t offset) {
  return InSection(status, static_cast<int>(section), index, count, offset);
}

size_t QuestionView::DecodeAt(absl::Span<const uint8_t> message, size_t pos,
                              QuestionView& out) {
  const uint8_t* bytes = message.data();
  out.name = internal::CheckedNameAt(bytes, pos);
  const size_t fields = SkipCheckedName(bytes, pos);
  out.type = Load16(bytes + fields);
  out.qclass = Load16(bytes + fields + 2);
  return fields + 4;
}

size_t RecordView::DecodeAt(absl::Span<const uint8_t> message, size_t pos, RecordView& out) {
  const uint8_t* bytes = message.data();
  out.message_ = message;
  out.offset_ = pos;
  const size_t fields = SkipCheckedName(bytes, pos);
  out.type_ = Load16(bytes + fields);
  out.rclass_ = Load16(bytes + fields + 2);
  out.ttl_ = Load32(bytes + fields + 4);
  out.rdlength_ = Load16(bytes + fields + 8);
  out.rdata_offset_ = fields + kRecordFixedSize;
  return out.rdata_offset_ + out.rdlength_;
}

absl::StatusOr<std::array<uint8_t, 4>> RecordView::AsA() const {
  return DecodeAs<std::array<uint8_t, 4>, DecodeA>(*this, type_ == kA, "A");
}

absl::StatusOr<std::array<uint8_t, 16>> RecordView::AsAaaa() const {
  return DecodeAs<std::array<uint8_t, 16>, DecodeAaaa>(*this, type_ == kAAAA, "AAAA");
}

absl::StatusOr<NameView> RecordView::AsName() const {
  return DecodeAs<NameView, DecodeName>(*this, type_ == kNS || type_ == kCNAME || type_ == kPTR,
                                        "NS, CNAME or PTR");
}

absl::StatusOr<MxView> RecordView::AsMx() const {
  return DecodeAs<MxView, DecodeMx>(*this, type_ == kMX, "MX");
}

absl::StatusOr<CharacterStrings> RecordView::AsTxt() const {
  return DecodeAs<CharacterStrings, DecodeTxt>(*this, type_ == kTXT, "TXT");
}

absl::StatusOr<SoaView> RecordView::AsSoa() const {
  return DecodeAs<SoaView, DecodeSoa>(*this, type_ == kSOA, "SOA");
}

absl::StatusOr<SrvView> RecordView::AsSrv() const {
  return DecodeAs<SrvView, DecodeSrv>(*this, type_ == kSRV, "SRV");
}

absl::StatusOr<CaaView> RecordView::AsCaa() const {
  return DecodeAs<CaaView, DecodeCaa>(*this, type_ == kCAA, "CAA");
}

absl::StatusOr<EdnsOptions> RecordView::AsOpt() const {
  return DecodeAs<EdnsOptions, DecodeOpt>(*this, type_ == kOPT, "OPT");
}

absl::Status RecordView::CheckRdata() const {
  switch (type_) {
    case kA:
      return AsA().status();
    case kAAAA:
      return AsAaaa().status();
    case kNS:
    case kCNAME:
    case kPTR:
      return AsName().status();
    case kMX:
      return AsMx().status();
    case kTXT:
      return AsTxt().status();
    case kSOA:
      return AsSoa().status();
    case kSRV:
      return AsSrv().status();
    case kCAA:
      return AsCaa().status();
    case kOPT:
      return AsOpt().status();
    default:
      return absl::OkStatus();  // kept as bytes
  }
}

absl::StatusOr<Header> MessageView::ParseHeader(absl::Span<const uint8_t> bytes) {
  Header header;
  std::array<uint16_t, 4> counts;
  absl::Status error;
  if (!ReadHeader(bytes, header, counts, error)) return error;
  return header;
}

absl::StatusOr<QuestionView> MessageView::ParseFirstQuestion(absl::Span<const uint8_t> bytes) {
  Header header;
  std::array<uint16_t, 4> counts;
  absl::Status error;
  if (!ReadHeader(bytes, header, counts, error)) return error;
  if (counts[kQuestionSection] == 0) {
    return absl::InvalidArgumentError("dns: message has no question");
  }
  base::ByteReader reader(bytes);
  (void)reader.TrySkip(kHeaderSize);  // ReadHeader checked the size
  if (!CheckQuestion(reader, nullptr, error)) {
    return InSection(error, kQuestionSection, 0, counts[kQuestionSection], kHeaderSize);
  }
  QuestionView question;
  QuestionView::DecodeAt(bytes, kHeaderSize, question);
  return question;
}

absl::StatusOr<MessageView> MessageView::Parse(absl::Span<const uint8_t> bytes,
                                               RdataChecks rdata) {
  MessageView view;
  view.bytes_ = bytes;
  absl::Status error;
  if (!ReadHeader(bytes, view.header_, view.counts_, error)) return error;
  base::ByteReader reader(bytes);
  (void)reader.TrySkip(kHeaderSize);  // ReadHeader checked the size
  NameMemo memo;
  for (int section = kQuestionSection; section <= kAdditionalSection; ++section) {
    view.starts_[section] = reader.offset();
    const size_t count = view.counts_[section];
    for (size_t i = 0; i < count; ++i) {
      const size_t at = reader.offset();
      const bool ok = section == kQuestionSection
                          ? CheckQuestion(reader, &memo, error)
                          : CheckRecord(reader, section, view.opt_offset_, memo, error);
      if (ABSL_PREDICT_FALSE(!ok)) return InSection(error, section, i, count, at);
      if (rdata == RdataChecks::kAll && section != kQuestionSection) {
        RecordView rr;
        RecordView::DecodeAt(bytes, at, rr);
        if (absl::Status s = rr.CheckRdata(); !s.ok()) return InSection(s, section, i, count, at);
      }
    }
  }
  if (ABSL_PREDICT_FALSE(reader.remaining() > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dns: trailing ", reader.remaining(), " bytes at offset ", reader.offset()));
  }
  if (view.opt_offset_ != 0) {
    RecordView opt;
    RecordView::DecodeAt(bytes, view.opt_offset_, opt);
    view.header_.rcode |= static_cast<uint16_t>((opt.ttl() >> 24) << 4);
  }
  return view;
}

std::optional<EdnsView> MessageView::edns() const {
  if (opt_offset_ == 0) return std::nullopt;
  RecordView opt;
  RecordView::DecodeAt(bytes_, opt_offset_, opt);
  EdnsView edns;
  edns.udp_payload_size = opt.rclass();
  edns.extended_rcode = static_cast<uint8_t>(opt.ttl() >> 24);
  edns.version = static_cast<uint8_t>(opt.ttl() >> 16);
  edns.dnssec_ok = opt.ttl() & 0x8000;
  edns.options = EdnsOptions(opt.rdata());  // Parse checked their framing
  return edns;
}

}  // namespace dns
