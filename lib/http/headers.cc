#include "lib/http/headers.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/http/internal/chars.h"

namespace http {
namespace {

// MayHoldForbidden reports whether any 8-byte word of `value` may hold NUL, CR or LF (exact
// for the words, so false means none does): field values are checked on every Add, and this
// looks at a word per step instead of a byte.
bool MayHoldForbidden(absl::string_view value) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
  auto has_zero = [](uint64_t w) { return ((w - kOnes) & ~w & kHighs) != 0; };
  size_t i = 0;
  for (; i + 8 <= value.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, value.data() + i, 8);
    if (has_zero(w) || has_zero(w ^ (kOnes * '\r')) || has_zero(w ^ (kOnes * '\n'))) return true;
  }
  for (; i < value.size(); ++i) {
    if (internal::IsFieldValueForbidden(value[i])) return true;
  }
  return false;
}

absl::Status ValidateValue(absl::string_view name, absl::string_view value) {
  if (!MayHoldForbidden(value)) return absl::OkStatus();
  for (size_t i = 0; i < value.size(); ++i) {
    if (internal::IsFieldValueForbidden(value[i])) {
      return absl::InvalidArgumentError(absl::StrCat("http: forbidden byte 0x",
                                                     absl::Hex(static_cast<uint8_t>(value[i])),
                                                     " in value of header ", name, " at offset ",
                                                     i));
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(absl::string_view name, absl::string_view value) {
  if (!IsToken(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: invalid header name \"", absl::CHexEscape(name), "\""));
  }
  return ValidateValue(name, value);
}

// NameIs returns a predicate matching fields named `name` in any case; `name` must outlive it.
auto NameIs(absl::string_view name) {
  return [name](const Headers::Field& f) { return FieldNameEquals(f.name, name); };
}

}  // namespace

bool IsToken(absl::string_view s) { return internal::IsToken(s); }

absl::Status Headers::Add(absl::string_view name, absl::string_view value) {
  if (!IsToken(name)) return Validate(name, value);
  return AddTokenName(name, value);
}

absl::Status Headers::AddTokenName(absl::string_view name, absl::string_view value) {
  if (absl::Status s = ValidateValue(name, value); !s.ok()) return s;
  if (fields_.empty()) fields_.reserve(kTypicalFields);
  fields_.push_back(Field{std::string(name), std::string(internal::TrimOws(value))});
  return absl::OkStatus();
}

absl::Status Headers::Set(absl::string_view name, absl::string_view value) {
  if (absl::Status s = Validate(name, value); !s.ok()) return s;
  auto first = std::find_if(fields_.begin(), fields_.end(), NameIs(name));
  if (first == fields_.end()) {
    fields_.push_back(Field{std::string(name), std::string(internal::TrimOws(value))});
    return absl::OkStatus();
  }
  first->name = std::string(name);
  first->value = std::string(internal::TrimOws(value));
  fields_.erase(std::remove_if(first + 1, fields_.end(), NameIs(name)), fields_.end());
  return absl::OkStatus();
}

void Headers::Remove(absl::string_view name) {
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(), NameIs(name)), fields_.end());
}

void Headers::RemoveIf(absl::FunctionRef<bool(const Field&)> drop) {
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(), [&](const Field& f) { return drop(f); }),
                fields_.end());
}

std::optional<absl::string_view> Headers::Get(absl::string_view name) const {
  for (const Field& f : fields_) {
    if (NameIs(name)(f)) return f.value;
  }
  return std::nullopt;
}

std::vector<absl::string_view> Headers::GetAll(absl::string_view name) const {
  std::vector<absl::string_view> out;
  for (const Field& f : fields_) {
    if (NameIs(name)(f)) out.push_back(f.value);
  }
  return out;
}

bool Headers::Has(absl::string_view name) const { return Get(name).has_value(); }

bool Headers::HasToken(absl::string_view name, absl::string_view token) const {
  for (const Field& f : fields_) {
    if (!FieldNameEquals(f.name, name)) continue;
    for (absl::string_view element : absl::StrSplit(f.value, ',')) {
      if (absl::EqualsIgnoreCase(internal::TrimOws(element), token)) return true;
    }
  }
  return false;
}

}  // namespace http
