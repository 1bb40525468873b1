// Tests of `mini-nslookup -trace` against three fake authoritative servers on
// loopback — the root on 127.0.0.2, the `test.` TLD on 127.0.0.3 and
// example.test on 127.0.0.4, all on one free port — that build each answer with
// lib/dns from the question alone. No other address is ever queried: every test
// passes root hints naming 127.0.0.2.
#include "tools/nslookup/trace.h"

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "lib/dns/message.h"
#include "lib/dns/name.h"
#include "lib/dns/parser.h"
#include "lib/dns/writer.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"
#include "testing/subprocess.h"

namespace nslookup {
namespace {

using Answerer = std::function<dns::Message(const dns::Question &)>;

// AuthServer answers UDP queries on `ip`:`port` with whatever `answer` builds
// for the question.
class AuthServer {
 public:
  static std::unique_ptr<AuthServer> Start(const std::string &ip, uint16_t port, Answerer answer) {
    net::ListenOptions udp;
    udp.type = SOCK_DGRAM;
    absl::StatusOr<net::Address> address = net::Address::FromIp(ip, port);
    if (!address.ok()) return nullptr;
    absl::StatusOr<net::Socket> socket = net::Listen(*address, udp);
    if (!socket.ok()) return nullptr;
    return std::unique_ptr<AuthServer>(new AuthServer(*std::move(socket), std::move(answer)));
  }
  ~AuthServer() {
    stop_ = true;
    thread_.join();
  }

  uint16_t port() const { return socket_.LocalAddress()->port(); }
  int queries() const { return queries_; }

 private:
  AuthServer(net::Socket socket, Answerer answer)
      : socket_(std::move(socket)), answer_(std::move(answer)) {
    thread_ = std::thread([this] { Serve(); });
  }

  void Serve() {
    char buf[4096];
    while (!stop_) {
      pollfd p = {socket_.fd(), POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      net::Address from;
      absl::StatusOr<size_t> n = socket_.RecvFrom(absl::MakeSpan(buf), &from);
      if (!n.ok()) continue;
      absl::StatusOr<dns::Message> query =
          dns::ParseMessage(absl::MakeConstSpan(reinterpret_cast<const uint8_t *>(buf), *n));
      if (!query.ok() || query->questions.empty()) continue;
      ++queries_;
      dns::Message reply = answer_(query->questions[0]);
      reply.header.id = query->header.id;
      reply.header.qr = true;
      reply.header.rd = query->header.rd;
      reply.questions = {query->questions[0]};
      absl::StatusOr<std::vector<uint8_t>> wire = dns::WriteMessage(reply);
      if (!wire.ok()) continue;
      (void)socket_.SendTo(std::string(wire->begin(), wire->end()), &from);
    }
  }

  net::Socket socket_;
  Answerer answer_;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

dns::ResourceRecord Rr(const std::string &name, uint32_t ttl, uint16_t type, dns::Rdata data) {
  return {name, type, dns::kClassIN, ttl, std::move(data)};
}

dns::ResourceRecord Ns(const std::string &zone, const std::string &target) {
  return Rr(zone, 172800, dns::kNS, dns::NameRdata{target});
}

dns::ResourceRecord Glue(const std::string &name, uint8_t last_octet) {
  return Rr(name, 172800, dns::kA, dns::A{{127, 0, 0, last_octet}});
}

// NxDomain is an NXDOMAIN reply with the SOA of `zone` in the authority
// section.
dns::Message NxDomain(const std::string &zone, bool aa = true) {
  dns::Message m;
  m.header.aa = aa;
  m.header.rcode = dns::kNxDomain;
  m.authorities.push_back(
      Rr(zone, 86400, dns::kSOA,
         dns::Soa{"ns." + zone, "hostmaster." + zone, 1, 1800, 900, 604800, 3600}));
  return m;
}

bool Under(const dns::Question &q, const std::string &zone) {
  return dns::NamesEqual(q.name, zone) || absl::EndsWith(q.name, "." + zone);
}

dns::Message Root(const dns::Question &q) {
  if (!Under(q, "test.")) return NxDomain("root-servers.net.", false);
  dns::Message m;
  m.authorities = {Ns("test.", "ns.nic.test.")};
  m.additionals = {Glue("ns.nic.test.", 3)};
  return m;
}

dns::Message Tld(const dns::Question &q) {
  dns::Message m;
  if (Under(q, "example.test.")) {
    m.authorities = {Ns("example.test.", "ns1.example.test."),
                     Ns("example.test.", "ns2.example.test.")};
    m.additionals = {Glue("ns1.example.test.", 4)};
  } else if (Under(q, "noglue.test.")) {
    m.authorities = {Ns("noglue.test.", "ns.example.test.")};
  } else if (Under(q, "loop.test.")) {
    m.authorities = {Ns("test.", "ns.nic.test.")};  // upward referral
    m.additionals = {Glue("ns.nic.test.", 3)};
  } else {
    return NxDomain("test.");
  }
  return m;
}

// Zone serves example.test and noglue.test.
dns::Message Zone(const dns::Question &q) {
  struct Entry {
    const char *name;
    uint16_t type;
    dns::Rdata data;
  };
  const Entry kEntries[] = {
      {"host.example.test.", dns::kA, dns::A{{192, 0, 2, 10}}},
      {"ns.example.test.", dns::kA, dns::A{{127, 0, 0, 4}}},
      {"www.example.test.", dns::kCNAME, dns::NameRdata{"host.example.test."}},
      {"ext.example.test.", dns::kCNAME, dns::NameRdata{"www.noglue.test."}},
      {"a.example.test.", dns::kCNAME, dns::NameRdata{"b.example.test."}},
      {"b.example.test.", dns::kCNAME, dns::NameRdata{"a.example.test."}},
      {"www.noglue.test.", dns::kA, dns::A{{192, 0, 2, 20}}},
  };
  dns::Message m;
  m.header.aa = true;
  bool exists = false;
  for (const Entry &e : kEntries) {
    if (!dns::NamesEqual(e.name, q.name)) continue;
    exists = true;
    if (e.type == q.type || e.type == dns::kCNAME) {
      m.answers.push_back(Rr(e.name, 3600, e.type, e.data));
    }
  }
  const std::string zone = Under(q, "noglue.test.") ? "noglue.test." : "example.test.";
  if (!exists) return NxDomain(zone);
  if (m.answers.empty()) m.authorities = NxDomain(zone).authorities;  // NODATA
  return m;
}

class TraceTest : public testing::Test {
 protected:
  void SetUp() override {
    // One port free on all three addresses.
    for (int attempt = 0; attempt < 20 && zone_ == nullptr; ++attempt) {
      root_ = AuthServer::Start("127.0.0.2", 0, Root);
      ASSERT_NE(root_, nullptr);
      port_ = root_->port();
      tld_ = AuthServer::Start("127.0.0.3", port_, Tld);
      if (tld_ != nullptr) zone_ = AuthServer::Start("127.0.0.4", port_, Zone);
    }
    ASSERT_NE(zone_, nullptr);
    hints_ = testing_util::TempDir() + "/named.root";
    std::ofstream(hints_) << "; root hints for the fake root\n"
                             ".                        3600000      NS    A.ROOT-SERVERS.NET.\n"
                             "A.ROOT-SERVERS.NET.      3600000      A     127.0.0.2\n";
  }

  TraceOptions Options(const std::string &name, uint16_t type = dns::kA) {
    TraceOptions o;
    o.name = name;
    o.type = type;
    o.port = port_;
    o.roots = *ReadRootHints(hints_);
    o.timeout = absl::Seconds(2);
    return o;
  }

  // Mask replaces the port with PORT and each timing with T.
  std::string Mask(const std::string &text) {
    std::string s = absl::StrReplaceAll(text, {{absl::StrCat("#", port_, "("), "#PORT("}});
    return std::regex_replace(s, std::regex(" in [0-9]+ ms"), " in T ms");
  }

  struct Result {
    int exit_code;
    std::string out, err;
  };
  Result Run(const TraceOptions &o) {
    std::ostringstream out, err;
    int code = Trace(o, out, err);
    return {code, Mask(out.str()), err.str()};
  }

  std::unique_ptr<AuthServer> root_, tld_, zone_;
  uint16_t port_ = 0;
  std::string hints_;
};

// ToExampleTest is the trace down to example.test's servers; the reply sizes grow with the name.
std::string ToExampleTest(int root_bytes, int tld_bytes) {
  return absl::StrCat("test.\t172800\tIN\tNS\tns.nic.test.\n", ";; Received ", root_bytes,
                      " bytes from 127.0.0.2#PORT(a.root-servers.net) in T ms\n\n",
                      "example.test.\t172800\tIN\tNS\tns1.example.test.\n",
                      "example.test.\t172800\tIN\tNS\tns2.example.test.\n", ";; Received ",
                      tld_bytes, " bytes from 127.0.0.3#PORT(ns.nic.test) in T ms\n\n");
}
const std::string kToHost = ToExampleTest(72, 87);  // host.example.test

TEST_F(TraceTest, FollowsReferralsToTheAnswer) {
  Result r = Run(Options("host.example.test"));
  EXPECT_EQ(r.out, absl::StrCat(kToHost,
                                "host.example.test.\t3600\tIN\tA\t192.0.2.10\n"
                                ";; Received 51 bytes from 127.0.0.4#PORT(ns1.example.test) in T "
                                "ms\n\n"));
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(TraceTest, NxDomainAndNodataPrintTheSoa) {
  Result nx = Run(Options("nx.example.test"));
  EXPECT_EQ(nx.out, absl::StrCat(ToExampleTest(70, 85),
                                 "example.test.\t86400\tIN\tSOA\tns.example.test. "
                                 "hostmaster.example.test. 1 1800 900 604800 3600\n"
                                 ";; Received 83 bytes from 127.0.0.4#PORT(ns1.example.test) in "
                                 "T ms\n\n"));
  EXPECT_EQ(nx.exit_code, 1);
  Result nodata = Run(Options("host.example.test", dns::kMX));
  EXPECT_TRUE(absl::EndsWith(nodata.out, "(ns1.example.test) in T ms\n\n")) << nodata.out;
  EXPECT_TRUE(absl::StrContains(nodata.out, "\tSOA\t")) << nodata.out;
  EXPECT_EQ(nodata.exit_code, 0);
}

TEST_F(TraceTest, CnameRestartsAtTheRoot) {
  Result r = Run(Options("www.example.test"));
  EXPECT_EQ(r.out, absl::StrCat(ToExampleTest(71, 86),
                                "www.example.test.\t3600\tIN\tCNAME\thost.example.test.\n"
                                ";; Received 53 bytes from 127.0.0.4#PORT(ns1.example.test) in T "
                                "ms\n\n",
                                kToHost,
                                "host.example.test.\t3600\tIN\tA\t192.0.2.10\n"
                                ";; Received 51 bytes from 127.0.0.4#PORT(ns1.example.test) in T "
                                "ms\n\n"));
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(TraceTest, GluelessNsIsResolvedFromTheRootQuietly) {
  Result r = Run(Options("ext.example.test"));
  EXPECT_TRUE(
      absl::EndsWith(r.out,
                     "noglue.test.\t172800\tIN\tNS\tns.example.test.\n"
                     ";; Received 58 bytes from 127.0.0.3#PORT(ns.nic.test) in T ms\n\n"
                     "www.noglue.test.\t3600\tIN\tA\t192.0.2.20\n"
                     ";; Received 49 bytes from 127.0.0.4#PORT(ns.example.test) in T ms\n\n"))
      << r.out;
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(TraceTest, UpwardReferralStops) {
  Result r = Run(Options("x.loop.test"));
  EXPECT_EQ(r.err,
            absl::StrCat("mini-nslookup: trace: 127.0.0.3#", port_,
                         "(ns.nic.test) referred x.loop.test to test., which is not below the "
                         "zone asked (test.)\n"));
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(TraceTest, CnameLoopIsCapped) {
  Result r = Run(Options("a.example.test"));
  EXPECT_EQ(r.err, "mini-nslookup: trace: more than 8 CNAMEs from a.example.test\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(root_->queries() + tld_->queries() + zone_->queries(), 3 * (kMaxCnameRestarts + 1));
}

TEST_F(TraceTest, UnreachableServerIsReportedAndTheNextTried) {
  std::ofstream(hints_) << ". NS dead.root.\n dead.root. A 127.0.0.9\n"
                           ". NS a.root-servers.net.\na.root-servers.net. A 127.0.0.2\n";
  TraceOptions o = Options("host.example.test");
  o.timeout = absl::Milliseconds(300);
  Result r = Run(o);
  EXPECT_TRUE(
      absl::StartsWith(r.out, absl::StrCat(";; communications error to 127.0.0.9#", port_, ": ")))
      << r.out;
  EXPECT_TRUE(absl::EndsWith(r.out,
                             "\t192.0.2.10\n"
                             ";; Received 51 bytes from 127.0.0.4#PORT(ns1.example.test) "
                             "in T ms\n\n"))
      << r.out;
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(TraceTest, BinaryTakesTraceRootHintsAndPort) {
  const std::string binary = testing_util::Runfile("tools/nslookup/mini-nslookup");
  absl::StatusOr<testing_util::ProcessResult> r = testing_util::RunProcess(
      binary, {"-trace", "-root_hints=" + hints_, absl::StrCat("-port=", port_), "-type=A",
               "host.example.test"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Mask(r->out), absl::StrCat(kToHost,
                                       "host.example.test.\t3600\tIN\tA\t192.0.2.10\n"
                                       ";; Received 51 bytes from "
                                       "127.0.0.4#PORT(ns1.example.test) in T ms\n\n"));
  EXPECT_EQ(r->exit_code, 0) << r->err;
  absl::StatusOr<testing_util::ProcessResult> server = testing_util::RunProcess(
      binary, {"-trace", "-root_hints=" + hints_, "host.example.test", "127.0.0.1"});
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(server->err, "mini-nslookup: -trace starts at the root servers and takes no SERVER\n");
  EXPECT_EQ(server->exit_code, 1);
}

TEST(RootHintsTest, ParsesNamedRoot) {
  absl::StatusOr<std::vector<NameServer>> roots = ParseRootHints(
      ";  comment\n"
      ".                        3600000      NS    A.ROOT-SERVERS.NET.\n"
      "A.ROOT-SERVERS.NET.      3600000      A     127.0.0.2\n"
      "A.ROOT-SERVERS.NET.      3600000 IN   AAAA  ::1\n"
      ".  NS  b.root-servers.net.\n"  // no address: dropped
      "\n");
  ASSERT_TRUE(roots.ok()) << roots.status();
  ASSERT_EQ(roots->size(), 1u);
  EXPECT_EQ((*roots)[0].name, "a.root-servers.net.");
  EXPECT_EQ((*roots)[0].addresses, (std::vector<std::string>{"127.0.0.2", "::1"}));
  EXPECT_FALSE(ParseRootHints(". NS a.\n").ok());
  EXPECT_FALSE(ParseRootHints(". NS a.\na. A 300.1.1.1\n").ok());
  EXPECT_FALSE(ReadRootHints(testing_util::TempDir() + "/missing").ok());
}

TEST(RootHintsTest, DefaultIsTheThirteenIanaRoots) {
  std::vector<NameServer> roots = DefaultRootHints();  // parsed only, never contacted
  ASSERT_EQ(roots.size(), 13u);
  EXPECT_EQ(roots[0].name, "a.root-servers.net.");
  EXPECT_EQ(roots[0].addresses, (std::vector<std::string>{"198.41.0.4", "2001:503:ba3e::2:30"}));
}

}  // namespace
}  // namespace nslookup
