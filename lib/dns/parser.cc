#include "lib/dns/parser.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/base/status_macros.h"
#include "lib/dns/message.h"
#include "lib/dns/message_view.h"
#include "lib/dns/wire_name.h"

// ParseMessage is MessageView::Parse with every RDATA checked in message order, followed by
// decoding each record with the view's accessors and copying it into the owning Message.

namespace dns {
namespace {

std::string Owned(absl::string_view bytes) { return std::string(bytes); }

std::vector<EdnsOption> OwnedOptions(const EdnsOptions& options) {
  std::vector<EdnsOption> out;
  for (const EdnsOptionView& option : options) out.push_back({option.code, Owned(option.data)});
  return out;
}

// OwnedRdata decodes the RDATA of `rr` into its Rdata alternative.
absl::StatusOr<Rdata> OwnedRdata(const RecordView& rr) {
  switch (rr.type()) {
    case kA: {
      ASSIGN_OR_RETURN(auto address, rr.AsA());
      return A{address};
    }
    case kAAAA: {
      ASSIGN_OR_RETURN(auto address, rr.AsAaaa());
      return Aaaa{address};
    }
    case kNS:
    case kCNAME:
    case kPTR: {
      ASSIGN_OR_RETURN(NameView name, rr.AsName());
      return NameRdata{name.ToString()};
    }
    case kMX: {
      ASSIGN_OR_RETURN(MxView mx, rr.AsMx());
      return Mx{mx.preference, mx.exchange.ToString()};
    }
    case kTXT: {
      ASSIGN_OR_RETURN(CharacterStrings strings, rr.AsTxt());
      Txt txt;
      for (absl::string_view s : strings) txt.strings.push_back(Owned(s));
      return txt;
    }
    case kSOA: {
      ASSIGN_OR_RETURN(SoaView soa, rr.AsSoa());
      return Soa{soa.mname.ToString(), soa.rname.ToString(), soa.serial, soa.refresh,
                 soa.retry,            soa.expire,           soa.minimum};
    }
    case kSRV: {
      ASSIGN_OR_RETURN(SrvView srv, rr.AsSrv());
      return Srv{srv.priority, srv.weight, srv.port, srv.target.ToString()};
    }
    case kCAA: {
      ASSIGN_OR_RETURN(CaaView caa, rr.AsCaa());
      return Caa{caa.flags, Owned(caa.tag), Owned(caa.value)};
    }
    default:
      return Raw{std::vector<uint8_t>(rr.rdata().begin(), rr.rdata().end())};
  }
}

// OwnedRecords appends the records of `records`, the section `section`, to `out`, leaving
// out the OPT record (it goes to Message::edns).
absl::Status OwnedRecords(const SectionRange<RecordView>& records, MessageSection section,
                          std::vector<ResourceRecord>& out) {
  out.reserve(records.size());
  size_t index = 0;
  for (const RecordView& rr : records) {
    if (rr.type() != kOPT) {
      absl::StatusOr<Rdata> data = OwnedRdata(rr);
      if (!data.ok()) {
        return SectionError(data.status(), section, index, records.size(), rr.offset());
      }
      out.push_back({rr.name().ToString(), rr.type(), rr.rclass(), rr.ttl(), *std::move(data)});
    }
    ++index;
  }
  return absl::OkStatus();
}

Question OwnedQuestion(const QuestionView& q) { return {q.name.ToString(), q.type, q.qclass}; }

}  // namespace

absl::StatusOr<Header> ParseHeader(absl::Span<const uint8_t> bytes) {
  return MessageView::ParseHeader(bytes);
}

absl::StatusOr<Question> ParseFirstQuestion(absl::Span<const uint8_t> bytes) {
  ASSIGN_OR_RETURN(QuestionView q, MessageView::ParseFirstQuestion(bytes));
  return OwnedQuestion(q);
}

absl::StatusOr<Message> ParseMessage(absl::Span<const uint8_t> bytes) {
  ASSIGN_OR_RETURN(MessageView view, MessageView::Parse(bytes, RdataChecks::kAll));
  Message message;
  message.header = view.header();
  message.questions.reserve(view.questions().size());
  for (const QuestionView& q : view.questions()) message.questions.push_back(OwnedQuestion(q));
  RETURN_IF_ERROR(OwnedRecords(view.answers(), MessageSection::kAnswer, message.answers));
  RETURN_IF_ERROR(
      OwnedRecords(view.authorities(), MessageSection::kAuthority, message.authorities));
  RETURN_IF_ERROR(
      OwnedRecords(view.additionals(), MessageSection::kAdditional, message.additionals));
  if (std::optional<EdnsView> edns = view.edns()) {
    message.edns = Edns{edns->udp_payload_size, edns->version, edns->dnssec_ok,
                        OwnedOptions(edns->options)};
  }
  return message;
}

}  // namespace dns
