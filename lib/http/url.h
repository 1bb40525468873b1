// url.h: absolute URLs (RFC 3986) as used by HTTP clients and proxies.
//
// Parse validates and normalises (scheme and reg-name host lowercased, default port from the
// scheme, empty http(s) path becomes "/"). Resolve applies RFC 3986 §5.2 to a reference.
//
//   ASSIGN_OR_RETURN(http::Url url, http::Url::ParseWithDefaultScheme(argv[1], "http"));
//   connect(url.host(), url.port());
//   request.target = url.RequestTarget();          // "/a/b?q=1"
//   RETURN_IF_ERROR(request.headers.Add("Host", url.HostHeader()));
//   ASSIGN_OR_RETURN(http::Url next, url.Resolve(*response.headers.Get("Location")));
#ifndef LIB_HTTP_URL_H_
#define LIB_HTTP_URL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace http {

class Url {
 public:
  // Parse parses an absolute URL "scheme:[//[userinfo@]host[:port]]path[?query][#fragment]".
  // Spaces, control bytes (0x00-0x20, 0x7F) anywhere, a bad scheme, a bad host (IPv6 literals
  // go in brackets; reg-names are unreserved / pct-encoded / sub-delims), a port that is not
  // 0-65535, or an http(s) URL without a host are InvalidArgument.
  static absl::StatusOr<Url> Parse(absl::string_view input);

  // ParseWithDefaultScheme parses `input` as Parse does, but first prepends
  // `default_scheme` + "://" when `input` does not start with "scheme://" (curl's
  // "example.com:8080/path").
  static absl::StatusOr<Url> ParseWithDefaultScheme(absl::string_view input,
                                                    absl::string_view default_scheme);

  // scheme returns the lowercased scheme, e.g. "http".
  const std::string& scheme() const { return scheme_; }
  // userinfo returns the raw (still percent-encoded) text before '@', or "".
  const std::string& userinfo() const { return userinfo_; }
  // host returns the host: a lowercased reg-name, an IPv4 literal, or an IPv6 literal
  // without its brackets.
  const std::string& host() const { return host_; }
  // is_ipv6 reports whether host() is an IPv6 literal.
  bool is_ipv6() const { return host_.find(':') != std::string::npos; }
  // port returns the explicit port, else the scheme's default (http 80, https 443, else 0).
  uint16_t port() const { return port_; }
  // has_explicit_port reports whether the URL named a port.
  bool has_explicit_port() const { return has_explicit_port_; }
  // path returns the raw path; never empty for http and https.
  const std::string& path() const { return path_; }
  // query returns the raw query without '?'; has_query tells "" from absent.
  const std::string& query() const { return query_; }
  bool has_query() const { return has_query_; }
  // fragment returns the raw fragment without '#'; has_fragment tells "" from absent.
  const std::string& fragment() const { return fragment_; }
  bool has_fragment() const { return has_fragment_; }

  // NormalizeDotSegments applies remove_dot_segments (RFC 3986 §5.2.4) to the path: "/a/./b/../c"
  // becomes "/a/c" (what curl sends unless --path-as-is). Percent-encoded dots are left alone.
  void NormalizeDotSegments();

  // RequestTarget returns the origin-form request target: path, plus "?" query when the URL
  // has a query. Never includes the fragment.
  std::string RequestTarget() const;

  // HostHeader returns the Host field value: host (bracketed when IPv6), plus ":port" only
  // when the port differs from the scheme's default.
  std::string HostHeader() const;

  // ToString returns the URL without its fragment (the fragment is never sent on the wire;
  // append "#" + fragment() if it is wanted). Parse(ToString()) yields an equal Url except for
  // the fragment.
  std::string ToString() const;

  // Resolve resolves `reference` (absolute or relative) against this URL per RFC 3986 §5.2,
  // including remove_dot_segments. A reference with the same scheme as the base and no
  // authority ("http:g") is treated as relative (the RFC's backward-compatible variant).
  absl::StatusOr<Url> Resolve(absl::string_view reference) const;

  bool operator==(const Url& other) const = default;

 private:
  Url() = default;

  // Authority returns "[userinfo@]host[:port]" with IPv6 hosts bracketed.
  std::string Authority() const;

  std::string scheme_;
  std::string userinfo_;
  std::string host_;
  uint16_t port_ = 0;
  bool has_authority_ = false;
  bool has_explicit_port_ = false;
  std::string path_;
  std::string query_;
  bool has_query_ = false;
  std::string fragment_;
  bool has_fragment_ = false;
};

// PercentEncode returns `in` with every byte percent-encoded (uppercase hex) except RFC 3986
// unreserved characters and the bytes listed in `keep` (e.g. "/" for paths).
std::string PercentEncode(absl::string_view in, absl::string_view keep = "");

// PercentDecode decodes every "%XX" in `in`. A '%' not followed by two hex digits is
// InvalidArgument. '+' is left alone (this is not form decoding).
absl::StatusOr<std::string> PercentDecode(absl::string_view in);

// RemoveDotSegments applies RFC 3986 §5.2.4 to `path`.
std::string RemoveDotSegments(absl::string_view path);

}  // namespace http

#endif  // LIB_HTTP_URL_H_
