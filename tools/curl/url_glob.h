// url_glob.h: curl's URL globbing — {a,b,c} sets and [1-3], [01-10], [a-c], [1-10:2] ranges.
//
// A URL argument stands for every combination of its globs' values, the rightmost glob
// varying fastest, as curl 7.88 expands it. `\` before {, }, [ or ] makes it literal; "[]"
// and bracketed IPv6 addresses ("[::1]", "[fe80::1%eth0]") are literal too. Output file
// names refer to the current values with #1, #2, ... (globs numbered left to right).
//
//   ASSIGN_OR_RETURN(curl_tool::UrlGlob glob, curl_tool::UrlGlob::Parse("http://h/{a,b}[1-2]"));
//   for (uint64_t i = 0; i < glob.size(); ++i) {
//     std::string url = glob.Url(i);                    // http://h/a1, .../a2, .../b1, .../b2
//     std::string file = glob.FillName("out_#1_#2", i);  // out_a_1, out_a_2, ...
//   }
#ifndef TOOLS_CURL_URL_GLOB_H_
#define TOOLS_CURL_URL_GLOB_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace curl_tool {

class UrlGlob {
 public:
  // Parse reads the globs of `pattern` (not kept). A malformed one is InvalidArgument whose
  // message is curl's three lines after "curl: (3) ", e.g.
  //   "bad range in URL position 9:\nhttp://[bad\n        ^"
  // (positions are 1-based and counted as curl counts them: each {set} before the error
  // counts one character less).
  static absl::StatusOr<UrlGlob> Parse(absl::string_view pattern);

  // Literal is the glob of a URL used as it is (curl -g): one URL, no globs.
  static UrlGlob Literal(absl::string_view url);

  // size returns how many URLs the pattern stands for (at least 1).
  uint64_t size() const { return size_; }

  // Url returns URL number `index` (< size()) in curl's order.
  std::string Url(uint64_t index) const;

  // FillName returns `name` with each "#N" (1 <= N <= the number of globs) replaced by glob
  // N's value in URL number `index`; any other '#' stays as it is.
  std::string FillName(absl::string_view name, uint64_t index) const;

 private:
  // Glob is one {set} or [range].
  struct Glob {
    enum class Kind { kSet, kNumbers, kLetters };
    Kind kind = Kind::kSet;
    std::vector<std::string> set;  // kSet: the elements
    uint64_t first = 0;            // kNumbers / kLetters: first value, step and value count
    uint64_t step = 1;
    uint64_t count = 0;
    size_t width = 0;              // kNumbers: zero-padded to this many digits ("[01-10]")

    uint64_t values() const { return kind == Kind::kSet ? set.size() : count; }
    std::string Value(uint64_t k) const;
  };
  // Piece is a literal run of the URL, or (glob >= 0) the glob at that index.
  struct Piece {
    std::string literal;
    int glob = -1;
  };
  class Parser;

  // Choices returns each glob's value number for URL `index`.
  std::vector<uint64_t> Choices(uint64_t index) const;

  std::vector<Piece> pieces_;
  std::vector<Glob> globs_;
  uint64_t size_ = 1;
};

}  // namespace curl_tool

#endif  // TOOLS_CURL_URL_GLOB_H_
