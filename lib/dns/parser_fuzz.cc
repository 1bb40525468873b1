// parser_fuzz.cc: libFuzzer target for the DNS parser (after c-ares test/ares-test-fuzz.c).
//
// Parses the input with the owning ParseMessage and with MessageView, both checking all RDATA
// up front and lazily (each record's RDATA checked when decoded), and traps unless all agree:
// the same status, and when the message parses, the view decodes to the same message. Then it
// writes the message back (compressed and not), parses that again and traps unless it is
// equal. Records are also formatted, to exercise rdata_text. The seed corpus in
// testdata/fuzz/dns_parser_fuzz/ comes from :fuzz_corpus_gen and is replayed by the test run.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/dns/message.h"
#include "lib/dns/message_view.h"
#include "lib/dns/parser.h"
#include "lib/dns/rdata_text.h"
#include "lib/dns/test_messages.h"
#include "lib/dns/wire_name.h"
#include "lib/dns/writer.h"

namespace {

// CheckViewAgrees traps unless the views of `bytes` agree with `owning`, its ParseMessage.
void CheckViewAgrees(absl::Span<const uint8_t> bytes, const absl::StatusOr<dns::Message>& owning) {
  absl::StatusOr<dns::MessageView> full = dns::MessageView::Parse(bytes, dns::RdataChecks::kAll);
  if (full.status() != owning.status()) __builtin_trap();
  absl::StatusOr<dns::MessageView> lazy = dns::MessageView::Parse(bytes);
  if (lazy.ok()) {
    if (dns::samples::LazyParseStatus(bytes) != full.status()) __builtin_trap();
  } else if (full.ok()) {
    __builtin_trap();  // the lazy Parse checks less, so it cannot fail alone
  }
  if (!full.ok()) return;
  if (!dns::samples::DescribeMismatch(*full, *owning).empty()) __builtin_trap();
  dns::NameBuffer buffer;
  for (const auto& section : {full->answers(), full->authorities(), full->additionals()}) {
    for (const dns::RecordView& rr : section) {
      if (rr.name().Text(buffer).size() > dns::kMaxNameTextLength) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::Span<const uint8_t> bytes = absl::MakeConstSpan(data, size);
  absl::StatusOr<dns::Message> first = dns::ParseMessage(bytes);
  CheckViewAgrees(bytes, first);
  if (!first.ok()) return 0;
  for (const auto* section : {&first->answers, &first->authorities, &first->additionals}) {
    for (const dns::ResourceRecord& rr : *section) (void)dns::RecordToString(rr);
  }
  for (bool compress : {true, false}) {
    absl::StatusOr<std::vector<uint8_t>> wire =
        dns::WriteMessage(*first, dns::WriteOptions{compress});
    if (!wire.ok()) __builtin_trap();  // every parsed message must be writable
    absl::StatusOr<dns::Message> second = dns::ParseMessage(*wire);
    if (!second.ok() || !(*second == *first)) __builtin_trap();
    CheckViewAgrees(*wire, second);
  }
  return 0;
}
