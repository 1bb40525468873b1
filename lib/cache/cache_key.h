// cache_key.h: the identity of a cached HTTP response (RFC 9111 §2, §4.1).
//
// A CacheKey is the normalised request method, scheme, host, port and path-and-query, plus an
// optional variance component holding the request header values named by the response's Vary.
// Two keys are equal only if every component is equal; stores compare the full key on a hit.
//
//   ASSIGN_OR_RETURN(http::Url url, http::Url::Parse("http://Example.COM:80/a/./b?q=1"));
//   cache::CacheKey key = cache::CacheKey::ForRequest("HEAD", url);
//   key.ToString();        // "GET http://example.com/a/b?q=1"
//   cache::CacheKey variant = key.WithVariance(vary_values);   // from cache::VaryValues
//   std::string file = key.Digest();                          // 64 hex digits, stable
#ifndef LIB_CACHE_CACHE_KEY_H_
#define LIB_CACHE_CACHE_KEY_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/http/headers.h"
#include "lib/http/url.h"

namespace cache {

// VaryValue is one element of a secondary key: a request header name (lowercased) and the
// request's value for it, normalised by NormaliseVaryValue ("" when the request lacks it).
using VaryValue = std::pair<std::string, std::string>;

// NormaliseVaryValue joins every field of `name` in `request` with ", ", trims each list
// member and collapses runs of whitespace, so "a ,  b" and "a, b" select the same variant.
std::string NormaliseVaryValue(const http::Headers& request, absl::string_view name);

class CacheKey {
 public:
  // ForRequest builds the primary key for `method` on `url`. HEAD maps to GET (a HEAD is
  // answered from GET's entry); other methods keep their own (uppercased) name. The host is
  // lowercased, the scheme's default port elided, the path has its dot segments removed and
  // percent-encodings normalised (unreserved bytes decoded, hex digits uppercased), and the
  // fragment is dropped.
  static CacheKey ForRequest(absl::string_view method, const http::Url& url);

  // WithVariance returns a copy of this key whose variance component is `values` (sorted by
  // name; duplicates keep the first). An empty list gives back the primary key.
  CacheKey WithVariance(std::vector<VaryValue> values) const;

  const std::string& method() const { return method_; }
  const std::string& scheme() const { return scheme_; }
  const std::string& host() const { return host_; }
  // port returns the explicit non-default port, or 0 when it was the scheme's default.
  uint16_t port() const { return port_; }
  const std::string& path_and_query() const { return path_and_query_; }
  const std::vector<VaryValue>& variance() const { return variance_; }

  // ToString returns the canonical text of the full key: "GET http://host[:port]/path?query"
  // followed, when there is a variance component, by "\n" name ":" value lines. Equal keys
  // have equal text and vice versa.
  std::string ToString() const;

  // Digest returns the lowercase SHA-256 hex of ToString(): stable across processes, used
  // for file names and shard selection.
  std::string Digest() const;

  bool operator==(const CacheKey& other) const = default;

 private:
  CacheKey() = default;

  std::string method_;
  std::string scheme_;
  std::string host_;
  uint16_t port_ = 0;
  std::string path_and_query_;
  std::vector<VaryValue> variance_;
};

}  // namespace cache

#endif  // LIB_CACHE_CACHE_KEY_H_
