// parser_fuzz.cc: libFuzzer target for the DNS parser (after c-ares test/ares-test-fuzz.c).
//
// Parses the input; if it parses, writes the message back, parses that again and traps unless
// both parses are equal. Records are also formatted, to exercise rdata_text. The seed corpus in
// testdata/fuzz/dns_parser_fuzz/ comes from :fuzz_corpus_gen and is replayed by the test run.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/dns/message.h"
#include "lib/dns/parser.h"
#include "lib/dns/rdata_text.h"
#include "lib/dns/writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<dns::Message> first = dns::ParseMessage(absl::MakeConstSpan(data, size));
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
  }
  return 0;
}
