// message.h: the DNS message model (RFC 1035, 3596, 2782, 8659, 6891) shared by the parser,
// the writer, the resolver and the tools.
//
// Names are kept in presentation form, absolute with a trailing dot ("www.example.com.").
// Types and classes are plain uint16_t so unknown values survive a parse/write round trip.
//
//   dns::Message m;
//   m.header.rd = true;
//   m.questions.push_back({"example.com.", dns::kA, dns::kClassIN});
//   for (const dns::ResourceRecord& rr : reply.answers) {
//     if (const auto* a = std::get_if<dns::A>(&rr.data)) Use(a->address);
//   }
#ifndef LIB_DNS_MESSAGE_H_
#define LIB_DNS_MESSAGE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dns {

// RrType names the resource record types this library parses into structs. Other values are
// valid too; they are carried as Raw RDATA.
enum RrType : uint16_t {
  kA = 1,
  kNS = 2,
  kCNAME = 5,
  kSOA = 6,
  kPTR = 12,
  kMX = 15,
  kTXT = 16,
  kAAAA = 28,
  kSRV = 33,
  kOPT = 41,
  kANY = 255,
  kCAA = 257,
};

// kClassIN and friends are the RR classes of RFC 1035 section 3.2.4 (kClassANY is a QCLASS).
inline constexpr uint16_t kClassIN = 1;
inline constexpr uint16_t kClassCH = 3;
inline constexpr uint16_t kClassHS = 4;
inline constexpr uint16_t kClassNONE = 254;
inline constexpr uint16_t kClassANY = 255;

// Rcode names response codes; values above 15 need EDNS (RFC 6891 section 6.1.3).
enum Rcode : uint16_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
  kYxDomain = 6,
  kYxRrset = 7,
  kNxRrset = 8,
  kNotAuth = 9,
  kNotZone = 10,
  kBadVers = 16,
};

// Header is the fixed 12-byte header without its section counts (those come from the vector
// sizes of Message). `rcode` is the full 12-bit extended rcode once EDNS has been applied.
struct Header {
  uint16_t id = 0;
  bool qr = false;
  bool aa = false;
  bool tc = false;
  bool rd = false;
  bool ra = false;
  bool ad = false;
  bool cd = false;
  uint8_t opcode = 0;  // 4 bits
  uint16_t rcode = 0;  // 12 bits

  bool operator==(const Header&) const = default;
};

// Question is one entry of the question section.
struct Question {
  std::string name;
  uint16_t type = 0;
  uint16_t qclass = kClassIN;

  bool operator==(const Question&) const = default;
};

// A is IPv4 address RDATA (RFC 1035 section 3.4.1).
struct A {
  std::array<uint8_t, 4> address{};
  bool operator==(const A&) const = default;
};

// Aaaa is IPv6 address RDATA (RFC 3596).
struct Aaaa {
  std::array<uint8_t, 16> address{};
  bool operator==(const Aaaa&) const = default;
};

// NameRdata is RDATA that is a single domain name: CNAME, NS, PTR.
struct NameRdata {
  std::string name;
  bool operator==(const NameRdata&) const = default;
};

// Mx is MX RDATA (RFC 1035 section 3.3.9).
struct Mx {
  uint16_t preference = 0;
  std::string exchange;
  bool operator==(const Mx&) const = default;
};

// Txt is TXT RDATA: one or more character-strings of up to 255 bytes each.
struct Txt {
  std::vector<std::string> strings;
  bool operator==(const Txt&) const = default;
};

// Soa is SOA RDATA (RFC 1035 section 3.3.13, RFC 2308 for `minimum`).
struct Soa {
  std::string mname;
  std::string rname;
  uint32_t serial = 0;
  uint32_t refresh = 0;
  uint32_t retry = 0;
  uint32_t expire = 0;
  uint32_t minimum = 0;
  bool operator==(const Soa&) const = default;
};

// Srv is SRV RDATA (RFC 2782).
struct Srv {
  uint16_t priority = 0;
  uint16_t weight = 0;
  uint16_t port = 0;
  std::string target;
  bool operator==(const Srv&) const = default;
};

// Caa is CAA RDATA (RFC 8659).
struct Caa {
  uint8_t flags = 0;
  std::string tag;
  std::string value;
  bool operator==(const Caa&) const = default;
};

// EdnsOption is one option of an OPT record (RFC 6891 section 6.1.2); `data` is raw bytes.
struct EdnsOption {
  uint16_t code = 0;
  std::string data;
  bool operator==(const EdnsOption&) const = default;
};

// Opt is OPT RDATA. The parser lifts the OPT record into Message::edns, so records in a parsed
// Message never hold it.
struct Opt {
  std::vector<EdnsOption> options;
  bool operator==(const Opt&) const = default;
};

// Raw is the RDATA of any other type (RFC 3597), kept as bytes.
struct Raw {
  std::vector<uint8_t> bytes;
  bool operator==(const Raw&) const = default;
};

// Rdata is the parsed RDATA of one record. Which alternative goes with which type:
// A→A, AAAA→Aaaa, NS/CNAME/PTR→NameRdata, MX→Mx, TXT→Txt, SOA→Soa, SRV→Srv, CAA→Caa;
// any type may also carry Raw.
using Rdata = std::variant<Raw, A, Aaaa, NameRdata, Mx, Txt, Soa, Srv, Caa, Opt>;

// ResourceRecord is one record of the answer, authority or additional section.
struct ResourceRecord {
  std::string name;
  uint16_t type = 0;
  uint16_t rclass = kClassIN;
  uint32_t ttl = 0;
  Rdata data;

  bool operator==(const ResourceRecord&) const = default;
};

// Edns is the content of the OPT pseudo-record (RFC 6891). Its TTL field carries the high 8
// bits of the extended rcode (kept in Header::rcode), `version` and the DO bit.
struct Edns {
  uint16_t udp_payload_size = 1232;
  uint8_t version = 0;
  bool dnssec_ok = false;
  std::vector<EdnsOption> options;

  bool operator==(const Edns&) const = default;
};

// Message is a whole DNS message. Section counts are the vector sizes.
struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<ResourceRecord> answers;
  std::vector<ResourceRecord> authorities;
  std::vector<ResourceRecord> additionals;
  std::optional<Edns> edns;

  bool operator==(const Message&) const = default;
};

// TypeToString returns the mnemonic of `type` ("A", "MX", ...) or "TYPE<n>" for one without
// a mnemonic here (RFC 3597 section 5).
std::string TypeToString(uint16_t type);

// TypeFromString parses a mnemonic (case-insensitive) or "TYPE<n>". InvalidArgument otherwise.
absl::StatusOr<uint16_t> TypeFromString(absl::string_view text);

// RcodeToString returns "NOERROR", "NXDOMAIN", ... or "RCODE<n>" for an unnamed one.
std::string RcodeToString(uint16_t rcode);

// ClassToString returns "IN", "CH", "HS", "NONE", "ANY" or "CLASS<n>" (RFC 3597 section 5).
std::string ClassToString(uint16_t rclass);

}  // namespace dns

#endif  // LIB_DNS_MESSAGE_H_
