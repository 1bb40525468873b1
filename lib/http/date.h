// date.h: HTTP-dates (RFC 9110 §5.6.7), parsed and formatted by hand: a cache reads and
// writes them on every hit, and strptime/strftime cost more than the rest of the hit.
//
//   std::optional<absl::Time> t = http::ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");
//   std::string s = http::FormatHttpDate(absl::Now());   // "Tue, 01 Dec 2026 19:00:00 GMT"
#ifndef LIB_HTTP_DATE_H_
#define LIB_HTTP_DATE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace http {

// ParseHttpDate parses an HTTP-date in IMF-fixdate, RFC 850 or asctime form, always GMT
// (surrounding whitespace allowed; day and month names case-sensitive; the weekday is not
// checked against the date). Anything else (other zones, numeric offsets, "0", junk,
// impossible dates) is nullopt. RFC 850's two-digit years 69-99 are 19xx, 00-68 20xx.
std::optional<absl::Time> ParseHttpDate(absl::string_view value);

// FormatHttpDate returns `t` (whole seconds, years 0-9999) as an IMF-fixdate.
std::string FormatHttpDate(absl::Time t);

// AppendHttpDate appends FormatHttpDate(t) to `out`.
void AppendHttpDate(absl::Time t, std::string* out);

}  // namespace http

#endif  // LIB_HTTP_DATE_H_
