// resolver.h: the stub resolver: IP literals, the hosts file, then DNS (search list, CNAME
// chains, nameservers in order, positive and negative cache), blocking or on an EventLoop.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<dns::Resolver> resolver, dns::Resolver::Create({}));
//   ASSIGN_OR_RETURN(std::vector<net::Address> addrs,
//                    resolver->ResolveHost("www.example.com", 443, AF_UNSPEC));
//   ASSIGN_OR_RETURN(std::vector<dns::ResourceRecord> mx, resolver->Lookup("example.com",
//   dns::kMX)); resolver->ResolveHostAsync(loop, "example.com", 80, AF_INET, [](auto addrs) {...});
//
// Error codes: NotFound for a name that does not exist ("dns: NAME: NXDOMAIN"), has no record
// of the wanted type ("dns: NAME: no address"), or whose CNAME chain loops or is too long;
// DeadlineExceeded when no server answered in time ("dns: no servers could be reached");
// Unavailable when the servers refused, or answered SERVFAIL/REFUSED; InvalidArgument for a
// name that cannot be put in a query.
#ifndef LIB_DNS_RESOLVER_H_
#define LIB_DNS_RESOLVER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/dns/dns_cache.h"
#include "lib/dns/exchange.h"
#include "lib/dns/hosts.h"
#include "lib/dns/message.h"
#include "lib/dns/resolv_conf.h"
#include "lib/net/address.h"
#include "lib/net/event_loop.h"

namespace dns {

// ResolverConfig says where the resolver's configuration comes from. An empty path means
// "no such file": no hosts entries, resolv.conf defaults.
struct ResolverConfig {
  std::string hosts_path = "/etc/hosts";
  std::string resolv_conf_path = "/etc/resolv.conf";
  // nameservers, when set, replaces resolv.conf's servers (ports included); the rest of
  // resolv.conf (search, ndots, timeout, attempts, edns0) still applies.
  std::optional<std::vector<net::Address>> nameservers;
  // exchange sends one query to one server; dns::Exchange (UDP, TCP on truncation) when
  // empty.
  ExchangeFn exchange;
  // clock drives the cache; absl::Now when empty.
  std::function<absl::Time()> clock;
  // cache_entries bounds the answer cache (0 disables caching).
  size_t cache_entries = 1024;
};

class Resolver {
 public:
  // kMaxCnameHops is how many CNAMEs one lookup follows before giving up.
  static constexpr int kMaxCnameHops = 8;
  // kAsyncThreads is the size of the worker pool behind ResolveHostAsync.
  static constexpr int kAsyncThreads = 2;

  using ResolveCallback = std::function<void(absl::StatusOr<std::vector<net::Address>>)>;

  // Create reads the hosts file and resolv.conf once (a missing file is fine; an unreadable
  // one is an error) and returns a resolver.
  static absl::StatusOr<std::unique_ptr<Resolver>> Create(ResolverConfig config);

  // ~Resolver waits for the asynchronous lookups already started or queued to finish and
  // post their results.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // ResolveHost returns the addresses of `host` (not kept) with `port`, for `family`
  // AF_INET, AF_INET6 or AF_UNSPEC (both; IPv4 addresses first, then IPv6, each in answer
  // order — no RFC 6724 sorting). A numeric IPv4/IPv6 literal is returned as is, without
  // any lookup; then the hosts file is consulted; then DNS: A and/or AAAA queries for each
  // candidate of the search list (see resolv_conf.h: a name with at least `ndots` dots is
  // tried as is first, other names last; a trailing dot means only as is). NXDOMAIN or
  // NODATA moves on to the next candidate; a server failure ends the search. Thread-safe.
  absl::StatusOr<std::vector<net::Address>> ResolveHost(absl::string_view host, uint16_t port,
                                                        int family);

  // Lookup returns the records of `type` for `name` (not kept), after the search list and
  // CNAME chains (for type CNAME the chain is not followed). Owner names are those of the
  // final records; TTLs are what is left of them. Thread-safe.
  absl::StatusOr<std::vector<ResourceRecord>> Lookup(absl::string_view name, uint16_t type);

  // ResolveHostAsync is ResolveHost for event-loop code: `done` is always called on the
  // thread running `loop`, through loop->Post, never from inside this call. Literals, hosts
  // entries and cache hits are answered without a thread. Otherwise the blocking lookup runs
  // on a pool of kAsyncThreads threads: simple, and fine for a proxy whose DNS lookups are few
  // next to its connections (the cache absorbs repeats); a socket-level async resolver on the
  // loop itself can replace it later. `loop` must outlive the call of `done`.
  void ResolveHostAsync(net::EventLoop* loop, std::string host, uint16_t port, int family,
                        ResolveCallback done) ABSL_LOCKS_EXCLUDED(pool_mu_);

  // resolv_conf and hosts are the configuration read by Create.
  const ResolvConf& resolv_conf() const { return conf_; }
  const HostsFile& hosts() const { return hosts_; }

 private:
  // Mode::kCacheOnly answers from the cache or fails with a private cache-miss status.
  enum class Mode { kNetwork, kCacheOnly };
  // ChainResult is the outcome for one name and type: records found, or an rcode saying why
  // not (kNxDomain, or kNoError for NODATA).
  struct ChainResult {
    uint16_t rcode = kNoError;
    std::vector<ResourceRecord> records;
  };

  Resolver(ResolverConfig config, ResolvConf conf, HostsFile hosts);

  absl::StatusOr<std::vector<net::Address>> ResolveHostIn(absl::string_view host, uint16_t port,
                                                          int family, Mode mode);
  absl::StatusOr<std::vector<ResourceRecord>> Search(absl::string_view name,
                                                     absl::Span<const uint16_t> types,
                                                     absl::string_view what, Mode mode);
  std::vector<std::string> Candidates(absl::string_view name) const;
  absl::StatusOr<ChainResult> FollowChain(const std::string& name, uint16_t type, Mode mode);
  absl::StatusOr<CachedAnswer> Query(const std::string& name, uint16_t type, Mode mode);
  absl::StatusOr<Message> AskServers(const std::string& name, uint16_t type);
  void WorkerLoop() ABSL_LOCKS_EXCLUDED(pool_mu_);
  bool HasJobOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool_mu_) {
    return stopping_ || !jobs_.empty();
  }

  const ExchangeFn exchange_;
  const ResolvConf conf_;  // nameservers already overridden
  const HostsFile hosts_;
  DnsCache cache_;

  absl::Mutex pool_mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(pool_mu_);
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(pool_mu_);
  bool stopping_ ABSL_GUARDED_BY(pool_mu_) = false;
};

// ResolveSystemHost resolves like getaddrinfo does for a command-line tool, with lib/dns: a
// numeric address as is, then /etc/hosts, then DNS per /etc/resolv.conf, through one
// process-wide Resolver (and cache) created on first use. Errors are Statuses: NotFound for a
// name that does not exist, InvalidArgument for a literal of the wrong family, others as the
// Resolver returns them.
absl::StatusOr<std::vector<net::Address>> ResolveSystemHost(absl::string_view host, uint16_t port,
                                                            int family);

// GaiStyleReason gives the getaddrinfo-style text tools print for a resolution error
// ("Name or service not known", "Temporary failure in name resolution", ...), which scripts match.
absl::string_view GaiStyleReason(const absl::Status& status);

}  // namespace dns

#endif  // LIB_DNS_RESOLVER_H_
