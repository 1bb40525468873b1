#include "lib/cache/internal/entry_format.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/base/byte_reader.h"
#include "lib/base/byte_writer.h"
#include "lib/base/status_macros.h"

namespace cache::internal {
namespace {

std::string ToString(base::ByteWriter&& w) {
  std::vector<uint8_t> bytes = std::move(w).Take();
  return std::string(bytes.begin(), bytes.end());
}

void WriteU64(base::ByteWriter& w, uint64_t v) {
  w.WriteU32(static_cast<uint32_t>(v >> 32));
  w.WriteU32(static_cast<uint32_t>(v));
}

void WriteString(base::ByteWriter& w, absl::string_view s) {
  w.WriteU32(static_cast<uint32_t>(s.size()));
  w.WriteBytes(s);
}

absl::StatusOr<uint64_t> ReadU64(base::ByteReader& r) {
  ASSIGN_OR_RETURN(uint32_t hi, r.ReadU32());
  ASSIGN_OR_RETURN(uint32_t lo, r.ReadU32());
  return (uint64_t{hi} << 32) | lo;
}

absl::StatusOr<std::string> ReadString(base::ByteReader& r) {
  ASSIGN_OR_RETURN(uint32_t n, r.ReadU32());
  ASSIGN_OR_RETURN(absl::Span<const uint8_t> bytes, r.ReadBytes(n));
  return std::string(bytes.begin(), bytes.end());
}

absl::StatusOr<EntryMeta> ParseMeta(base::ByteReader& r) {
  EntryMeta meta;
  ASSIGN_OR_RETURN(uint16_t status, r.ReadU16());
  meta.status = status;
  ASSIGN_OR_RETURN(uint64_t request_ns, ReadU64(r));
  ASSIGN_OR_RETURN(uint64_t response_ns, ReadU64(r));
  meta.request_time = absl::FromUnixNanos(static_cast<int64_t>(request_ns));
  meta.response_time = absl::FromUnixNanos(static_cast<int64_t>(response_ns));
  ASSIGN_OR_RETURN(uint32_t header_count, r.ReadU32());
  for (uint32_t i = 0; i < header_count; ++i) {
    ASSIGN_OR_RETURN(std::string name, ReadString(r));
    ASSIGN_OR_RETURN(std::string value, ReadString(r));
    RETURN_IF_ERROR(meta.headers.Add(name, value));
  }
  ASSIGN_OR_RETURN(uint32_t vary_count, r.ReadU32());
  for (uint32_t i = 0; i < vary_count; ++i) {
    ASSIGN_OR_RETURN(std::string name, ReadString(r));
    ASSIGN_OR_RETURN(std::string value, ReadString(r));
    meta.vary_values.emplace_back(std::move(name), std::move(value));
  }
  if (r.remaining() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(r.remaining(), " trailing bytes"));
  }
  return meta;
}

}  // namespace

std::string EncodeHeader(const FileHeader& header) {
  base::ByteWriter w;
  w.WriteU32(kMagic);
  w.WriteU32(kFormatVersion);
  w.WriteU32(header.key_size);
  w.WriteU32(header.meta_size);
  WriteU64(w, header.body_size);
  return ToString(std::move(w));
}

absl::StatusOr<FileHeader> DecodeHeader(absl::string_view bytes) {
  base::ByteReader r(bytes);
  absl::StatusOr<uint32_t> magic = r.ReadU32();
  absl::StatusOr<uint32_t> version = r.ReadU32();
  if (!magic.ok() || !version.ok() || *magic != kMagic) {
    return absl::DataLossError("disk store: bad magic");
  }
  if (*version != kFormatVersion) {
    return absl::DataLossError(absl::StrCat("disk store: unknown format version ", *version));
  }
  FileHeader header;
  absl::StatusOr<uint32_t> key_size = r.ReadU32();
  absl::StatusOr<uint32_t> meta_size = r.ReadU32();
  absl::StatusOr<uint64_t> body_size = ReadU64(r);
  if (!key_size.ok() || !meta_size.ok() || !body_size.ok()) {
    return absl::DataLossError(absl::StrCat("disk store: header of ", bytes.size(), " bytes"));
  }
  header.key_size = *key_size;
  header.meta_size = *meta_size;
  header.body_size = *body_size;
  return header;
}

std::string EncodeMeta(const EntryMeta& meta) {
  base::ByteWriter w;
  w.WriteU16(static_cast<uint16_t>(meta.status));
  WriteU64(w, static_cast<uint64_t>(absl::ToUnixNanos(meta.request_time)));
  WriteU64(w, static_cast<uint64_t>(absl::ToUnixNanos(meta.response_time)));
  w.WriteU32(static_cast<uint32_t>(meta.headers.size()));
  for (const http::Headers::Field& f : meta.headers) {
    WriteString(w, f.name);
    WriteString(w, f.value);
  }
  w.WriteU32(static_cast<uint32_t>(meta.vary_values.size()));
  for (const VaryValue& v : meta.vary_values) {
    WriteString(w, v.first);
    WriteString(w, v.second);
  }
  return ToString(std::move(w));
}

absl::StatusOr<EntryMeta> DecodeMeta(absl::string_view bytes) {
  base::ByteReader r(bytes);
  absl::StatusOr<EntryMeta> meta = ParseMeta(r);
  if (!meta.ok()) {
    return absl::DataLossError(absl::StrCat("disk store: bad metadata: ", meta.status().message()));
  }
  return meta;
}

}  // namespace cache::internal
