#include "lib/dns/resolv_conf.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"

namespace dns {
namespace {

constexpr uint16_t kDnsPort = 53;

// ParseCapped parses the value of an option "name:N", clamped to [min, max]. false when it
// is not a number.
bool ParseCapped(absl::string_view value, int min, int max, int* out) {
  int n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < 0) return false;
  *out = std::clamp(n, min, max);
  return true;
}

void ApplyOption(absl::string_view option, ResolvConf& conf) {
  int seconds = 0;
  if (absl::ConsumePrefix(&option, "ndots:")) {
    ParseCapped(option, 0, ResolvConf::kMaxNdots, &conf.ndots);
  } else if (absl::ConsumePrefix(&option, "timeout:")) {
    if (ParseCapped(option, 1, ResolvConf::kMaxTimeoutSeconds, &seconds)) {
      conf.timeout = absl::Seconds(seconds);
    }
  } else if (absl::ConsumePrefix(&option, "attempts:")) {
    ParseCapped(option, 1, ResolvConf::kMaxAttempts, &conf.attempts);
  } else if (option == "rotate") {
    conf.rotate = true;
  } else if (option == "edns0") {
    conf.edns0 = true;
  }
}

}  // namespace

ResolvConf ResolvConf::Parse(absl::string_view text) {
  ResolvConf conf;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r\f\v"), absl::SkipEmpty());
    // A comment starts a line, or (as glibc accepts) ends one after the words.
    auto comment = std::find_if(words.begin(), words.end(), [](absl::string_view w) {
      return w.front() == '#' || w.front() == ';';
    });
    words.erase(comment, words.end());
    if (words.size() < 2) continue;
    const absl::string_view keyword = words[0];
    auto args = absl::MakeConstSpan(words).subspan(1);
    if (keyword == "nameserver") {
      absl::StatusOr<net::Address> server = net::Address::FromIp(args[0], kDnsPort);
      if (server.ok() && conf.nameservers.size() < kMaxNameservers) {
        conf.nameservers.push_back(*server);
      }
    } else if (keyword == "search" || keyword == "domain") {
      conf.search.clear();
      if (keyword == "domain") args = args.subspan(0, 1);
      for (absl::string_view domain : args) {
        absl::ConsumeSuffix(&domain, ".");
        if (!domain.empty()) conf.search.emplace_back(domain);
      }
    } else if (keyword == "options") {
      for (absl::string_view option : args) ApplyOption(option, conf);
    }
  }
  if (conf.nameservers.empty()) {
    conf.nameservers.push_back(net::Address::Loopback(AF_INET, kDnsPort));
  }
  return conf;
}

absl::StatusOr<ResolvConf> ResolvConf::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == ENOENT) return Parse("");
    return absl::ErrnoToStatus(err, absl::StrCat("resolv.conf: open ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str());
}

}  // namespace dns
