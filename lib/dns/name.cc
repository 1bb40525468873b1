#include "lib/dns/name.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "lib/base/byte_reader.h"
#include "lib/base/status_macros.h"
#include "lib/dns/wire_name.h"

namespace dns {
namespace {

// DecodeUtf8 splits `text` into code points. InvalidArgument for malformed, overlong or
// surrogate sequences.
absl::StatusOr<std::u32string> DecodeUtf8(absl::string_view text) {
  std::u32string out;
  size_t i = 0;
  while (i < text.size()) {
    const uint8_t lead = static_cast<uint8_t>(text[i]);
    int extra;
    char32_t cp;
    char32_t min;
    if (lead < 0x80) {
      extra = 0, cp = lead, min = 0;
    } else if ((lead & 0xe0) == 0xc0) {
      extra = 1, cp = lead & 0x1f, min = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
      extra = 2, cp = lead & 0x0f, min = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
      extra = 3, cp = lead & 0x07, min = 0x10000;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("dns: invalid utf-8 lead byte ", lead, " at offset ", i));
    }
    if (text.size() - i <= static_cast<size_t>(extra)) {
      return absl::InvalidArgumentError(absl::StrCat("dns: truncated utf-8 at offset ", i));
    }
    for (int k = 1; k <= extra; ++k) {
      const uint8_t c = static_cast<uint8_t>(text[i + k]);
      if ((c & 0xc0) != 0x80) {
        return absl::InvalidArgumentError(
            absl::StrCat("dns: invalid utf-8 continuation byte ", c, " at offset ", i + k));
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return absl::InvalidArgumentError(absl::StrCat("dns: invalid utf-8 code point ",
                                                     static_cast<uint32_t>(cp), " at offset ", i));
    }
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

// Punycode parameters, RFC 3492 section 5.
constexpr uint32_t kBase = 36;
constexpr uint32_t kTmin = 1;
constexpr uint32_t kTmax = 26;
constexpr uint32_t kSkew = 38;
constexpr uint32_t kDamp = 700;
constexpr uint32_t kInitialBias = 72;
constexpr uint32_t kInitialN = 128;

// Adapt is the bias adaptation function of RFC 3492 section 6.1.
uint32_t Adapt(uint32_t delta, uint32_t num_points, bool first_time) {
  delta = first_time ? delta / kDamp : delta / 2;
  delta += delta / num_points;
  uint32_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

char EncodeDigit(uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); }

}  // namespace

absl::StatusOr<std::vector<uint8_t>> NameToWire(absl::string_view presentation) {
  if (presentation.empty()) return absl::InvalidArgumentError("dns: empty name");
  std::vector<uint8_t> wire;
  if (presentation == ".") {
    wire.push_back(0);
    return wire;
  }
  size_t label_start = 0;  // index in `wire` of the current label's length byte
  wire.push_back(0);
  auto end_label = [&](size_t at) -> absl::Status {
    const size_t len = wire.size() - label_start - 1;
    if (len == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("dns: empty label in \"", presentation, "\" at offset ", at));
    }
    if (len > kMaxLabelLength) {
      return absl::InvalidArgumentError(absl::StrCat("dns: label longer than 63 octets (", len,
                                                     ") in \"", presentation, "\" at offset ", at));
    }
    wire[label_start] = static_cast<uint8_t>(len);
    label_start = wire.size();
    wire.push_back(0);
    return absl::OkStatus();
  };
  for (size_t i = 0; i < presentation.size(); ++i) {
    const char c = presentation[i];
    if (c == '.') {
      RETURN_IF_ERROR(end_label(i));
      continue;
    }
    if (c != '\\') {
      wire.push_back(static_cast<uint8_t>(c));
      continue;
    }
    if (i + 1 >= presentation.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("dns: dangling backslash in \"", presentation, "\" at offset ", i));
    }
    if (!absl::ascii_isdigit(static_cast<unsigned char>(presentation[i + 1]))) {
      wire.push_back(static_cast<uint8_t>(presentation[++i]));
      continue;
    }
    int value = 0;
    for (size_t k = 1; k <= 3; ++k) {
      if (i + k >= presentation.size() ||
          !absl::ascii_isdigit(static_cast<unsigned char>(presentation[i + k]))) {
        return absl::InvalidArgumentError(absl::StrCat("dns: \\DDD escape needs 3 digits in \"",
                                                       presentation, "\" at offset ", i));
      }
      value = value * 10 + (presentation[i + k] - '0');
    }
    if (value > 255) {
      return absl::InvalidArgumentError(absl::StrCat("dns: escape \\", value, " over 255 in \"",
                                                     presentation, "\" at offset ", i));
    }
    wire.push_back(static_cast<uint8_t>(value));
    i += 3;
  }
  // A trailing dot has already closed the last label and left an empty one open: that empty
  // label is the root terminator. Otherwise close the last label now.
  if (wire.size() - label_start - 1 > 0) {
    RETURN_IF_ERROR(end_label(presentation.size()));
  }
  if (wire.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrCat("dns: name longer than 255 octets (",
                                                   wire.size(), ") in \"", presentation, "\""));
  }
  return wire;
}

absl::StatusOr<std::string> ReadName(base::ByteReader& reader) {
  NameCheck check;
  if (!CheckName(reader.data(), reader.offset(), check)) return check.ToStatus();
  RETURN_IF_ERROR(reader.Seek(check.end()));
  return check.name().ToString();
}

bool NamesEqual(absl::string_view a, absl::string_view b) {
  // A trailing dot is dropped only when it is not escaped ("a\." keeps its dot).
  auto strip = [](absl::string_view s) {
    if (s.size() > 1 && s.back() == '.') {
      size_t backslashes = 0;
      for (size_t i = s.size() - 1; i > 0 && s[i - 1] == '\\'; --i) ++backslashes;
      if (backslashes % 2 == 0) s.remove_suffix(1);
    }
    return s;
  };
  return absl::EqualsIgnoreCase(strip(a), strip(b));
}

std::string ReverseName(const std::array<uint8_t, 4>& address) {
  return absl::StrCat(address[3], ".", address[2], ".", address[1], ".", address[0],
                      ".in-addr.arpa.");
}

std::string ReverseName(const std::array<uint8_t, 16>& address) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(16 * 4 + 9);
  for (size_t i = address.size(); i-- > 0;) {
    out.push_back(kHex[address[i] & 0x0f]);
    out.push_back('.');
    out.push_back(kHex[address[i] >> 4]);
    out.push_back('.');
  }
  out.append("ip6.arpa.");
  return out;
}

absl::StatusOr<std::string> ReverseNameForAddress(absl::string_view text) {
  const std::string owned(text);  // inet_pton needs a NUL-terminated string
  std::array<uint8_t, 4> v4;
  if (inet_pton(AF_INET, owned.c_str(), v4.data()) == 1) return ReverseName(v4);
  std::array<uint8_t, 16> v6;
  if (inet_pton(AF_INET6, owned.c_str(), v6.data()) == 1) return ReverseName(v6);
  return absl::InvalidArgumentError(
      absl::StrCat("dns: \"", text, "\" is not an IPv4 or IPv6 address"));
}

absl::StatusOr<std::string> PunycodeEncode(absl::string_view utf8_label) {
  ASSIGN_OR_RETURN(std::u32string input, DecodeUtf8(utf8_label));
  std::string out;
  for (char32_t c : input) {
    if (c < 0x80) out.push_back(static_cast<char>(c));
  }
  const uint32_t basic = static_cast<uint32_t>(out.size());
  uint32_t handled = basic;
  if (basic > 0) out.push_back('-');
  uint32_t n = kInitialN;
  uint32_t delta = 0;
  uint32_t bias = kInitialBias;
  constexpr uint32_t kMax = std::numeric_limits<uint32_t>::max();
  const auto overflow = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("dns: punycode overflow in \"", utf8_label, "\""));
  };
  while (handled < input.size()) {
    uint32_t m = kMax;
    for (char32_t c : input) {
      if (c >= n && c < m) m = c;
    }
    if (m - n > (kMax - delta) / (handled + 1)) return overflow();
    delta += (m - n) * (handled + 1);
    n = m;
    for (char32_t c : input) {
      if (c < n && ++delta == 0) return overflow();
      if (c != n) continue;
      uint32_t q = delta;
      for (uint32_t k = kBase;; k += kBase) {
        const uint32_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
        if (q < t) break;
        out.push_back(EncodeDigit(t + (q - t) % (kBase - t)));
        q = (q - t) / (kBase - t);
      }
      out.push_back(EncodeDigit(q));
      bias = Adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return out;
}

absl::StatusOr<std::string> ToAscii(absl::string_view utf8_name) {
  if (utf8_name.empty()) return absl::InvalidArgumentError("dns: empty name");
  if (utf8_name == ".") return std::string(".");
  if (!utf8_name.empty() && utf8_name.back() == '.') utf8_name.remove_suffix(1);
  std::vector<std::string> labels;
  for (absl::string_view label : absl::StrSplit(utf8_name, '.')) {
    bool ascii = true;
    for (char c : label) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) {
      labels.emplace_back(label);
      continue;
    }
    ASSIGN_OR_RETURN(std::string encoded, PunycodeEncode(absl::AsciiStrToLower(label)));
    labels.push_back(absl::StrCat("xn--", encoded));
  }
  std::string out = absl::StrCat(absl::StrJoin(labels, "."), ".");
  RETURN_IF_ERROR(NameToWire(out).status());
  return out;
}

}  // namespace dns
