// End-to-end tests of the mini-nslookup binary: each case of testdata/golden/nslookup/ (the
// real BIND nslookup's output) is rerun against a loopback server that answers from the
// recorded nsd replies in testdata/dns/, and stdout and the exit code must match byte for byte.
#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/dns/message.h"
#include "lib/dns/parser.h"
#include "lib/dns/writer.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"
#include "testing/matchers.h"
#include "testing/replay_server.h"
#include "testing/subprocess.h"
#include "tools/nslookup/nslookup.h"

namespace nslookup {
namespace {

using ::testing_util::ProcessResult;
using ::testing_util::RunProcess;
using ::testing_util::TcpReplayServer;
using ::testing_util::UdpMode;
using ::testing_util::UdpReplayServer;

std::string Read(const std::string& runfile) {
  absl::StatusOr<std::string> s = testing_util::ReadFile(testing_util::Runfile(runfile));
  EXPECT_TRUE(s.ok()) << s.status();
  return s.value_or("");
}

std::string Key(absl::string_view name, uint16_t type) {
  return absl::StrCat(absl::AsciiStrToLower(absl::StripSuffix(name, ".")), "/", type);
}

// Zone answers the recorded queries. Replies come from testdata/dns/<case>.bin keyed by the
// question of <case>.query.bin (queries with EDNS or without RD are skipped, the first case in
// name order wins; "_tcp" cases only answer TCP). The few answers the goldens need that nsd was
// never recorded giving are built from zones/example.test.zone; any other question gets NODATA.
class Zone {
 public:
  Zone() {
    const std::string dir = testing_util::Runfile("testdata/dns");
    std::vector<std::string> cases;
    if (DIR* d = opendir(dir.c_str())) {
      while (dirent* e = readdir(d)) {
        absl::string_view file = e->d_name;
        if (absl::ConsumeSuffix(&file, ".query.bin")) cases.emplace_back(file);
      }
      closedir(d);
    }
    std::sort(cases.begin(), cases.end());
    for (const std::string& c : cases) {
      const std::string query = Read("testdata/dns/" + c + ".query.bin");
      absl::StatusOr<dns::Message> q = dns::ParseMessage(AsBytes(query));
      if (!q.ok() || q->edns.has_value() || !q->header.rd || q->questions.empty()) continue;
      auto& table = absl::EndsWith(c, "_tcp") ? tcp_ : udp_;
      table.emplace(Key(q->questions[0].name, q->questions[0].type),
                    Read("testdata/dns/" + c + ".bin"));
    }
    Synthesize("v6only.example.test.", dns::kAAAA,
               dns::Aaaa{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6}});
    Synthesize("backup.example.test.", dns::kA, dns::A{{192, 0, 2, 11}});
    Synthesize("www.example.test.", dns::kCNAME, dns::NameRdata{"web.example.test."});
    Synthesize("nx.example.test.", dns::kMX, std::nullopt, dns::kNxDomain);
    EXPECT_GT(udp_.size(), 20u) << "fixtures not found in " << dir;
  }

  // Answer returns the reply to `query` with the query's ID; `nonauth` clears AA and sets RA
  // (what the recording's port-5301 proxy did).
  std::string Answer(const std::string& query, bool tcp, bool nonauth) const {
    absl::StatusOr<dns::Question> q = dns::ParseFirstQuestion(AsBytes(query));
    if (!q.ok() || query.size() < 4) return "";
    const std::string key = Key(q->name, q->type);
    std::string reply;
    if (auto it = tcp_.find(key); tcp && it != tcp_.end()) {
      reply = it->second;
    } else if (auto it = udp_.find(key); it != udp_.end()) {
      reply = it->second;
    } else {
      reply = query;  // NODATA: the question alone, QR and AA set
      reply[2] = static_cast<char>(reply[2] | 0x84);
    }
    reply[0] = query[0];
    reply[1] = query[1];
    if (nonauth) {
      reply[2] = static_cast<char>(reply[2] & ~0x04);
      reply[3] = static_cast<char>(reply[3] | 0x80);
    }
    return reply;
  }

 private:
  static absl::Span<const uint8_t> AsBytes(const std::string& s) {
    return absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }

  void Synthesize(const std::string& name, uint16_t type, std::optional<dns::Rdata> data,
                  uint16_t rcode = dns::kNoError) {
    dns::Message m;
    m.header.qr = m.header.aa = m.header.rd = true;
    m.header.rcode = rcode;
    m.questions.push_back({name, type, dns::kClassIN});
    if (data.has_value()) m.answers.push_back({name, type, dns::kClassIN, 3600, *std::move(data)});
    absl::StatusOr<std::vector<uint8_t>> wire = dns::WriteMessage(m);
    ASSERT_TRUE(wire.ok()) << wire.status();
    udp_.emplace(Key(name, type), std::string(wire->begin(), wire->end()));
  }

  std::map<std::string, std::string> udp_, tcp_;
};

const Zone& TheZone() {
  static const Zone* zone = new Zone();
  return *zone;
}

// DnsServer serves TheZone() over TCP (a TcpReplayServer on port 0) and over UDP on the same
// port number (a socket this test binds and serves itself), as one nameserver does.
class DnsServer {
 public:
  struct Config {
    bool nonauth = false;
    // hostile: before each real UDP reply, send junk, a wrong-ID reply and a reply from
    // another port.
    bool hostile = false;
  };

  explicit DnsServer(Config config) : config_(config) {
    testing_util::TcpReplayOptions tcp;
    tcp.framing = testing_util::Framing::kDnsLength;
    tcp.close_after_last = false;
    absl::StatusOr<std::unique_ptr<TcpReplayServer>> t = TcpReplayServer::StartWithResponder(
        [config](const std::string& request, size_t) -> std::optional<std::string> {
          std::string reply = TheZone().Answer(request.substr(2), /*tcp=*/true, config.nonauth);
          return std::string{static_cast<char>(reply.size() >> 8),
                             static_cast<char>(reply.size() & 0xff)} +
                 reply;
        },
        tcp);
    EXPECT_TRUE(t.ok()) << t.status();
    tcp_ = *std::move(t);
    net::ListenOptions udp;
    udp.type = SOCK_DGRAM;
    absl::StatusOr<net::Socket> u = net::Listen(tcp_->address(), udp);
    EXPECT_TRUE(u.ok()) << u.status();
    udp_ = *std::move(u);
    absl::StatusOr<net::Socket> other = net::Listen(net::Address::Loopback(AF_INET, 0), udp);
    EXPECT_TRUE(other.ok()) << other.status();
    other_ = *std::move(other);
    thread_ = std::thread([this] { Serve(); });
  }
  ~DnsServer() {
    stop_ = true;
    thread_.join();
  }

  uint16_t port() const { return tcp_->port(); }

 private:
  void Serve() {
    char buf[4096];
    while (!stop_) {
      pollfd p = {udp_.fd(), POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      net::Address from;
      absl::StatusOr<size_t> n = udp_.RecvFrom(absl::MakeSpan(buf), &from);
      if (!n.ok()) continue;
      std::string reply = TheZone().Answer(std::string(buf, *n), /*tcp=*/false, config_.nonauth);
      if (config_.hostile) {
        std::string wrong_id = reply;
        wrong_id[1] = static_cast<char>(wrong_id[1] ^ 0x5a);
        for (const std::string& bad : {std::string("\xff"), wrong_id, reply.substr(0, 13)}) {
          (void)udp_.SendTo(bad, &from);
        }
        (void)other_.SendTo(reply, &from);
      }
      (void)udp_.SendTo(reply, &from);
    }
  }

  Config config_;
  std::unique_ptr<TcpReplayServer> tcp_;
  net::Socket udp_, other_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ZoneOverUdp starts a UdpReplayServer in `mode` that answers from TheZone() (UDP only).
std::unique_ptr<UdpReplayServer> ZoneOverUdp(UdpMode mode, int family = AF_INET) {
  testing_util::UdpReplayOptions options;
  options.mode = mode;
  options.family = family;
  absl::StatusOr<std::unique_ptr<UdpReplayServer>> server = UdpReplayServer::Start(
      [](const std::string& q) {
        return std::optional<std::string>(TheZone().Answer(q, /*tcp=*/false, /*nonauth=*/false));
      },
      options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

const std::string& Binary() {
  static const std::string path = testing_util::Runfile("tools/nslookup/mini-nslookup");
  return path;
}

// ResolvConf writes a resolv.conf naming `server` and returns its path.
std::string ResolvConf(const std::string& contents) {
  static int n = 0;
  std::string path = absl::StrCat(testing_util::TempDir(), "/resolv", ++n, ".conf");
  std::ofstream(path) << contents;
  return path;
}

// Nslookup runs the binary with `args` (plus its own resolv.conf) and returns the result.
ProcessResult Nslookup(std::vector<std::string> args,
                       const std::string& resolv = "nameserver 127.0.0.1\n") {
  args.insert(args.begin(), "-resolv_conf=" + ResolvConf(resolv));
  absl::StatusOr<ProcessResult> r = RunProcess(Binary(), args);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.value_or(ProcessResult{});
}

// Golden is one recorded case: the command's arguments and the real tool's stdout and exit.
struct Golden {
  std::string name;
  std::vector<std::string> args;  // without "nslookup"
  uint16_t port = 53;
  std::string out;
  int exit_code = 0;
  std::string err;  // the recorded stderr, where there is one (the usage text)
};

std::map<std::string, std::vector<std::string>> Commands() {
  std::map<std::string, std::vector<std::string>> commands;
  for (absl::string_view line :
       absl::StrSplit(Read("testdata/golden/nslookup/COMMANDS.tsv"), '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 2) continue;
    std::vector<std::string> words = absl::StrSplit(fields[1], ' ', absl::SkipEmpty());
    words.erase(words.begin());  // "nslookup"
    commands[fields[0]] = words;
  }
  return commands;
}

Golden LoadGolden(const std::string& name) {
  Golden g;
  g.name = name;
  g.args = Commands()[name];
  for (const std::string& a : g.args) {
    uint32_t port = 0;
    if (absl::StartsWith(a, "-port=") && absl::SimpleAtoi(a.substr(6), &port)) g.port = port;
  }
  g.out = Read("testdata/golden/nslookup/" + name + ".txt");
  g.err = testing_util::ReadFile(
              testing_util::Runfile("testdata/golden/nslookup/" + name + ".stderr"))
              .value_or("");
  EXPECT_TRUE(absl::SimpleAtoi(
      absl::StripAsciiWhitespace(Read("testdata/golden/nslookup/" + name + ".exit")),
      &g.exit_code));
  return g;
}

// Localize rewrites the recording's server 127.0.0.2#<port> to 127.0.0.1#<port>.
std::string Localize(const std::string& text, uint16_t from_port, uint16_t to_port) {
  return absl::StrReplaceAll(text, {{absl::StrCat("127.0.0.2#", from_port),
                                     absl::StrCat("127.0.0.1#", to_port)},
                                    {"127.0.0.2", "127.0.0.1"}});
}

// ExpectGolden reruns golden case `g` against a server on `port` and compares.
void ExpectGolden(const Golden& g, uint16_t port, std::vector<std::string> extra_args = {}) {
  std::vector<std::string> args;
  for (const std::string& a : g.args) {
    args.push_back(absl::StartsWith(a, "-port=") ? absl::StrCat("-port=", port)
                                                 : Localize(a, g.port, port));
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  ProcessResult r = Nslookup(args);
  EXPECT_EQ(r.out, Localize(g.out, g.port, port)) << absl::StrJoin(args, " ");
  EXPECT_EQ(r.exit_code, g.exit_code) << r.err;
  if (g.err.empty()) {
    EXPECT_EQ(r.err, "");
  } else {
    // The usage text: ours names mini-nslookup and only the forms it has (no interactive
    // mode), so only its first line is BIND's.
    const std::string first_line = g.err.substr(0, g.err.find('\n') + 1);
    EXPECT_TRUE(absl::StartsWith(r.err, first_line)) << r.err;
  }
}

// ExpectTypeMx runs the binary with `args` and expects the type_mx golden for a server on `port`.
void ExpectTypeMx(const std::vector<std::string>& args, uint16_t port,
                  const std::string& resolv = "nameserver 127.0.0.1\n") {
  const Golden g = LoadGolden("type_mx");
  ProcessResult r = Nslookup(args, resolv);
  EXPECT_EQ(r.out, Localize(g.out, g.port, port)) << absl::StrJoin(args, " ");
  EXPECT_EQ(r.exit_code, 0);
}

// ClosedPort returns a loopback port where nothing listens on UDP or TCP.
uint16_t ClosedPort() {
  net::ListenOptions udp;
  udp.type = SOCK_DGRAM;
  absl::StatusOr<net::Socket> s = net::Listen(net::Address::Loopback(AF_INET, 0), udp);
  return s->LocalAddress()->port();
}

// kCases are the recorded cases rerun here: all of them.
const std::string kCases[] = {
    "default_host", "default_v6only", "www_cname", "type_a", "type_aaaa", "type_mx", "type_ns",
    "type_txt", "type_txt_weird", "type_soa", "ptr_v4", "ptr_v6", "type_ptr_name", "type_srv",
    "type_caa", "type_any", "type_unknown", "type_cname_www", "wildcard", "nxdomain",
    "nxdomain_type_mx", "nodata_mx", "nodata_default_v4only", "refused", "truncated",
    "truncated_type_a", "vc_host", "vc_big", "debug_host", "debug_mx", "debug_nxdomain",
    "timeout_blackhole", "refused_port", "nonauth_default_host", "nonauth_www_cname",
    "nonauth_mx", "nonauth_ptr_v4", "nonauth_nxdomain", "nonauth_nodata_mx", "nonauth_soa",
    "refused_port_vc", "usage_opts_after_server",
};

class GoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesRealNslookup) {
  const Golden g = LoadGolden(GetParam());
  ASSERT_FALSE(g.args.empty()) << "no command for " << g.name;
  switch (g.port) {
    case 5300:
    case 5301: {
      DnsServer server({.nonauth = g.port == 5301});
      ExpectGolden(g, server.port());
      break;
    }
    case 5399: {  // never answers
      auto server = ZoneOverUdp(UdpMode::kSilent);
      ExpectGolden(g, server->address().port());
      break;
    }
    case 5398:  // nothing listens
      ExpectGolden(g, ClosedPort());
      break;
    default:
      FAIL() << "unexpected port " << g.port;
  }
}

INSTANTIATE_TEST_SUITE_P(AllCases, GoldenTest, testing::ValuesIn(kCases));

TEST(NslookupTest, EveryRecordedCaseIsCovered) {
  for (const auto& [name, args] : Commands()) {
    EXPECT_NE(std::find(std::begin(kCases), std::end(kCases), name), std::end(kCases)) << name;
  }
}

TEST(NslookupTest, HostileRepliesAreIgnored) {
  DnsServer server({.hostile = true});
  ExpectGolden(LoadGolden("default_host"), server.port());
}

TEST(NslookupTest, ReplyWithWrongIdOnlyTimesOut) {
  auto server = ZoneOverUdp(UdpMode::kWrongId);
  ExpectGolden(LoadGolden("timeout_blackhole"), server->address().port());
}

TEST(NslookupTest, RetryIsTheNumberOfTries) {
  auto server = ZoneOverUdp(UdpMode::kSilent);
  const uint16_t port = server->address().port();
  ProcessResult r = Nslookup({absl::StrCat("-port=", port), "-timeout=1", "-retry=2",
                              "host.example.test", "127.0.0.1"});
  const std::string line = absl::StrCat(";; communications error to 127.0.0.1#", port,
                                        ": timed out\n");
  EXPECT_EQ(r.out, line + line + ";; no servers could be reached\n\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(server->queries().size(), 2u);
}

TEST(NslookupTest, DefaultServerComesFromResolvConf) {
  DnsServer server({});
  ExpectTypeMx({absl::StrCat("-port=", server.port()), "-type=MX", "example.test"}, server.port(),
               "# comment\nsearch example.test\nnameserver 127.0.0.1\nnameserver 127.0.0.3\n");
}

TEST(NslookupTest, TypeIsCaseInsensitiveAndHasAliases) {
  DnsServer server({});
  for (const char* flag : {"-type=mx", "-query=Mx", "-q=MX", "-querytype=mX"}) {
    ExpectTypeMx({absl::StrCat("-port=", server.port()), flag, "example.test", "127.0.0.1"},
                 server.port());
  }
}

TEST(NslookupTest, AnythingAfterServerGetsTheUsage) {
  DnsServer server({});
  const std::string port = absl::StrCat("-port=", server.port());
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-type=MX", "example.test", "127.0.0.1", port},
        std::vector<std::string>{port, "example.test", "127.0.0.1", "-debug"},
        std::vector<std::string>{port, "example.test", "127.0.0.1", "extra"}}) {
    ProcessResult r = Nslookup(args);
    EXPECT_EQ(r.out, "") << absl::StrJoin(args, " ");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, testing::StartsWith("Usage:\n"));
  }
  // Options between NAME and SERVER are fine, as for BIND.
  ExpectTypeMx({port, "example.test", "-type=MX", "127.0.0.1"}, server.port());
}

TEST(ArgumentsFollowServerTest, LikeBindsParseArgs) {
  using V = std::vector<std::string>;
  EXPECT_FALSE(ArgumentsFollowServer(V{}));
  EXPECT_FALSE(ArgumentsFollowServer(V{"host"}));
  EXPECT_FALSE(ArgumentsFollowServer(V{"-type=A", "host", "-port=53", "::1"}));
  EXPECT_FALSE(ArgumentsFollowServer(V{"host", "-vc"}));  // no SERVER: options may follow NAME
  EXPECT_TRUE(ArgumentsFollowServer(V{"host", "::1", "-vc"}));
  EXPECT_TRUE(ArgumentsFollowServer(V{"host", "::1", "more"}));
  EXPECT_TRUE(ArgumentsFollowServer(V{"-", "::1", "-vc"}));  // "-" stands where NAME would
  EXPECT_FALSE(ArgumentsFollowServer(V{"-", "::1"}));
}

TEST(NslookupTest, Ipv6Server) {
  auto server = ZoneOverUdp(UdpMode::kReply, AF_INET6);
  const uint16_t port = server->address().port();
  const Golden g = LoadGolden("type_a");
  ProcessResult r = Nslookup({absl::StrCat("-port=", port), "-type=A", "host.example.test", "::1"});
  EXPECT_EQ(r.out, absl::StrReplaceAll(g.out, {{"127.0.0.2#5300", absl::StrCat("::1#", port)},
                                               {"127.0.0.2", "::1"}}));
  EXPECT_EQ(r.exit_code, 0);
}

TEST(NslookupTest, UsageErrors) {
  ProcessResult none = Nslookup({});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.err, testing::HasSubstr("Usage:"));
  ProcessResult bad_type = Nslookup({"-type=NOPE", "host.example.test", "127.0.0.1"});
  EXPECT_EQ(bad_type.exit_code, 1);
  EXPECT_EQ(bad_type.err, "mini-nslookup: unknown query type: NOPE\n");
  ProcessResult name_server = Nslookup({"host.example.test", "ns.example.test"});
  EXPECT_EQ(name_server.exit_code, 1);
  EXPECT_EQ(name_server.err,
            "mini-nslookup: server must be an IPv4 or IPv6 address: ns.example.test\n");
  EXPECT_EQ(name_server.out, "");
}

TEST(DefaultServerTest, FirstNameserverOrLoopback) {
  EXPECT_EQ(DefaultServer(ResolvConf("domain x\nnameserver\t::1 \nnameserver 10.0.0.1\n")),
            "::1");
  EXPECT_EQ(DefaultServer(ResolvConf("")), "127.0.0.1");
  EXPECT_EQ(DefaultServer(testing_util::TempDir() + "/missing.conf"), "127.0.0.1");
}

TEST(FormatServerAddressTest, HashBeforePort) {
  EXPECT_EQ(FormatServerAddress("127.0.0.1", 53), "127.0.0.1#53");
  EXPECT_EQ(FormatServerAddress("::1", 5300), "::1#5300");
}

}  // namespace
}  // namespace nslookup
