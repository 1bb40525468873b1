#include "lib/net/event_loop.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace net {
namespace {

using ::testing::ElementsAre;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

struct Pipe {
  Pipe() {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    r = Fd(fds[0]);
    w = Fd(fds[1]);
  }
  Fd r, w;
};

TEST(EventLoopTest, ReadableCallbackAndUnwatchInsideCallback) {
  ASSERT_OK_AND_ASSIGN(auto loop, EventLoop::Create());
  Pipe p;
  std::string got;
  ASSERT_THAT(loop->Watch(p.r.get(), EventLoop::kReadable,
                          [&](uint32_t ev) {
                            EXPECT_TRUE(ev & EventLoop::kReadable);
                            char buf[16];
                            absl::StatusOr<size_t> n = ReadFd(p.r.get(), absl::MakeSpan(buf));
                            ASSERT_TRUE(n.ok());
                            got.append(buf, *n);
                            loop->Unwatch(p.r.get());
                            loop->Stop();
                          }),
              IsOk());
  ASSERT_THAT(WriteFd(p.w.get(), "abc"), IsOk());
  loop->Run();
  EXPECT_EQ(got, "abc");
}

TEST(EventLoopTest, TimersRunInDueOrderAndCancel) {
  ASSERT_OK_AND_ASSIGN(auto loop, EventLoop::Create());
  std::vector<int> order;
  loop->RunAfter(absl::Milliseconds(30), [&] { order.push_back(3); loop->Stop(); });
  loop->RunAfter(absl::Milliseconds(10), [&] { order.push_back(1); });
  EventLoop::TimerId cancelled = loop->RunAfter(absl::Milliseconds(20), [&] { order.push_back(2); });
  loop->RunAfter(absl::Milliseconds(15), [&] { order.push_back(15); });
  loop->Cancel(cancelled);
  absl::Time start = absl::Now();
  loop->Run();
  EXPECT_THAT(order, ElementsAre(1, 15, 3));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
}

TEST(EventLoopTest, PostFromAnotherThreadWakesTheLoop) {
  ASSERT_OK_AND_ASSIGN(auto loop, EventLoop::Create());
  std::thread::id ran_on;
  std::thread t([&] { loop->Post([&] { ran_on = std::this_thread::get_id(); loop->Stop(); }); });
  loop->Run();  // would block forever without the wake-up
  t.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(EventLoopTest, StopFromAnotherThreadBeforeRun) {
  ASSERT_OK_AND_ASSIGN(auto loop, EventLoop::Create());
  std::thread t([&] { loop->Stop(); });
  t.join();
  loop->Run();  // returns: the stop was not lost
  SUCCEED();
}

TEST(EventLoopTest, WritableAndHangup) {
  ASSERT_OK_AND_ASSIGN(auto loop, EventLoop::Create());
  Pipe p;
  uint32_t seen = 0;
  ASSERT_THAT(loop->Watch(p.w.get(), EventLoop::kWritable, [&](uint32_t ev) { seen |= ev; }),
              IsOk());
  ASSERT_THAT(loop->RunOnce(absl::Seconds(5)), IsOk());
  EXPECT_TRUE(seen & EventLoop::kWritable);
  // Close the read end: the writer sees an error condition.
  p.r.Close();
  seen = 0;
  ASSERT_THAT(loop->RunOnce(absl::Seconds(5)), IsOk());
  EXPECT_TRUE(seen & EventLoop::kError);
}

TEST(EventLoopTest, RewatchingSwapsTheCallbackWithTheSameOrNewEvents) {
  ASSERT_OK_AND_ASSIGN(auto loop, EventLoop::Create());
  Pipe p;
  std::string seen;
  ASSERT_THAT(loop->Watch(p.r.get(), EventLoop::kReadable, [&](uint32_t) { seen += "a"; }), IsOk());
  ASSERT_THAT(loop->Watch(p.r.get(), EventLoop::kReadable, [&](uint32_t) { seen += "b"; }), IsOk());
  ASSERT_THAT(WriteFd(p.w.get(), "x"), IsOk());
  ASSERT_THAT(loop->RunOnce(absl::Seconds(5)), IsOk());
  EXPECT_EQ(seen, "b");
  // Changing the events as well still takes effect.
  ASSERT_THAT(loop->Watch(p.r.get(), 0, [&](uint32_t) { seen += "c"; }), IsOk());
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(20)), IsOk());
  EXPECT_EQ(seen, "b");
  ASSERT_THAT(loop->Watch(p.r.get(), EventLoop::kReadable, [&](uint32_t) { seen += "d"; }), IsOk());
  ASSERT_THAT(loop->RunOnce(absl::Seconds(5)), IsOk());
  EXPECT_EQ(seen, "bd");
}

TEST(EventLoopTest, SetEventsAndRegularFileRefused) {
  ASSERT_OK_AND_ASSIGN(auto loop, EventLoop::Create());
  Pipe p;
  int calls = 0;
  ASSERT_THAT(loop->Watch(p.r.get(), 0, [&](uint32_t) { ++calls; }), IsOk());
  ASSERT_THAT(WriteFd(p.w.get(), "x"), IsOk());
  ASSERT_THAT(loop->RunOnce(absl::Milliseconds(20)), IsOk());
  EXPECT_EQ(calls, 0);
  ASSERT_THAT(loop->SetEvents(p.r.get(), EventLoop::kReadable), IsOk());
  ASSERT_THAT(loop->RunOnce(absl::Seconds(5)), IsOk());
  EXPECT_EQ(calls, 1);
  EXPECT_THAT(loop->SetEvents(12345, EventLoop::kReadable), StatusIs(absl::StatusCode::kNotFound));

  std::string path = std::string(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp") + "/f";
  Fd file(open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
  ASSERT_TRUE(file.valid());
  EXPECT_THAT(loop->Watch(file.get(), EventLoop::kReadable, [](uint32_t) {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace net
