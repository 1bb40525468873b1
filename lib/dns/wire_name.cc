#include "lib/dns/wire_name.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace dns {
namespace {

// How a byte of a label appears in presentation form.
enum Escape : uint8_t { kPlain, kBackslash, kDecimal };

constexpr std::array<Escape, 256> MakeEscapes() {
  std::array<Escape, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = c < 0x21 || c > 0x7e ? kDecimal : c == '.' || c == '\\' ? kBackslash : kPlain;
  }
  return table;
}
constexpr std::array<Escape, 256> kEscapes = MakeEscapes();

// AppendLabelText writes one label of `length` bytes at `label` in presentation form, followed
// by a dot, at `out` and returns the new end.
char* AppendLabelText(const uint8_t* label, size_t length, char* out) {
  // Most labels need no escapes: copy each byte while looking it up, and redo the label with
  // escapes only if one needs it.
  uint8_t escapes = 0;
  for (size_t i = 0; i < length; ++i) {
    const uint8_t c = label[i];
    out[i] = static_cast<char>(c);
    escapes |= kEscapes[c];
  }
  if (ABSL_PREDICT_TRUE(escapes == kPlain)) {
    out[length] = '.';
    return out + length + 1;
  }
  for (size_t i = 0; i < length; ++i) {
    const uint8_t c = label[i];
    switch (kEscapes[c]) {
      case kPlain:
        *out++ = static_cast<char>(c);
        break;
      case kBackslash:
        *out++ = '\\';
        *out++ = static_cast<char>(c);
        break;
      case kDecimal:
        *out++ = '\\';
        *out++ = static_cast<char>('0' + c / 100);
        *out++ = static_cast<char>('0' + c / 10 % 10);
        *out++ = static_cast<char>('0' + c % 10);
        break;
    }
  }
  *out++ = '.';
  return out;
}

// NextLabel moves `pos` (in a checked name of `message`) past any pointers to the next length
// byte and returns it.
inline uint8_t NextLabel(const uint8_t* message, size_t& pos) {
  uint8_t length = message[pos];
  while (length >= 0xc0) {
    pos = static_cast<size_t>(length & 0x3f) << 8 | message[pos + 1];
    length = message[pos];
  }
  return length;
}

}  // namespace

absl::string_view NameView::Text(NameBuffer& buffer) const {
  char* out = buffer.data();
  size_t pos = offset_;
  for (uint8_t length; (length = NextLabel(message_, pos)) != 0; pos += 1 + length) {
    out = AppendLabelText(message_ + pos + 1, length, out);
  }
  if (out == buffer.data()) *out++ = '.';
  return absl::string_view(buffer.data(), static_cast<size_t>(out - buffer.data()));
}

std::string NameView::ToString() const {
  NameBuffer buffer;
  return std::string(Text(buffer));
}

bool NameView::IsRoot() const {
  size_t pos = offset_;
  return NextLabel(message_, pos) == 0;
}

bool NameView::EqualsIgnoreCase(const NameView& other) const {
  size_t a = offset_;
  size_t b = other.offset_;
  while (true) {
    const uint8_t length = NextLabel(message_, a);
    if (NextLabel(other.message_, b) != length) return false;
    if (length == 0) return true;
    for (size_t i = 1; i <= length; ++i) {
      if (absl::ascii_tolower(message_[a + i]) != absl::ascii_tolower(other.message_[b + i])) {
        return false;
      }
    }
    a += 1 + length;
    b += 1 + length;
  }
}

namespace internal {

NameView CheckedNameAt(const uint8_t* message, size_t offset) { return NameView(message, offset); }

bool WalkName(absl::Span<const uint8_t> message, size_t start, NameCheck& check, NameMemo* memo) {
  const uint8_t* msg = message.data();
  const size_t size = message.size();
  check.message_ = msg;
  check.message_size_ = size;
  check.start_ = start;  // for the errors
  size_t pos = start;
  size_t lowest = start;   // lowest label start seen so far
  size_t wire_length = 0;  // octets of the name in uncompressed form
  size_t resume = 0;       // where the name ends in place, once a pointer is followed
  size_t jumps = 0;
  using Error = NameCheck::Error;
  while (true) {
    const size_t at = pos;
    if (ABSL_PREDICT_FALSE(pos >= size)) return check.Fail(Error::kTruncated, pos);
    const uint8_t length = msg[pos++];
    if (length >= 0x40) {
      if (ABSL_PREDICT_FALSE(length < 0xc0)) return check.Fail(Error::kReservedLabel, at, length);
      if (ABSL_PREDICT_FALSE(pos >= size)) return check.Fail(Error::kTruncated, pos);
      const size_t target = static_cast<size_t>(length & 0x3f) << 8 | msg[pos++];
      if (ABSL_PREDICT_FALSE(target >= size)) return check.Fail(Error::kPointerPastEnd, at, target);
      if (ABSL_PREDICT_FALSE(target >= lowest)) {
        return check.Fail(Error::kPointerNotBefore, at, target, lowest);
      }
      if (ABSL_PREDICT_FALSE(++jumps > kMaxCompressionJumps)) {
        return check.Fail(Error::kTooManyPointers, at);
      }
      if (resume == 0) resume = pos;
      pos = lowest = target;
      if (memo != nullptr && memo->Hit(target, wire_length, jumps)) {
        wire_length += memo->length_[target];
        jumps += memo->jumps_[target];
        break;
      }
      continue;
    }
    wire_length += 1 + length;
    if (ABSL_PREDICT_FALSE(wire_length > kMaxNameLength)) return check.Fail(Error::kTooLong, at);
    if (length == 0) break;
    if (ABSL_PREDICT_FALSE(size - pos < length)) {
      return check.Fail(Error::kLabelPastEnd, at, length);
    }
    pos += length;
  }
  if (memo != nullptr) {
    // Remember the labels of the name in place (before its first pointer, if any): from each,
    // the rest of the name is what the walk accepted after it, with all the pointers.
    const size_t in_place_end = resume != 0 ? resume - 2 : pos;  // the first pointer, or after
                                                                   // the root
    for (size_t at = start; at < in_place_end && at < NameMemo::kPositions; at += 1 + msg[at]) {
      memo->known_[at / 64] |= uint64_t{1} << (at % 64);
      memo->length_[at] = static_cast<uint8_t>(wire_length - (at - start));
      memo->jumps_[at] = static_cast<uint8_t>(jumps);
    }
  }
  check.Accept(message, start, resume != 0 ? resume : pos, wire_length);
  return true;
}

}  // namespace internal

absl::Status NameCheck::ToStatus() const {
  switch (error_) {
    case Error::kNone:
      return absl::OkStatus();
    case Error::kTruncated:
      return absl::OutOfRangeError(
          absl::StrCat("dns: name at offset ", start_, " truncated at offset ", at_));
    case Error::kLabelPastEnd:
      return absl::OutOfRangeError(absl::StrCat("dns: label of ", value_, " octets at offset ",
                                                at_, " runs past end of message (",
                                                message_size_, " bytes)"));
    case Error::kPointerPastEnd:
      return absl::InvalidArgumentError(absl::StrCat("dns: compression pointer to ", value_,
                                                     " past end of message (", message_size_,
                                                     " bytes) at offset ", at_));
    case Error::kPointerNotBefore:
      return absl::InvalidArgumentError(
          absl::StrCat("dns: compression pointer to ", value_, " does not point before ", lowest_,
                       " (loop or forward pointer) at offset ", at_));
    case Error::kTooManyPointers:
      return absl::InvalidArgumentError(absl::StrCat("dns: more than ", kMaxCompressionJumps,
                                                     " compression pointers at offset ", at_));
    case Error::kReservedLabel:
      return absl::InvalidArgumentError(
          absl::StrCat("dns: reserved label type 0x", absl::Hex(value_ & 0xc0),
                       " (length byte 0x", absl::Hex(value_), ") at offset ", at_));
    case Error::kTooLong:
      return absl::InvalidArgumentError(absl::StrCat("dns: name at offset ", start_,
                                                     " longer than 255 octets at offset ", at_));
  }
  return absl::InternalError("dns: unknown name check error");
}

}  // namespace dns
