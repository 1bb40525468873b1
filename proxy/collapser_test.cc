#include "proxy/collapser.h"

#include <memory>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/cache/store.h"
#include "lib/net/event_loop.h"
#include "testing/matchers.h"

namespace proxy {
namespace {

using State = Fill::State;

TEST(CollapserTest, FirstJoinLeadsLaterOnesWait) {
  Collapser c;
  Collapser::Joined a = c.Join("k");
  Collapser::Joined b = c.Join("k");
  Collapser::Joined other = c.Join("other");
  EXPECT_TRUE(a.leader);
  EXPECT_FALSE(b.leader);
  EXPECT_TRUE(other.leader);
  EXPECT_EQ(a.fill, b.fill);
  EXPECT_EQ(c.collapsed(), 1u);
  EXPECT_EQ(c.in_flight(), 2u);
}

TEST(CollapserTest, FinishedFillLeavesTheMap) {
  Collapser c;
  Collapser::Joined a = c.Join("k");
  a.fill->Publish(cache::EntryMeta{.status = 200}, 5);
  a.fill->Append("hello");
  a.fill->Finish(State::kDone);
  EXPECT_EQ(c.in_flight(), 0u);
  Collapser::Joined next = c.Join("k");
  EXPECT_TRUE(next.leader);
  EXPECT_NE(next.fill, a.fill);
  // The finished fill still serves whoever holds it.
  std::string out;
  State state;
  EXPECT_EQ(a.fill->Read(0, 100, &out, &state), 5u);
  EXPECT_EQ(out, "hello");
  EXPECT_EQ(state, State::kDone);
}

TEST(CollapserTest, ReadFromOffsetsAsTheBodyGrows) {
  Collapser c;
  std::shared_ptr<Fill> f = c.Join("k").fill;
  std::string out;
  State state;
  EXPECT_EQ(f->Read(0, 10, &out, &state), 0u);
  EXPECT_EQ(state, State::kWaiting);
  f->Append("ignored before publish");
  f->Publish(cache::EntryMeta{.status = 200}, std::nullopt);
  EXPECT_EQ(f->content_length(), std::nullopt);
  f->Append("abc");
  f->Append("defg");
  EXPECT_EQ(f->Read(0, 2, &out, &state), 2u);
  EXPECT_EQ(f->Read(2, 100, &out, &state), 5u);
  EXPECT_EQ(out, "abcdefg");
  EXPECT_EQ(state, State::kStreaming);
  f->Finish(State::kFailed);
  EXPECT_EQ(f->Read(7, 100, &out, &state), 0u);
  EXPECT_EQ(state, State::kFailed);
  f->Finish(State::kDone);  // ignored: already finished
  EXPECT_EQ(f->state(), State::kFailed);
}

TEST(CollapserTest, UncacheableAfterPublishIsAFailureAndDoneWithoutHeadIsUncacheable) {
  Collapser c;
  std::shared_ptr<Fill> published = c.Join("a").fill;
  published->Publish(cache::EntryMeta{}, 1);
  published->Finish(State::kUncacheable);
  EXPECT_EQ(published->state(), State::kFailed);
  std::shared_ptr<Fill> headless = c.Join("b").fill;
  headless->Finish(State::kDone);
  EXPECT_EQ(headless->state(), State::kUncacheable);
}

// Waiters on other threads' loops are woken for every change and see the whole body.
TEST(CollapserTest, WaitersOnOtherLoopsStreamTheBody) {
  Collapser c;
  Collapser::Joined leader = c.Join("k");
  constexpr int kWaiters = 3;
  std::vector<std::thread> threads;
  std::vector<std::string> got(kWaiters);
  std::vector<std::unique_ptr<net::EventLoop>> loops;
  for (int i = 0; i < kWaiters; ++i) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
    loops.push_back(std::move(loop));
  }
  absl::Mutex mu;
  int subscribed = 0;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&, i] {
      net::EventLoop* loop = loops[i].get();
      Collapser::Joined j = c.Join("k");
      EXPECT_FALSE(j.leader);
      auto waker = std::make_shared<LoopWaker>(loop, [&, loop, fill = j.fill] {
        State state;
        fill->Read(got[i].size(), 1 << 20, &got[i], &state);
        if (state == State::kDone && got[i].size() == 10000) loop->Stop();
      });
      j.fill->Subscribe(waker);
      {
        absl::MutexLock lock(&mu);
        ++subscribed;
      }
      loop->Run();
      waker->Cancel();
    });
  }
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(+[](int* n) { return *n == kWaiters; }, &subscribed));
  }
  leader.fill->Publish(cache::EntryMeta{.status = 200}, 10000);
  for (int i = 0; i < 100; ++i) leader.fill->Append(std::string(100, static_cast<char>('a' + i % 26)));
  leader.fill->Finish(State::kDone);
  for (std::thread& t : threads) t.join();
  std::string want;
  for (int i = 0; i < 100; ++i) want += std::string(100, static_cast<char>('a' + i % 26));
  for (const std::string& g : got) EXPECT_EQ(g, want);
}

TEST(CollapserTest, OneBackgroundRevalidationPerKey) {
  Collapser c;
  EXPECT_TRUE(c.StartRevalidation("k"));
  EXPECT_FALSE(c.StartRevalidation("k"));
  EXPECT_TRUE(c.StartRevalidation("other"));
  c.EndRevalidation("k");
  EXPECT_TRUE(c.StartRevalidation("k"));
}

TEST(LoopWakerTest, CoalescesAndStopsAfterCancel) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  int calls = 0;
  auto waker = std::make_shared<LoopWaker>(loop.get(), [&] { ++calls; });
  waker->Wake();
  waker->Wake();
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(100)), testing_util::IsOk());
  EXPECT_EQ(calls, 1);
  waker->Wake();
  waker->Cancel();
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(100)), testing_util::IsOk());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace proxy
