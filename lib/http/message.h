// message.h: the HTTP/1.x message model shared by the parsers, writers and body framing.
//
//   http::RequestHead head;
//   ASSIGN_OR_RETURN(size_t consumed, http::ParseRequestHead(buf, prev_len, {}, &head));
//   if (consumed == 0) { /* read more, call again with prev_len = buf.size() */ }
//   ASSIGN_OR_RETURN(http::BodyFraming framing, http::RequestBodyFraming(head));
//   if (framing.kind == http::BodyFraming::kChunked) { ... http::ChunkedDecoder ... }
#ifndef LIB_HTTP_MESSAGE_H_
#define LIB_HTTP_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "lib/http/headers.h"

namespace http {

// ParseLimits bounds what a parser accepts before it fails with ResourceExhausted.
struct ParseLimits {
  size_t max_line = 8192;              // bytes in one start or field line, without CRLF
  size_t max_header_bytes = 64 * 1024;  // bytes of the whole head, up to its blank line
  size_t max_headers = 100;            // field lines in a head (or in a chunked trailer)
};

// RequestHead is a parsed (or to-be-written) HTTP/1.x request line and header section.
struct RequestHead {
  std::string method;
  std::string target;     // as sent: origin-form, absolute-form, authority-form or "*"
  int version_minor = 1;  // 0 for HTTP/1.0, 1 for HTTP/1.1
  Headers headers;
  bool operator==(const RequestHead& other) const = default;
};

// ResponseHead is a parsed (or to-be-written) HTTP/1.x status line and header section.
struct ResponseHead {
  int version_minor = 1;
  int status = 200;  // 100-999
  std::string reason;
  Headers headers;
  bool operator==(const ResponseHead& other) const = default;
};

// BodyFraming says how a message body is delimited (RFC 9112 §6.3).
struct BodyFraming {
  enum Kind {
    kNone,           // no body (length 0)
    kContentLength,  // exactly `length` bytes
    kChunked,        // chunked transfer coding: use ChunkedDecoder
    kUntilClose,     // responses only: the body runs until the connection closes
  };
  Kind kind = kNone;
  uint64_t length = 0;  // only for kContentLength
  bool operator==(const BodyFraming& other) const = default;
};

}  // namespace http

#endif  // LIB_HTTP_MESSAGE_H_
