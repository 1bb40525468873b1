#include "tools/curl/url_glob.h"

#include <arpa/inet.h>

#include <climits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace curl_tool {
namespace {

// curl refuses a URL of this many patterns (literal runs, sets and ranges together).
constexpr size_t kMaxPatterns = 100;
// Letter ranges span at most 'a'..'z'.
constexpr int kMaxLetterSpan = 'z' - 'a';

bool IsGlobChar(char c) { return c == '{' || c == '}' || c == '[' || c == ']'; }

// Unsigned is what strtoul(3) reads in base 10 at `s[start]`: leading white space and a sign
// are taken (a '-' negates modulo 2^64), `end` is just after the digits, or `start` if there
// were none; `overflow` reports a value beyond 2^64 - 1.
struct Unsigned {
  uint64_t value = 0;
  size_t end = 0;
  bool overflow = false;
};

Unsigned ReadUnsigned(absl::string_view s, size_t start) {
  Unsigned out{0, start, false};
  size_t i = start;
  while (i < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  const size_t digits = i;
  uint64_t v = 0;
  for (; i < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i])); ++i) {
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) out.overflow = true;
    v = v * 10 + d;
  }
  if (i == digits) return out;
  out.end = i;
  out.value = out.overflow ? UINT64_MAX : negative ? 0 - v : v;
  return out;
}

// LiteralBracket returns the length of the "[...]" at the start of `s` when curl copies it
// as it is — "[]" or an IPv6 address with an optional non-empty zone ("[fe80::1%25eth0]") —
// else 0.
size_t LiteralBracket(absl::string_view s) {
  if (s.size() >= 2 && s[1] == ']') return 2;
  const size_t close = s.find(']');
  if (close == absl::string_view::npos) return 0;
  absl::string_view inside = s.substr(1, close - 1);
  absl::string_view address = inside.substr(0, inside.find('%'));
  if (address.size() < inside.size()) {
    absl::string_view zone = inside.substr(address.size() + 1);
    if (zone.size() > 2 && zone.substr(0, 2) == "25") zone.remove_prefix(2);
    if (zone.empty() || zone.size() > 15) return 0;
  }
  if (address.size() >= INET6_ADDRSTRLEN) return 0;
  std::string text(address);
  unsigned char bytes[16];
  return ::inet_pton(AF_INET6, text.c_str(), bytes) == 1 ? close + 1 : 0;
}

}  // namespace

// Parser reads one URL pattern left to right as curl does, keeping curl's position count.
class UrlGlob::Parser {
 public:
  explicit Parser(absl::string_view s) : s_(s) {}

  absl::StatusOr<UrlGlob> Run() {
    // Each round reads one pattern: a literal run, a set or a range.
    while (i_ < s_.size()) {
      std::string literal;
      absl::Status s = ReadLiteral(&literal);
      if (s.ok() && !literal.empty()) {
        glob_.pieces_.push_back(Piece{std::move(literal), -1});
      } else if (s.ok()) {
        s = s_[i_] == '{' ? ReadSet() : ReadRange();
      }
      if (!s.ok()) return s;
      if (++patterns_ >= kMaxPatterns) return Error("too many globs", i_);
    }
    return std::move(glob_);
  }

 private:
  // Error is curl's message for a problem at s_[index].
  absl::Status Error(absl::string_view what, size_t index) const {
    const size_t pos = index - sets_done_ + 1;
    return absl::InvalidArgumentError(absl::StrCat(what, " in URL position ", pos, ":\n", s_,
                                                   "\n", std::string(pos - 1, ' '), "^"));
  }

  // ReadLiteral appends the literal run at i_ (which ends at a set, a range or the end).
  absl::Status ReadLiteral(std::string* out) {
    while (i_ < s_.size() && s_[i_] != '{') {
      const char c = s_[i_];
      if (c == '[') {
        const size_t skip = LiteralBracket(s_.substr(i_));
        if (skip == 0) break;
        absl::StrAppend(out, s_.substr(i_, skip));
        i_ += skip;
        continue;
      }
      if (c == '}' || c == ']') return Error("unmatched close brace/bracket", i_);
      if (c == '\\' && i_ + 1 < s_.size() && IsGlobChar(s_[i_ + 1])) ++i_;
      out->push_back(s_[i_++]);
    }
    return absl::OkStatus();
  }

  // Add records a finished glob that ends before s_[i_].
  absl::Status Add(Glob g) {
    const uint64_t n = g.values();
    if (__builtin_mul_overflow(glob_.size_, n, &glob_.size_)) return Error("range overflow", i_);
    glob_.pieces_.push_back(Piece{"", static_cast<int>(glob_.globs_.size())});
    glob_.globs_.push_back(std::move(g));
    return absl::OkStatus();
  }

  // ReadSet reads "{a,b,...}" at i_. Inside, `\` makes any character literal.
  absl::Status ReadSet() {
    const size_t open = i_++;
    Glob g;
    std::string element;
    for (;;) {
      if (i_ >= s_.size()) return Error("unmatched brace", open);
      const char c = s_[i_];
      if (c == '{' || c == '[') return Error("nested brace", i_);
      if (c == ']') return Error("unexpected close bracket", i_);
      if (c == ',' || c == '}') {
        if (c == '}' && i_ == open + 1) return Error("empty string within braces", i_);
        g.set.push_back(std::move(element));
        element.clear();
        ++i_;
        if (c == '}') break;
        continue;
      }
      if (c == '\\' && i_ + 1 < s_.size()) ++i_;
      element.push_back(s_[i_++]);
    }
    ++sets_done_;  // curl does not count a set's closing brace in its positions
    return Add(std::move(g));
  }

  // ReadRange reads "[X-Y]" or "[X-Y:STEP]" at i_, of letters or of numbers.
  absl::Status ReadRange() {
    const size_t start = ++i_;
    if (start < s_.size() && absl::ascii_isalpha(static_cast<unsigned char>(s_[start]))) {
      return ReadLetters(start);
    }
    if (start < s_.size() && absl::ascii_isdigit(static_cast<unsigned char>(s_[start]))) {
      return ReadNumbers(start);
    }
    return Error("bad range specification", start);
  }

  // ReadLetters reads "X-Y]" or "X-Y:STEP]" at `start`; curl takes any two characters after
  // the first letter and the dash, and checks the letters once the range is read.
  absl::Status ReadLetters(size_t start) {
    if (start + 3 >= s_.size() || s_[start + 1] != '-') return Error("bad range", start);
    const signed char min = static_cast<signed char>(s_[start]);
    const signed char max = static_cast<signed char>(s_[start + 2]);
    const char end = s_[start + 3];
    uint64_t step = 1;
    size_t after = start;  // where a malformed range is reported
    if (end == ':') {
      Unsigned u = ReadUnsigned(s_, start + 4);
      if (u.overflow || u.end == start + 4 || u.end >= s_.size() || s_[u.end] != ']') {
        step = 0;
      } else {
        step = u.value;
        after = u.end + 1;
      }
    } else if (end == ']') {
      after = start + 4;
    } else {
      return Error("bad range", start);
    }
    const int span = max - min;
    if (step == 0 || step > static_cast<uint64_t>(INT_MAX) || (min == max && step != 1) ||
        (min != max && (min > max || step > static_cast<uint64_t>(span) || span > kMaxLetterSpan))) {
      return Error("bad range", after);
    }
    i_ = after;
    Glob g;
    g.kind = Glob::Kind::kLetters;
    g.first = static_cast<uint64_t>(min);
    g.step = step;
    g.count = static_cast<uint64_t>(span) / step + 1;
    return Add(std::move(g));
  }

  // ReadNumbers reads "N-M]" or "N-M:STEP]" at `start` (a digit). A leading zero in N pads
  // every value to N's width. Blanks may precede M.
  absl::Status ReadNumbers(size_t start) {
    Unsigned min = ReadUnsigned(s_, start);
    if (min.overflow || min.end >= s_.size() || s_[min.end] != '-') {
      return Error("bad range", start);
    }
    size_t at = min.end + 1;
    while (at < s_.size() && (s_[at] == ' ' || s_[at] == '\t')) ++at;
    if (at >= s_.size() || !absl::ascii_isdigit(static_cast<unsigned char>(s_[at]))) {
      return Error("bad range", at);
    }
    Unsigned max = ReadUnsigned(s_, at);
    if (max.overflow) return Error("bad range", at);
    uint64_t step = 1;
    size_t end = max.end;
    if (end < s_.size() && s_[end] == ':') {
      at = end + 1;
      Unsigned u = ReadUnsigned(s_, at);
      if (u.overflow) return Error("bad range", at);
      step = u.value;
      end = u.end;
    }
    if (end >= s_.size() || s_[end] != ']') return Error("bad range", at);
    const size_t after = end + 1;
    if (step == 0 || (min.value == max.value && step != 1) ||
        (min.value != max.value && (min.value > max.value || step > max.value - min.value))) {
      return Error("bad range", after);
    }
    i_ = after;
    Glob g;
    g.kind = Glob::Kind::kNumbers;
    g.first = min.value;
    g.step = step;
    g.count = (max.value - min.value) / step + 1;
    if (g.count == 0) return Error("range overflow", i_);  // 0 to 2^64 - 1 in steps of 1
    g.width = s_[start] == '0' ? min.end - start : 0;
    return Add(std::move(g));
  }

  absl::string_view s_;
  size_t i_ = 0;
  size_t sets_done_ = 0;
  size_t patterns_ = 0;
  UrlGlob glob_;
};

std::string UrlGlob::Glob::Value(uint64_t k) const {
  switch (kind) {
    case Kind::kSet:
      return set[k];
    case Kind::kLetters:
      return std::string(1, static_cast<char>(first + k * step));
    case Kind::kNumbers: {
      std::string digits = absl::StrCat(first + k * step);
      if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
      return digits;
    }
  }
  return "";
}

absl::StatusOr<UrlGlob> UrlGlob::Parse(absl::string_view pattern) {
  return Parser(pattern).Run();
}

UrlGlob UrlGlob::Literal(absl::string_view url) {
  UrlGlob g;
  g.pieces_.push_back(Piece{std::string(url), -1});
  return g;
}

std::vector<uint64_t> UrlGlob::Choices(uint64_t index) const {
  std::vector<uint64_t> k(globs_.size());
  for (size_t g = globs_.size(); g-- > 0;) {
    k[g] = index % globs_[g].values();
    index /= globs_[g].values();
  }
  return k;
}

std::string UrlGlob::Url(uint64_t index) const {
  const std::vector<uint64_t> k = Choices(index);
  std::string out;
  for (const Piece& p : pieces_) {
    if (p.glob < 0) {
      out += p.literal;
    } else {
      out += globs_[p.glob].Value(k[p.glob]);
    }
  }
  return out;
}

std::string UrlGlob::FillName(absl::string_view name, uint64_t index) const {
  const std::vector<uint64_t> k = Choices(index);
  std::string out;
  for (size_t i = 0; i < name.size();) {
    if (name[i] == '#' && i + 1 < name.size() &&
        absl::ascii_isdigit(static_cast<unsigned char>(name[i + 1]))) {
      Unsigned n = ReadUnsigned(name, i + 1);
      if (!n.overflow && n.value >= 1 && n.value <= globs_.size()) {
        out += globs_[n.value - 1].Value(k[n.value - 1]);
      } else {
        absl::StrAppend(&out, name.substr(i, n.end - i));
      }
      i = n.end;
      continue;
    }
    out.push_back(name[i++]);
  }
  return out;
}

}  // namespace curl_tool
