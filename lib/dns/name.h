// name.h: domain names in presentation and wire form (RFC 1035 sections 3.1, 4.1.4, 5.1),
// reverse-lookup names, and IDNA-style conversion with Punycode (RFC 3492).
//
// Names are kept in presentation form, absolute with a trailing dot; the root is ".".
//
//   ASSIGN_OR_RETURN(std::vector<uint8_t> wire, dns::NameToWire("www.example.com"));
//   base::ByteReader r(packet);           // views the whole message
//   RETURN_IF_ERROR(r.Seek(12));
//   ASSIGN_OR_RETURN(std::string qname, dns::ReadName(r));  // "www.example.com."
//   ASSIGN_OR_RETURN(std::string ptr, dns::ReverseNameForAddress("192.0.2.1"));
#ifndef LIB_DNS_NAME_H_
#define LIB_DNS_NAME_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/base/byte_reader.h"
#include "lib/dns/wire_name.h"  // kMaxLabelLength, kMaxNameLength, kMaxCompressionJumps

namespace dns {

// NameToWire converts a presentation name to uncompressed wire form. It understands the
// escapes `\.`, `\\`, `\X` and `\DDD`; a name without a trailing dot is taken as absolute.
// InvalidArgument for an empty name or label (other than the root "."), a label over 63 octets,
// a name over 255 octets, or a bad escape. `presentation` is not kept.
absl::StatusOr<std::vector<uint8_t>> NameToWire(absl::string_view presentation);

// ReadName reads a possibly compressed wire name into an owned string. `reader` views the
// whole message and is positioned at the name; on success it is left just past the name as it
// appears in place (after its first compression pointer, if any). The rules and errors are
// CheckName's (wire_name.h) and the text is NameView::Text's.
absl::StatusOr<std::string> ReadName(base::ByteReader& reader);

// NamesEqual compares two presentation names ASCII case-insensitively, ignoring whether
// either has a trailing dot. Neither view is kept.
bool NamesEqual(absl::string_view a, absl::string_view b);

// ReverseName returns the in-addr.arpa name of an IPv4 address ("4.3.2.1.in-addr.arpa.").
std::string ReverseName(const std::array<uint8_t, 4>& address);

// ReverseName returns the ip6.arpa nibble name of an IPv6 address (RFC 3596 section 2.5).
std::string ReverseName(const std::array<uint8_t, 16>& address);

// ReverseNameForAddress parses a textual IPv4 or IPv6 address and returns its reverse name.
// InvalidArgument if `text` (not kept) is neither.
absl::StatusOr<std::string> ReverseNameForAddress(absl::string_view text);

// PunycodeEncode encodes one UTF-8 label with Punycode (RFC 3492), without the "xn--" prefix
// and without changing case. InvalidArgument for invalid UTF-8 or on overflow. `utf8_label` is
// not kept.
absl::StatusOr<std::string> PunycodeEncode(absl::string_view utf8_label);

// ToAscii converts a UTF-8 name to an absolute ASCII name: a label holding non-ASCII
// characters has its ASCII letters lowercased (other characters are left as they are) and
// becomes "xn--" + Punycode; ASCII labels are untouched. InvalidArgument for invalid UTF-8 or
// when the result is not a valid name (an empty name included). `utf8_name` is not kept.
absl::StatusOr<std::string> ToAscii(absl::string_view utf8_name);

}  // namespace dns

#endif  // LIB_DNS_NAME_H_
