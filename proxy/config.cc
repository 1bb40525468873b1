#include "proxy/config.h"

#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "lib/http/headers.h"
#include "lib/net/address.h"

namespace proxy {
namespace {

absl::Status FlagError(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

absl::Status ParseDurationFlag(absl::string_view flag, const std::string& text,
                               absl::Duration* out) {
  if (!absl::ParseDuration(text, out) || *out <= absl::ZeroDuration()) {
    return FlagError(flag, absl::StrCat("not a positive duration: \"", text,
                                        "\" (use e.g. 10s, 500ms)"));
  }
  return absl::OkStatus();
}

absl::Status CheckPositive(absl::string_view flag, int value) {
  return value > 0 ? absl::OkStatus() : FlagError(flag, absl::StrCat("must be > 0, got ", value));
}

}  // namespace

absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text) {
  absl::string_view t = absl::StripAsciiWhitespace(text);
  size_t digits = 0;
  while (digits < t.size() && absl::ascii_isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  uint64_t n = 0;
  if (digits == 0 || !absl::SimpleAtoi(t.substr(0, digits), &n)) {
    return absl::InvalidArgumentError(absl::StrCat("not a size: \"", text, "\" (use e.g. 256M, 1G)"));
  }
  std::string suffix = absl::AsciiStrToLower(t.substr(digits));
  int shift = 0;
  if (!suffix.empty()) {
    const std::string units = "kmgt";
    size_t unit = units.find(suffix[0]);
    std::string rest = suffix.substr(1);
    if (unit == std::string::npos || !(rest.empty() || rest == "b" || rest == "ib")) {
      return absl::InvalidArgumentError(absl::StrCat("not a size: \"", text, "\" (use e.g. 256M, 1G)"));
    }
    shift = 10 * static_cast<int>(unit + 1);
  }
  if (shift > 0 && n > (~uint64_t{0} >> shift)) {
    return absl::InvalidArgumentError(absl::StrCat("size too large: \"", text, "\""));
  }
  return n << shift;
}

std::string DefaultCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return absl::StrCat(xdg, "/cachingproxy");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return absl::StrCat(home, "/.cache/cachingproxy");
  }
  return absl::StrCat("/tmp/cachingproxy-", ::getuid());
}

absl::StatusOr<std::vector<uint16_t>> ParsePortList(absl::string_view spec) {
  std::vector<uint16_t> ports;
  for (absl::string_view p : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    absl::StatusOr<uint16_t> port = net::ParsePort(absl::StripAsciiWhitespace(p));
    if (!port.ok()) return port.status();
    ports.push_back(*port);
  }
  return ports;
}

absl::StatusOr<Origin> ParseOrigin(absl::string_view spec) {
  absl::StatusOr<std::pair<std::string, std::string>> hp = net::SplitHostPort(spec);
  if (!hp.ok()) return hp.status();
  if (hp->first.empty()) return absl::InvalidArgumentError("empty host");
  absl::StatusOr<uint16_t> port = net::ParsePort(hp->second);
  if (!port.ok()) return port.status();
  if (*port == 0) return absl::InvalidArgumentError("port 0");
  return Origin{absl::AsciiStrToLower(hp->first), *port};
}

absl::StatusOr<ProxyOptions> BuildOptions(const FlagValues& v) {
  ProxyOptions o;
  absl::StatusOr<net::Address> listen = net::Address::Parse(v.listen);
  if (!listen.ok()) return FlagError("listen", listen.status().message());
  o.listen = *listen;
  if (!v.admin_listen.empty()) {
    absl::StatusOr<net::Address> admin = net::Address::Parse(v.admin_listen);
    if (!admin.ok()) return FlagError("admin_listen", admin.status().message());
    o.admin_listen = *admin;
  }
  if (!v.upstream.empty()) {
    absl::StatusOr<Origin> up = ParseOrigin(v.upstream);
    if (!up.ok()) return FlagError("upstream", up.status().message());
    o.upstream = *up;
  }
  if (v.workers < 0) return FlagError("workers", "must be >= 0");
  o.workers = v.workers > 0 ? v.workers
                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  absl::StatusOr<std::vector<uint16_t>> ports = ParsePortList(v.connect_ports);
  if (!ports.ok()) return FlagError("connect_ports", ports.status().message());
  o.connect_ports = *ports;
  absl::StatusOr<Acl> acl = Acl::Parse(v.allow);
  if (!acl.ok()) return FlagError("allow", acl.status().message());
  o.allow = *acl;
  for (auto [flag, value] : {std::pair<absl::string_view, int>{"max_connections", v.max_connections},
                             {"max_header_bytes", v.max_header_bytes},
                             {"max_uri_bytes", v.max_uri_bytes},
                             {"buffer_size", v.buffer_size}}) {
    if (absl::Status s = CheckPositive(flag, value); !s.ok()) return s;
  }
  if (v.upstream_pool_size < 0) return FlagError("upstream_pool_size", "must be >= 0");
  if (v.upstream_max_new < 0) return FlagError("upstream_max_new", "must be >= 0");
  o.max_connections = v.max_connections;
  o.limits.max_header_bytes = v.max_header_bytes;
  o.limits.max_line = v.max_uri_bytes;
  o.upstream_pool_size = v.upstream_pool_size;
  o.upstream_max_new = v.upstream_max_new;
  o.buffer_size = v.buffer_size;
  for (auto [flag, text, out] :
       {std::tuple<absl::string_view, const std::string&, absl::Duration*>{
            "header_timeout", v.header_timeout, &o.header_timeout},
        {"idle_timeout", v.idle_timeout, &o.idle_timeout},
        {"upstream_timeout", v.upstream_timeout, &o.upstream_timeout},
        {"upstream_idle_timeout", v.upstream_idle_timeout, &o.upstream_idle_timeout}}) {
    if (absl::Status s = ParseDurationFlag(flag, text, out); !s.ok()) return s;
  }
  if (v.resolver != "system" && v.resolver != "numeric") {
    return FlagError("resolver", absl::StrCat("must be system or numeric, got ", v.resolver));
  }
  o.numeric_only = v.resolver == "numeric";
  o.hosts_file = v.hosts_file;
  o.resolv_conf = v.resolv_conf;
  for (absl::string_view server : absl::StrSplit(v.nameservers, ',', absl::SkipWhitespace())) {
    server = absl::StripAsciiWhitespace(server);
    absl::StatusOr<net::Address> addr = net::Address::FromIp(server, 53);
    if (!addr.ok()) addr = net::Address::Parse(server);
    if (!addr.ok()) {
      return FlagError("nameservers", absl::StrCat("not an address or ADDR:PORT: ", server));
    }
    o.nameservers.push_back(*addr);
  }

  for (auto [flag, text, out] :
       {std::tuple<absl::string_view, const std::string&, uint64_t*>{
            "mem_cache_size", v.mem_cache_size, &o.cache.mem_bytes},
        {"disk_cache_size", v.disk_cache_size, &o.cache.disk_bytes},
        {"max_object_size", v.max_object_size, &o.cache.max_object_bytes}}) {
    absl::StatusOr<uint64_t> size = ParseByteSize(text);
    if (!size.ok()) return FlagError(flag, size.status().message());
    *out = *size;
  }
  o.cache.dir = v.cache_dir;
  if (!o.cache.dir.empty() && o.cache.dir[0] != '/') {
    return FlagError("cache_dir", absl::StrCat("must be an absolute path, got ", v.cache_dir));
  }
  if (absl::Status s = ParseDurationFlag("collapse_timeout", v.collapse_timeout,
                                         &o.cache.collapse_timeout);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Acl> purge = Acl::Parse(v.purge_allow);
  if (!purge.ok()) return FlagError("purge_allow", purge.status().message());
  o.cache.purge_allow = *purge;
  if (!http::IsToken(v.pseudonym)) {
    return FlagError("pseudonym", absl::StrCat("must be a token (letters, digits, -._~...), got \"",
                                              v.pseudonym, "\""));
  }
  o.pseudonym = v.pseudonym;
  return o;
}

}  // namespace proxy
