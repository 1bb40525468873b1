#include "lib/dns/rdata_text.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/dns/message.h"

namespace dns {
namespace {

// Quoted returns `s` as a dig-style quoted character-string.
std::string Quoted(absl::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const uint8_t c = static_cast<uint8_t>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c > 0x7e) {
      absl::StrAppend(&out, "\\", c / 100, (c / 10) % 10, c % 10);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

// Generic returns the RFC 3597 section 5 form of `bytes`.
std::string Generic(absl::Span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = absl::StrCat("\\# ", bytes.size());
  if (!bytes.empty()) out.push_back(' ');
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::string OptionsToString(const std::vector<EdnsOption>& options) {
  std::vector<uint8_t> bytes;
  for (const EdnsOption& o : options) {
    for (size_t v : {size_t{o.code}, o.data.size()}) {
      bytes.push_back(static_cast<uint8_t>(v >> 8));
      bytes.push_back(static_cast<uint8_t>(v));
    }
    bytes.insert(bytes.end(), o.data.begin(), o.data.end());
  }
  return Generic(bytes);
}

template <size_t N>
std::string AddressToString(int family, const std::array<uint8_t, N>& address) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(family, address.data(), buf, sizeof(buf)) == nullptr) return Generic(address);
  return buf;
}

}  // namespace

std::string RdataToString(const ResourceRecord& rr) {
  return std::visit(
      [](const auto& data) -> std::string {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, Raw>) {
          return Generic(data.bytes);
        } else if constexpr (std::is_same_v<T, A>) {
          return AddressToString(AF_INET, data.address);
        } else if constexpr (std::is_same_v<T, Aaaa>) {
          return AddressToString(AF_INET6, data.address);
        } else if constexpr (std::is_same_v<T, NameRdata>) {
          return data.name;
        } else if constexpr (std::is_same_v<T, Mx>) {
          return absl::StrCat(data.preference, " ", data.exchange);
        } else if constexpr (std::is_same_v<T, Txt>) {
          return absl::StrJoin(data.strings, " ", [](std::string* out, const std::string& s) {
            out->append(Quoted(s));
          });
        } else if constexpr (std::is_same_v<T, Soa>) {
          return absl::StrCat(data.mname, " ", data.rname, " ", data.serial, " ", data.refresh, " ",
                              data.retry, " ", data.expire, " ", data.minimum);
        } else if constexpr (std::is_same_v<T, Srv>) {
          return absl::StrCat(data.priority, " ", data.weight, " ", data.port, " ", data.target);
        } else if constexpr (std::is_same_v<T, Caa>) {
          return absl::StrCat(data.flags, " ", data.tag, " ", Quoted(data.value));
        } else {
          static_assert(std::is_same_v<T, Opt>);
          return OptionsToString(data.options);
        }
      },
      rr.data);
}

std::string RecordToString(const ResourceRecord& rr) {
  return absl::StrCat(rr.name, "\t", rr.ttl, "\t", ClassToString(rr.rclass), "\t",
                      TypeToString(rr.type), "\t", RdataToString(rr));
}

}  // namespace dns
