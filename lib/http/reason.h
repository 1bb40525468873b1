// reason.h: the standard reason phrases of HTTP status codes (RFC 9110 §15), for status lines
// this code writes itself (a proxy answering from its cache, or with an error).
//
//   std::string line = absl::StrCat("HTTP/1.1 ", 404, " ", http::ReasonPhrase(404));  // Not Found
#ifndef LIB_HTTP_REASON_H_
#define LIB_HTTP_REASON_H_

#include "absl/strings/string_view.h"

namespace http {

// ReasonPhrase returns the reason phrase RFC 9110 registers for `status` (plus 508 Loop
// Detected, RFC 5842), or "" for an unregistered code (a status line may have an empty reason).
absl::string_view ReasonPhrase(int status);

}  // namespace http

#endif  // LIB_HTTP_REASON_H_
