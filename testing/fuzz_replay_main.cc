// fuzz_replay_main.cc: runs a libFuzzer target's LLVMFuzzerTestOneInput over corpus files.
//
// Each argument is a file or a directory (searched recursively). The empty input is always run
// first. Exit 0 when every input returns; a crash fails the test like any other.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void RunFile(const std::filesystem::path& path, int* count) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  ++*count;
}

}  // namespace

int main(int argc, char** argv) {
  LLVMFuzzerTestOneInput(nullptr, 0);
  int count = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) RunFile(e.path(), &count);
      }
    } else if (std::filesystem::is_regular_file(p, ec)) {
      RunFile(p, &count);
    } else {
      std::fprintf(stderr, "fuzz_replay: %s: no such corpus (running with none)\n", argv[i]);
    }
  }
  std::printf("fuzz_replay: ran %d corpus inputs\n", count);
  return 0;
}
