// netns.h: a small routed network of Linux network namespaces for tests, removed on destruction.
//
//   h1 (10.77.1.2) ── veth ── r (10.77.1.1 | 10.77.2.1, forwarding) ── veth ── h2 (10.77.2.2)
//
//   absl::StatusOr<std::unique_ptr<RoutedNamespaces>> net = RoutedNamespaces::Create();
//   if (!net.ok()) GTEST_SKIP() << net.status();   // the sandbox forbids namespaces
//   ASSERT_OK_AND_ASSIGN(ProcessResult r, (*net)->Run("h1", Runfile("tools/ping/mini-ping"),
//                                                     {"-c1", "10.77.2.2"}));
//
// Names carry the process id, so tests running at once do not collide. The router answers
// ICMP errors without rate limiting, so every probe gets its answer.
#ifndef TESTING_NETNS_H_
#define TESTING_NETNS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "testing/subprocess.h"

namespace testing_util {

class RoutedNamespaces {
 public:
  static absl::StatusOr<std::unique_ptr<RoutedNamespaces>> Create();
  ~RoutedNamespaces();

  static constexpr char kH1[] = "10.77.1.2";
  static constexpr char kRouterH1Side[] = "10.77.1.1";
  static constexpr char kRouterH2Side[] = "10.77.2.1";
  static constexpr char kH2[] = "10.77.2.2";

  // Run runs `binary` inside namespace `host` ("h1", "r" or "h2").
  absl::StatusOr<ProcessResult> Run(const std::string& host, const std::string& binary,
                                    const std::vector<std::string>& args,
                                    absl::Duration timeout = absl::Seconds(60));
  // Shell runs a shell command inside `host`; an error unless it exits 0.
  absl::Status Shell(const std::string& host, const std::string& command);

 private:
  RoutedNamespaces() = default;
  std::string Name(const std::string& host) const { return host + "_" + suffix_; }

  std::string suffix_;
};

// NetnsTest is a fixture base: one RoutedNamespaces for the whole suite, and every test skipped
// (with the reason) when it cannot be built.
//
//   class MyTest : public testing_util::NetnsTest {};
//   TEST_F(MyTest, Works) { ASSERT_OK_AND_ASSIGN(auto r, net()->Run("h1", bin, args)); }
class NetnsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  static RoutedNamespaces* net() { return net_; }

 private:
  static RoutedNamespaces* net_;
  static std::string* skip_reason_;
};

}  // namespace testing_util

#endif  // TESTING_NETNS_H_
