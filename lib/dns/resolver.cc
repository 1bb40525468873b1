#include "lib/dns/resolver.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/dns/name.h"
#include "lib/dns/transport.h"
#include "lib/dns/writer.h"

namespace dns {
namespace {

// kCacheMiss marks the private status of Mode::kCacheOnly lookups that need the network.
constexpr absl::string_view kCacheMiss = "dns: cache miss";

bool IsCacheMiss(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition && status.message() == kCacheMiss;
}

// AddressOf turns an A or AAAA record into an address with `port`.
std::optional<net::Address> AddressOf(const ResourceRecord& rr, uint16_t port) {
  if (const auto* a = std::get_if<A>(&rr.data)) {
    sockaddr_in sin = {};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    std::memcpy(&sin.sin_addr, a->address.data(), a->address.size());
    return net::Address::FromSockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof(sin)).value();
  }
  if (const auto* aaaa = std::get_if<Aaaa>(&rr.data)) {
    sockaddr_in6 sin6 = {};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    std::memcpy(&sin6.sin6_addr, aaaa->address.data(), aaaa->address.size());
    return net::Address::FromSockaddr(reinterpret_cast<const sockaddr*>(&sin6), sizeof(sin6))
        .value();
  }
  return std::nullopt;
}

bool FamilyMatches(int family, const net::Address& addr) {
  return family == AF_UNSPEC || addr.family() == family;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Resolver>> Resolver::Create(ResolverConfig config) {
  ResolvConf conf;
  if (!config.resolv_conf_path.empty()) {
    ASSIGN_OR_RETURN(conf, ResolvConf::Load(config.resolv_conf_path));
  }
  if (config.nameservers) {
    if (config.nameservers->empty()) {
      return absl::InvalidArgumentError("dns: resolver needs at least one nameserver");
    }
    conf.nameservers = *config.nameservers;
  }
  HostsFile hosts;
  if (!config.hosts_path.empty()) {
    absl::StatusOr<HostsFile> loaded = HostsFile::Load(config.hosts_path);
    if (loaded.ok()) {
      hosts = *std::move(loaded);
    } else if (loaded.status().code() != absl::StatusCode::kNotFound) {
      return loaded.status();
    }
  }
  return std::unique_ptr<Resolver>(
      new Resolver(std::move(config), std::move(conf), std::move(hosts)));
}

Resolver::Resolver(ResolverConfig config, ResolvConf conf, HostsFile hosts)
    : exchange_(config.exchange ? std::move(config.exchange) : ExchangeFn(Exchange)),
      conf_(std::move(conf)),
      hosts_(std::move(hosts)),
      cache_([&] {
        DnsCacheOptions options;
        options.max_entries = config.cache_entries;
        options.clock = std::move(config.clock);
        return options;
      }()) {}

Resolver::~Resolver() {
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&pool_mu_);
    stopping_ = true;
    workers.swap(workers_);
  }
  for (std::thread& t : workers) t.join();
}

absl::StatusOr<std::vector<net::Address>> Resolver::ResolveHost(absl::string_view host,
                                                                uint16_t port, int family) {
  return ResolveHostIn(host, port, family, Mode::kNetwork);
}

absl::StatusOr<std::vector<ResourceRecord>> Resolver::Lookup(absl::string_view name,
                                                             uint16_t type) {
  const uint16_t types[] = {type};
  return Search(name, types, absl::StrCat(TypeToString(type), " record"), Mode::kNetwork);
}

absl::StatusOr<std::vector<net::Address>> Resolver::ResolveHostIn(absl::string_view host,
                                                                  uint16_t port, int family,
                                                                  Mode mode) {
  if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) {
    return absl::InvalidArgumentError(absl::StrCat("dns: unsupported address family ", family));
  }
  if (absl::StatusOr<net::Address> literal = net::Address::FromIp(host, port); literal.ok()) {
    if (!FamilyMatches(family, *literal)) {
      return absl::NotFoundError(absl::StrCat("dns: ", host, ": address of another family"));
    }
    return std::vector<net::Address>{*literal};
  }
  std::vector<net::Address> out;
  for (net::Address addr : hosts_.Lookup(host)) {
    if (!FamilyMatches(family, addr)) continue;
    addr.set_port(port);
    out.push_back(addr);
  }
  if (!out.empty()) return out;

  std::vector<uint16_t> types;
  if (family != AF_INET6) types.push_back(kA);
  if (family != AF_INET) types.push_back(kAAAA);
  ASSIGN_OR_RETURN(std::vector<ResourceRecord> records, Search(host, types, "address", mode));
  for (const ResourceRecord& rr : records) {
    if (std::optional<net::Address> addr = AddressOf(rr, port)) out.push_back(*addr);
  }
  return out;
}

std::vector<std::string> Resolver::Candidates(absl::string_view name) const {
  if (absl::EndsWith(name, ".")) return {std::string(name)};
  const int dots = static_cast<int>(std::count(name.begin(), name.end(), '.'));
  std::vector<std::string> out;
  if (dots >= conf_.ndots) out.emplace_back(name);
  for (const std::string& domain : conf_.search) out.push_back(absl::StrCat(name, ".", domain));
  if (dots < conf_.ndots) out.emplace_back(name);
  return out;
}

absl::StatusOr<std::vector<ResourceRecord>> Resolver::Search(absl::string_view name,
                                                             absl::Span<const uint16_t> types,
                                                             absl::string_view what, Mode mode) {
  if (name.empty() || name == ".") {
    return absl::InvalidArgumentError("dns: empty host name");
  }
  bool nodata = false;
  for (const std::string& candidate : Candidates(name)) {
    std::vector<ResourceRecord> found;
    for (uint16_t type : types) {
      ASSIGN_OR_RETURN(ChainResult result, FollowChain(candidate, type, mode));
      if (result.rcode == kNxDomain) break;  // the name does not exist for any type
      if (result.records.empty()) nodata = true;
      found.insert(found.end(), std::make_move_iterator(result.records.begin()),
                   std::make_move_iterator(result.records.end()));
    }
    if (!found.empty()) return found;
  }
  return absl::NotFoundError(nodata ? absl::StrCat("dns: ", name, ": no ", what)
                                    : absl::StrCat("dns: ", name, ": NXDOMAIN"));
}

absl::StatusOr<Resolver::ChainResult> Resolver::FollowChain(const std::string& name, uint16_t type,
                                                            Mode mode) {
  std::string current = name;
  std::vector<std::string> seen = {name};
  while (true) {
    ASSIGN_OR_RETURN(CachedAnswer answer, Query(current, type, mode));
    bool moved = false;
    while (true) {
      ChainResult found;
      const ResourceRecord* cname = nullptr;
      for (const ResourceRecord& rr : answer.answers) {
        if (!NamesEqual(rr.name, current)) continue;
        if (rr.type == type) found.records.push_back(rr);
        if (rr.type == kCNAME && cname == nullptr) cname = &rr;
      }
      if (!found.records.empty()) return found;
      const auto* target = cname != nullptr ? std::get_if<NameRdata>(&cname->data) : nullptr;
      if (type == kCNAME || target == nullptr) break;
      if (std::any_of(seen.begin(), seen.end(),
                      [&](const std::string& s) { return NamesEqual(s, target->name); })) {
        return absl::NotFoundError(absl::StrCat("dns: ", name, ": CNAME loop at ", target->name));
      }
      if (seen.size() > kMaxCnameHops) {
        return absl::NotFoundError(
            absl::StrCat("dns: ", name, ": CNAME chain longer than ", kMaxCnameHops));
      }
      seen.push_back(target->name);
      current = target->name;
      moved = true;
    }
    if (answer.rcode == kNxDomain || !moved) return ChainResult{answer.rcode, {}};
    // The chain ends at a name the answer says nothing more about: ask for it.
  }
}

absl::StatusOr<CachedAnswer> Resolver::Query(const std::string& name, uint16_t type, Mode mode) {
  const Question question{name, type, kClassIN};
  if (std::optional<CachedAnswer> hit = cache_.Lookup(question)) return *std::move(hit);
  if (mode == Mode::kCacheOnly) return absl::FailedPreconditionError(kCacheMiss);
  ASSIGN_OR_RETURN(Message reply, AskServers(name, type));
  cache_.Insert(question, reply);
  return CachedAnswer{reply.header.rcode, std::move(reply.answers)};
}

absl::StatusOr<Message> Resolver::AskServers(const std::string& name, uint16_t type) {
  QueryOptions query_options;
  query_options.edns = conf_.edns0;
  ASSIGN_OR_RETURN(std::vector<uint8_t> query, BuildQuery(name, type, query_options));
  ExchangeOptions options;
  options.timeout = conf_.timeout;
  options.attempts = conf_.attempts;
  bool all_timed_out = true;
  absl::Status last;
  for (const net::Address& server : conf_.nameservers) {
    absl::StatusOr<ExchangeResult> result = exchange_(server, query, options);
    if (!result.ok()) {
      all_timed_out &= result.status().code() == absl::StatusCode::kDeadlineExceeded;
      last = result.status();
      continue;
    }
    const uint16_t rcode = result->message.header.rcode;
    if (rcode == kNoError || rcode == kNxDomain) return std::move(result->message);
    // SERVFAIL, REFUSED and the like say nothing about the name: try the next server.
    all_timed_out = false;
    last = absl::UnavailableError(absl::StrCat("dns: ", server.ToString(), " answered ",
                                               RcodeToString(rcode), " for ", name));
  }
  if (all_timed_out) return absl::DeadlineExceededError("dns: no servers could be reached");
  return absl::UnavailableError(
      absl::StrCat("dns: no server answered ", name, " (last: ", last.message(), ")"));
}

void Resolver::ResolveHostAsync(net::EventLoop* loop, std::string host, uint16_t port, int family,
                                ResolveCallback done) {
  auto deliver = [loop](ResolveCallback done, absl::StatusOr<std::vector<net::Address>> result) {
    loop->Post([done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  };
  absl::StatusOr<std::vector<net::Address>> local =
      ResolveHostIn(host, port, family, Mode::kCacheOnly);
  if (!IsCacheMiss(local.status())) {
    deliver(std::move(done), std::move(local));
    return;
  }
  absl::MutexLock lock(&pool_mu_);
  jobs_.push_back(
      [this, deliver, host = std::move(host), port, family, done = std::move(done)]() mutable {
        deliver(std::move(done), ResolveHost(host, port, family));
      });
  while (workers_.size() < kAsyncThreads) workers_.emplace_back([this] { WorkerLoop(); });
}

void Resolver::WorkerLoop() {
  while (true) {
    std::function<void()> job;
    {
      absl::MutexLock lock(&pool_mu_);
      pool_mu_.Await(absl::Condition(this, &Resolver::HasJobOrStopping));
      if (jobs_.empty()) return;  // stopping, and nothing left to do
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

absl::StatusOr<std::vector<net::Address>> ResolveSystemHost(absl::string_view host, uint16_t port,
                                                            int family) {
  if (absl::StatusOr<net::Address> literal = net::Address::FromIp(host, port); literal.ok()) {
    if (family != AF_UNSPEC && literal->family() != family) {
      return absl::InvalidArgumentError(
          absl::StrCat("dns: ", host, ": address family for hostname not supported"));
    }
    return std::vector<net::Address>{*literal};
  }
  static const absl::StatusOr<std::unique_ptr<Resolver>>* const resolver =
      new absl::StatusOr<std::unique_ptr<Resolver>>(Resolver::Create(ResolverConfig{}));
  if (!resolver->ok()) return resolver->status();
  return (**resolver)->ResolveHost(host, port, family);
}

absl::string_view GaiStyleReason(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound: return "Name or service not known";
    case absl::StatusCode::kInvalidArgument: return "Address family for hostname not supported";
    default: return "Temporary failure in name resolution";
  }
}

}  // namespace dns
