#include "lib/dns/test_messages.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/dns/message.h"
#include "lib/dns/message_view.h"
#include "lib/dns/wire_name.h"

namespace dns::samples {
namespace {

ResourceRecord Record(std::string name, uint16_t type, Rdata data, uint32_t ttl = 300) {
  return ResourceRecord{std::move(name), type, kClassIN, ttl, std::move(data)};
}

Message Response(uint16_t id, std::string qname, uint16_t qtype) {
  Message m;
  m.header.id = id;
  m.header.qr = true;
  m.header.rd = true;
  m.header.ra = true;
  m.questions.push_back(Question{std::move(qname), qtype, kClassIN});
  return m;
}

Soa ExampleSoa() {
  return Soa{"ns1.example.com.", "hostmaster.example.com.", 2024010101, 7200, 3600, 1209600, 300};
}

// RdataMismatch compares the RDATA of `view` with `want`; "" when equal.
std::string RdataMismatch(const RecordView& view, const Rdata& want) {
  auto fail = [](absl::string_view what) { return absl::StrCat("rdata ", what, " differs"); };
  if (const auto* a = std::get_if<A>(&want)) {
    auto got = view.AsA();
    return got.ok() && *got == a->address ? "" : fail("A");
  }
  if (const auto* aaaa = std::get_if<Aaaa>(&want)) {
    auto got = view.AsAaaa();
    return got.ok() && *got == aaaa->address ? "" : fail("AAAA");
  }
  if (const auto* name = std::get_if<NameRdata>(&want)) {
    auto got = view.AsName();
    return got.ok() && got->ToString() == name->name ? "" : fail("name");
  }
  if (const auto* mx = std::get_if<Mx>(&want)) {
    auto got = view.AsMx();
    return got.ok() && got->preference == mx->preference &&
                   got->exchange.ToString() == mx->exchange
               ? ""
               : fail("MX");
  }
  if (const auto* txt = std::get_if<Txt>(&want)) {
    auto got = view.AsTxt();
    if (!got.ok()) return fail("TXT");
    std::vector<std::string> strings(got->begin(), got->end());
    return strings == txt->strings ? "" : fail("TXT");
  }
  if (const auto* soa = std::get_if<Soa>(&want)) {
    auto got = view.AsSoa();
    return got.ok() && Soa{got->mname.ToString(), got->rname.ToString(), got->serial,
                           got->refresh,          got->retry,            got->expire,
                           got->minimum} == *soa
               ? ""
               : fail("SOA");
  }
  if (const auto* srv = std::get_if<Srv>(&want)) {
    auto got = view.AsSrv();
    return got.ok() && Srv{got->priority, got->weight, got->port, got->target.ToString()} == *srv
               ? ""
               : fail("SRV");
  }
  if (const auto* caa = std::get_if<Caa>(&want)) {
    auto got = view.AsCaa();
    return got.ok() && Caa{got->flags, std::string(got->tag), std::string(got->value)} == *caa
               ? ""
               : fail("CAA");
  }
  const auto* raw = std::get_if<Raw>(&want);
  const absl::Span<const uint8_t> bytes = view.rdata();
  return raw != nullptr && std::vector<uint8_t>(bytes.begin(), bytes.end()) == raw->bytes
             ? ""
             : fail("raw");
}

// SectionMismatch compares the records of one section (the view's OPT record left out).
std::string SectionMismatch(const SectionRange<RecordView>& view,
                            const std::vector<ResourceRecord>& want, absl::string_view section) {
  size_t i = 0;
  for (const RecordView& rr : view) {
    if (rr.type() == kOPT) continue;
    if (i >= want.size()) return absl::StrCat(section, ": more records than expected");
    const ResourceRecord& w = want[i];
    std::string why;
    if (rr.name().ToString() != w.name) {
      why = absl::StrCat("owner ", rr.name().ToString(), " != ", w.name);
    } else if (rr.type() != w.type || rr.rclass() != w.rclass || rr.ttl() != w.ttl) {
      why = "type, class or ttl differs";
    } else {
      why = RdataMismatch(rr, w.data);
    }
    if (!why.empty()) return absl::StrCat(section, " ", i, ": ", why);
    ++i;
  }
  return i == want.size() ? "" : absl::StrCat(section, ": fewer records than expected");
}

}  // namespace

std::string DescribeMismatch(const MessageView& view, const Message& message) {
  if (!(view.header() == message.header)) return "header differs";
  if (view.questions().size() != message.questions.size()) return "question count differs";
  size_t i = 0;
  for (const QuestionView& q : view.questions()) {
    const Question& want = message.questions[i++];
    if (q.name.ToString() != want.name || q.type != want.type || q.qclass != want.qclass) {
      return absl::StrCat("question ", i - 1, " differs");
    }
  }
  for (std::string why : {SectionMismatch(view.answers(), message.answers, "answer"),
                          SectionMismatch(view.authorities(), message.authorities, "authority"),
                          SectionMismatch(view.additionals(), message.additionals, "additional")}) {
    if (!why.empty()) return why;
  }
  const std::optional<EdnsView> edns = view.edns();
  if (edns.has_value() != message.edns.has_value()) return "edns presence differs";
  if (!edns.has_value()) return "";
  Edns got{edns->udp_payload_size, edns->version, edns->dnssec_ok, {}};
  for (const EdnsOptionView& option : edns->options) {
    got.options.push_back({option.code, std::string(option.data)});
  }
  return got == *message.edns ? "" : "edns differs";
}

absl::Status LazyParseStatus(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<MessageView> view = MessageView::Parse(bytes);
  if (!view.ok()) return view.status();
  const std::pair<MessageSection, SectionRange<RecordView>> sections[] = {
      {MessageSection::kAnswer, view->answers()},
      {MessageSection::kAuthority, view->authorities()},
      {MessageSection::kAdditional, view->additionals()}};
  for (const auto& [section, records] : sections) {
    size_t index = 0;
    for (const RecordView& rr : records) {
      if (absl::Status s = rr.CheckRdata(); !s.ok()) {
        return SectionError(s, section, index, records.size(), rr.offset());
      }
      ++index;
    }
  }
  return absl::OkStatus();
}

Message SampleResponse() {
  Message m = Response(0xbeef, "www.example.com.", kA);
  m.header.aa = true;
  m.answers = {
      Record("www.example.com.", kCNAME, NameRdata{"web.example.com."}),
      Record("web.example.com.", kA, A{{192, 0, 2, 1}}),
      Record("web.example.com.", kAAAA,
             Aaaa{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}),
      Record("example.com.", kMX, Mx{10, "mail.example.com."}),
      Record("example.com.", kTXT, Txt{{"v=spf1 -all", "say \"hi\"\\\x01"}}),
      Record("_sip._tcp.example.com.", kSRV, Srv{10, 60, 5060, "sip.example.com."}),
      Record("example.com.", kCAA, Caa{0, "issue", "letsencrypt.org"}),
      Record("1.2.0.192.in-addr.arpa.", kPTR, NameRdata{"www.example.com."}),
      Record("example.com.", 65534, Raw{{1, 2, 3}}),
  };
  m.authorities = {
      Record("example.com.", kNS, NameRdata{"ns1.example.com."}, 86400),
      Record("example.com.", kSOA, ExampleSoa(), 3600),
  };
  m.additionals = {Record("ns1.example.com.", kA, A{{192, 0, 2, 53}})};
  m.edns = Edns{1232, 0, true, {EdnsOption{10, "cookie12"}}};
  return m;
}

std::vector<Message> SampleMessages() {
  std::vector<Message> out;
  out.push_back(SampleResponse());
  for (uint16_t type : std::vector<uint16_t>{kA, kAAAA, kMX, kTXT, kSRV, kCAA, kANY, 65534}) {
    Message q;
    q.header.id = type;
    q.header.rd = true;
    q.questions.push_back(Question{"example.com.", type, kClassIN});
    if (type % 2 == 0) q.edns = Edns{4096, 0, false, {}};
    out.push_back(std::move(q));
  }
  Message nx = Response(2, "nope.example.com.", kA);
  nx.header.rcode = kNxDomain;
  nx.authorities.push_back(Record("example.com.", kSOA, ExampleSoa()));
  out.push_back(std::move(nx));

  Message badvers = Response(3, "example.com.", kA);
  badvers.header.rcode = kBadVers;
  badvers.edns = Edns{1232, 0, false, {}};
  out.push_back(std::move(badvers));

  Message odd = Response(4, "odd\\.label\\032\\255.example.", kTXT);
  odd.answers.push_back(Record("odd\\.label\\032\\255.example.", kTXT, Txt{{"", "x"}}));
  odd.answers.push_back(Record(".", kNS, NameRdata{"a.root-servers.net."}));
  out.push_back(std::move(odd));

  Message many = Response(5, "multi.example.com.", kA);
  for (uint8_t i = 1; i <= 8; ++i) {
    many.answers.push_back(Record("multi.example.com.", kA, A{{10, 0, 0, i}}, 60));
  }
  out.push_back(std::move(many));

  Message chain = Response(6, "a.example.net.", kAAAA);
  chain.answers.push_back(Record("a.example.net.", kCNAME, NameRdata{"b.example.org."}));
  chain.answers.push_back(Record("b.example.org.", kCNAME, NameRdata{"c.example.org."}));
  chain.answers.push_back(Record("c.example.org.", kAAAA,
                                 Aaaa{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}}));
  out.push_back(std::move(chain));

  Message srv = Response(7, "_xmpp._tcp.example.com.", kSRV);
  srv.answers.push_back(
      Record("_xmpp._tcp.example.com.", kSRV, Srv{0, 5, 5222, "xmpp.example.com."}));
  srv.answers.push_back(Record("_xmpp._tcp.example.com.", kSRV, Srv{1, 0, 5222, "."}));
  srv.additionals.push_back(Record("xmpp.example.com.", kA, A{{203, 0, 113, 7}}));
  out.push_back(std::move(srv));

  Message caa = Response(8, "example.org.", kCAA);
  caa.answers.push_back(Record("example.org.", kCAA, Caa{128, "iodef", "mailto:sec@example.org"}));
  caa.answers.push_back(Record("example.org.", kCAA, Caa{0, "issuewild", ";"}));
  out.push_back(std::move(caa));

  Message opts = Response(9, "example.com.", kA);
  opts.edns = Edns{512,
                   0,
                   true,
                   {EdnsOption{8, std::string("\x00\x01\x18\x00\xc0\x00\x02", 7)},
                    EdnsOption{12, std::string(4, '\0')}}};
  out.push_back(std::move(opts));

  Message unknown = Response(10, "example.com.", 99);
  unknown.answers.push_back(Record("example.com.", 99, Raw{}));
  unknown.answers.push_back(Record("example.com.", 4000, Raw{{0xde, 0xad, 0xbe, 0xef}}));
  unknown.header.opcode = 2;
  unknown.header.cd = true;
  unknown.header.ad = true;
  unknown.header.tc = true;
  out.push_back(std::move(unknown));

  Message empty;
  out.push_back(std::move(empty));
  return out;
}

std::vector<std::vector<uint8_t>> HostileInputs() {
  std::vector<Packet> p(20);
  p[0].Header(0, 1, 0, 0).Pointer(12);                           // self-pointer
  p[1].Header(1, 0, 0, 0).Pointer(14).Pointer(12);               // two-pointer cycle
  p[2].Header(1, 0, 0, 0).Pointer(0x3fff);                       // pointer past the end
  p[3].Header(1, 0, 0, 0).Pointer(16).U8(0).U8(0).Question(kA);  // forward pointer
  p[4].Header(1, 0, 0, 0).U8(0x40).Question(kA);                 // reserved label type / label > 63
  p[5].Header(1, 0, 0, 0).U8(0x80).Question(kA);
  // Long names and pointer chains hide in the RDATA of an unknown type; the next record's
  // owner name points at their end.
  const uint16_t chain_at = 12 + 1 + 10;  // after the root owner and the record fields
  p[6].Header(0, 2, 0, 0).U8(0).Record(65534, 52 + 5 * 53);  // name over 255 via pointers
  p[6].U8(50).Bytes(std::string(50, 'x')).U8(0);
  for (int i = 0; i < 5; ++i) {
    p[6].U8(50)
        .Bytes(std::string(50, 'x'))
        .Pointer(i == 0 ? chain_at : chain_at + 52 + 53 * (i - 1));
  }
  p[6].Pointer(chain_at + 52 + 53 * 4).Record(kA, 4).Bytes("abcd");
  p[7].Bytes(std::string(11, '\0'));                       // only part of a header
  p[8].Header(1, 3, 0, 0).Name("a.example").Question(kA);  // counts larger than records
  p[9].Header(1, 0, 0, 0).Name("a.example").Question(kA).Bytes("xyz");  // trailing bytes
  p[10].Header(0, 1, 0, 0).Name("a.example").Record(kA, 100).Bytes("\x01\x02\x03\x04");
  p[11].Header(0, 1, 0, 0).Name("a.example").Record(kA, 5).Bytes("\x01\x02\x03\x04\x05");
  p[12].Header(0, 1, 0, 0).Name("a.example").Record(kTXT, 4).U8(10).Bytes("abcdefghij");
  p[13].Header(0, 1, 0, 0).Name("a.example").Record(kMX, 6).U16(1).U8(0).Bytes("zzz");
  p[14].Header(0, 1, 0, 0).Name("a.example").Record(kCNAME, 3).Name("b.example");
  p[15].Header(0, 1, 0, 0).U8(0).Record(kOPT, 0, 512);  // OPT outside additional
  p[16].Header(0, 0, 0, 2).U8(0).Record(kOPT, 0, 512).U8(0).Record(kOPT, 0, 512);
  p[17].Header(0, 0, 0, 1).U8(0).Record(kOPT, 6, 512).U16(10).U16(9).U16(0);
  p[18].Header(0, 1, 0, 0).U8(0).Record(kCAA, 3).U8(0).U8(0).Bytes("x");
  p[19].Header(0, 2, 0, 0).U8(0).Record(65534, 2 * 130);  // more than 128 pointers
  for (int i = 0; i < 130; ++i) p[19].Pointer(i == 0 ? 12 : chain_at + 2 * (i - 1));
  p[19].Pointer(chain_at + 2 * 129).Record(kA, 4).Bytes("abcd");
  std::vector<std::vector<uint8_t>> out;
  for (const Packet& packet : p) out.push_back(packet.bytes());
  return out;
}

}  // namespace dns::samples
