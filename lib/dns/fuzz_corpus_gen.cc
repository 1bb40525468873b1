// fuzz_corpus_gen.cc: writes the seed corpus of dns_parser_fuzz: every sample message, with
// and without name compression, and every hand-built hostile input, one file each.
//
//   ./bazelw run //lib/dns:fuzz_corpus_gen -- "$PWD/testdata/fuzz/dns_parser_fuzz"
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/dns/message.h"
#include "lib/dns/test_messages.h"
#include "lib/dns/writer.h"

namespace {

bool WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!out) std::fprintf(stderr, "fuzz_corpus_gen: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_corpus_gen DIR\n");
    return 2;
  }
  const std::vector<dns::Message> messages = dns::samples::SampleMessages();
  int written = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    for (bool compress : {true, false}) {
      absl::StatusOr<std::vector<uint8_t>> wire =
          dns::WriteMessage(messages[i], dns::WriteOptions{compress});
      if (!wire.ok()) {
        std::fprintf(stderr, "fuzz_corpus_gen: message %zu: %s\n", i,
                     std::string(wire.status().message()).c_str());
        return 1;
      }
      const std::string path =
          absl::StrCat(argv[1], "/sample_", i, compress ? "_compressed" : "_plain", ".bin");
      if (!WriteFile(path, *wire)) return 1;
      ++written;
    }
  }
  const std::vector<std::vector<uint8_t>> hostile = dns::samples::HostileInputs();
  for (size_t i = 0; i < hostile.size(); ++i) {
    const std::string path = absl::StrCat(argv[1], "/hostile_", i, ".bin");
    if (!WriteFile(path, hostile[i])) return 1;
    ++written;
  }
  std::printf("fuzz_corpus_gen: wrote %d files to %s\n", written, argv[1]);
  return 0;
}
