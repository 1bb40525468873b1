#include "lib/dns/resolver.h"

#include <sys/socket.h>

#include <cstdlib>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/dns/exchange.h"
#include "lib/dns/message.h"
#include "lib/dns/parser.h"
#include "lib/net/address.h"
#include "lib/net/event_loop.h"
#include "lib/net/socket.h"
#include "testing/matchers.h"
#include "testing/replay_server.h"
#include "testing/subprocess.h"

namespace dns {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

// IsOkAndHolds matches an OK StatusOr whose value matches `matcher`.
MATCHER_P(IsOkAndHolds, matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status: " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, *arg, result_listener);
}

net::Address Addr(const char* ip, uint16_t port) { return net::Address::FromIp(ip, port).value(); }

using AddressesOr = absl::StatusOr<std::vector<net::Address>>;

// RunUntil runs `loop` until `done()` (true) or 10 s have passed (false).
bool RunUntil(net::EventLoop& loop, const std::function<bool()>& done) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!done() && absl::Now() < give_up) {
    if (!loop.RunOnce(absl::Milliseconds(20)).ok()) return false;
  }
  return done();
}

// ResolveOnLoop runs resolver.ResolveHostAsync on `loop` (a fresh one when null) until it
// answers, checking that the answer comes on this thread and not from inside the call.
AddressesOr ResolveOnLoop(Resolver& resolver, const std::string& host, uint16_t port, int family,
                          net::EventLoop* loop = nullptr) {
  std::unique_ptr<net::EventLoop> own;
  if (loop == nullptr) {
    own = net::EventLoop::Create().value();
    loop = own.get();
  }
  const std::thread::id caller = std::this_thread::get_id();
  std::optional<AddressesOr> result;
  resolver.ResolveHostAsync(loop, host, port, family, [&](AddressesOr r) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    result = std::move(r);
  });
  EXPECT_FALSE(result.has_value()) << "done called from inside ResolveHostAsync";
  if (!RunUntil(*loop, [&] { return result.has_value(); })) {
    return absl::UnknownError("test: no answer from the loop");
  }
  return *std::move(result);
}

ResourceRecord ARecord(const std::string& name, uint8_t last, uint32_t ttl = 300) {
  return {name, kA, kClassIN, ttl, A{{192, 0, 2, last}}};
}
ResourceRecord AaaaRecord(const std::string& name, uint8_t last, uint32_t ttl = 300) {
  Aaaa aaaa;
  aaaa.address = {0x20, 0x01, 0x0d, 0xb8};
  aaaa.address[15] = last;
  return {name, kAAAA, kClassIN, ttl, aaaa};
}
ResourceRecord Cname(const std::string& name, const std::string& target, uint32_t ttl = 300) {
  return {name, kCNAME, kClassIN, ttl, NameRdata{target}};
}
ResourceRecord SoaRecord(uint32_t ttl, uint32_t minimum) {
  return {"test.", kSOA, kClassIN, ttl,
          Soa{"ns.test.", "admin.test.", 1, 3600, 600, 86400, minimum}};
}

// Reply is the content of a scripted answer: rcode and sections (header and question are
// filled in from the query).
struct Reply {
  uint16_t rcode = kNoError;
  std::vector<ResourceRecord> answers;
  std::vector<ResourceRecord> authorities = {SoaRecord(3600, 60)};
};

// The fixture's fake ExchangeFn answers from `zone_` (NXDOMAIN with an SOA for anything not in
// it) unless `server_rule_` says otherwise for a server, and records every query as
// "name TYPE @server".
class ResolverTest : public ::testing::Test {
 protected:
  void Add(const std::string& name, uint16_t type, Reply reply) {
    zone_[{absl::AsciiStrToLower(name), type}] = std::move(reply);
  }

  std::string WriteFile(const std::string& suffix, const std::string& text) {
    const std::string path =
        absl::StrCat(std::getenv("TEST_TMPDIR"), "/",
                     ::testing::UnitTest::GetInstance()->current_test_info()->name(), suffix);
    std::ofstream(path) << text;
    return path;
  }

  std::unique_ptr<Resolver> Make(const std::string& resolv_conf, const std::string& hosts = "") {
    ResolverConfig config;
    config.resolv_conf_path = WriteFile(".resolv.conf", resolv_conf);
    config.hosts_path = WriteFile(".hosts", hosts);
    config.clock = [this] { return now_; };
    config.exchange = [this](const net::Address& server, absl::Span<const uint8_t> query,
                             const ExchangeOptions& options) {
      return Exchange(server, query, options);
    };
    return Resolver::Create(std::move(config)).value();
  }

  absl::StatusOr<ExchangeResult> Exchange(const net::Address& server,
                                          absl::Span<const uint8_t> query,
                                          const ExchangeOptions& options) {
    Message q = ParseMessage(query).value();
    const Question& question = q.questions.at(0);
    std::optional<absl::StatusOr<Reply>> rule;
    {
      absl::MutexLock lock(&mu_);
      asked_.push_back(
          absl::StrCat(question.name, " ", TypeToString(question.type), " @", server.ToString()));
      last_options_ = options;
      if (server_rule_) rule = server_rule_(server);
    }
    if (!rule) {
      auto it = zone_.find({absl::AsciiStrToLower(question.name), question.type});
      rule = it != zone_.end() ? it->second : Reply{kNxDomain, {}};
    }
    if (!rule->ok()) return rule->status();
    ExchangeResult result;
    result.message.header = q.header;
    result.message.header.qr = true;
    result.message.header.rcode = (*rule)->rcode;
    result.message.questions = q.questions;
    result.message.answers = (*rule)->answers;
    result.message.authorities = (*rule)->authorities;
    return result;
  }

  std::vector<std::string> TakeAsked() {
    absl::MutexLock lock(&mu_);
    return std::exchange(asked_, {});
  }

  static constexpr char kTwoServers[] = "nameserver 192.0.2.53\nnameserver 192.0.2.54\n";
  const std::string kS1 = " @192.0.2.53:53";
  const std::string kS2 = " @192.0.2.54:53";

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  std::map<std::tuple<std::string, uint16_t>, Reply> zone_;
  absl::Mutex mu_;
  std::vector<std::string> asked_ ABSL_GUARDED_BY(mu_);
  std::optional<ExchangeOptions> last_options_ ABSL_GUARDED_BY(mu_);
  // server_rule_, when set, may override the zone for a server (nullopt: use the zone).
  std::function<std::optional<absl::StatusOr<Reply>>(const net::Address&)> server_rule_
      ABSL_GUARDED_BY(mu_);
};

TEST_F(ResolverTest, ShortNameWalksTheSearchListThenTriesItselfLast) {
  Add("host.b.test.", kA, {kNoError, {ARecord("host.b.test.", 10)}});
  auto resolver = Make(absl::StrCat(kTwoServers, "search a.test b.test\n"));
  EXPECT_THAT(resolver->ResolveHost("host", 80, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 80))));
  EXPECT_THAT(TakeAsked(), ElementsAre("host.a.test. A" + kS1, "host.b.test. A" + kS1));

  EXPECT_THAT(resolver->ResolveHost("nope", 80, AF_INET),
              StatusIs(absl::StatusCode::kNotFound, "dns: nope: NXDOMAIN"));
  EXPECT_THAT(TakeAsked(),
              ElementsAre("nope.a.test. A" + kS1, "nope.b.test. A" + kS1, "nope. A" + kS1));
}

TEST_F(ResolverTest, NameWithNdotsDotsIsTriedAsIsFirst) {
  Add("www.example.", kA, {kNoError, {ARecord("www.example.", 1)}});
  Add("www.example.a.test.", kA, {kNoError, {ARecord("www.example.a.test.", 2)}});
  auto resolver = Make(absl::StrCat(kTwoServers, "search a.test\n"));
  EXPECT_THAT(resolver->ResolveHost("www.example", 1, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.1", 1))));
  EXPECT_THAT(TakeAsked(), ElementsAre("www.example. A" + kS1));

  auto ndots2 = Make(absl::StrCat(kTwoServers, "search a.test\noptions ndots:2\n"));
  EXPECT_THAT(ndots2->ResolveHost("www.example", 1, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.2", 1))));
  EXPECT_THAT(TakeAsked(), ElementsAre("www.example.a.test. A" + kS1));
}

TEST_F(ResolverTest, TrailingDotMeansNoSearch) {
  auto resolver = Make(absl::StrCat(kTwoServers, "search a.test b.test\n"));
  EXPECT_THAT(resolver->ResolveHost("host.", 80, AF_INET),
              StatusIs(absl::StatusCode::kNotFound, "dns: host.: NXDOMAIN"));
  EXPECT_THAT(TakeAsked(), ElementsAre("host. A" + kS1));
}

TEST_F(ResolverTest, NxdomainMovesOnToTheNextSearchDomain) {
  Add("db.b.test.", kA, {kNoError, {ARecord("db.b.test.", 7)}});
  auto resolver = Make(absl::StrCat(kTwoServers, "search a.test b.test\n"));
  ASSERT_OK_AND_ASSIGN(auto addrs, resolver->ResolveHost("db", 5432, AF_UNSPEC));
  EXPECT_THAT(addrs, ElementsAre(Addr("192.0.2.7", 5432)));
  // NXDOMAIN for the A query skips the AAAA query of the same name; db.b.test has no AAAA.
  EXPECT_THAT(TakeAsked(),
              ElementsAre("db.a.test. A" + kS1, "db.b.test. A" + kS1, "db.b.test. AAAA" + kS1));
}

TEST_F(ResolverTest, HostsFileWinsOverDns) {
  Add("db.", kA, {kNoError, {ARecord("db.", 1)}});
  Add("db.", kAAAA, {kNoError, {}});
  auto resolver = Make(kTwoServers, "192.0.2.77 db db.a.test\n2001:db8::77 v6only\n");
  EXPECT_THAT(resolver->ResolveHost("DB", 80, AF_UNSPEC),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.77", 80))));
  EXPECT_THAT(TakeAsked(), IsEmpty());
  // A hosts entry of another family does not stop the DNS lookup.
  EXPECT_THAT(resolver->ResolveHost("db", 80, AF_INET6),
              StatusIs(absl::StatusCode::kNotFound, "dns: db: no address"));
  EXPECT_THAT(TakeAsked(), ElementsAre("db. AAAA" + kS1));
}

TEST_F(ResolverTest, LiteralsSkipHostsAndDns) {
  auto resolver = Make(kTwoServers, "10.9.9.9 127.0.0.1\n");
  EXPECT_THAT(resolver->ResolveHost("127.0.0.1", 7, AF_UNSPEC),
              IsOkAndHolds(ElementsAre(Addr("127.0.0.1", 7))));
  EXPECT_THAT(resolver->ResolveHost("::1", 7, AF_INET6), IsOkAndHolds(ElementsAre(Addr("::1", 7))));
  EXPECT_THAT(resolver->ResolveHost("[2001:db8::1]", 7, AF_UNSPEC),
              IsOkAndHolds(ElementsAre(Addr("2001:db8::1", 7))));
  EXPECT_THAT(resolver->ResolveHost("::1", 7, AF_INET),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("another family")));
  EXPECT_THAT(TakeAsked(), IsEmpty());
}

TEST_F(ResolverTest, FollowsATwoStepCnameChainInOneAnswer) {
  Add("www.test.", kA,
      {kNoError,
       {Cname("www.test.", "web.test."), Cname("web.test.", "host.test."),
        ARecord("host.test.", 10)}});
  auto resolver = Make(kTwoServers);
  EXPECT_THAT(resolver->ResolveHost("www.test", 443, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 443))));
  EXPECT_THAT(TakeAsked(), ElementsAre("www.test. A" + kS1));
}

TEST_F(ResolverTest, RequeriesTheTargetWhenTheChainStopsShort) {
  Add("alias.test.", kA, {kNoError, {Cname("alias.test.", "Other.Zone.")}});
  Add("other.zone.", kA, {kNoError, {ARecord("other.zone.", 42)}});
  auto resolver = Make(kTwoServers);
  EXPECT_THAT(resolver->ResolveHost("alias.test", 1, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.42", 1))));
  EXPECT_THAT(TakeAsked(), ElementsAre("alias.test. A" + kS1, "Other.Zone. A" + kS1));
}

TEST_F(ResolverTest, CnameLoopIsAnError) {
  Add("a.test.", kA, {kNoError, {Cname("a.test.", "b.test.")}});
  Add("b.test.", kA, {kNoError, {Cname("b.test.", "A.TEST.")}});
  auto resolver = Make(kTwoServers);
  EXPECT_THAT(resolver->ResolveHost("a.test", 1, AF_INET),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("CNAME loop")));
  EXPECT_THAT(TakeAsked(), ElementsAre("a.test. A" + kS1, "b.test. A" + kS1));
}

TEST_F(ResolverTest, OverlongCnameChainIsAnError) {
  for (int i = 0; i < 10; ++i) {
    Add(absl::StrCat("c", i, ".test."), kA,
        {kNoError, {Cname(absl::StrCat("c", i, ".test."), absl::StrCat("c", i + 1, ".test."))}});
  }
  auto resolver = Make(kTwoServers);
  EXPECT_THAT(resolver->ResolveHost("c0.test", 1, AF_INET),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("longer than 8")));
  EXPECT_EQ(TakeAsked().size(), 9u);
}

TEST_F(ResolverTest, ServfailAndRefusedMoveOnToTheNextServer) {
  Add("host.test.", kA, {kNoError, {ARecord("host.test.", 10)}});
  server_rule_ = [](const net::Address& server) -> std::optional<absl::StatusOr<Reply>> {
    if (server.IpString() == "192.0.2.53") return Reply{kServFail, {}, {}};
    return std::nullopt;
  };
  auto resolver = Make(kTwoServers);
  EXPECT_THAT(resolver->ResolveHost("host.test", 1, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 1))));
  EXPECT_THAT(TakeAsked(), ElementsAre("host.test. A" + kS1, "host.test. A" + kS2));

  server_rule_ = [](const net::Address&) -> std::optional<absl::StatusOr<Reply>> {
    return Reply{kRefused, {}, {}};
  };
  EXPECT_THAT(resolver->ResolveHost("other.test", 1, AF_INET),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("REFUSED")));
  EXPECT_THAT(TakeAsked(), ElementsAre("other.test. A" + kS1, "other.test. A" + kS2));
}

TEST_F(ResolverTest, AllServersTimingOutIsDeadlineExceeded) {
  server_rule_ = [](const net::Address&) -> std::optional<absl::StatusOr<Reply>> {
    return absl::DeadlineExceededError("no reply");
  };
  auto resolver = Make(absl::StrCat(kTwoServers, "search a.test\noptions timeout:3 attempts:4\n"));
  EXPECT_THAT(resolver->ResolveHost("host", 1, AF_UNSPEC),
              StatusIs(absl::StatusCode::kDeadlineExceeded, "dns: no servers could be reached"));
  // The search stops at the first name: every other one would time out the same way.
  EXPECT_THAT(TakeAsked(), ElementsAre("host.a.test. A" + kS1, "host.a.test. A" + kS2));
  absl::MutexLock lock(&mu_);
  ASSERT_TRUE(last_options_.has_value());
  EXPECT_EQ(last_options_->timeout, absl::Seconds(3));
  EXPECT_EQ(last_options_->attempts, 4);
}

TEST_F(ResolverTest, RefusedConnectionsAreUnavailable) {
  server_rule_ = [](const net::Address& server) -> std::optional<absl::StatusOr<Reply>> {
    if (server.IpString() == "192.0.2.53") return absl::DeadlineExceededError("no reply");
    return absl::UnavailableError("connection refused");
  };
  auto resolver = Make(kTwoServers);
  EXPECT_THAT(resolver->ResolveHost("host.test", 1, AF_INET),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connection refused")));
}

TEST_F(ResolverTest, CacheHitMakesNoExchangeUntilTheTtlRunsOut) {
  Add("host.test.", kA, {kNoError, {ARecord("host.test.", 10, 60)}});
  Add("host.test.", kAAAA, {kNoError, {AaaaRecord("host.test.", 10, 120)}});
  auto resolver = Make(kTwoServers);
  ASSERT_OK_AND_ASSIGN(auto first, resolver->ResolveHost("host.test", 1, AF_UNSPEC));
  EXPECT_EQ(TakeAsked().size(), 2u);
  now_ += absl::Seconds(59);
  EXPECT_THAT(resolver->ResolveHost("HOST.test", 1, AF_UNSPEC), IsOkAndHolds(first));
  EXPECT_THAT(TakeAsked(), IsEmpty());
  now_ += absl::Seconds(1);
  EXPECT_THAT(resolver->ResolveHost("host.test", 1, AF_UNSPEC), IsOkAndHolds(first));
  EXPECT_THAT(TakeAsked(), ElementsAre("host.test. A" + kS1));
}

TEST_F(ResolverTest, NegativeAnswersAreCachedForTheSoaMinimum) {
  Add("nx.test.", kA, {kNxDomain, {}, {SoaRecord(3600, 30)}});
  auto resolver = Make(kTwoServers);
  EXPECT_THAT(resolver->ResolveHost("nx.test", 1, AF_INET),
              StatusIs(absl::StatusCode::kNotFound, "dns: nx.test: NXDOMAIN"));
  EXPECT_EQ(TakeAsked().size(), 1u);
  now_ += absl::Seconds(29);
  EXPECT_THAT(resolver->ResolveHost("nx.test", 1, AF_INET),
              StatusIs(absl::StatusCode::kNotFound, "dns: nx.test: NXDOMAIN"));
  EXPECT_THAT(TakeAsked(), IsEmpty());
  now_ += absl::Seconds(1);
  EXPECT_THAT(resolver->ResolveHost("nx.test", 1, AF_INET), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(TakeAsked(), ElementsAre("nx.test. A" + kS1));
}

TEST_F(ResolverTest, FamilySelectsTheQueriesAndTheAddresses) {
  Add("host.test.", kA, {kNoError, {ARecord("host.test.", 10)}});
  Add("host.test.", kAAAA, {kNoError, {AaaaRecord("host.test.", 10)}});
  Add("v6.test.", kAAAA, {kNoError, {AaaaRecord("v6.test.", 6)}});
  Add("v6.test.", kA, {kNoError, {}});
  auto resolver = Make(kTwoServers);
  EXPECT_THAT(resolver->ResolveHost("host.test", 80, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 80))));
  EXPECT_THAT(TakeAsked(), ElementsAre("host.test. A" + kS1));
  EXPECT_THAT(resolver->ResolveHost("host.test", 80, AF_INET6),
              IsOkAndHolds(ElementsAre(Addr("2001:db8::a", 80))));
  EXPECT_THAT(TakeAsked(), ElementsAre("host.test. AAAA" + kS1));
  EXPECT_THAT(resolver->ResolveHost("host.test", 80, AF_UNSPEC),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 80), Addr("2001:db8::a", 80))));
  EXPECT_THAT(resolver->ResolveHost("v6.test", 80, AF_UNSPEC),
              IsOkAndHolds(ElementsAre(Addr("2001:db8::6", 80))));
  EXPECT_THAT(resolver->ResolveHost("v6.test", 80, AF_INET),
              StatusIs(absl::StatusCode::kNotFound, "dns: v6.test: no address"));
  EXPECT_THAT(resolver->ResolveHost("v6.test", 80, AF_UNIX),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ResolverTest, LookupReturnsRecordsOfTheTypeAfterCnames) {
  const ResourceRecord mx{"mail.test.", kMX, kClassIN, 300, Mx{10, "mx.test."}};
  const ResourceRecord cname = Cname("alias.test.", "mail.test.");
  Add("alias.test.", kMX, {kNoError, {cname, mx}});
  Add("alias.test.", kCNAME, {kNoError, {cname}});
  Add("alias.test.", kTXT, {kNoError, {cname}});
  Add("mail.test.", kTXT, {kNoError, {}});
  auto resolver = Make(kTwoServers);
  EXPECT_THAT(resolver->Lookup("alias.test", kMX), IsOkAndHolds(ElementsAre(mx)));
  EXPECT_THAT(resolver->Lookup("alias.test", kCNAME), IsOkAndHolds(ElementsAre(cname)));
  EXPECT_THAT(resolver->Lookup("alias.test", kTXT),
              StatusIs(absl::StatusCode::kNotFound, "dns: alias.test: no TXT record"));
}

TEST_F(ResolverTest, AsyncDeliversOnTheLoopThread) {
  Add("host.test.", kA, {kNoError, {ARecord("host.test.", 10)}});
  auto resolver = Make(kTwoServers);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::vector<absl::StatusOr<std::vector<net::Address>>> results;
  auto done = [&](absl::StatusOr<std::vector<net::Address>> r) {
    EXPECT_EQ(std::this_thread::get_id(), loop_thread);
    results.push_back(std::move(r));
    if (results.size() == 4) loop->Stop();
  };
  auto run_until = [&](size_t n) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (results.size() < n && absl::Now() < give_up) {
      ASSERT_THAT(loop->RunOnce(absl::Milliseconds(100)), IsOk());
    }
  };
  resolver->ResolveHostAsync(loop.get(), "host.test", 80, AF_INET, done);  // on the loop
  resolver->ResolveHostAsync(loop.get(), "127.0.0.1", 81, AF_INET, done);  // posted at once
  resolver->ResolveHostAsync(loop.get(), "nx.test", 82, AF_INET, done);    // looked up on the loop
  EXPECT_THAT(results, IsEmpty());  // never called from inside ResolveHostAsync
  run_until(3);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_THAT(TakeAsked(),
              ::testing::UnorderedElementsAre("host.test. A" + kS1, "nx.test. A" + kS1));
  // Now a cache hit: answered without an exchange, still through the loop.
  resolver->ResolveHostAsync(loop.get(), "host.test", 83, AF_INET, done);
  EXPECT_EQ(results.size(), 3u);
  run_until(4);
  EXPECT_THAT(TakeAsked(), IsEmpty());
  EXPECT_THAT(results,
              ::testing::UnorderedElementsAre(IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 80))),
                                              IsOkAndHolds(ElementsAre(Addr("127.0.0.1", 81))),
                                              StatusIs(absl::StatusCode::kNotFound),
                                              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 83)))));
}

// The loop form follows the blocking form's rules: each name gives the same answer or error
// from both (each with a cache of its own).
TEST_F(ResolverTest, AsyncGivesWhatResolveHostGives) {
  Add("host.b.test.", kA, {kNoError, {ARecord("host.b.test.", 10)}});
  Add("host.b.test.", kAAAA, {kNoError, {AaaaRecord("host.b.test.", 10)}});
  Add("www.test.", kA,
      {kNoError,
       {Cname("www.test.", "web.test."), Cname("web.test.", "host.test."),
        ARecord("host.test.", 10)}});
  Add("alias.test.", kA, {kNoError, {Cname("alias.test.", "Other.Zone.")}});
  Add("alias.test.", kAAAA, {kNoError, {Cname("alias.test.", "Other.Zone.")}});
  Add("other.zone.", kA, {kNoError, {ARecord("other.zone.", 42)}});
  Add("other.zone.", kAAAA, {kNoError, {}});
  Add("loop1.test.", kA, {kNoError, {Cname("loop1.test.", "loop2.test.")}});
  Add("loop2.test.", kA, {kNoError, {Cname("loop2.test.", "LOOP1.test.")}});
  Add("v4.test.", kA, {kNoError, {ARecord("v4.test.", 4)}});
  Add("v4.test.", kAAAA, {kNoError, {}});
  Add("empty.test.", kA, {kNoError, {}});
  Add("empty.test.", kAAAA, {kNoError, {}});
  server_rule_ = [](const net::Address& server) -> std::optional<absl::StatusOr<Reply>> {
    if (server.IpString() == "192.0.2.53") return Reply{kServFail, {}, {}};
    return std::nullopt;
  };
  const std::string conf = absl::StrCat(kTwoServers, "search a.test b.test\n");
  auto blocking = Make(conf);
  auto async = Make(conf);
  for (const char* host : {"host", "www.test", "alias.test", "loop1.test", "v4.test",
                           "empty.test", "nope", "nope.", "", "bad..name"}) {
    for (int family : {AF_UNSPEC, AF_INET, AF_INET6}) {
      AddressesOr want = blocking->ResolveHost(host, 80, family);
      EXPECT_EQ(ResolveOnLoop(*async, host, 80, family), want) << host << " " << family;
    }
  }
  // Everything both asked is cached now: no exchange either way.
  TakeAsked();
  EXPECT_THAT(ResolveOnLoop(*async, "www.test", 80, AF_INET), IsOk());
  EXPECT_THAT(TakeAsked(), IsEmpty());
}

TEST_F(ResolverTest, AsyncNxdomainSkipsTheOtherTypeAndMovesOn) {
  Add("db.b.test.", kA, {kNoError, {ARecord("db.b.test.", 7)}});
  auto resolver = Make(absl::StrCat(kTwoServers, "search a.test b.test\n"));
  EXPECT_THAT(ResolveOnLoop(*resolver, "db", 5432, AF_UNSPEC),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.7", 5432))));
  // The A and AAAA chains start together, but the fake answers from loop timers in turn: the
  // NXDOMAIN for db.a.test's A settles that name, and its AAAA exchange is dropped unasked.
  EXPECT_THAT(TakeAsked(),
              ElementsAre("db.a.test. A" + kS1, "db.b.test. A" + kS1, "db.b.test. AAAA" + kS1));
  // With db.a.test's NXDOMAIN for A in the cache, its AAAA is not asked at all.
  auto fresh = Make(absl::StrCat(kTwoServers, "search a.test b.test\n"));
  EXPECT_THAT(fresh->ResolveHost("db.a.test.", 1, AF_INET), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(TakeAsked(), ElementsAre("db.a.test. A" + kS1));
  EXPECT_THAT(ResolveOnLoop(*fresh, "db", 1, AF_UNSPEC),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.7", 1))));
  EXPECT_THAT(TakeAsked(), ElementsAre("db.b.test. A" + kS1, "db.b.test. AAAA" + kS1));
}

TEST_F(ResolverTest, RotateStartsEachQueryAtTheNextServer) {
  Add("a.test.", kA, {kNoError, {ARecord("a.test.", 1, 0)}});  // TTL 0: never cached
  const std::string three = "nameserver 192.0.2.53\nnameserver 192.0.2.54\nnameserver 192.0.2.55\n";
  const std::string kS3 = " @192.0.2.55:53";
  auto rotating = Make(three + "options rotate\n");
  for (int i = 0; i < 2; ++i) ASSERT_THAT(rotating->ResolveHost("a.test", 1, AF_INET), IsOk());
  ASSERT_THAT(ResolveOnLoop(*rotating, "a.test", 1, AF_INET), IsOk());
  ASSERT_THAT(rotating->ResolveHost("a.test", 1, AF_INET), IsOk());
  EXPECT_THAT(TakeAsked(), ElementsAre("a.test. A" + kS1, "a.test. A" + kS2, "a.test. A" + kS3,
                                       "a.test. A" + kS1));
  // A failing server passes the query on to the next in the rotated order.
  server_rule_ = [](const net::Address& server) -> std::optional<absl::StatusOr<Reply>> {
    if (server.IpString() == "192.0.2.54") return Reply{kRefused, {}, {}};
    return std::nullopt;
  };
  ASSERT_THAT(rotating->ResolveHost("a.test", 1, AF_INET), IsOk());
  EXPECT_THAT(TakeAsked(), ElementsAre("a.test. A" + kS2, "a.test. A" + kS3));
  server_rule_ = nullptr;

  auto in_order = Make(three);
  for (int i = 0; i < 2; ++i) ASSERT_THAT(in_order->ResolveHost("a.test", 1, AF_INET), IsOk());
  EXPECT_THAT(TakeAsked(), ElementsAre("a.test. A" + kS1, "a.test. A" + kS1));
}

TEST_F(ResolverTest, MissingFilesGiveDefaults) {
  ResolverConfig config;
  config.hosts_path = WriteFile(".none", "") + ".missing";
  config.resolv_conf_path = config.hosts_path;
  config.exchange = [](const net::Address&, absl::Span<const uint8_t>,
                       const ExchangeOptions&) -> absl::StatusOr<ExchangeResult> {
    return absl::UnavailableError("unused");
  };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Resolver> resolver, Resolver::Create(std::move(config)));
  EXPECT_THAT(resolver->resolv_conf().nameservers, ElementsAre(Addr("127.0.0.1", 53)));
  EXPECT_EQ(resolver->hosts().size(), 0u);
}

// End to end over loopback UDP: the default exchange against recorded nsd replies.
class ResolverLoopbackTest : public ::testing::Test {
 protected:
  static std::optional<std::string> Respond(const std::string& query) {
    absl::StatusOr<Question> q = ParseFirstQuestion(
        absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(query.data()), query.size()));
    if (!q.ok()) return std::nullopt;
    static const std::map<std::pair<std::string, uint16_t>, std::string> kFixtures = {
        {{"host.example.test.", kA}, "a_host.bin"},
        {{"host.example.test.", kAAAA}, "aaaa_host.bin"},
        {{"www.example.test.", kA}, "cname_www.bin"},
        {{"www.example.test.", kAAAA}, "cname_www_aaaa.bin"},
        {{"nx.example.test.", kA}, "nxdomain.bin"},
        {{"v6only.example.test.", kA}, "nodata_v6only_a.bin"},
        {{"big.example.test.", kA}, "big_udp_noedns.bin"},
    };
    auto it = kFixtures.find({absl::AsciiStrToLower(q->name), q->type});
    if (it == kFixtures.end()) return std::nullopt;
    absl::StatusOr<std::string> bytes = testing_util::ReadFile("testdata/dns/" + it->second);
    if (!bytes.ok()) return std::nullopt;
    return *bytes;
  }

  // Make builds a resolver asking only `server`; `resolv_conf` text, if any, sets options.
  std::unique_ptr<Resolver> Make(const net::Address& server, const std::string& resolv_conf = "") {
    return Make(std::vector<net::Address>{server}, resolv_conf);
  }
  std::unique_ptr<Resolver> Make(std::vector<net::Address> servers,
                                 const std::string& resolv_conf = "") {
    ResolverConfig config;
    config.hosts_path = "";
    config.resolv_conf_path = "";
    if (!resolv_conf.empty()) {
      config.resolv_conf_path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/loopback.resolv.conf");
      std::ofstream(config.resolv_conf_path) << resolv_conf;
    }
    config.nameservers = std::move(servers);
    return Resolver::Create(std::move(config)).value();
  }

  // Serve starts a UDP server answering from the recorded replies.
  static std::unique_ptr<testing_util::UdpReplayServer> Serve(
      testing_util::UdpMode mode = testing_util::UdpMode::kReply, uint16_t port = 0) {
    testing_util::UdpReplayOptions options;
    options.mode = mode;
    options.port = port;
    return testing_util::UdpReplayServer::Start(Respond, options).value();
  }
};

TEST_F(ResolverLoopbackTest, ResolvesRecordedAnswers) {
  testing_util::UdpReplayOptions options;
  options.patch_dns_id = true;
  ASSERT_OK_AND_ASSIGN(auto server, testing_util::UdpReplayServer::Start(Respond, options));
  auto resolver = Make(server->address());
  EXPECT_THAT(resolver->ResolveHost("host.example.test", 80, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 80))));
  EXPECT_THAT(resolver->ResolveHost("www.example.test.", 443, AF_UNSPEC),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 443), Addr("2001:db8::10", 443))));
  EXPECT_THAT(resolver->ResolveHost("nx.example.test", 1, AF_INET),
              StatusIs(absl::StatusCode::kNotFound, "dns: nx.example.test: NXDOMAIN"));
  EXPECT_EQ(server->queries().size(), 4u);
  // Everything above is cached now.
  EXPECT_THAT(resolver->ResolveHost("WWW.example.test", 443, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 443))));
  EXPECT_EQ(server->queries().size(), 4u);
}

TEST_F(ResolverLoopbackTest, SilentOrSpoofingServerTimesOut) {
  for (testing_util::UdpMode mode :
       {testing_util::UdpMode::kSilent, testing_util::UdpMode::kWrongId,
        testing_util::UdpMode::kFromOtherPort}) {
    testing_util::UdpReplayOptions options;
    options.mode = mode;
    ASSERT_OK_AND_ASSIGN(auto server, testing_util::UdpReplayServer::Start(Respond, options));
    auto resolver = Make(server->address(), "options timeout:1 attempts:1\n");
    EXPECT_THAT(resolver->ResolveHost("host.example.test", 80, AF_INET),
                StatusIs(absl::StatusCode::kDeadlineExceeded, "dns: no servers could be reached"))
        << static_cast<int>(mode);
    EXPECT_EQ(server->queries().size(), 1u);
  }
}

TEST_F(ResolverLoopbackTest, ClosedPortIsUnavailable) {
  net::ListenOptions udp;
  udp.type = SOCK_DGRAM;
  ASSERT_OK_AND_ASSIGN(net::Socket sock, net::Listen(net::Address::Loopback(AF_INET, 0), udp));
  ASSERT_OK_AND_ASSIGN(net::Address closed, sock.LocalAddress());
  sock.Close();  // ICMP port unreachable from now on
  auto resolver = Make(closed, "options timeout:5 attempts:1\n");
  const absl::Time start = absl::Now();
  EXPECT_THAT(resolver->ResolveHost("host.example.test", 80, AF_INET),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("refused")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

// The loop form end to end: its own sockets on the loop, against recorded nsd replies.
TEST_F(ResolverLoopbackTest, AsyncResolvesOnTheLoop) {
  auto server = Serve();
  auto resolver = Make(server->address());
  const auto expect_all = [&] {
    EXPECT_THAT(ResolveOnLoop(*resolver, "host.example.test", 80, AF_INET),
                IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 80))));
    // A two-step CNAME chain (www -> web -> host), A and AAAA at once.
    EXPECT_THAT(ResolveOnLoop(*resolver, "www.example.test.", 443, AF_UNSPEC),
                IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 443), Addr("2001:db8::10", 443))));
    EXPECT_THAT(ResolveOnLoop(*resolver, "nx.example.test", 1, AF_INET),
                StatusIs(absl::StatusCode::kNotFound, "dns: nx.example.test: NXDOMAIN"));
    EXPECT_THAT(ResolveOnLoop(*resolver, "v6only.example.test", 1, AF_INET),
                StatusIs(absl::StatusCode::kNotFound, "dns: v6only.example.test: no address"));
  };
  expect_all();
  EXPECT_EQ(server->queries().size(), 5u);
  // The answers, negative ones included, are in the shared cache: no traffic now, and the
  // blocking form finds them too.
  expect_all();
  EXPECT_THAT(resolver->ResolveHost("www.example.test", 8080, AF_INET6),
              IsOkAndHolds(ElementsAre(Addr("2001:db8::10", 8080))));
  EXPECT_EQ(server->queries().size(), 5u);
}

TEST_F(ResolverLoopbackTest, AsyncFindsWhatTheBlockingFormCached) {
  auto server = Serve();
  auto resolver = Make(server->address());
  ASSERT_THAT(resolver->ResolveHost("host.example.test", 80, AF_INET), IsOk());
  EXPECT_THAT(ResolveOnLoop(*resolver, "host.example.test", 81, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 81))));
  EXPECT_EQ(server->queries().size(), 1u);
}

TEST_F(ResolverLoopbackTest, AsyncTimeoutMovesOnToTheNextServer) {
  auto silent = Serve(testing_util::UdpMode::kSilent);
  auto answering = Serve();
  auto resolver =
      Make({silent->address(), answering->address()}, "options timeout:1 attempts:2\n");
  const absl::Time start = absl::Now();
  EXPECT_THAT(ResolveOnLoop(*resolver, "host.example.test", 80, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 80))));
  EXPECT_GE(absl::Now() - start, absl::Seconds(2));  // both attempts of 1 s at the first
  EXPECT_EQ(silent->queries().size(), 2u);
  EXPECT_EQ(answering->queries().size(), 1u);
  // The two attempts repeat the same query (same ID) from the same socket.
  EXPECT_EQ(silent->queries()[0], silent->queries()[1]);
}

TEST_F(ResolverLoopbackTest, AsyncIgnoresRepliesWithTheWrongIdOrFromTheWrongPort) {
  for (testing_util::UdpMode mode :
       {testing_util::UdpMode::kWrongId, testing_util::UdpMode::kFromOtherPort}) {
    auto server = Serve(mode);
    auto resolver = Make(server->address(), "options timeout:1 attempts:1\n");
    EXPECT_THAT(ResolveOnLoop(*resolver, "host.example.test", 80, AF_INET),
                StatusIs(absl::StatusCode::kDeadlineExceeded, "dns: no servers could be reached"))
        << static_cast<int>(mode);
    EXPECT_EQ(server->queries().size(), 1u);
  }
}

TEST_F(ResolverLoopbackTest, AsyncDropsHostileDatagramsAndKeepsWaiting) {
  auto server = Serve(testing_util::UdpMode::kHostileFirst);
  auto resolver = Make(server->address(), "options timeout:5 attempts:1\n");
  EXPECT_THAT(ResolveOnLoop(*resolver, "host.example.test", 80, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 80))));
  EXPECT_THAT(resolver->ResolveHost("www.example.test", 80, AF_INET),
              IsOkAndHolds(ElementsAre(Addr("192.0.2.10", 80))));
  EXPECT_EQ(server->queries().size(), 2u);
}

TEST_F(ResolverLoopbackTest, AsyncRetriesTruncatedRepliesOverTcp) {
  testing_util::TcpReplayOptions tcp_options;
  tcp_options.framing = testing_util::Framing::kDnsLength;
  const std::string full = *testing_util::ReadFile("testdata/dns/big_tcp.bin");
  ASSERT_OK_AND_ASSIGN(
      auto tcp, testing_util::TcpReplayServer::StartWithResponder(
                    [full](const std::string& request, size_t) -> std::optional<std::string> {
                      std::string reply = full;
                      reply[0] = request[2];  // the query's ID, after the length prefix
                      reply[1] = request[3];
                      return std::string{static_cast<char>(reply.size() >> 8),
                                         static_cast<char>(reply.size() & 0xff)} +
                             reply;
                    },
                    tcp_options));
  auto udp = Serve(testing_util::UdpMode::kReply, tcp->port());  // answers TC=1
  auto resolver = Make(udp->address());
  ASSERT_OK_AND_ASSIGN(std::vector<net::Address> addrs,
                       ResolveOnLoop(*resolver, "big.example.test", 53, AF_INET));
  EXPECT_EQ(addrs.size(), 40u);
  EXPECT_EQ(udp->queries().size(), 1u);
  ASSERT_EQ(tcp->requests().size(), 1u);
  EXPECT_EQ(tcp->requests()[0].substr(2), udp->queries()[0]);  // the same query, framed
}

TEST_F(ResolverLoopbackTest, AsyncClosedPortIsUnavailable) {
  net::ListenOptions udp;
  udp.type = SOCK_DGRAM;
  ASSERT_OK_AND_ASSIGN(net::Socket sock, net::Listen(net::Address::Loopback(AF_INET, 0), udp));
  ASSERT_OK_AND_ASSIGN(net::Address closed, sock.LocalAddress());
  sock.Close();
  auto resolver = Make(closed, "options timeout:5 attempts:1\n");
  const absl::Time start = absl::Now();
  EXPECT_THAT(ResolveOnLoop(*resolver, "host.example.test", 80, AF_INET),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("refused")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

TEST_F(ResolverLoopbackTest, AsyncServesLoopsOnSeveralThreadsAtOnce) {
  auto server = Serve();
  auto resolver = Make(server->address());
  const std::string names[] = {"host.example.test", "www.example.test", "nx.example.test",
                               "host.example.test"};
  std::vector<AddressesOr> results(4, absl::UnknownError("not run"));
  absl::Barrier* start = new absl::Barrier(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      std::unique_ptr<net::EventLoop> loop = net::EventLoop::Create().value();
      if (start->Block()) delete start;
      results[i] = ResolveOnLoop(*resolver, names[i], 80, AF_UNSPEC, loop.get());
    });
  }
  for (std::thread& t : threads) t.join();
  const auto host = ElementsAre(Addr("192.0.2.10", 80), Addr("2001:db8::10", 80));
  EXPECT_THAT(results[0], IsOkAndHolds(host));
  EXPECT_THAT(results[1], IsOkAndHolds(host));
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(results[3], IsOkAndHolds(host));
}

TEST_F(ResolverLoopbackTest, AsyncLookupsInFlightAreAbandonedWithTheResolver) {
  auto server = Serve(testing_util::UdpMode::kSilent);
  auto resolver = Make(server->address(), "options timeout:1 attempts:2\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  const int fds_before = testing_util::OpenFdCount();
  int called = 0;
  resolver->ResolveHostAsync(loop.get(), "host.example.test", 80, AF_UNSPEC,
                             [&](AddressesOr) { ++called; });
  resolver->ResolveHostAsync(loop.get(), "www.example.test", 80, AF_INET,
                             [&](AddressesOr) { ++called; });
  // A and AAAA for the first name at once, and A for the second: three queries in flight.
  ASSERT_TRUE(RunUntil(*loop, [&] { return server->queries().size() >= 3; }));
  EXPECT_EQ(testing_util::OpenFdCount(), fds_before + 3);  // one socket each
  resolver.reset();  // the loop is not running: abandons all three
  EXPECT_EQ(testing_util::OpenFdCount(), fds_before);
  // Past the first attempts' timeout: a timer left behind would send a retry (or crash).
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(1200)), IsOk());
  EXPECT_EQ(called, 0);
  EXPECT_EQ(server->queries().size(), 3u);
}

TEST_F(ResolverLoopbackTest, AsyncLookupNotStartedYetIsAbandonedToo) {
  auto server = Serve();
  auto resolver = Make(server->address());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  bool called = false;
  resolver->ResolveHostAsync(loop.get(), "host.example.test", 80, AF_INET,
                             [&](AddressesOr) { called = true; });
  resolver.reset();  // before the loop ran the lookup's start
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(100)), IsOk());
  EXPECT_FALSE(called);
  EXPECT_TRUE(server->queries().empty());
}

TEST_F(ResolverLoopbackTest, AsyncDoneMayDestroyTheResolver) {
  auto server = Serve(testing_util::UdpMode::kSilent);
  auto resolver = Make(server->address(), "options timeout:1 attempts:1\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  int called = 0;
  resolver->ResolveHostAsync(loop.get(), "host.example.test", 80, AF_INET, [&](AddressesOr r) {
    ++called;
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kDeadlineExceeded));
    resolver.reset();  // abandons the other lookup, from the loop's own thread
  });
  resolver->ResolveHostAsync(loop.get(), "www.example.test", 80, AF_INET,
                             [&](AddressesOr) { ++called; });
  ASSERT_TRUE(RunUntil(*loop, [&] { return called > 0; }));
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(100)), IsOk());
  EXPECT_EQ(called, 1);
  EXPECT_EQ(resolver, nullptr);
}

}  // namespace
}  // namespace dns
