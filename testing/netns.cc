#include "testing/netns.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace testing_util {
namespace {

// Bazel runs tests with PATH=/bin:/usr/bin; ip, sysctl and nft live in sbin.
constexpr char kPath[] = "PATH=/usr/sbin:/sbin:/usr/bin:/bin; export PATH; ";

absl::Status Sh(const std::string& cmd) {
  absl::StatusOr<ProcessResult> r = RunProcess("/bin/sh", {"-c", kPath + cmd + " 2>&1"});
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return absl::FailedPreconditionError(absl::StrCat("`", cmd, "` failed: ", r->out));
  }
  return absl::OkStatus();
}

std::string IpBinary() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "ip";
}

}  // namespace

absl::StatusOr<std::unique_ptr<RoutedNamespaces>> RoutedNamespaces::Create() {
  auto n = std::unique_ptr<RoutedNamespaces>(new RoutedNamespaces());
  n->suffix_ = absl::StrCat(getpid() % 100000);
  const std::string h1 = n->Name("h1"), r = n->Name("r"), h2 = n->Name("h2");
  const std::string a = "va" + n->suffix_, b = "vb" + n->suffix_;
  for (const std::string& cmd : std::vector<std::string>{
           "ip netns add " + h1, "ip netns add " + r, "ip netns add " + h2,
           "ip link add " + a + " netns " + h1 + " type veth peer name " + a + "r netns " + r,
           "ip link add " + b + " netns " + h2 + " type veth peer name " + b + "r netns " + r,
           "ip -n " + h1 + " addr add " + kH1 + "/24 dev " + a,
           "ip -n " + r + " addr add " + kRouterH1Side + "/24 dev " + a + "r",
           "ip -n " + r + " addr add " + kRouterH2Side + "/24 dev " + b + "r",
           "ip -n " + h2 + " addr add " + kH2 + "/24 dev " + b,
           "ip -n " + h1 + " link set lo up", "ip -n " + r + " link set lo up",
           "ip -n " + h2 + " link set lo up", "ip -n " + h1 + " link set " + a + " up",
           "ip -n " + r + " link set " + a + "r up", "ip -n " + r + " link set " + b + "r up",
           "ip -n " + h2 + " link set " + b + " up",
           "ip -n " + h1 + " route add default via " + kRouterH1Side,
           "ip -n " + h2 + " route add default via " + kRouterH2Side,
           "ip netns exec " + r + " sysctl -qw net.ipv4.ip_forward=1",
           "ip netns exec " + r + " sysctl -qw net.ipv4.icmp_ratelimit=0",
           "ip netns exec " + h2 + " sysctl -qw net.ipv4.icmp_ratelimit=0",
       }) {
    if (absl::Status s = Sh(cmd); !s.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot build test namespaces: ", s.message()));
    }
  }
  return n;
}

RoutedNamespaces::~RoutedNamespaces() {
  for (const char* host : {"h1", "r", "h2"}) {
    (void)Sh("ip netns del " + Name(host) + " 2>/dev/null || true");
  }
}

absl::StatusOr<ProcessResult> RoutedNamespaces::Run(const std::string& host,
                                                    const std::string& binary,
                                                    const std::vector<std::string>& args,
                                                    absl::Duration timeout) {
  std::vector<std::string> all = {"netns", "exec", Name(host), binary};
  all.insert(all.end(), args.begin(), args.end());
  return RunProcess(IpBinary(), all, {}, timeout);
}

absl::Status RoutedNamespaces::Shell(const std::string& host, const std::string& command) {
  return Sh("ip netns exec " + Name(host) + " " + command);
}

RoutedNamespaces* NetnsTest::net_ = nullptr;
std::string* NetnsTest::skip_reason_ = nullptr;

void NetnsTest::SetUpTestSuite() {
  absl::StatusOr<std::unique_ptr<RoutedNamespaces>> n = RoutedNamespaces::Create();
  if (n.ok()) {
    net_ = n->release();
  } else {
    skip_reason_ = new std::string(n.status().message());
  }
}

void NetnsTest::TearDownTestSuite() {
  delete net_;
  net_ = nullptr;
  delete skip_reason_;
  skip_reason_ = nullptr;
}

void NetnsTest::SetUp() {
  if (net_ == nullptr) GTEST_SKIP() << (skip_reason_ ? *skip_reason_ : "no namespaces");
}

}  // namespace testing_util
