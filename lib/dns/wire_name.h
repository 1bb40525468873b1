// wire_name.h: domain names as they sit inside a DNS message (RFC 1035 sections 3.1, 4.1.4):
// the checks that make decompression safe, and NameView, a non-owning view of a checked name
// that is decompressed only when asked, into a caller's fixed buffer.
//
//   dns::NameCheck check;
//   if (!dns::CheckName(message, 12, check)) return check.ToStatus();
//   dns::NameBuffer buffer;
//   absl::string_view qname = check.name().Text(buffer);  // "www.example.com.", in `buffer`
//   size_t next = check.end();                            // just past the name in place
#ifndef LIB_DNS_WIRE_NAME_H_
#define LIB_DNS_WIRE_NAME_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace dns {

// kMaxLabelLength and kMaxNameLength are the RFC 1035 limits, in octets of wire form.
inline constexpr size_t kMaxLabelLength = 63;
inline constexpr size_t kMaxNameLength = 255;

// kMaxCompressionJumps caps the pointers followed while reading one name.
inline constexpr int kMaxCompressionJumps = 128;

// kMaxNameTextLength bounds the presentation form of a name of at most 255 wire octets: at
// most 250 label octets (4 labels: 3 of 63 and one of 61), each at most 4 characters ("\DDD"),
// plus one dot per label.
inline constexpr size_t kMaxNameTextLength = 1004;

// NameBuffer is the caller's buffer that NameView::Text decompresses a name into.
using NameBuffer = std::array<char, kMaxNameTextLength>;

// kRootNameWire is the root name in wire form.
inline constexpr uint8_t kRootNameWire[1] = {0};

class NameCheck;
class NameMemo;
class NameView;
namespace internal {
// CheckedNameAt views the name at `offset` of `message`, which CheckName must have accepted.
// Only for the parsers of this directory (MessageView), which check every name once.
NameView CheckedNameAt(const uint8_t* message, size_t offset);
// WalkName is CheckName's walk over the labels and pointers of a name.
bool WalkName(absl::Span<const uint8_t> message, size_t start, NameCheck& check, NameMemo* memo);
}  // namespace internal

// NameView views a name inside a message that CheckName has accepted: the ways to get one are
// NameCheck::name() and the accessors of MessageView, so its decoders can follow the name's
// labels and pointers without checking them again. It does not own the message, which
// must outlive it. The default NameView is the root.
class NameView {
 public:
  NameView() = default;

  // offset is where the name starts in its message.
  size_t offset() const { return offset_; }

  // Text decompresses the name into `buffer` in presentation form, absolute with a trailing
  // dot ("." for the root), escaping '.', '\\' and bytes outside 0x21..0x7e as \DDD (as dig
  // does), and returns the text as a view into `buffer`, valid until `buffer` is reused.
  absl::string_view Text(NameBuffer& buffer) const;

  // ToString is Text into an owned string.
  std::string ToString() const;

  // IsRoot is true for the root name ".".
  bool IsRoot() const;

  // EqualsIgnoreCase compares two names label by label, ASCII case-insensitively, without
  // decompressing either (both may be in different messages).
  bool EqualsIgnoreCase(const NameView& other) const;

 private:
  friend class NameCheck;
  friend NameView internal::CheckedNameAt(const uint8_t* message, size_t offset);

  NameView(const uint8_t* message, size_t offset) : message_(message), offset_(offset) {}

  const uint8_t* message_ = kRootNameWire;
  size_t offset_ = 0;
};

// NameCheck is the outcome of CheckName: on success the checked name and where it ends; on
// failure what was wrong and where.
class NameCheck {
 public:
  bool ok() const { return error_ == Error::kNone; }

  // end is the offset just past the name as it appears in place (after its first compression
  // pointer, if any). Valid when ok().
  size_t end() const { return end_; }

  // wire_length is the length of the uncompressed name in octets (1 for the root). Valid when
  // ok().
  size_t wire_length() const { return wire_length_; }

  // name is the checked name. Valid when ok().
  NameView name() const { return NameView(message_, start_); }

  // ToStatus is OK when ok(), else the error: OutOfRange when the name runs off the end of the
  // message, InvalidArgument for a bad pointer, a reserved label type or a name over 255
  // octets; the message says which and at which offset.
  absl::Status ToStatus() const;

 private:
  friend bool internal::WalkName(absl::Span<const uint8_t> message, size_t start,
                                 NameCheck& check, NameMemo* memo);
  friend bool CheckName(absl::Span<const uint8_t> message, size_t start, NameCheck& check,
                        NameMemo* memo);

  // Accept records an accepted name of `message` at `start` ending at `end` in place.
  void Accept(absl::Span<const uint8_t> message, size_t start, size_t end, size_t wire_length) {
    message_ = message.data();
    message_size_ = message.size();
    start_ = start;
    end_ = end;
    wire_length_ = wire_length;
    error_ = Error::kNone;
  }

  enum class Error : uint8_t {
    kNone,
    kTruncated,        // at_: where the missing byte would be
    kLabelPastEnd,     // value_: the label length
    kPointerPastEnd,   // value_: the pointer target
    kPointerNotBefore, // value_: the pointer target, lowest_: the lowest label start so far
    kTooManyPointers,
    kReservedLabel,    // value_: the length byte
    kTooLong,
  };

  // Fail records an error and returns false, for CheckName's `return check.Fail(...)`.
  bool Fail(Error error, size_t at, size_t value = 0, size_t lowest = 0) {
    error_ = error;
    at_ = at;
    value_ = value;
    lowest_ = lowest;
    return false;
  }

  const uint8_t* message_ = kRootNameWire;
  size_t message_size_ = 1;
  size_t start_ = 0;
  size_t end_ = 0;
  size_t wire_length_ = 0;
  Error error_ = Error::kNone;
  size_t at_ = 0;
  size_t value_ = 0;
  size_t lowest_ = 0;
};

// NameMemo makes CheckName cheaper over the many names of one message, where most names end
// in a pointer to a name seen before. For each label of the names it has accepted that lies in
// place (before the name's first pointer), it keeps the wire length and the pointer count of
// the rest of the name from there; a later pointer to such a position then needs no walk over
// those labels. The outcome is the walk's: the rest of a name accepted once is accepted again
// from that position (the walk there sees the same labels and pointers, with pointer bounds
// no stricter), and the 255-octet and 128-pointer limits are checked on the totals; a name
// over a limit is walked in full. It covers the first kPositions bytes of a message, takes
// about 1 KiB and allocates nothing. One memo serves one message.
class NameMemo {
 public:
  static constexpr size_t kPositions = 512;

  NameMemo() = default;

 private:
  friend bool internal::WalkName(absl::Span<const uint8_t> message, size_t start,
                                 NameCheck& check, NameMemo* memo);
  friend bool CheckName(absl::Span<const uint8_t> message, size_t start, NameCheck& check,
                        NameMemo* memo);

  // Hit is true when the walk, having followed a pointer to `target` with `wire_length` octets
  // and `jumps` pointers so far, can take the rest of the name from the memo.
  bool Hit(size_t target, size_t wire_length, size_t jumps) const {
    return target < kPositions && (known_[target / 64] >> (target % 64) & 1) != 0 &&
           wire_length + length_[target] <= kMaxNameLength &&
           jumps + jumps_[target] <= static_cast<size_t>(kMaxCompressionJumps);
  }

  std::array<uint64_t, kPositions / 64> known_{};  // which positions below hold an entry
  std::array<uint8_t, kPositions> length_;         // wire length from the position on
  std::array<uint8_t, kPositions> jumps_;          // pointers followed from the position on
};

// CheckName checks the possibly compressed name at offset `start` of `message` and fills
// `check`; it returns check.ok(). Rules: every byte read is inside `message`; each pointer
// must point inside the message and strictly before the lowest label start seen so far (so
// loops and forward pointers are rejected); at most 128 pointers; labels of 64 octets or more
// use the reserved label types 0x40/0x80 and are rejected; the uncompressed name is at most 255
// octets. `message` is not kept, but check.name() views it. `memo`, if not null, must have
// been used only with this same `message`.
inline bool CheckName(absl::Span<const uint8_t> message, size_t start, NameCheck& check,
                      NameMemo* memo = nullptr) {
  // Most names after the first are a lone pointer to a name seen before: the walk's first step
  // and a memo hit, taken here without a call.
  const uint8_t* bytes = message.data();
  if (memo != nullptr && message.size() > start + 1 && bytes[start] >= 0xc0) {
    const size_t target = static_cast<size_t>(bytes[start] & 0x3f) << 8 | bytes[start + 1];
    if (target < start && memo->Hit(target, 0, 1)) {
      check.Accept(message, start, start + 2, memo->length_[target]);
      return true;
    }
  }
  return internal::WalkName(message, start, check, memo);
}

}  // namespace dns

#endif  // LIB_DNS_WIRE_NAME_H_
