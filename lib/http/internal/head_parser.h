// head_parser.h: the parts of HTTP/1.x head parsing shared by requests, responses and chunked
// trailers (private to lib/http).
//
//   RequestHead head;
//   ASSIGN_OR_RETURN(size_t end, internal::ParseHead(
//       buf, prev_len, limits, 4,
//       [&](absl::string_view line) { return ParseRequestLine(line, &head); }, &head.headers));
//   if (end == 0) return 0;  // incomplete
#ifndef LIB_HTTP_INTERNAL_HEAD_PARSER_H_
#define LIB_HTTP_INTERNAL_HEAD_PARSER_H_

#include <cstddef>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/http/headers.h"
#include "lib/http/message.h"

namespace http {
namespace internal {

// ScanHead looks for the blank line that ends a head in `buf`. It returns the offset just past
// it, or 0 when the head is incomplete, and sets `*start` to the first byte of the start line
// (after at most `max_leading_empty_lines` empty lines, else InvalidArgument). The limits are
// enforced on complete and incomplete heads alike (ResourceExhausted). `prev_len` is the length
// of `buf` at a previous call that returned 0 (or 0): only the line it ended in and later bytes
// are scanned again. The result depends only on `buf`, not on `prev_len`.
absl::StatusOr<size_t> ScanHead(absl::string_view buf, size_t prev_len, const ParseLimits& limits,
                                int max_leading_empty_lines, size_t* start);

// ParseHead runs ScanHead and, once the head is complete, passes its start line (without
// line end) to `start_line` and parses the field lines into `*headers`. Returns like ScanHead.
absl::StatusOr<size_t> ParseHead(absl::string_view buf, size_t prev_len,
                                 const ParseLimits& limits, int max_leading_empty_lines,
                                 absl::FunctionRef<absl::Status(absl::string_view)> start_line,
                                 Headers* headers);

// NextLine removes the first line from `*lines` and returns it without its LF or CRLF. A final
// line without LF is returned whole.
absl::string_view NextLine(absl::string_view* lines);

// ParseFieldLine parses "name: value" and adds it to `out`. obs-fold (a leading SP or HTAB),
// a missing colon, whitespace before the colon, a bad name or NUL/CR/LF in the value is
// InvalidArgument.
absl::Status ParseFieldLine(absl::string_view line, Headers* out);

// ParseFieldLines parses every line of `lines` (field lines up to and including the blank
// line that ends them) with ParseFieldLine.
absl::Status ParseFieldLines(absl::string_view lines, Headers* out);

// ParseHttpVersion accepts exactly "HTTP/1.0" and "HTTP/1.1" and returns the minor version.
absl::StatusOr<int> ParseHttpVersion(absl::string_view version);

// FramingFromFields applies the Transfer-Encoding and Content-Length rules of RFC 9112 §6.3
// (items 3 to 8) to a message that may have a body.
absl::StatusOr<BodyFraming> FramingFromFields(const Headers& headers, int version_minor,
                                              bool is_request);

// Quote returns `s` C-escaped and cut to 64 bytes, for error messages.
std::string Quote(absl::string_view s);

}  // namespace internal
}  // namespace http

#endif  // LIB_HTTP_INTERNAL_HEAD_PARSER_H_
