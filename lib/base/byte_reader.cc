#include "lib/base/byte_reader.h"

#include "absl/strings/str_cat.h"

namespace base {

absl::Status ByteReader::Need(size_t n) const {
  if (remaining() < n) {
    return absl::OutOfRangeError(absl::StrCat("bytes: need ", n, " at offset ", offset_,
                                              ", only ", remaining(), " remain"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint8_t> ByteReader::ReadU8() {
  if (absl::Status s = Need(1); !s.ok()) return s;
  return data_[offset_++];
}

absl::StatusOr<uint8_t> ByteReader::PeekU8() const {
  if (absl::Status s = Need(1); !s.ok()) return s;
  return data_[offset_];
}

absl::StatusOr<uint16_t> ByteReader::ReadU16() {
  if (absl::Status s = Need(2); !s.ok()) return s;
  uint16_t v = static_cast<uint16_t>(data_[offset_] << 8 | data_[offset_ + 1]);
  offset_ += 2;
  return v;
}

absl::StatusOr<uint32_t> ByteReader::ReadU32() {
  if (absl::Status s = Need(4); !s.ok()) return s;
  uint32_t v = uint32_t{data_[offset_]} << 24 | uint32_t{data_[offset_ + 1]} << 16 |
               uint32_t{data_[offset_ + 2]} << 8 | uint32_t{data_[offset_ + 3]};
  offset_ += 4;
  return v;
}

absl::StatusOr<absl::Span<const uint8_t>> ByteReader::ReadBytes(size_t n) {
  if (absl::Status s = Need(n); !s.ok()) return s;
  absl::Span<const uint8_t> out = data_.subspan(offset_, n);
  offset_ += n;
  return out;
}

absl::Status ByteReader::Skip(size_t n) {
  if (absl::Status s = Need(n); !s.ok()) return s;
  offset_ += n;
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
