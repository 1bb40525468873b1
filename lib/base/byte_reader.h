// byte_reader.h: bounds-checked reading of binary wire formats in network byte order.
//
// A ByteReader views bytes it does not own. Every read checks that enough bytes remain
// before it moves; a failed read returns OutOfRange and leaves the offset where it was.
// The Try* forms are inline and return false instead, for per-field hot paths that turn a
// failure into a Status once, at their own boundary.
//
//   ByteReader r(packet);
//   ASSIGN_OR_RETURN(uint16_t id, r.ReadU16());
//   ASSIGN_OR_RETURN(absl::Span<const uint8_t> rdata, r.ReadBytes(rdlength));
//   ByteReader rr(rdata);  // parse one record inside its own length
//   uint32_t ttl;
//   if (!rr.TryReadU32(ttl)) return absl::OutOfRangeError("dns: ttl cut short");
#ifndef LIB_BASE_BYTE_READER_H_
#define LIB_BASE_BYTE_READER_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace base {

class ByteReader {
 public:
  // ByteReader views `data`, which must outlive the reader and every span it returns.
  explicit ByteReader(absl::Span<const uint8_t> data) : data_(data) {}
  explicit ByteReader(absl::string_view data)
      : data_(reinterpret_cast<const uint8_t*>(data.data()), data.size()) {}

  absl::StatusOr<uint8_t> ReadU8();
  absl::StatusOr<uint16_t> ReadU16();  // big-endian
  absl::StatusOr<uint32_t> ReadU32();  // big-endian

  // TryReadU8, TryReadU16 and TryReadU32 read into `out` and move past the value, or return
  // false without moving (and without touching `out`) when too few bytes remain. (They index
  // data_.data() because the check is theirs: Debian's hardened Span::operator[] would check
  // again.)
  [[nodiscard]] bool TryReadU8(uint8_t& out) {
    if (remaining() < 1) return false;
    out = data_.data()[offset_++];
    return true;
  }
  [[nodiscard]] bool TryReadU16(uint16_t& out) {
    if (remaining() < 2) return false;
    const uint8_t* p = data_.data() + offset_;
    out = static_cast<uint16_t>(p[0] << 8 | p[1]);
    offset_ += 2;
    return true;
  }
  [[nodiscard]] bool TryReadU32(uint32_t& out) {
    if (remaining() < 4) return false;
    const uint8_t* p = data_.data() + offset_;
    out = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
    offset_ += 4;
    return true;
  }
  // TryReadBytes sets `out` to the next `n` bytes (a span into the viewed data) and moves past
  // them, or returns false without moving.
  [[nodiscard]] bool TryReadBytes(size_t n, absl::Span<const uint8_t>& out) {
    if (remaining() < n) return false;
    out = absl::MakeConstSpan(data_.data() + offset_, n);
    offset_ += n;
    return true;
  }
  // TrySkip moves forward `n` bytes, or returns false without moving.
  [[nodiscard]] bool TrySkip(size_t n) {
    if (remaining() < n) return false;
    offset_ += n;
    return true;
  }

  // ReadBytes returns the next `n` bytes as a span into the viewed data and moves past them.
  absl::StatusOr<absl::Span<const uint8_t>> ReadBytes(size_t n);

  // PeekU8 returns the next byte without moving.
  absl::StatusOr<uint8_t> PeekU8() const;

  // Skip moves forward `n` bytes.
  absl::Status Skip(size_t n);

  // Seek moves to absolute offset `offset` (≤ size()). Meant for DNS compression pointers.
  absl::Status Seek(size_t offset);

  size_t remaining() const { return data_.size() - offset_; }
  size_t offset() const { return offset_; }
  size_t size() const { return data_.size(); }
  // data returns the whole viewed buffer (not just what remains).
  absl::Span<const uint8_t> data() const { return data_; }

 private:
  // Need is the OutOfRange error of a read of `n` bytes that does not fit.
  absl::Status Need(size_t n) const;

  absl::Span<const uint8_t> data_;
  size_t offset_ = 0;
};

}  // namespace base

#endif  // LIB_BASE_BYTE_READER_H_
