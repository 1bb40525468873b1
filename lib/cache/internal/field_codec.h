// field_codec.h: a compact encoding of a stored response's header fields, for MemoryStore
// (private to lib/cache). Common field names are one byte and IMF-fixdate values five, so a
// typical response's fields take a third of their wire size.
//
//   std::string encoded = cache::internal::EncodeFields(meta.headers);
//   std::string wire;
//   cache::internal::AppendServedWireFields(encoded, &wire);      // "Name: value\r\n"...
//   absl::StatusOr<http::Headers> h = cache::internal::DecodeFields(encoded);
//
// Encoding, field by field: a name byte — 1..N a name from the table (exact case), 0 a literal
// name as varint length and bytes — then a value byte — 0 a literal value as varint length and
// bytes, 1 an IMF-fixdate as five bytes of big-endian Unix seconds (only when formatting that
// time gives back the same text, so decoding is exact).
#ifndef LIB_CACHE_INTERNAL_FIELD_CODEC_H_
#define LIB_CACHE_INTERNAL_FIELD_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/cache/cache_key.h"
#include "lib/http/headers.h"

namespace cache::internal {

// EncodeFields encodes every field of `headers`, in order.
std::string EncodeFields(const http::Headers& headers);

// DecodeFields rebuilds the fields. DataLoss if `encoded` is not an encoding.
absl::StatusOr<http::Headers> DecodeFields(absl::string_view encoded);

// EncodeVaryValues / DecodeVaryValues store a secondary key (name and value, each as varint
// length and bytes). Decoding stops at the first malformed pair.
std::string EncodeVaryValues(const std::vector<VaryValue>& values);
std::vector<VaryValue> DecodeVaryValues(absl::string_view encoded);

// AppendServedWireFields appends the fields a cache serves as stored ("Name: value\r\n"
// each; not Age, Content-Length or X-Cache — see EntryReader::AppendFields) to `out`.
// `encoded` must come from EncodeFields.
void AppendServedWireFields(absl::string_view encoded, std::string* out);

}  // namespace cache::internal

#endif  // LIB_CACHE_INTERNAL_FIELD_CODEC_H_
