#include "lib/base/byte_writer.h"

#include "absl/strings/str_cat.h"

namespace base {

void ByteWriter::WriteU16(uint16_t v) {
  buf_.push_back(static_cast<uint8_t>(v >> 8));
  buf_.push_back(static_cast<uint8_t>(v));
}

void ByteWriter::WriteU32(uint32_t v) {
  buf_.push_back(static_cast<uint8_t>(v >> 24));
  buf_.push_back(static_cast<uint8_t>(v >> 16));
  buf_.push_back(static_cast<uint8_t>(v >> 8));
  buf_.push_back(static_cast<uint8_t>(v));
}

void ByteWriter::WriteBytes(absl::Span<const uint8_t> bytes) {
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

void ByteWriter::WriteBytes(absl::string_view bytes) {
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

absl::Status ByteWriter::PatchU16(size_t pos, uint16_t v) {
  if (pos > buf_.size() || buf_.size() - pos < 2) {
    return absl::OutOfRangeError(
        absl::StrCat("bytes: patch at ", pos, " past end ", buf_.size()));
  }
  buf_[pos] = static_cast<uint8_t>(v >> 8);
  buf_[pos + 1] = static_cast<uint8_t>(v);
  return absl::OkStatus();
}

}  // namespace base
