// byte_reader.h: bounds-checked reading of binary wire formats in network byte order.
//
// A ByteReader views bytes it does not own. Every read checks that enough bytes remain
// before it moves; a failed read returns OutOfRange and leaves the offset where it was.
//
//   ByteReader r(packet);
//   ASSIGN_OR_RETURN(uint16_t id, r.ReadU16());
//   ASSIGN_OR_RETURN(absl::Span<const uint8_t> rdata, r.ReadBytes(rdlength));
//   ByteReader rr(rdata);  // parse one record inside its own length
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
  absl::Status Need(size_t n) const;

  absl::Span<const uint8_t> data_;
  size_t offset_ = 0;
};

}  // namespace base

#endif  // LIB_BASE_BYTE_READER_H_
