#include "lib/http/url.h"

#include <arpa/inet.h>

#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/http/internal/chars.h"

namespace http {
namespace {

// UriParts is the RFC 3986 Appendix B split of a URI reference. Views point into the input.
struct UriParts {
  bool has_scheme = false;
  absl::string_view scheme;
  bool has_authority = false;
  absl::string_view authority;
  absl::string_view path;
  bool has_query = false;
  absl::string_view query;
  bool has_fragment = false;
  absl::string_view fragment;
};

bool IsScheme(absl::string_view s) {
  if (s.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' &&
        c != '.') {
      return false;
    }
  }
  return true;
}

UriParts Split(absl::string_view s) {
  UriParts p;
  if (size_t hash = s.find('#'); hash != absl::string_view::npos) {
    p.has_fragment = true;
    p.fragment = s.substr(hash + 1);
    s = s.substr(0, hash);
  }
  if (size_t q = s.find('?'); q != absl::string_view::npos) {
    p.has_query = true;
    p.query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  if (size_t colon = s.find(':'); colon != absl::string_view::npos &&
                                  colon < s.find('/') && IsScheme(s.substr(0, colon))) {
    p.has_scheme = true;
    p.scheme = s.substr(0, colon);
    s.remove_prefix(colon + 1);
  }
  if (absl::StartsWith(s, "//")) {
    s.remove_prefix(2);
    size_t slash = s.find('/');
    p.has_authority = true;
    p.authority = s.substr(0, slash);
    s = slash == absl::string_view::npos ? absl::string_view() : s.substr(slash);
  }
  p.path = s;
  return p;
}

uint16_t DefaultPort(absl::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  return 0;
}

bool IsHttpScheme(absl::string_view scheme) { return scheme == "http" || scheme == "https"; }

absl::Status CheckNoControlOrSpace(absl::string_view input) {
  for (size_t i = 0; i < input.size(); ++i) {
    if (internal::IsCtlOrSpace(input[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("http: url has control byte or space 0x",
                       absl::Hex(static_cast<uint8_t>(input[i])), " at offset ", i));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRegName(absl::string_view host) {
  for (size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    if (c == '%' && i + 2 < host.size() && internal::IsHexDigit(host[i + 1]) &&
        internal::IsHexDigit(host[i + 2])) {
      i += 2;
      continue;
    }
    if (!internal::HasClass(c, internal::kUnreserved) &&
        !internal::HasClass(c, internal::kSubDelim)) {
      return absl::InvalidArgumentError(
          absl::StrCat("http: url host \"", absl::CHexEscape(host), "\" has bad byte at offset ", i));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<uint16_t> ParsePort(absl::string_view digits) {
  uint32_t port = 0;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("http: url port \"", absl::CHexEscape(digits), "\" is not a number"));
    }
    port = port * 10 + (c - '0');
    if (port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("http: url port \"", absl::CHexEscape(digits), "\" > 65535"));
    }
  }
  return static_cast<uint16_t>(port);
}

}  // namespace

absl::StatusOr<Url> Url::Parse(absl::string_view input) {
  RETURN_IF_ERROR(CheckNoControlOrSpace(input));
  const UriParts p = Split(input);
  if (!p.has_scheme) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: url \"", input, "\" has no scheme"));
  }
  Url url;
  url.scheme_ = absl::AsciiStrToLower(p.scheme);
  url.port_ = DefaultPort(url.scheme_);
  if (p.has_authority) {
    url.has_authority_ = true;
    absl::string_view hostport = p.authority;
    if (size_t at = hostport.rfind('@'); at != absl::string_view::npos) {
      url.userinfo_ = std::string(hostport.substr(0, at));
      hostport.remove_prefix(at + 1);
    }
    absl::string_view port;
    bool has_port = false;
    if (absl::StartsWith(hostport, "[")) {
      size_t close = hostport.find(']');
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("http: url \"", input, "\" has unterminated ipv6 literal"));
      }
      const std::string literal(hostport.substr(1, close - 1));
      in6_addr addr;
      if (inet_pton(AF_INET6, literal.c_str(), &addr) != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("http: url has bad ipv6 literal \"", literal, "\""));
      }
      url.host_ = absl::AsciiStrToLower(literal);
      absl::string_view rest = hostport.substr(close + 1);
      if (!rest.empty()) {
        if (rest[0] != ':') {
          return absl::InvalidArgumentError(
              absl::StrCat("http: url has junk \"", rest, "\" after ipv6 literal"));
        }
        has_port = true;
        port = rest.substr(1);
      }
    } else {
      size_t colon = hostport.find(':');
      if (colon != absl::string_view::npos) {
        has_port = true;
        port = hostport.substr(colon + 1);
        hostport = hostport.substr(0, colon);
      }
      RETURN_IF_ERROR(CheckRegName(hostport));
      url.host_ = absl::AsciiStrToLower(hostport);
    }
    if (has_port && !port.empty()) {  // "host:" means the default port (RFC 3986 §3.2.3)
      ASSIGN_OR_RETURN(url.port_, ParsePort(port));
      url.has_explicit_port_ = true;
    }
  }
  if (IsHttpScheme(url.scheme_) && url.host_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("http: url \"", input, "\" has no host"));
  }
  url.path_ = std::string(p.path);
  if (url.path_.empty() && IsHttpScheme(url.scheme_)) url.path_ = "/";
  url.has_query_ = p.has_query;
  url.query_ = std::string(p.query);
  url.has_fragment_ = p.has_fragment;
  url.fragment_ = std::string(p.fragment);
  return url;
}

absl::StatusOr<Url> Url::ParseWithDefaultScheme(absl::string_view input,
                                                absl::string_view default_scheme) {
  if (size_t sep = input.find("://");
      sep != absl::string_view::npos && IsScheme(input.substr(0, sep))) {
    return Parse(input);
  }
  return Parse(absl::StrCat(default_scheme, "://", input));
}

std::string Url::Authority() const {
  std::string out;
  if (!userinfo_.empty()) absl::StrAppend(&out, userinfo_, "@");
  if (is_ipv6()) {
    absl::StrAppend(&out, "[", host_, "]");
  } else {
    out += host_;
  }
  if (has_explicit_port_) absl::StrAppend(&out, ":", port_);
  return out;
}

void Url::NormalizeDotSegments() {
  if (path_.find("/.") == std::string::npos && !absl::StartsWith(path_, ".")) return;
  path_ = http::RemoveDotSegments(path_);
  if (path_.empty() && has_authority_) path_ = "/";
}

std::string Url::RequestTarget() const {
  if (!has_query_) return path_;
  return absl::StrCat(path_, "?", query_);
}

std::string Url::HostHeader() const {
  std::string out = is_ipv6() ? absl::StrCat("[", host_, "]") : host_;
  if (has_explicit_port_ && port_ != DefaultPort(scheme_)) absl::StrAppend(&out, ":", port_);
  return out;
}

std::string Url::ToString() const {
  std::string out = absl::StrCat(scheme_, ":");
  if (has_authority_) {
    absl::StrAppend(&out, "//", Authority());
  } else if (absl::StartsWith(path_, "//")) {
    out += "/.";  // keep a path that starts with "//" from reading as an authority
  }
  absl::StrAppend(&out, RequestTarget());
  return out;
}

absl::StatusOr<Url> Url::Resolve(absl::string_view reference) const {
  RETURN_IF_ERROR(CheckNoControlOrSpace(reference));
  UriParts r = Split(reference);
  if (r.has_scheme && !r.has_authority && absl::AsciiStrToLower(r.scheme) == scheme_) {
    r.has_scheme = false;  // "http:g" against an http base is relative (RFC 3986 §5.2.2)
  }
  // Build the target reference T of RFC 3986 §5.2.2, then recompose it (§5.3) and parse it.
  std::string target;
  absl::string_view query = r.query;
  bool has_query = r.has_query;
  if (r.has_scheme) {
    absl::StrAppend(&target, r.scheme, ":");
    if (r.has_authority) absl::StrAppend(&target, "//", r.authority);
    target += RemoveDotSegments(r.path);
  } else {
    absl::StrAppend(&target, scheme_, ":");
    if (r.has_authority) {
      absl::StrAppend(&target, "//", r.authority, RemoveDotSegments(r.path));
    } else {
      if (has_authority_) absl::StrAppend(&target, "//", Authority());
      if (r.path.empty()) {
        target += path_;
        if (!r.has_query) {
          query = query_;
          has_query = has_query_;
        }
      } else if (absl::StartsWith(r.path, "/")) {
        target += RemoveDotSegments(r.path);
      } else {
        // Merge (§5.2.3): the base path up to its last '/', then the reference path.
        std::string merged;
        if (has_authority_ && path_.empty()) {
          merged = absl::StrCat("/", r.path);
        } else {
          size_t slash = path_.rfind('/');
          merged = slash == std::string::npos
                       ? std::string(r.path)
                       : absl::StrCat(absl::string_view(path_).substr(0, slash + 1), r.path);
        }
        target += RemoveDotSegments(merged);
      }
    }
  }
  if (has_query) absl::StrAppend(&target, "?", query);
  if (r.has_fragment) absl::StrAppend(&target, "#", r.fragment);
  return Parse(target);
}

std::string RemoveDotSegments(absl::string_view path) {
  std::string out;
  absl::string_view in = path;
  // Removes the last segment and its preceding '/' (if any) from `out`.
  auto pop_segment = [&out] {
    size_t slash = out.rfind('/');
    out.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!in.empty()) {
    if (absl::StartsWith(in, "../")) {
      in.remove_prefix(3);
    } else if (absl::StartsWith(in, "./")) {
      in.remove_prefix(2);
    } else if (absl::StartsWith(in, "/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (absl::StartsWith(in, "/../")) {
      in.remove_prefix(3);
      pop_segment();
    } else if (in == "/..") {
      in = "/";
      pop_segment();
    } else if (in == "." || in == "..") {
      in = absl::string_view();
    } else {
      size_t end = in.find('/', 1);
      if (end == absl::string_view::npos) end = in.size();
      out.append(in.data(), end);
      in.remove_prefix(end);
    }
  }
  return out;
}

std::string PercentEncode(absl::string_view in, absl::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (internal::HasClass(c, internal::kUnreserved) || keep.find(c) != absl::string_view::npos) {
      out += c;
    } else {
      const uint8_t b = static_cast<uint8_t>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

absl::StatusOr<std::string> PercentDecode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || !internal::IsHexDigit(in[i + 1]) ||
        !internal::IsHexDigit(in[i + 2])) {
      return absl::InvalidArgumentError(
          absl::StrCat("http: bad percent escape at offset ", i, " in \"",
                       absl::CHexEscape(in), "\""));
    }
    out += static_cast<char>(internal::HexValue(in[i + 1]) << 4 | internal::HexValue(in[i + 2]));
    i += 2;
  }
  return out;
}

}  // namespace http
