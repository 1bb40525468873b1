// entry_format.h: the on-disk layout of one DiskStore entry (private to lib/cache).
//
//   offset 0   header (24 bytes): magic "PXCE", u32 version, u32 key size, u32 meta size,
//              u64 body size — all big-endian
//   24         key text (CacheKey::ToString)
//   ...        body
//   ...        metadata (EncodeMeta)
//   end - 32   SHA-256 of key || body || metadata || header
//
//   std::string head = EncodeHeader({.key_size = k, .meta_size = m, .body_size = b});
//   ASSIGN_OR_RETURN(FileHeader h, DecodeHeader(first_24_bytes));   // DataLoss if foreign
#ifndef LIB_CACHE_INTERNAL_ENTRY_FORMAT_H_
#define LIB_CACHE_INTERNAL_ENTRY_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/cache/store.h"

namespace cache::internal {

inline constexpr uint32_t kMagic = 0x50584345;  // "PXCE"
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kHeaderSize = 24;
inline constexpr size_t kChecksumSize = 32;

// FileHeader holds the sizes recorded in an entry's fixed header.
struct FileHeader {
  uint32_t key_size = 0;
  uint32_t meta_size = 0;
  uint64_t body_size = 0;

  // file_size returns the size a complete entry with these sizes has.
  uint64_t file_size() const {
    return kHeaderSize + key_size + body_size + meta_size + kChecksumSize;
  }
};

// EncodeHeader returns the kHeaderSize bytes of `header` with magic and version.
std::string EncodeHeader(const FileHeader& header);

// DecodeHeader parses kHeaderSize bytes; DataLoss on a short buffer, wrong magic or an
// unknown version.
absl::StatusOr<FileHeader> DecodeHeader(absl::string_view bytes);

// EncodeMeta serialises `meta` (status, times in Unix nanoseconds, headers, vary values).
std::string EncodeMeta(const EntryMeta& meta);

// DecodeMeta parses EncodeMeta's output; DataLoss when it is malformed or has bytes left.
absl::StatusOr<EntryMeta> DecodeMeta(absl::string_view bytes);

}  // namespace cache::internal

#endif  // LIB_CACHE_INTERNAL_ENTRY_FORMAT_H_
