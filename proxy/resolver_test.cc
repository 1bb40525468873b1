#include "proxy/resolver.h"

#include <memory>

#include "absl/time/time.h"
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

TEST(ResolverTest, SystemAnswersLiteralsWithoutLookup) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  std::unique_ptr<Resolver> r = NewSystemResolver(loop.get());
  ASSERT_OK_AND_ASSIGN(auto a, ResolveOnLoop(loop.get(), r.get(), "127.0.0.2"));
  EXPECT_EQ(a.at(0).ToString(), "127.0.0.2:80");
}

}  // namespace
}  // namespace proxy
