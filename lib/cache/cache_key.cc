#include "lib/cache/cache_key.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/base/sha256.h"

namespace cache {
namespace {

bool IsUnreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(static_cast<unsigned char>(c));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// NormalisePercent decodes %XX escapes of unreserved bytes and uppercases the hex digits of
// the others (RFC 3986 §6.2.2). A malformed escape is kept as it is.
std::string NormalisePercent(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      char decoded = static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
      if (IsUnreserved(decoded)) {
        out += decoded;
      } else {
        absl::StrAppend(&out, "%", absl::AsciiStrToUpper(in.substr(i + 1, 2)));
      }
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

uint16_t DefaultPort(absl::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  return 0;
}

}  // namespace

std::string NormaliseVaryValue(const http::Headers& request, absl::string_view name) {
  std::vector<std::string> members;
  for (absl::string_view field : request.GetAll(name)) {
    for (absl::string_view member : absl::StrSplit(field, ',')) {
      std::vector<absl::string_view> words =
          absl::StrSplit(member, absl::ByAnyChar(" \t"), absl::SkipEmpty());
      members.push_back(absl::StrJoin(words, " "));
    }
  }
  return absl::StrJoin(members, ", ");
}

CacheKey CacheKey::ForRequest(absl::string_view method, const http::Url& url) {
  CacheKey key;
  key.method_ = absl::AsciiStrToUpper(method);
  if (key.method_ == "HEAD") key.method_ = "GET";
  key.scheme_ = url.scheme();
  key.host_ = absl::AsciiStrToLower(url.host());
  key.port_ = url.port() == DefaultPort(key.scheme_) ? 0 : url.port();
  std::string path = http::RemoveDotSegments(NormalisePercent(url.path()));
  if (path.empty()) path = "/";
  key.path_and_query_ = std::move(path);
  if (url.has_query()) absl::StrAppend(&key.path_and_query_, "?", NormalisePercent(url.query()));
  return key;
}

CacheKey CacheKey::WithVariance(std::vector<VaryValue> values) const {
  CacheKey key = *this;
  for (VaryValue& v : values) v.first = absl::AsciiStrToLower(v.first);
  std::stable_sort(values.begin(), values.end(),
                   [](const VaryValue& a, const VaryValue& b) { return a.first < b.first; });
  values.erase(std::unique(values.begin(), values.end(),
                           [](const VaryValue& a, const VaryValue& b) { return a.first == b.first; }),
               values.end());
  key.variance_ = std::move(values);
  return key;
}

std::string CacheKey::ToString() const {
  bool ipv6 = host_.find(':') != std::string::npos;
  std::string out = absl::StrCat(method_, " ", scheme_, "://", ipv6 ? "[" : "", host_,
                                 ipv6 ? "]" : "");
  if (port_ != 0) absl::StrAppend(&out, ":", port_);
  out += path_and_query_;
  for (const VaryValue& v : variance_) absl::StrAppend(&out, "\n", v.first, ":", v.second);
  return out;
}

std::string CacheKey::Digest() const { return base::Sha256Hex(ToString()); }

}  // namespace cache
