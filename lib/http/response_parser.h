// response_parser.h: incremental HTTP/1.x response head parser and response body framing.
//
// Works like ParseRequestHead: call with every byte received so far; the result is the head's
// length once complete, 0 while incomplete, or an error.
//
//   http::ResponseHead head;
//   ASSIGN_OR_RETURN(size_t consumed, http::ParseResponseHead(buf, prev_len, {}, &head));
//   if (consumed == 0) { prev_len = buf.size(); /* read more */ }
//   ASSIGN_OR_RETURN(http::BodyFraming framing, http::ResponseBodyFraming("GET", head));
//   // framing.kind: kNone, kContentLength (framing.length), kChunked or kUntilClose
#ifndef LIB_HTTP_RESPONSE_PARSER_H_
#define LIB_HTTP_RESPONSE_PARSER_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/http/message.h"

namespace http {

// ParseResponseHead parses "HTTP/1.x SP 3DIGIT SP reason" (the SP before an empty reason may
// be missing) and the field lines after it. Lines may end in CRLF or a bare LF; an empty first
// line is InvalidArgument. `buf` is not kept; `prev_len` is the length of `buf` at the previous
// call (0 at first). `*out` is written only when the head is complete.
absl::StatusOr<size_t> ParseResponseHead(absl::string_view buf, size_t prev_len,
                                         const ParseLimits& limits, ResponseHead* out);

// ResponseBodyFraming says how the body of `head`, the answer to a `request_method` request,
// is delimited (RFC 9112 §6.3): none for HEAD, 1xx, 204, 304 and a 2xx to CONNECT (the
// connection becomes a tunnel); chunked when Transfer-Encoding ends in chunked; until close
// for any other Transfer-Encoding, for Transfer-Encoding in HTTP/1.0 (RFC 9112 §6.1) and when
// there is neither Transfer-Encoding nor Content-Length; else Content-Length bytes. Both
// Transfer-Encoding and Content-Length, or a bad or conflicting Content-Length, are
// InvalidArgument. `request_method` is compared case-sensitively, as methods are.
absl::StatusOr<BodyFraming> ResponseBodyFraming(absl::string_view request_method,
                                                const ResponseHead& head);

}  // namespace http

#endif  // LIB_HTTP_RESPONSE_PARSER_H_
