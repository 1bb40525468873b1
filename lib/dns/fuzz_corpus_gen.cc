// fuzz_corpus_gen.cc: writes the seed corpus of dns_parser_fuzz: every sample message, with
// and without name compression, one file each.
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
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(wire->data()), wire->size());
      if (!out) {
        std::fprintf(stderr, "fuzz_corpus_gen: cannot write %s\n", path.c_str());
        return 1;
      }
      ++written;
    }
  }
  std::printf("fuzz_corpus_gen: wrote %d files to %s\n", written, argv[1]);
  return 0;
}
