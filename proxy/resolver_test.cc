#include "proxy/resolver.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/base/status_macros.h"
#include "lib/dns/message.h"
#include "lib/dns/parser.h"
#include "lib/dns/resolver.h"
#include "lib/dns/transport.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/net/address.h"
#include "lib/net/event_loop.h"
#include "testing/matchers.h"

namespace proxy {
namespace {

// ResolveOnLoop runs the loop until `r` answers.
absl::StatusOr<std::vector<net::Address>> ResolveOnLoop(net::EventLoop* loop, Resolver* r,
                                                        const std::string& host) {
  absl::StatusOr<std::vector<net::Address>> result = absl::UnknownError("no answer");
  bool done = false;
  r->Resolve(host, 80, [&](absl::StatusOr<std::vector<net::Address>> a) {
    result = std::move(a);
    done = true;
  });
  for (int i = 0; i < 100 && !done; ++i) loop->RunOnce(absl::Milliseconds(50)).IgnoreError();
  return result;
}

TEST(ResolverTest, NumericAnswersLiteralsOnly) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  std::unique_ptr<Resolver> r = NewNumericResolver(loop.get());
  ASSERT_OK_AND_ASSIGN(auto a, ResolveOnLoop(loop.get(), r.get(), "::1"));
  EXPECT_EQ(a.at(0).ToString(), "[::1]:80");
  ASSERT_OK_AND_ASSIGN(a, ResolveOnLoop(loop.get(), r.get(), "localhost"));
  EXPECT_EQ(a.at(0).ToString(), "127.0.0.1:80");
  EXPECT_THAT(ResolveOnLoop(loop.get(), r.get(), "no-such-host.test"),
              testing_util::StatusIs(absl::StatusCode::kNotFound));
}

// FakeDns answers A queries for origin.test with 127.0.0.9 and anything else with NXDOMAIN,
// counting the queries; no packet is sent.
struct FakeDns {
  std::atomic<int> queries{0};
  absl::StatusOr<dns::ExchangeResult> Exchange(absl::Span<const uint8_t> query) {
    ++queries;
    ASSIGN_OR_RETURN(dns::Message q, dns::ParseMessage(query));
    dns::ExchangeResult r;
    r.message.header = q.header;
    r.message.header.qr = true;
    r.message.questions = q.questions;
    const dns::Question& question = q.questions.at(0);
    if (question.name == "origin.test." && question.type == dns::kA) {
      r.message.answers.push_back({"origin.test.", dns::kA, dns::kClassIN, 300, dns::A{{127, 0, 0, 9}}});
      return r;
    }
    // NODATA or NXDOMAIN, with the SOA that lets the answer be cached (RFC 2308).
    if (question.name != "origin.test.") r.message.header.rcode = dns::kNxDomain;
    r.message.authorities.push_back(
        {"test.", dns::kSOA, dns::kClassIN, 300,
         dns::Soa{"ns.test.", "admin.test.", 1, 3600, 600, 86400, 60}});
    return r;
  }
};

std::unique_ptr<dns::Resolver> MakeDns(FakeDns* fake) {
  std::string hosts = absl::StrCat(std::getenv("TEST_TMPDIR"), "/hosts");
  std::ofstream(hosts) << "127.0.0.7 pinned.test\n";
  dns::ResolverConfig config;
  config.hosts_path = hosts;
  config.resolv_conf_path = "";
  config.nameservers = std::vector<net::Address>{*net::Address::FromIp("192.0.2.53", 53)};
  config.exchange = [fake](const net::Address&, absl::Span<const uint8_t> query,
                           const dns::ExchangeOptions&) { return fake->Exchange(query); };
  return dns::Resolver::Create(std::move(config)).value();
}

TEST(ResolverTest, DnsAnswersLiteralsAndHostsWithoutQueries) {
  FakeDns fake;
  std::unique_ptr<dns::Resolver> dns = MakeDns(&fake);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  std::unique_ptr<Resolver> r = NewDnsResolver(loop.get(), dns.get());
  ASSERT_OK_AND_ASSIGN(auto a, ResolveOnLoop(loop.get(), r.get(), "127.0.0.2"));
  EXPECT_EQ(a.at(0).ToString(), "127.0.0.2:80");
  ASSERT_OK_AND_ASSIGN(a, ResolveOnLoop(loop.get(), r.get(), "pinned.test"));
  EXPECT_EQ(a.at(0).ToString(), "127.0.0.7:80");
  EXPECT_EQ(fake.queries, 0);
}

TEST(ResolverTest, DnsLooksUpNamesOnceThenFromItsCache) {
  FakeDns fake;
  std::unique_ptr<dns::Resolver> dns = MakeDns(&fake);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  std::unique_ptr<Resolver> r = NewDnsResolver(loop.get(), dns.get());
  ASSERT_OK_AND_ASSIGN(auto a, ResolveOnLoop(loop.get(), r.get(), "origin.test"));
  EXPECT_EQ(a.at(0).ToString(), "127.0.0.9:80");
  int after_first = fake.queries;
  EXPECT_GE(after_first, 1);  // A (and AAAA)
  ASSERT_OK_AND_ASSIGN(a, ResolveOnLoop(loop.get(), r.get(), "origin.test"));
  EXPECT_EQ(a.at(0).ToString(), "127.0.0.9:80");
  EXPECT_EQ(fake.queries, after_first);
  EXPECT_THAT(ResolveOnLoop(loop.get(), r.get(), "missing.test"),
              testing_util::StatusIs(absl::StatusCode::kNotFound));
}

// An answer arriving after the proxy's Resolver is gone is dropped, not delivered.
TEST(ResolverTest, DnsAnswerAfterDestructionIsDropped) {
  FakeDns fake;
  std::unique_ptr<dns::Resolver> dns = MakeDns(&fake);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  bool called = false;
  {
    std::unique_ptr<Resolver> r = NewDnsResolver(loop.get(), dns.get());
    r->Resolve("origin.test", 80, [&called](auto) { called = true; });
  }
  // The lookup runs on without the proxy's Resolver: its answer must not reach `done`.
  for (int i = 0; i < 100 && fake.queries == 0; ++i) {
    ASSERT_THAT(loop->RunOnce(absl::Milliseconds(10)), testing_util::IsOk());
  }
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(10)), testing_util::IsOk());
  EXPECT_GE(fake.queries, 1);
  EXPECT_FALSE(called);
  // One still waiting to start when the dns::Resolver goes is abandoned with it.
  {
    std::unique_ptr<Resolver> r = NewDnsResolver(loop.get(), dns.get());
    r->Resolve("other.test", 80, [&called](auto) { called = true; });
  }
  dns.reset();
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(10)), testing_util::IsOk());
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace proxy
