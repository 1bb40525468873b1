#include "lib/net/lazy_timer.h"

#include <memory>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/net/event_loop.h"
#include "testing/matchers.h"

namespace net {
namespace {

// RunUntil runs the loop until `done` or `limit` passes.
template <typename F>
void RunUntil(EventLoop& loop, F done, absl::Duration limit) {
  absl::Time end = absl::Now() + limit;
  while (!done() && absl::Now() < end) {
    ASSERT_THAT(loop.RunOnce(absl::Milliseconds(10)), testing_util::IsOk());
  }
}

TEST(LazyTimerTest, FiresOnceAtTheDeadline) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLoop> loop, EventLoop::Create());
  int fired = 0;
  absl::Time at;
  LazyTimer t(loop.get(), [&] {
    ++fired;
    at = absl::Now();
  });
  absl::Time start = absl::Now();
  t.Set(start + absl::Milliseconds(30));
  EXPECT_TRUE(t.armed());
  RunUntil(*loop, [&] { return fired > 0; }, absl::Seconds(5));
  EXPECT_EQ(fired, 1);
  EXPECT_GE(at - start, absl::Milliseconds(29));
  EXPECT_FALSE(t.armed());
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(50)), testing_util::IsOk());
  EXPECT_EQ(fired, 1);
}

TEST(LazyTimerTest, MovingLaterWaitsForTheLaterDeadline) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLoop> loop, EventLoop::Create());
  int fired = 0;
  absl::Time at;
  LazyTimer t(loop.get(), [&] {
    ++fired;
    at = absl::Now();
  });
  absl::Time start = absl::Now();
  t.Set(start + absl::Milliseconds(20));
  t.Set(start + absl::Milliseconds(80));  // later: the first timer fires early and re-arms
  RunUntil(*loop, [&] { return fired > 0; }, absl::Seconds(5));
  EXPECT_EQ(fired, 1);
  EXPECT_GE(at - start, absl::Milliseconds(79));
}

TEST(LazyTimerTest, MovingEarlierFiresEarlier) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLoop> loop, EventLoop::Create());
  int fired = 0;
  LazyTimer t(loop.get(), [&] { ++fired; });
  absl::Time start = absl::Now();
  t.Set(start + absl::Seconds(30));
  t.Set(start + absl::Milliseconds(20));
  RunUntil(*loop, [&] { return fired > 0; }, absl::Seconds(5));
  EXPECT_EQ(fired, 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(LazyTimerTest, ClearedTimerNeverRunsAndCanBeSetAgain) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLoop> loop, EventLoop::Create());
  int fired = 0;
  LazyTimer t(loop.get(), [&] { ++fired; });
  t.SetAfter(absl::Milliseconds(10));
  t.Clear();
  absl::Time end = absl::Now() + absl::Milliseconds(60);
  while (absl::Now() < end) ASSERT_THAT(loop->RunOnce(absl::Milliseconds(10)), testing_util::IsOk());
  EXPECT_EQ(fired, 0);
  t.SetAfter(absl::Milliseconds(10));
  RunUntil(*loop, [&] { return fired > 0; }, absl::Seconds(5));
  EXPECT_EQ(fired, 1);
}

TEST(LazyTimerTest, DestroyingTheTimerCancelsIt) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLoop> loop, EventLoop::Create());
  int fired = 0;
  {
    LazyTimer t(loop.get(), [&] { ++fired; });
    t.SetAfter(absl::Milliseconds(5));
  }
  absl::Time end = absl::Now() + absl::Milliseconds(40);
  while (absl::Now() < end) ASSERT_THAT(loop->RunOnce(absl::Milliseconds(10)), testing_util::IsOk());
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace net
