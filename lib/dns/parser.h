// parser.h: parses DNS messages from wire form (RFC 1035 section 4, RFC 6891 for OPT) into
// the owning Message model.
//
// The rules live in MessageView (message_view.h), the zero-allocation view these functions
// are built on; use it directly where copying every name and record into strings would cost
// too much. The parser bounds-checks every read, never reads outside `bytes` and never loops:
// it is safe on hostile input. Truncated input gives OutOfRange, malformed input
// InvalidArgument, and each message names what was being read and its offset.
//
//   ASSIGN_OR_RETURN(dns::Header h, dns::ParseHeader(reply));   // cheap ID check
//   if (h.id != sent_id) return absl::NotFoundError("dns: stray reply");
//   ASSIGN_OR_RETURN(dns::Message m, dns::ParseMessage(reply));
//   if (m.edns) Use(m.edns->udp_payload_size);
#ifndef LIB_DNS_PARSER_H_
#define LIB_DNS_PARSER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/dns/message.h"

namespace dns {

// ParseMessage parses a whole message held in `bytes` (not kept). RDATA of the types named in
// RrType is parsed into its struct, that of any other type kept as Raw. The OPT record is lifted
// out of the additional section into `edns`, and its extended rcode bits are merged into
// `header.rcode`. Errors: OutOfRange when the message ends early (a short header, a section
// count larger than the records present, an RDLENGTH past the end); InvalidArgument for bad
// names, malformed or partly unread RDATA of a known type, an OPT record outside the additional
// section or more than one, and trailing bytes after the last record.
absl::StatusOr<Message> ParseMessage(absl::Span<const uint8_t> bytes);

// ParseHeader parses only the 12-byte header at the start of `bytes` (not kept); the rcode is
// the 4-bit header rcode. OutOfRange if `bytes` is shorter than 12.
absl::StatusOr<Header> ParseHeader(absl::Span<const uint8_t> bytes);

// ParseFirstQuestion parses the header and the first question of `bytes` (not kept), ignoring
// the rest. InvalidArgument when the question count is 0.
absl::StatusOr<Question> ParseFirstQuestion(absl::Span<const uint8_t> bytes);

}  // namespace dns

#endif  // LIB_DNS_PARSER_H_
