// resolver.h: the stub resolver: IP literals, the hosts file, then DNS (search list, CNAME
// chains, nameservers in order or rotated, positive and negative cache), blocking or driven by
// an EventLoop (non-blocking sockets on the caller's loop, no threads).
//
//   ASSIGN_OR_RETURN(std::unique_ptr<dns::Resolver> resolver, dns::Resolver::Create({}));
//   ASSIGN_OR_RETURN(std::vector<net::Address> addrs,
//                    resolver->ResolveHost("www.example.com", 443, AF_UNSPEC));
//   ASSIGN_OR_RETURN(std::vector<dns::ResourceRecord> mx,
//                    resolver->Lookup("example.com", dns::kMX));
//   resolver->ResolveHostAsync(loop, "example.com", 80, AF_INET, [](auto addrs) {...});
//
// Error codes: NotFound for a name that does not exist ("dns: NAME: NXDOMAIN"), has no record
// of the wanted type ("dns: NAME: no address"), or whose CNAME chain loops or is too long;
// DeadlineExceeded when no server answered in time ("dns: no servers could be reached");
// Unavailable when the servers refused, or answered SERVFAIL/REFUSED; InvalidArgument for a
// name that cannot be put in a query.
#ifndef LIB_DNS_RESOLVER_H_
#define LIB_DNS_RESOLVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/dns/dns_cache.h"
#include "lib/dns/exchange.h"
#include "lib/dns/hosts.h"
#include "lib/dns/message.h"
#include "lib/dns/resolv_conf.h"
#include "lib/dns/transport.h"
#include "lib/net/address.h"
#include "lib/net/event_loop.h"

namespace dns {
namespace internal {
struct ChainResult;
}  // namespace internal

// ResolverConfig says where the resolver's configuration comes from. An empty path means
// "no such file": no hosts entries, resolv.conf defaults.
struct ResolverConfig {
  std::string hosts_path = "/etc/hosts";
  std::string resolv_conf_path = "/etc/resolv.conf";
  // nameservers, when set, replaces resolv.conf's servers (ports included); the rest of
  // resolv.conf (search, ndots, timeout, attempts, edns0) still applies.
  std::optional<std::vector<net::Address>> nameservers;
  // exchange sends one query to one server; dns::Exchange (UDP, TCP on truncation) when
  // empty. A test fake: ResolveHostAsync calls a given one on the loop's thread, from a loop
  // callback, so it must answer at once; without one it uses dns::LoopExchange.
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
  using ResolveCallback = std::function<void(absl::StatusOr<std::vector<net::Address>>)>;

  // Create reads the hosts file and resolv.conf once (a missing file is fine; an unreadable
  // one is an error) and returns a resolver.
  static absl::StatusOr<std::unique_ptr<Resolver>> Create(ResolverConfig config);

  // ~Resolver abandons the ResolveHostAsync lookups in flight: their `done` is never called,
  // their sockets are unwatched and closed and their timers cancelled, on their loops. So
  // destroy the Resolver only while no other thread runs a loop with a lookup in flight
  // (e.g. once the loops' threads have stopped and been joined; a loop's own thread may do
  // it between rounds or from a callback), and before those loops are destroyed. Answers
  // already posted to a loop (literals, hosts entries, cache hits) still run there if it runs
  // again; they do not touch the Resolver.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // ResolveHost returns the addresses of `host` (not kept) with `port`, for `family`
  // AF_INET, AF_INET6 or AF_UNSPEC (both; IPv4 addresses first, then IPv6, each in answer
  // order — no RFC 6724 sorting). A numeric IPv4/IPv6 literal is returned as is, without
  // any lookup; then the hosts file is consulted; then DNS: A and/or AAAA queries for each
  // candidate of the search list (see resolv_conf.h: a name with at least `ndots` dots is
  // tried as is first, other names last; a trailing dot means only as is). NXDOMAIN or
  // NODATA moves on to the next candidate; a server failure ends the search. Each query goes
  // to the nameservers in order (with `options rotate`, each query starts at the next one in
  // turn), each for `attempts` tries of `timeout`. Thread-safe.
  absl::StatusOr<std::vector<net::Address>> ResolveHost(absl::string_view host, uint16_t port,
                                                        int family);

  // Lookup returns the records of `type` for `name` (not kept), after the search list and
  // CNAME chains (for type CNAME the chain is not followed). Owner names are those of the
  // final records; TTLs are what is left of them. Thread-safe.
  absl::StatusOr<std::vector<ResourceRecord>> Lookup(absl::string_view name, uint16_t type);

  // ResolveHostAsync is ResolveHost for event-loop code, with the same rules, answers, errors
  // and cache, without blocking and without threads. `done` is called on the thread running
  // `loop`, from one of its callbacks, never from inside this call. Literals, hosts entries
  // and cache hits are posted to `loop` at once. Other names are looked up on `loop` itself:
  // the lookup starts from a posted callback and sends its queries with dns::LoopExchange
  // (non-blocking UDP from a random port, TCP on truncation, loop timers for the timeouts);
  // for AF_UNSPEC the A and AAAA chains of a candidate run at the same time. May be called
  // from any thread, for any number of loops at once; `loop` must outlive the lookup (its
  // `done`, or the Resolver's destruction).
  void ResolveHostAsync(net::EventLoop* loop, std::string host, uint16_t port, int family,
                        ResolveCallback done);

  // resolv_conf and hosts are the configuration read by Create.
  const ResolvConf& resolv_conf() const { return conf_; }
  const HostsFile& hosts() const { return hosts_; }

 private:
  // Mode::kCacheOnly answers from the cache or fails with a private cache-miss status.
  enum class Mode { kNetwork, kCacheOnly };
  class LoopLookup;    // one ResolveHostAsync lookup on its loop (resolver.cc)
  struct LoopLookups;  // the lookups in flight, shared with the callbacks posted to loops

  Resolver(ResolverConfig config, ResolvConf conf, HostsFile hosts);

  absl::StatusOr<std::vector<net::Address>> ResolveHostIn(absl::string_view host, uint16_t port,
                                                          int family, Mode mode);
  absl::StatusOr<std::vector<ResourceRecord>> Search(absl::string_view name,
                                                     absl::Span<const uint16_t> types,
                                                     absl::string_view what, Mode mode);
  absl::StatusOr<internal::ChainResult> FollowChain(const std::string& name, uint16_t type,
                                                    Mode mode);
  absl::StatusOr<CachedAnswer> Query(const std::string& name, uint16_t type, Mode mode);
  absl::StatusOr<Message> AskServers(const std::string& name, uint16_t type);

  // The pieces of one query both forms use: the cached answer, the query bytes, the server
  // order (rotated per query with `options rotate`), the exchange options, and keeping a
  // settling reply in the cache (returning what the cache would have answered).
  std::optional<CachedAnswer> Cached(const std::string& name, uint16_t type);
  absl::StatusOr<std::vector<uint8_t>> QueryFor(const std::string& name, uint16_t type) const;
  std::vector<net::Address> ServerOrder();
  ExchangeOptions Options() const;
  CachedAnswer Remember(const std::string& name, uint16_t type, Message reply);
  // StartExchange starts asking `server` on `loop` with LoopExchange, or with the injected
  // ExchangeFn when there is one.
  std::unique_ptr<LoopExchange> StartExchange(net::EventLoop* loop, const net::Address& server,
                                              absl::Span<const uint8_t> query,
                                              LoopExchange::Done done);

  const ExchangeFn exchange_;  // injected; empty: dns::Exchange and dns::LoopExchange
  const ResolvConf conf_;      // nameservers already overridden
  const HostsFile hosts_;
  DnsCache cache_;
  std::atomic<uint32_t> rotation_{0};  // the next query's first server, with `rotate`
  const std::shared_ptr<LoopLookups> loop_lookups_;
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
