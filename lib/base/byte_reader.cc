#include "lib/base/byte_reader.h"

#include "absl/strings/str_cat.h"

namespace base {

absl::Status ByteReader::Need(size_t n) const {
  return absl::OutOfRangeError(
      absl::StrCat("bytes: need ", n, " at offset ", offset_, ", only ", remaining(), " remain"));
}

absl::StatusOr<uint8_t> ByteReader::ReadU8() {
  uint8_t v;
  if (!TryReadU8(v)) return Need(1);
  return v;
}

absl::StatusOr<uint8_t> ByteReader::PeekU8() const {
  if (remaining() < 1) return Need(1);
  return data_[offset_];
}

absl::StatusOr<uint16_t> ByteReader::ReadU16() {
  uint16_t v;
  if (!TryReadU16(v)) return Need(2);
  return v;
}

absl::StatusOr<uint32_t> ByteReader::ReadU32() {
  uint32_t v;
  if (!TryReadU32(v)) return Need(4);
  return v;
}

absl::StatusOr<absl::Span<const uint8_t>> ByteReader::ReadBytes(size_t n) {
  absl::Span<const uint8_t> out;
  if (!TryReadBytes(n, out)) return Need(n);
  return out;
}

absl::Status ByteReader::Skip(size_t n) {
  if (!TrySkip(n)) return Need(n);
  return absl::OkStatus();
}

absl::Status ByteReader::Seek(size_t offset) {
  if (offset > data_.size()) {
    return absl::OutOfRangeError(
        absl::StrCat("bytes: seek to ", offset, " past end ", data_.size()));
  }
  offset_ = offset;
  return absl::OkStatus();
}

}  // namespace base
