#include "proxy/upstream_pool.h"

#include <sys/socket.h>

#include <memory>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/net/event_loop.h"
#include "lib/net/socket.h"
#include "testing/matchers.h"

namespace proxy {
namespace {

// Pair returns a connected, non-blocking socket pair: [0] for the pool, [1] as the "origin".
std::pair<net::Socket, net::Socket> Pair() {
  int fds[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  return {net::Socket(net::Fd(fds[0])), net::Socket(net::Fd(fds[1]))};
}

void Spin(net::EventLoop* loop, absl::Duration d) {
  absl::Time end = absl::Now() + d;
  while (absl::Now() < end) loop->RunOnce(absl::Milliseconds(10)).IgnoreError();
}

TEST(UpstreamPoolTest, TakeReturnsNewestAndHonoursThePerOriginLimit) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  UpstreamPool pool(loop.get(), 2, absl::Seconds(30));
  auto [a, a_peer] = Pair();
  auto [b, b_peer] = Pair();
  auto [c, c_peer] = Pair();
  int b_fd = b.fd(), c_fd = c.fd();
  pool.Put("o:1", std::move(a));
  pool.Put("o:1", std::move(b));
  pool.Put("o:1", std::move(c));  // pushes out a
  EXPECT_EQ(pool.size(), 2u);
  auto take = [&] { return pool.Take("o:1", net::EventLoop::kReadable, [](uint32_t) {}); };
  EXPECT_FALSE(pool.Take("other:1", net::EventLoop::kReadable, [](uint32_t) {}).has_value());
  std::optional<net::Socket> got = take();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->fd(), c_fd);
  loop->Unwatch(got->fd());
  got = take();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->fd(), b_fd);
  loop->Unwatch(got->fd());
  EXPECT_FALSE(take().has_value());
}

TEST(UpstreamPoolTest, TakenConnectionIsWatchedWithTheCallersCallback) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  UpstreamPool pool(loop.get(), 2, absl::Seconds(30));
  auto [a, a_peer] = Pair();
  // Put accepts a socket that is still watched (by its previous user).
  ASSERT_THAT(loop->Watch(a.fd(), net::EventLoop::kReadable, [](uint32_t) { FAIL(); }),
              testing_util::IsOk());
  pool.Put("o:1", std::move(a));
  int calls = 0;
  std::optional<net::Socket> got =
      pool.Take("o:1", net::EventLoop::kReadable, [&calls](uint32_t) { ++calls; });
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(a_peer.WriteAll("x").ok());
  Spin(loop.get(), absl::Milliseconds(50));
  EXPECT_GT(calls, 0);
  loop->Unwatch(got->fd());
}

TEST(UpstreamPoolTest, DropsConnectionsTheOriginClosesAndIdleOnes) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  UpstreamPool pool(loop.get(), 4, absl::Milliseconds(200));
  auto [a, a_peer] = Pair();
  auto [b, b_peer] = Pair();
  pool.Put("o:1", std::move(a));
  pool.Put("o:1", std::move(b));
  a_peer.Close();
  Spin(loop.get(), absl::Milliseconds(50));
  EXPECT_EQ(pool.size(), 1u);
  Spin(loop.get(), absl::Milliseconds(300));
  EXPECT_EQ(pool.size(), 0u);
}

// Recorder is a Waiter that keeps what it was handed.
struct Recorder : UpstreamPool::Waiter {
  void OnUpstreamReady(std::optional<net::Socket> sock) override {
    ++calls;
    if (sock.has_value()) {
      fd = sock->fd();
      got = std::move(sock);
    } else {
      slots++;
    }
  }
  int calls = 0;
  int slots = 0;
  int fd = -1;
  std::optional<net::Socket> got;
};

void RunRounds(net::EventLoop* loop, int n) {
  for (int i = 0; i < n; ++i) loop->RunOnce(absl::ZeroDuration()).IgnoreError();
}

TEST(UpstreamPoolTest, NewConnectionsAreCappedAndWaitersServedInOrder) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  UpstreamPool pool(loop.get(), 4, absl::Seconds(30), /*max_new=*/2);
  EXPECT_TRUE(pool.StartNew("o:1"));
  EXPECT_TRUE(pool.StartNew("o:1"));
  EXPECT_FALSE(pool.StartNew("o:1"));  // two unproven already
  EXPECT_TRUE(pool.StartNew("p:1"));   // per origin
  Recorder first, second, third;
  pool.Wait("o:1", &first);
  pool.Wait("o:1", &second);
  pool.Wait("o:1", &third);
  RunRounds(loop.get(), 2);
  EXPECT_EQ(first.calls + second.calls + third.calls, 0);  // nothing free yet

  // A connection parked by Put goes to the first waiter, not to a newcomer's Take.
  auto [a, a_peer] = Pair();
  int a_fd = a.fd();
  pool.Put("o:1", std::move(a));
  EXPECT_FALSE(pool.Take("o:1", net::EventLoop::kReadable, [](uint32_t) {}).has_value());
  EXPECT_EQ(first.calls, 0);  // never from inside Put
  RunRounds(loop.get(), 2);
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(first.fd, a_fd);
  EXPECT_EQ(pool.size(), 0u);

  // A proven connection frees its slot: the next waiter may connect.
  pool.EndNew("o:1");
  RunRounds(loop.get(), 2);
  EXPECT_EQ(second.calls, 1);
  EXPECT_EQ(second.slots, 1);
  EXPECT_EQ(third.calls, 0);  // the slot went to second: still two unproven
  EXPECT_FALSE(pool.StartNew("o:1"));

  // A waiter that gives up is never called.
  pool.CancelWait(&third);
  pool.EndNew("o:1");
  RunRounds(loop.get(), 2);
  EXPECT_EQ(third.calls, 0);
  EXPECT_TRUE(pool.StartNew("o:1"));  // the queue is empty and a slot is free
  loop->Unwatch(first.fd);
}

TEST(UpstreamPoolTest, WithoutACapEveryNewConnectionMayStart) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<net::EventLoop> loop, net::EventLoop::Create());
  UpstreamPool pool(loop.get(), 4, absl::Seconds(30));
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(pool.StartNew("o:1"));
}

}  // namespace
}  // namespace proxy
