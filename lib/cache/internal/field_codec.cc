#include "lib/cache/internal/field_codec.h"

#include <array>
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/cache/policy.h"
#include "lib/http/date.h"

namespace cache::internal {
namespace {

// kNames are the field names written as one byte (index + 1), in the case origins send.
constexpr std::array<absl::string_view, 40> kNames = {
    "Server",           "Date",              "Content-Type",
    "Content-Length",   "Last-Modified",     "ETag",
    "Expires",          "Cache-Control",     "Accept-Ranges",
    "Vary",             "Content-Encoding",  "Age",
    "Via",              "X-Cache",           "Set-Cookie",
    "Location",         "Content-Location",  "Content-Language",
    "Content-Disposition", "Access-Control-Allow-Origin", "Strict-Transport-Security",
    "X-Content-Type-Options", "X-Frame-Options", "Pragma",
    "Link",             "Alt-Svc",           "Content-Security-Policy",
    "Referrer-Policy",  "X-XSS-Protection",  "Access-Control-Allow-Credentials",
    "Access-Control-Expose-Headers", "Timing-Allow-Origin", "Cross-Origin-Resource-Policy",
    "Permissions-Policy", "Report-To",       "NEL",
    "X-Powered-By",     "P3P",               "Warning",
    "Content-MD5",
};
// The names AppendServedWireFields leaves out, by table index + 1.
constexpr uint8_t kAgeCode = 12, kContentLengthCode = 4, kXCacheCode = 14;

constexpr uint8_t kLiteralValue = 0, kDateValue = 1;

void PutVarint(uint64_t n, std::string* out) {
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
}

// Reader walks an encoding; every read is bounds-checked (a bad encoding is DataLoss).
class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}
  bool done() const { return pos_ == in_.size(); }
  bool Byte(uint8_t* b) {
    if (pos_ >= in_.size()) return false;
    *b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool Varint(uint64_t* n) {
    *n = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!Byte(&b)) return false;
      *n |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool Bytes(uint64_t n, absl::string_view* out) {
    if (n > in_.size() - pos_) return false;
    *out = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Text(absl::string_view* out) {
    uint64_t n;
    return Varint(&n) && Bytes(n, out);
  }

 private:
  absl::string_view in_;
  size_t pos_ = 0;
};

// Field is one decoded field: a table name (code > 0) or a literal one, and a literal value
// or a date.
struct Field {
  uint8_t code = 0;
  absl::string_view name;
  absl::string_view value;
  std::optional<absl::Time> date;
};

bool Next(Reader& r, Field* f) {
  if (!r.Byte(&f->code)) return false;
  if (f->code > kNames.size()) return false;
  if (f->code == 0) {
    if (!r.Text(&f->name)) return false;
  } else {
    f->name = kNames[f->code - 1];
  }
  uint8_t kind;
  if (!r.Byte(&kind)) return false;
  f->date.reset();
  if (kind == kLiteralValue) return r.Text(&f->value);
  if (kind != kDateValue) return false;
  absl::string_view b;
  if (!r.Bytes(5, &b)) return false;
  uint64_t secs = 0;
  for (char c : b) secs = secs << 8 | static_cast<uint8_t>(c);
  f->date = absl::FromUnixSeconds(static_cast<int64_t>(secs));
  return true;
}

}  // namespace

std::string EncodeFields(const http::Headers& headers) {
  std::string out;
  for (const http::Headers::Field& f : headers) {
    uint8_t code = 0;
    for (size_t i = 0; i < kNames.size(); ++i) {
      if (f.name == kNames[i]) code = static_cast<uint8_t>(i + 1);
    }
    out.push_back(static_cast<char>(code));
    if (code == 0) {
      PutVarint(f.name.size(), &out);
      out.append(f.name);
    }
    std::optional<absl::Time> date;
    if (f.value.size() == 29) date = http::ParseHttpDate(f.value);
    int64_t secs = date.has_value() ? absl::ToUnixSeconds(*date) : -1;
    if (secs >= 0 && secs < (int64_t{1} << 40) && http::FormatHttpDate(*date) == f.value) {
      out.push_back(static_cast<char>(kDateValue));
      for (int shift = 32; shift >= 0; shift -= 8) out.push_back(static_cast<char>(secs >> shift));
    } else {
      out.push_back(static_cast<char>(kLiteralValue));
      PutVarint(f.value.size(), &out);
      out.append(f.value);
    }
  }
  return out;
}

absl::StatusOr<http::Headers> DecodeFields(absl::string_view encoded) {
  http::Headers headers;
  Reader r(encoded);
  Field f;
  while (!r.done()) {
    if (!Next(r, &f)) return absl::DataLossError("memory store: bad field encoding");
    std::string value = f.date.has_value() ? http::FormatHttpDate(*f.date) : std::string(f.value);
    if (absl::Status s = headers.Add(f.name, value); !s.ok()) {
      return absl::DataLossError(absl::StrCat("memory store: bad stored field: ", s.message()));
    }
  }
  return headers;
}

std::string EncodeVaryValues(const std::vector<VaryValue>& values) {
  std::string out;
  for (const VaryValue& v : values) {
    for (const std::string& part : {v.first, v.second}) {
      PutVarint(part.size(), &out);
      out += part;
    }
  }
  return out;
}

std::vector<VaryValue> DecodeVaryValues(absl::string_view encoded) {
  std::vector<VaryValue> out;
  Reader r(encoded);
  absl::string_view name, value;
  while (!r.done() && r.Text(&name) && r.Text(&value)) out.emplace_back(name, value);
  return out;
}

void AppendServedWireFields(absl::string_view encoded, std::string* out) {
  Reader r(encoded);
  Field f;
  while (!r.done() && Next(r, &f)) {
    if (f.code == kAgeCode || f.code == kContentLengthCode || f.code == kXCacheCode) continue;
    if (f.code == 0 && !IsServedField(f.name)) continue;
    out->append(f.name.data(), f.name.size());
    out->append(": ");
    if (f.date.has_value()) {
      http::AppendHttpDate(*f.date, out);
    } else {
      out->append(f.value.data(), f.value.size());
    }
    out->append("\r\n");
  }
}

}  // namespace cache::internal
