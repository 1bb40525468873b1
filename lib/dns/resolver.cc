#include "lib/dns/resolver.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/status_macros.h"
#include "lib/dns/internal/resolution.h"
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

// AddressesOf returns the addresses, with `port`, of the A and AAAA records in `records`.
std::vector<net::Address> AddressesOf(absl::Span<const ResourceRecord> records, uint16_t port) {
  std::vector<net::Address> out;
  for (const ResourceRecord& rr : records) {
    if (std::optional<net::Address> addr = AddressOf(rr, port)) out.push_back(*addr);
  }
  return out;
}

// TypesFor returns the query types for `family`: A, AAAA, or both (A first).
std::vector<uint16_t> TypesFor(int family) {
  std::vector<uint16_t> types;
  if (family != AF_INET6) types.push_back(kA);
  if (family != AF_INET) types.push_back(kAAAA);
  return types;
}

bool FamilyMatches(int family, const net::Address& addr) {
  return family == AF_UNSPEC || addr.family() == family;
}

// InlineExchange runs an injected ExchangeFn (a test fake) for a loop lookup, from a loop
// timer: its answer arrives as a LoopExchange's does, later and from a loop callback.
class InlineExchange final : public LoopExchange {
 public:
  InlineExchange(net::EventLoop* loop, const ExchangeFn* fn, const net::Address& server,
                 absl::Span<const uint8_t> query, const ExchangeOptions& options, Done done)
      : loop_(loop) {
    std::vector<uint8_t> bytes(query.begin(), query.end());
    timer_ = loop->RunAfter(absl::ZeroDuration(), [this, fn, server, bytes = std::move(bytes),
                                                   options, done = std::move(done)] {
      timer_ = 0;
      done((*fn)(server, bytes, options));  // may destroy this
    });
  }
  ~InlineExchange() override { loop_->Cancel(timer_); }

 private:
  net::EventLoop* const loop_;
  net::EventLoop::TimerId timer_ = 0;
};

}  // namespace

// LoopLookups is what ResolveHostAsync's posted callbacks share with the Resolver: they may
// run after it is gone, and then find `resolver` null.
struct Resolver::LoopLookups {
  explicit LoopLookups(Resolver* r) : resolver(r) {}

  absl::Mutex mu;
  Resolver* resolver ABSL_GUARDED_BY(mu);  // null once the Resolver is being destroyed
  absl::flat_hash_map<uint64_t, std::unique_ptr<LoopLookup>> in_flight ABSL_GUARDED_BY(mu);
  uint64_t next_id ABSL_GUARDED_BY(mu) = 1;
};

// Resolver::LoopLookup is one ResolveHostAsync lookup, run on its loop's thread: the search
// list's candidates one after the other and, for each, one Chain per query type at the same
// time. LoopLookups::in_flight owns it until it finishes.
class Resolver::LoopLookup {
 public:
  LoopLookup(Resolver* resolver, net::EventLoop* loop, uint64_t id, std::string host,
             uint16_t port, int family, ResolveCallback done)
      : resolver_(resolver),
        loop_(loop),
        id_(id),
        host_(std::move(host)),
        port_(port),
        types_(TypesFor(family)),
        done_(std::move(done)),
        search_(host_, "address") {}

  // Start begins the lookup (on the loop's thread, from a loop callback).
  void Start();

 private:
  class Chain;

  void RunCandidates();
  void ChainDone();
  bool Settled() const;
  bool Conclude();
  void Finish(absl::StatusOr<std::vector<net::Address>> result);

  Resolver* const resolver_;
  net::EventLoop* const loop_;
  const uint64_t id_;
  const std::string host_;
  const uint16_t port_;
  const std::vector<uint16_t> types_;
  ResolveCallback done_;
  internal::SearchTally search_;
  std::vector<std::string> candidates_;
  size_t next_candidate_ = 0;
  std::vector<std::unique_ptr<Chain>> chains_;  // the current candidate's, in type order
};

// Chain follows one candidate's chain for one type: from the cache while it can, else by
// asking the servers in turn with one exchange at a time.
class Resolver::LoopLookup::Chain {
 public:
  Chain(LoopLookup* owner, const std::string& name, uint16_t type)
      : owner_(owner), resolver_(owner->resolver_), walk_(name, type, kMaxCnameHops) {}

  // Advance goes as far as the cache takes the chain, then asks the servers: true when the
  // chain has its outcome, false while it waits for a server (it then calls
  // owner_->ChainDone() from a loop callback once it has one).
  bool Advance();
  bool finished() const { return outcome_.has_value(); }
  absl::StatusOr<internal::ChainResult>& outcome() { return *outcome_; }
  const absl::StatusOr<internal::ChainResult>& outcome() const { return *outcome_; }

 private:
  bool Take(const CachedAnswer& answer);
  bool StartQuery();
  void AskNextServer();
  void OnReply(absl::StatusOr<ExchangeResult> result);

  LoopLookup* const owner_;
  Resolver* const resolver_;
  internal::ChainWalk walk_;
  std::optional<absl::StatusOr<internal::ChainResult>> outcome_;
  std::vector<uint8_t> query_;
  std::vector<net::Address> servers_;
  size_t next_server_ = 0;
  internal::ServerTally tally_;
  std::unique_ptr<LoopExchange> exchange_;
};

bool Resolver::LoopLookup::Chain::Advance() {
  while (true) {
    std::optional<CachedAnswer> hit = resolver_->Cached(walk_.next_name(), walk_.type());
    if (!hit.has_value()) return StartQuery();
    if (Take(*hit)) return true;
  }
}

// Take gives `answer` to the walk: true when the chain has its outcome.
bool Resolver::LoopLookup::Chain::Take(const CachedAnswer& answer) {
  absl::StatusOr<std::optional<internal::ChainResult>> step = walk_.Take(answer);
  if (!step.ok()) {
    outcome_ = step.status();
  } else if (step->has_value()) {
    outcome_ = **std::move(step);
  }
  return finished();
}

// StartQuery asks the first server for the walk's next name: false while waiting, true when
// the query cannot even be built (the outcome is that error).
bool Resolver::LoopLookup::Chain::StartQuery() {
  absl::StatusOr<std::vector<uint8_t>> query = resolver_->QueryFor(walk_.next_name(), walk_.type());
  if (!query.ok()) {
    outcome_ = query.status();
    return true;
  }
  query_ = *std::move(query);
  servers_ = resolver_->ServerOrder();
  next_server_ = 0;
  tally_ = internal::ServerTally();
  AskNextServer();
  return false;
}

void Resolver::LoopLookup::Chain::AskNextServer() {
  exchange_ = resolver_->StartExchange(
      owner_->loop_, servers_[next_server_++], query_,
      [this](absl::StatusOr<ExchangeResult> result) { OnReply(std::move(result)); });
}

void Resolver::LoopLookup::Chain::OnReply(absl::StatusOr<ExchangeResult> result) {
  exchange_.reset();  // it has finished: nothing of it runs after this callback
  const std::string name = walk_.next_name();
  std::optional<Message> reply = tally_.Take(servers_[next_server_ - 1], name, std::move(result));
  if (!reply.has_value()) {
    if (next_server_ < servers_.size()) return AskNextServer();
    outcome_ = tally_.Failure(name);
  } else if (!Take(resolver_->Remember(name, walk_.type(), *std::move(reply))) && !Advance()) {
    return;  // asking for the name the chain moved on to
  }
  owner_->ChainDone();  // may destroy this: the last thing done here
}

void Resolver::LoopLookup::Start() {
  absl::StatusOr<std::vector<std::string>> candidates =
      internal::SearchCandidates(host_, resolver_->conf_);
  if (!candidates.ok()) return Finish(candidates.status());
  candidates_ = *std::move(candidates);
  RunCandidates();
}

// RunCandidates starts the chains of the next candidates until one has to wait for a server
// (ChainDone goes on from there) or the lookup is finished.
void Resolver::LoopLookup::RunCandidates() {
  while (next_candidate_ < candidates_.size()) {
    const std::string& name = candidates_[next_candidate_++];
    chains_.clear();  // the previous candidate's: finished, or not needed any more
    for (uint16_t type : types_) {
      chains_.push_back(std::make_unique<Chain>(this, name, type));
      // A chain settling the candidate at once (NXDOMAIN, an error) spares the other types.
      if (chains_.back()->Advance() && internal::SearchTally::Settles(chains_.back()->outcome())) {
        break;
      }
    }
    if (!Settled()) return;
    if (Conclude()) return;
  }
  Finish(search_.NotFound());
}

void Resolver::LoopLookup::ChainDone() {
  if (!Settled()) return;
  if (!Conclude()) RunCandidates();
}

// Settled says whether the current candidate's outcome is known: the chains have finished in
// type order up to the last one, or up to one that settles the candidate alone.
bool Resolver::LoopLookup::Settled() const {
  for (const std::unique_ptr<Chain>& chain : chains_) {
    if (!chain->finished()) return false;
    if (internal::SearchTally::Settles(chain->outcome())) return true;
  }
  return true;
}

// Conclude gives the settled candidate's outcomes to the search in type order, as
// Resolver::Search does: true when that finished the lookup.
bool Resolver::LoopLookup::Conclude() {
  for (std::unique_ptr<Chain>& chain : chains_) {
    absl::StatusOr<internal::ChainResult>& outcome = chain->outcome();
    if (!outcome.ok()) {
      Finish(outcome.status());
      return true;
    }
    if (!search_.Add(*std::move(outcome))) break;
  }
  if (std::optional<std::vector<ResourceRecord>> found = search_.EndCandidate()) {
    Finish(AddressesOf(*found, port_));
    return true;
  }
  return false;
}

// Finish takes this lookup out of the in-flight set, destroys it (closing whatever it still
// has open) and calls `done`.
void Resolver::LoopLookup::Finish(absl::StatusOr<std::vector<net::Address>> result) {
  ResolveCallback done = std::move(done_);
  std::unique_ptr<LoopLookup> self;
  {
    LoopLookups& lookups = *resolver_->loop_lookups_;
    absl::MutexLock lock(&lookups.mu);
    auto node = lookups.in_flight.extract(id_);
    if (!node.empty()) self = std::move(node.mapped());
  }
  self.reset();  // this is gone from here on
  done(std::move(result));
}

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
    : exchange_(std::move(config.exchange)),
      conf_(std::move(conf)),
      hosts_(std::move(hosts)),
      cache_([&] {
        DnsCacheOptions options;
        options.max_entries = config.cache_entries;
        options.clock = std::move(config.clock);
        return options;
      }()),
      loop_lookups_(std::make_shared<LoopLookups>(this)) {}

Resolver::~Resolver() {
  absl::flat_hash_map<uint64_t, std::unique_ptr<LoopLookup>> abandoned;
  {
    absl::MutexLock lock(&loop_lookups_->mu);
    loop_lookups_->resolver = nullptr;
    abandoned.swap(loop_lookups_->in_flight);
  }
  // Leaving this scope destroys them: each unwatches and closes its sockets and cancels its
  // timers on its loop, and never calls `done`.
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
  ASSIGN_OR_RETURN(std::vector<ResourceRecord> records,
                   Search(host, TypesFor(family), "address", mode));
  return AddressesOf(records, port);
}

absl::StatusOr<std::vector<ResourceRecord>> Resolver::Search(absl::string_view name,
                                                             absl::Span<const uint16_t> types,
                                                             absl::string_view what, Mode mode) {
  ASSIGN_OR_RETURN(std::vector<std::string> candidates, internal::SearchCandidates(name, conf_));
  internal::SearchTally search(name, what);
  for (const std::string& candidate : candidates) {
    for (uint16_t type : types) {
      ASSIGN_OR_RETURN(internal::ChainResult result, FollowChain(candidate, type, mode));
      if (!search.Add(std::move(result))) break;
    }
    if (std::optional<std::vector<ResourceRecord>> found = search.EndCandidate()) {
      return *std::move(found);
    }
  }
  return search.NotFound();
}

absl::StatusOr<internal::ChainResult> Resolver::FollowChain(const std::string& name,
                                                            uint16_t type, Mode mode) {
  internal::ChainWalk walk(name, type, kMaxCnameHops);
  while (true) {
    ASSIGN_OR_RETURN(CachedAnswer answer, Query(walk.next_name(), type, mode));
    ASSIGN_OR_RETURN(std::optional<internal::ChainResult> end, walk.Take(answer));
    if (end.has_value()) return *std::move(end);
  }
}

absl::StatusOr<CachedAnswer> Resolver::Query(const std::string& name, uint16_t type, Mode mode) {
  if (std::optional<CachedAnswer> hit = Cached(name, type)) return *std::move(hit);
  if (mode == Mode::kCacheOnly) return absl::FailedPreconditionError(kCacheMiss);
  ASSIGN_OR_RETURN(Message reply, AskServers(name, type));
  return Remember(name, type, std::move(reply));
}

absl::StatusOr<Message> Resolver::AskServers(const std::string& name, uint16_t type) {
  ASSIGN_OR_RETURN(std::vector<uint8_t> query, QueryFor(name, type));
  const ExchangeOptions options = Options();
  internal::ServerTally tally;
  for (const net::Address& server : ServerOrder()) {
    absl::StatusOr<ExchangeResult> result =
        exchange_ ? exchange_(server, query, options) : Exchange(server, query, options);
    if (std::optional<Message> reply = tally.Take(server, name, std::move(result))) {
      return *std::move(reply);
    }
  }
  return tally.Failure(name);
}

std::optional<CachedAnswer> Resolver::Cached(const std::string& name, uint16_t type) {
  return cache_.Lookup(Question{name, type, kClassIN});
}

absl::StatusOr<std::vector<uint8_t>> Resolver::QueryFor(const std::string& name,
                                                        uint16_t type) const {
  QueryOptions query_options;
  query_options.edns = conf_.edns0;
  return BuildQuery(name, type, query_options);
}

std::vector<net::Address> Resolver::ServerOrder() {
  std::vector<net::Address> order = conf_.nameservers;
  if (conf_.rotate && order.size() > 1) {
    const size_t first = rotation_.fetch_add(1, std::memory_order_relaxed) % order.size();
    std::rotate(order.begin(), order.begin() + first, order.end());
  }
  return order;
}

ExchangeOptions Resolver::Options() const {
  ExchangeOptions options;
  options.timeout = conf_.timeout;
  options.attempts = conf_.attempts;
  return options;
}

CachedAnswer Resolver::Remember(const std::string& name, uint16_t type, Message reply) {
  cache_.Insert(Question{name, type, kClassIN}, reply);
  return CachedAnswer{reply.header.rcode, std::move(reply.answers)};
}

std::unique_ptr<LoopExchange> Resolver::StartExchange(net::EventLoop* loop,
                                                      const net::Address& server,
                                                      absl::Span<const uint8_t> query,
                                                      LoopExchange::Done done) {
  if (!exchange_) return LoopExchange::Start(loop, server, query, Options(), std::move(done));
  return std::make_unique<InlineExchange>(loop, &exchange_, server, query, Options(),
                                          std::move(done));
}

void Resolver::ResolveHostAsync(net::EventLoop* loop, std::string host, uint16_t port, int family,
                                ResolveCallback done) {
  absl::StatusOr<std::vector<net::Address>> local =
      ResolveHostIn(host, port, family, Mode::kCacheOnly);
  if (!IsCacheMiss(local.status())) {
    loop->Post([done = std::move(done), local = std::move(local)]() mutable {
      done(std::move(local));
    });
    return;
  }
  // The lookup starts on the loop's thread; if the Resolver is gone by then, it never does.
  loop->Post([lookups = loop_lookups_, loop, host = std::move(host), port, family,
              done = std::move(done)]() mutable {
    LoopLookup* lookup = nullptr;
    {
      absl::MutexLock lock(&lookups->mu);
      if (lookups->resolver == nullptr) return;
      const uint64_t id = lookups->next_id++;
      auto owned = std::make_unique<LoopLookup>(lookups->resolver, loop, id, std::move(host),
                                                port, family, std::move(done));
      lookup = owned.get();
      lookups->in_flight.emplace(id, std::move(owned));
    }
    lookup->Start();
  });
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
