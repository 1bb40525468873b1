// config.h: turns cachingproxy's textual settings (flags) into ProxyOptions, with errors that
// name the flag.
//
//   proxy::FlagValues v;
//   v.listen = "127.0.0.1:0";
//   v.upstream = "127.0.0.1:8081";
//   ASSIGN_OR_RETURN(proxy::ProxyOptions o, proxy::BuildOptions(v));
#ifndef PROXY_CONFIG_H_
#define PROXY_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proxy/options.h"

namespace proxy {

// FlagValues holds the flags as typed (durations like "10s", "500ms").
struct FlagValues {
  std::string listen = "127.0.0.1:8080";
  std::string upstream;
  int workers = 0;  // 0: one per core
  std::string connect_ports = "443";
  std::string allow = "127.0.0.0/8,::1/128";
  int max_connections = 10000;
  int max_header_bytes = 64 * 1024;
  int max_uri_bytes = 8192;
  std::string header_timeout = "10s";
  std::string idle_timeout = "60s";
  std::string upstream_timeout = "30s";
  std::string upstream_idle_timeout = "30s";
  int upstream_pool_size = 16;
  int upstream_max_new = 64;
  int buffer_size = 256 * 1024;
  std::string resolver = "system";
  std::string hosts_file = "/etc/hosts";
  std::string resolv_conf = "/etc/resolv.conf";
  std::string nameservers;  // "ADDR[:PORT],..." replacing resolv.conf's; empty: resolv.conf's
  std::string admin_listen;  // empty: no admin listener
  std::string mem_cache_size = "256M";
  std::string cache_dir;  // empty: no disk tier (cachingproxy's flag defaults to DefaultCacheDir())
  std::string disk_cache_size = "1G";
  std::string max_object_size = "64M";
  std::string collapse_timeout = "10s";
  std::string purge_allow = "127.0.0.0/8,::1/128";
  std::string pseudonym = "cachingproxy";
};

// ParseByteSize parses a size in bytes with an optional binary suffix: "0", "4096", "64k",
// "256M", "1G" (K/M/G/T, either case, optionally followed by "iB" or "B"). InvalidArgument
// otherwise, or when it overflows.
absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text);

// DefaultCacheDir returns $XDG_CACHE_HOME/cachingproxy, else $HOME/.cache/cachingproxy, else
// /tmp/cachingproxy-<uid>.
std::string DefaultCacheDir();

// ParsePortList parses "443,8443" into ports. InvalidArgument for a bad port.
absl::StatusOr<std::vector<uint16_t>> ParsePortList(absl::string_view spec);

// ParseOrigin parses "host:port" or "[v6]:port" (for --upstream).
absl::StatusOr<Origin> ParseOrigin(absl::string_view spec);

// BuildOptions validates `v` and fills ProxyOptions (access_log is left null). Errors are
// InvalidArgument starting with the flag name, e.g. "--listen: ...".
absl::StatusOr<ProxyOptions> BuildOptions(const FlagValues& v);

}  // namespace proxy

#endif  // PROXY_CONFIG_H_
