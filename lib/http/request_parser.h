// request_parser.h: incremental HTTP/1.x request head parser and request body framing.
//
// The parser is stateless: call it with every byte received so far. It returns the number of
// bytes the head used (through its blank line) once the head is complete, 0 while more bytes
// are needed, or an error (malformed: InvalidArgument; over a ParseLimits bound:
// ResourceExhausted, reported as soon as the bound is passed, complete or not).
//
//   std::string buf;
//   size_t prev_len = 0;
//   http::RequestHead head;
//   for (;;) {
//     buf += ReadSome();
//     ASSIGN_OR_RETURN(size_t consumed, http::ParseRequestHead(buf, prev_len, {}, &head));
//     if (consumed > 0) { buf.erase(0, consumed); break; }  // body / next request follow
//     prev_len = buf.size();
//   }
//   ASSIGN_OR_RETURN(http::BodyFraming framing, http::RequestBodyFraming(head));
#ifndef LIB_HTTP_REQUEST_PARSER_H_
#define LIB_HTTP_REQUEST_PARSER_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/http/message.h"

namespace http {

// ParseRequestHead parses "method SP request-target SP HTTP/1.x" and the field lines after
// it. Lines may end in CRLF or a bare LF; up to 4 empty lines before the request line are
// skipped (RFC 9112 §2.2) and count towards the result. `buf` is not kept. `prev_len` is the
// length of `buf` at the previous call (0 at first); bytes already scanned are not searched
// again. `*out` is written only when the head is complete.
absl::StatusOr<size_t> ParseRequestHead(absl::string_view buf, size_t prev_len,
                                        const ParseLimits& limits, RequestHead* out);

// RequestBodyFraming says how the body of `head` is delimited (RFC 9112 §6.3): chunked when
// Transfer-Encoding ends in chunked, Content-Length bytes, else none. Transfer-Encoding that
// does not end in chunked, Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1: faulty
// framing), both Transfer-Encoding and Content-Length, and a bad or conflicting Content-Length
// are InvalidArgument (answer 400 and close).
absl::StatusOr<BodyFraming> RequestBodyFraming(const RequestHead& head);

}  // namespace http

#endif  // LIB_HTTP_REQUEST_PARSER_H_
