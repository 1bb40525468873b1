#include "lib/http/internal/head_parser.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/http/internal/chars.h"

namespace http {
namespace internal {
namespace {

// ListElements splits every value of the fields named `name` on commas and returns the
// trimmed, non-empty elements (RFC 9110 §5.6.1).
std::vector<absl::string_view> ListElements(const Headers& headers, absl::string_view name) {
  std::vector<absl::string_view> out;
  for (absl::string_view value : headers.GetAll(name)) {
    for (absl::string_view element : absl::StrSplit(value, ',')) {
      element = TrimOws(element);
      if (!element.empty()) out.push_back(element);
    }
  }
  return out;
}

absl::StatusOr<uint64_t> ParseContentLength(absl::string_view s) {
  if (s.empty()) return absl::InvalidArgumentError("http: empty content-length");
  uint64_t v = 0;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("http: content-length \"", Quote(s), "\" is not a number"));
    }
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) {
      return absl::InvalidArgumentError(
          absl::StrCat("http: content-length \"", Quote(s), "\" overflows"));
    }
    v = v * 10 + digit;
  }
  return v;
}

// ContentLength returns the single length named by every Content-Length field and list
// element; differing values or an empty list are InvalidArgument.
// (It walks the fields itself rather than through ListElements: it runs for every message, and
// this way collects nothing.)
absl::StatusOr<uint64_t> ContentLength(const Headers& headers) {
  constexpr absl::string_view kName = "Content-Length";
  std::optional<uint64_t> first;
  for (const Headers::Field& f : headers) {
    if (!FieldNameEquals(f.name, kName)) continue;
    for (absl::string_view element : absl::StrSplit(f.value, ',')) {
      element = TrimOws(element);
      if (element.empty()) continue;
      ASSIGN_OR_RETURN(uint64_t v, ParseContentLength(element));
      if (first.has_value() && v != *first) {
        return absl::InvalidArgumentError(
            absl::StrCat("http: conflicting content-length values ", *first, " and ", v));
      }
      first = v;
    }
  }
  if (!first.has_value()) return absl::InvalidArgumentError("http: empty content-length");
  return *first;
}

}  // namespace

std::string Quote(absl::string_view s) {
  constexpr size_t kMax = 64;
  if (s.size() <= kMax) return absl::CHexEscape(s);
  return absl::StrCat(absl::CHexEscape(s.substr(0, kMax)), "...");
}

absl::StatusOr<size_t> ScanHead(absl::string_view buf, size_t prev_len, const ParseLimits& limits,
                                int max_leading_empty_lines, size_t* start) {
  const size_t n = buf.size();
  size_t s = 0;
  for (int empty = 0;; ++empty) {
    size_t skip = 0;
    if (s < n && buf[s] == '\n') {
      skip = 1;
    } else if (s + 1 < n && buf[s] == '\r' && buf[s + 1] == '\n') {
      skip = 2;
    }
    if (skip == 0) break;
    if (empty >= max_leading_empty_lines) {
      return absl::InvalidArgumentError(absl::StrCat(
          "http: more than ", max_leading_empty_lines, " empty lines before the start line"));
    }
    s += skip;
  }
  *start = s;

  // Everything past max_header_bytes is out of bounds, so a limit broken only there is
  // reported as the header section being too large.
  const size_t view_end = std::min(n, limits.max_header_bytes);
  size_t from = s;
  if (const size_t p = std::min(std::max(prev_len, s), view_end); p > s) {
    const void* nl = memrchr(buf.data() + s, '\n', p - s);
    if (nl != nullptr) from = static_cast<const char*>(nl) - buf.data() + 1;
  }
  bool counted = false;
  size_t lines = 0;  // complete lines from the start line on
  size_t ls = from;
  while (ls < view_end) {
    const void* found = memchr(buf.data() + ls, '\n', view_end - ls);
    if (found == nullptr) break;
    const size_t nl = static_cast<const char*>(found) - buf.data();
    const size_t len = nl - ls - (nl > ls && buf[nl - 1] == '\r' ? 1 : 0);
    if (len == 0) return nl + 1;
    if (len > limits.max_line) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "http: line of ", len, " bytes at offset ", ls, " > max_line ", limits.max_line));
    }
    if (!counted) {
      lines = std::count(buf.data() + s, buf.data() + ls, '\n');
      counted = true;
    }
    if (++lines > 1 + limits.max_headers) {
      return absl::ResourceExhaustedError(
          absl::StrCat("http: more than max_headers ", limits.max_headers, " header fields"));
    }
    ls = nl + 1;
  }
  size_t tail = view_end - ls;
  if (tail > 0 && buf[view_end - 1] == '\r') --tail;
  if (tail > limits.max_line) {
    return absl::ResourceExhaustedError(absl::StrCat("http: unterminated line at offset ", ls,
                                                     " > max_line ", limits.max_line));
  }
  if (n > limits.max_header_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "http: header section > max_header_bytes ", limits.max_header_bytes));
  }
  return 0;
}

absl::StatusOr<size_t> ParseHead(absl::string_view buf, size_t prev_len,
                                 const ParseLimits& limits, int max_leading_empty_lines,
                                 absl::FunctionRef<absl::Status(absl::string_view)> start_line,
                                 Headers* headers) {
  size_t start = 0;
  ASSIGN_OR_RETURN(size_t end, ScanHead(buf, prev_len, limits, max_leading_empty_lines, &start));
  if (end == 0) return 0;
  absl::string_view lines = buf.substr(start, end - start);
  RETURN_IF_ERROR(start_line(NextLine(&lines)));
  RETURN_IF_ERROR(ParseFieldLines(lines, headers));
  return end;
}

absl::string_view NextLine(absl::string_view* lines) {
  size_t nl = lines->find('\n');
  absl::string_view line = lines->substr(0, nl);
  lines->remove_prefix(nl == absl::string_view::npos ? lines->size() : nl + 1);
  if (nl != absl::string_view::npos && absl::EndsWith(line, "\r")) line.remove_suffix(1);
  return line;
}

absl::Status ParseFieldLine(absl::string_view line, Headers* out) {
  // The usual line: a token, then the colon. One pass finds the colon and checks the name.
  size_t i = 0;
  while (i < line.size() && IsTokenChar(line[i])) ++i;
  if (i > 0 && i < line.size() && line[i] == ':') {
    return out->AddTokenName(line.substr(0, i), line.substr(i + 1));
  }
  // Anything else is refused below, each way with its own message.
  if (!line.empty() && IsOws(line[0])) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: obs-fold (line starts with whitespace) in \"", Quote(line), "\""));
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: header line without colon \"", Quote(line), "\""));
  }
  absl::string_view name = line.substr(0, colon);
  if (!name.empty() && IsOws(name.back())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "http: whitespace between header name and colon in \"", Quote(line), "\""));
  }
  return out->Add(name, line.substr(colon + 1));
}

absl::Status ParseFieldLines(absl::string_view lines, Headers* out) {
  while (!lines.empty()) {
    absl::string_view line = NextLine(&lines);
    if (line.empty()) break;
    RETURN_IF_ERROR(ParseFieldLine(line, out));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ParseHttpVersion(absl::string_view version) {
  if (version == "HTTP/1.1") return 1;
  if (version == "HTTP/1.0") return 0;
  return absl::InvalidArgumentError(
      absl::StrCat("http: unsupported version \"", Quote(version), "\""));
}

absl::StatusOr<BodyFraming> FramingFromFields(const Headers& headers, int version_minor,
                                              bool is_request) {
  if (headers.Has("Transfer-Encoding")) {
    if (headers.Has("Content-Length")) {
      return absl::InvalidArgumentError(
          "http: both transfer-encoding and content-length (possible request smuggling)");
    }
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty. A request is
    // refused (400); a response is read until the connection closes.
    if (version_minor == 0) {
      if (is_request) {
        return absl::InvalidArgumentError("http: transfer-encoding in an http/1.0 request");
      }
      return BodyFraming{BodyFraming::kUntilClose, 0};
    }
    std::vector<absl::string_view> codings = ListElements(headers, "Transfer-Encoding");
    const auto chunked = [](absl::string_view c) { return absl::EqualsIgnoreCase(c, "chunked"); };
    const auto n_chunked = std::count_if(codings.begin(), codings.end(), chunked);
    if (n_chunked > 1) {
      return absl::InvalidArgumentError("http: transfer-encoding applies chunked twice");
    }
    if (!codings.empty() && chunked(codings.back())) return BodyFraming{BodyFraming::kChunked, 0};
    if (is_request) {
      return absl::InvalidArgumentError(absl::StrCat("http: request transfer-encoding \"",
                                                     Quote(*headers.Get("Transfer-Encoding")),
                                                     "\" does not end in chunked"));
    }
    return BodyFraming{BodyFraming::kUntilClose, 0};
  }
  if (headers.Has("Content-Length")) {
    ASSIGN_OR_RETURN(uint64_t length, ContentLength(headers));
    return BodyFraming{BodyFraming::kContentLength, length};
  }
  return BodyFraming{is_request ? BodyFraming::kNone : BodyFraming::kUntilClose, 0};
}

}  // namespace internal
}  // namespace http
