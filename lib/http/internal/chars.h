// chars.h: 256-entry character class tables for HTTP/1 and URL parsing (private to lib/http).
//
// Each table is built at compile time, so a class test is one indexed load:
//
//   if (!internal::IsTokenChar(c)) return Error(...);
//   if (internal::IsFieldValueForbidden(c)) ...   // NUL, CR, LF
#ifndef LIB_HTTP_INTERNAL_CHARS_H_
#define LIB_HTTP_INTERNAL_CHARS_H_

#include <array>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace http {
namespace internal {

enum CharClass : uint8_t {
  kTokenChar = 1 << 0,       // RFC 9110 §5.6.2 tchar
  kUnreserved = 1 << 1,      // RFC 3986 §2.3
  kSubDelim = 1 << 2,        // RFC 3986 §2.2 sub-delims
  kHexDigit = 1 << 3,        // 0-9 A-F a-f
  kCtlOrSpace = 1 << 4,      // 0x00-0x20 and 0x7F: never allowed in a URL or request-target
  kValueForbidden = 1 << 5,  // NUL, CR, LF: never allowed in a field value (RFC 9110 §5.5)
};

constexpr std::array<uint8_t, 256> MakeCharTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    uint8_t v = 0;
    if (alpha || digit) v |= kTokenChar | kUnreserved;
    switch (c) {
      case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
      case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        v |= kTokenChar;
        break;
      default:
        break;
    }
    switch (c) {
      case '-': case '.': case '_': case '~':
        v |= kUnreserved;
        break;
      case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+':
      case ',': case ';': case '=':
        v |= kSubDelim;
        break;
      default:
        break;
    }
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHexDigit;
    if (c <= 0x20 || c == 0x7F) v |= kCtlOrSpace;
    if (c == 0 || c == '\r' || c == '\n') v |= kValueForbidden;
    t[c] = v;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kCharTable = MakeCharTable();

inline bool HasClass(char c, CharClass cls) {
  return (kCharTable[static_cast<uint8_t>(c)] & cls) != 0;
}
inline bool IsTokenChar(char c) { return HasClass(c, kTokenChar); }
inline bool IsHexDigit(char c) { return HasClass(c, kHexDigit); }
inline bool IsCtlOrSpace(char c) { return HasClass(c, kCtlOrSpace); }
inline bool IsFieldValueForbidden(char c) { return HasClass(c, kValueForbidden); }

// IsToken reports whether `s` is a non-empty RFC 9110 token.
inline bool IsToken(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// HexValue returns the value of hex digit `c`; `c` must satisfy IsHexDigit.
inline int HexValue(char c) {
  if (c <= '9') return c - '0';
  return (c | 0x20) - 'a' + 10;
}

// IsOws reports whether `c` is optional whitespace (SP or HTAB).
inline bool IsOws(char c) { return c == ' ' || c == '\t'; }

// TrimOws returns `s` without leading and trailing SP/HTAB; the view points into `s`.
inline absl::string_view TrimOws(absl::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace internal
}  // namespace http

#endif  // LIB_HTTP_INTERNAL_CHARS_H_
