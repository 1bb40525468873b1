// request_writer.h: serialises HTTP/1.x request and response heads.
//
//   http::RequestHead head;
//   head.method = "GET";
//   head.target = url.RequestTarget();
//   RETURN_IF_ERROR(head.headers.Add("Host", url.HostHeader()));
//   ASSIGN_OR_RETURN(std::string bytes, http::SerializeRequestHead(head));
//   // bytes == "GET /path HTTP/1.1\r\nHost: example.com\r\n\r\n"
#ifndef LIB_HTTP_REQUEST_WRITER_H_
#define LIB_HTTP_REQUEST_WRITER_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/http/message.h"

namespace http {

// SerializeRequestHead returns "METHOD target HTTP/1.x\r\n", each header field as
// "Name: value\r\n" in order, then "\r\n". A method that is not a token, an empty target or one
// with spaces or control bytes, a version_minor other than 0 or 1, and an HTTP/1.1 request
// without Host are InvalidArgument.
absl::StatusOr<std::string> SerializeRequestHead(const RequestHead& head);

// AppendRequestHead appends what SerializeRequestHead returns to `out`, which keeps its
// capacity (a proxy serialises a head per request into the same buffer). On error `out` is
// unchanged.
absl::Status AppendRequestHead(const RequestHead& head, std::string* out);

// SerializeResponseHead returns "HTTP/1.x status reason\r\n", the header fields, then "\r\n".
// version_minor 0 writes HTTP/1.0, anything else HTTP/1.1. `head.status` should be 100-999; it
// is written as three digits, clamped into that range. Control bytes other than HTAB are
// dropped from the reason so it cannot end the line.
std::string SerializeResponseHead(const ResponseHead& head);

// AppendResponseHead appends what SerializeResponseHead returns to `out`.
void AppendResponseHead(const ResponseHead& head, std::string* out);

}  // namespace http

#endif  // LIB_HTTP_REQUEST_WRITER_H_
