// writer.h: serializes a dns::Message to wire form, with name compression, and builds queries.
//
//   dns::QueryOptions opts;
//   opts.id = 0x1234;
//   ASSIGN_OR_RETURN(std::vector<uint8_t> query, dns::BuildQuery("example.com", dns::kA, opts));
//   ASSIGN_OR_RETURN(std::vector<uint8_t> reply_bytes, dns::WriteMessage(reply));
//
// Compression (RFC 1035 section 4.1.4) is applied to owner names, question names and the names
// inside NS, CNAME, PTR, MX and SOA RDATA. SRV targets are never compressed (RFC 2782), and
// RDATA of other types is written as given. Suffixes are matched byte for byte (not
// case-insensitively), so every name reads back exactly as it was written.
#ifndef LIB_DNS_WRITER_H_
#define LIB_DNS_WRITER_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/dns/message.h"

namespace dns {

// WriteOptions tunes WriteMessage.
struct WriteOptions {
  // compress enables name compression.
  bool compress = true;
};

// WriteMessage serializes `message`. Section counts are the vector sizes; `message.edns`, if
// set, becomes an OPT record at the end of the additional section whose TTL carries the high
// 8 bits of `header.rcode`, the version and the DO bit. InvalidArgument for an invalid name,
// an RDATA alternative that does not fit the record type, an OPT record inside a section (use
// `edns`), an rcode over 15 without EDNS, or a field too long for its length prefix.
absl::StatusOr<std::vector<uint8_t>> WriteMessage(const Message& message);
absl::StatusOr<std::vector<uint8_t>> WriteMessage(const Message& message,
                                                  const WriteOptions& options);

// QueryOptions tunes BuildQuery.
struct QueryOptions {
  // id is the message ID; a random 16-bit value from absl::BitGen when unset.
  std::optional<uint16_t> id;
  bool recursion_desired = true;
  // edns adds an OPT record advertising `udp_payload_size`.
  bool edns = true;
  uint16_t udp_payload_size = 1232;
};

// BuildQuery returns a standard query (opcode QUERY) for `name` (presentation form, relative
// names are taken as absolute) and `type`, class IN. InvalidArgument for an invalid name.
absl::StatusOr<std::vector<uint8_t>> BuildQuery(absl::string_view name, uint16_t type,
                                                const QueryOptions& opts);

}  // namespace dns

#endif  // LIB_DNS_WRITER_H_
