// byte_writer.h: appends binary wire-format fields in network byte order to a growable buffer.
//
//   ByteWriter w;
//   w.WriteU16(id);
//   size_t len_at = w.size();
//   w.WriteU16(0);                       // length, patched once known
//   w.WriteBytes(payload);
//   RETURN_IF_ERROR(w.PatchU16(len_at, w.size() - len_at - 2));
//   std::vector<uint8_t> bytes = std::move(w).Take();
#ifndef LIB_BASE_BYTE_WRITER_H_
#define LIB_BASE_BYTE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace base {

class ByteWriter {
 public:
  ByteWriter() = default;

  void WriteU8(uint8_t v) { buf_.push_back(v); }
  void WriteU16(uint16_t v);  // big-endian
  void WriteU32(uint32_t v);  // big-endian
  void WriteBytes(absl::Span<const uint8_t> bytes);
  void WriteBytes(absl::string_view bytes);

  // PatchU16 overwrites the two bytes at `pos` (written earlier) with `v`, big-endian.
  // OutOfRange if pos + 2 > size().
  absl::Status PatchU16(size_t pos, uint16_t v);

  size_t size() const { return buf_.size(); }
  // data views the bytes written so far; valid until the next write.
  absl::Span<const uint8_t> data() const { return buf_; }
  std::vector<uint8_t> Take() && { return std::move(buf_); }

 private:
  std::vector<uint8_t> buf_;
};

}  // namespace base

#endif  // LIB_BASE_BYTE_WRITER_H_
