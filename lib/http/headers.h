// headers.h: an ordered, case-insensitive list of HTTP header fields.
//
// Names keep the case they were added with (curl -v and proxies print what was sent) but every
// lookup compares names case-insensitively. Add and Set validate, so a Headers never holds a
// field that would break the message it is written into.
//
//   http::Headers h;
//   RETURN_IF_ERROR(h.Add("Host", "example.com"));
//   RETURN_IF_ERROR(h.Add("Connection", "keep-alive, Upgrade"));
//   if (h.HasToken("connection", "upgrade")) { ... }
//   for (const http::Headers::Field& f : h) std::cout << f.name << ": " << f.value << "\n";
#ifndef LIB_HTTP_HEADERS_H_
#define LIB_HTTP_HEADERS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace http {

// IsToken reports whether `s` is a non-empty RFC 9110 §5.6.2 token (a valid field name or
// method).
bool IsToken(absl::string_view s);

// FieldNameEquals compares field names (or any ASCII tokens) case-insensitively. Inline: header
// lookups compare names many times per message.
inline bool FieldNameEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const unsigned char x = static_cast<unsigned char>(a[i]);
    const unsigned char y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    const unsigned char lower = x | 0x20;
    if ((x ^ y) != 0x20 || lower < 'a' || lower > 'z') return false;
  }
  return true;
}

class Headers;
namespace internal {
absl::Status ParseFieldLine(absl::string_view line, Headers* out);
}  // namespace internal

class Headers {
 public:
  // Field is one header field as stored: `name` in its original case, `value` without
  // leading or trailing whitespace.
  struct Field {
    std::string name;
    std::string value;
    bool operator==(const Field& other) const = default;
  };
  // const_iterator visits Fields in order; invalidated by any modification.
  using const_iterator = std::vector<Field>::const_iterator;

  // Add appends a field. `name` must be a token; `value` must not contain NUL, CR or LF.
  // Leading and trailing SP/HTAB are trimmed from `value`. On error nothing is added.
  absl::Status Add(absl::string_view name, absl::string_view value);

  // Set replaces every field named `name` (any case) by one field, placed where the first
  // one was (or at the end). Validates like Add (this returns a Status where the original brief
  // had void, so that a bad value from the network cannot be set silently).
  absl::Status Set(absl::string_view name, absl::string_view value);

  // Remove deletes every field named `name` (any case).
  void Remove(absl::string_view name);

  // RemoveIf deletes every field for which `drop` is true, in one pass, keeping the order.
  void RemoveIf(absl::FunctionRef<bool(const Field&)> drop);

  // Get returns the value of the first field named `name`, or nullopt. The view points into
  // this Headers and is valid until it is next modified.
  std::optional<absl::string_view> Get(absl::string_view name) const;

  // GetAll returns the values of every field named `name`, in order. The views are valid
  // until this Headers is next modified.
  std::vector<absl::string_view> GetAll(absl::string_view name) const;

  // Has reports whether a field named `name` exists.
  bool Has(absl::string_view name) const;

  // HasToken reports whether `token` is an element of the comma-separated list formed by all
  // fields named `name`, compared case-insensitively after trimming whitespace
  // (e.g. HasToken("Connection", "close") for "Connection: keep-alive, close").
  bool HasToken(absl::string_view name, absl::string_view token) const;

  // begin and end iterate over the fields in order; size and empty count them.
  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

  // operator== compares the fields in order, names case-sensitively.
  bool operator==(const Headers& other) const = default;

 private:
  friend absl::Status internal::ParseFieldLine(absl::string_view line, Headers* out);
  // AddTokenName is Add for a `name` the caller has found to be a token (the head parser does
  // while it looks for the colon); only `value` is checked.
  absl::Status AddTokenName(absl::string_view name, absl::string_view value);

  // kTypicalFields is the room reserved by the first Add: most messages have fewer fields.
  static constexpr size_t kTypicalFields = 12;
  std::vector<Field> fields_;
};

}  // namespace http

#endif  // LIB_HTTP_HEADERS_H_
