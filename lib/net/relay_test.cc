#include "lib/net/relay.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <random>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace net {
namespace {

using ::testing_util::IsOk;

std::string RandomBytes(size_t n) {
  std::mt19937 rng(42);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string TempPath(const std::string& name) {
  const char* dir = getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// FileWith writes `data` to the temp file `name` and opens it for reading.
Fd FileWith(const std::string& name, absl::string_view data) {
  const std::string path = TempPath(name);
  {
    Fd f(open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600));
    EXPECT_THAT(WriteAllFd(f.get(), data), IsOk());
  }
  return Fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

// Drains `fd` on a thread until end of stream.
std::thread Drain(int fd, std::string* out) {
  return std::thread([fd, out] {
    char buf[65536];
    while (true) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) return;
      out->append(buf, n);
    }
  });
}

TEST(RelayTest, CopiesBothWaysWithHalfClose) {
  // a[0] plays the network peer; a[1] is "the socket" relayed to/from two pipes.
  int sp[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  Fd peer(sp[0]), sock(sp[1]);
  int in[2], out[2];
  ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  Fd in_r(in[0]), in_w(in[1]), out_r(out[0]), out_w(out[1]);

  ASSERT_OK_AND_ASSIGN(auto loop, EventLoop::Create());
  Relay relay(loop.get(), {{in_r.get(), sock.get(), true}, {sock.get(), out_w.get(), false}},
              4096);
  int done = 0;
  absl::Status statuses[2];
  relay.set_on_stream_done([&](size_t i, const absl::Status& s) {
    statuses[i] = s;
    if (i == 1) out_w.Close();  // like nc: network EOF closes stdout
    if (++done == 2) loop->Stop();
  });
  ASSERT_THAT(relay.Start(), IsOk());

  const std::string up = RandomBytes(3 << 20), down = RandomBytes(5 << 20);
  std::string peer_got, stdout_got;
  std::thread peer_reader = Drain(peer.get(), &peer_got);
  std::thread stdout_reader = Drain(out_r.get(), &stdout_got);
  std::thread stdin_writer([&] {
    ASSERT_THAT(WriteAllFd(in_w.get(), up), IsOk());
    in_w.Close();
  });
  std::thread peer_writer([&] {
    ASSERT_THAT(WriteAllFd(peer.get(), down), IsOk());
    shutdown(peer.get(), SHUT_WR);
  });
  loop->Run();
  stdin_writer.join();
  peer_writer.join();
  peer_reader.join();  // ends because the relay shut down the socket's write side
  stdout_reader.join();
  EXPECT_THAT(statuses[0], IsOk());
  EXPECT_THAT(statuses[1], IsOk());
  EXPECT_EQ(relay.bytes(0), up.size());
  EXPECT_EQ(relay.bytes(1), down.size());
  EXPECT_TRUE(peer_got == up);
  EXPECT_TRUE(stdout_got == down);
}

// RelayOne runs one stream src → dst to its end and returns its status; `out_r` (the read
// end of dst when dst is a pipe, else -1) is drained on a thread into `*got` while it runs.
absl::Status RelayOne(int src, Fd& dst, int out_r, std::string* got, size_t* bytes) {
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create();
  if (!loop.ok()) return loop.status();
  Relay relay(loop->get(), {{src, dst.get(), false}});
  absl::Status result = absl::UnknownError("not finished");
  relay.set_on_stream_done([&](size_t, const absl::Status& s) {
    result = s;
    dst.Close();  // the reader sees end of stream
    (*loop)->Stop();
  });
  std::thread reader;
  if (out_r >= 0) reader = Drain(out_r, got);
  absl::Status started = relay.Start();
  if (started.ok() && !relay.all_done()) (*loop)->Run();
  if (!started.ok()) dst.Close();
  if (reader.joinable()) reader.join();
  *bytes = relay.bytes(0);
  return started.ok() ? result : started;
}

// RelayToSocket relays `src` into one end of a socket pair, as RelayOne does, draining the
// other end into `*got`.
absl::Status RelayToSocket(int src, std::string* got, size_t* bytes) {
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) {
    return ErrnoStatus(errno, "socketpair");
  }
  Fd peer(sp[0]), sock(sp[1]);
  return RelayOne(src, sock, peer.get(), got, bytes);
}

TEST(RelayTest, RegularFileSourceIsReadWithoutEpoll) {
  const std::string data = RandomBytes(1 << 20);
  Fd file = FileWith("src", data);
  std::string got;
  size_t bytes = 0;
  EXPECT_THAT(RelayToSocket(file.get(), &got, &bytes), IsOk());
  EXPECT_EQ(bytes, data.size());
  EXPECT_TRUE(got == data);
}

TEST(RelayTest, PipeToPipeMovesEveryByteThroughAFullDestination) {
  // More than any pipe holds, so the relay must wait for the destination to drain.
  const std::string data = RandomBytes(6 << 20);
  int in[2], out[2];
  ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  Fd in_r(in[0]), in_w(in[1]), out_r(out[0]), out_w(out[1]);
  std::thread writer([&] {
    EXPECT_THAT(WriteAllFd(in_w.get(), data), IsOk());
    in_w.Close();
  });
  std::string got;
  size_t bytes = 0;
  EXPECT_THAT(RelayOne(in_r.get(), out_w, out_r.get(), &got, &bytes), IsOk());
  writer.join();
  EXPECT_EQ(bytes, data.size());
  EXPECT_TRUE(got == data);
}

TEST(RelayTest, RegularFileToPipeWaitsForTheReader) {
  const std::string data = RandomBytes(5 << 20);
  Fd file = FileWith("to_pipe", data);
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  Fd out_r(out[0]), out_w(out[1]);
  std::string got;
  size_t bytes = 0;
  EXPECT_THAT(RelayOne(file.get(), out_w, out_r.get(), &got, &bytes), IsOk());
  EXPECT_EQ(bytes, data.size());
  EXPECT_TRUE(got == data);
}

TEST(RelayTest, AppendOnlyFileDestinationIsWritten) {
  // splice(2) refuses O_APPEND files; the relay copies instead (like `nc -l P >> log`).
  Fd f = FileWith("append", "head:");
  Fd log(open(TempPath("append").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  const std::string data = RandomBytes(300000);
  int in[2];
  ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
  Fd in_r(in[0]), in_w(in[1]);
  std::thread writer([&] {
    EXPECT_THAT(WriteAllFd(in_w.get(), data), IsOk());
    in_w.Close();
  });
  std::string unused;
  size_t bytes = 0;
  EXPECT_THAT(RelayOne(in_r.get(), log, -1, &unused, &bytes), IsOk());
  writer.join();
  EXPECT_EQ(bytes, data.size());
  std::string got;
  Drain(f.get(), &got).join();
  EXPECT_TRUE(got == "head:" + data);
}

TEST(RelayTest, FileThatCannotBeSentWithSendfileIsCopied) {
  // sendfile(2) refuses most of /proc with EINVAL; the relay falls back to read/write.
  Fd file(open("/proc/self/status", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(file.valid());
  std::string got;
  size_t bytes = 0;
  EXPECT_THAT(RelayToSocket(file.get(), &got, &bytes), IsOk());
  EXPECT_THAT(got, ::testing::StartsWith("Name:"));
  EXPECT_EQ(bytes, got.size());
}

TEST(RelayTest, WriteErrorFinishesStreamWithError) {
  signal(SIGPIPE, SIG_IGN);
  int in[2], out[2];
  ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  Fd in_r(in[0]), in_w(in[1]), out_r(out[0]), out_w(out[1]);
  out_r.Close();  // nobody reads the destination
  ASSERT_OK_AND_ASSIGN(auto loop, EventLoop::Create());
  Relay relay(loop.get(), {{in_r.get(), out_w.get(), false}});
  absl::Status result;
  relay.set_on_stream_done([&](size_t, const absl::Status& s) {
    result = s;
    loop->Stop();
  });
  ASSERT_THAT(relay.Start(), IsOk());
  ASSERT_THAT(WriteFd(in_w.get(), "data"), IsOk());
  loop->Run();
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(relay.all_done());
}

// UnreadableSourceToSocket relays a directory (read(2) fails with EISDIR) into a socket
// with shutdown_dst_on_eof and returns the stream's status; `peer_eof` says whether the
// other end of the socket saw end of stream.
absl::Status UnreadableSourceToSocket(bool error_is_eof, bool* peer_eof) {
  int sp[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  Fd peer(sp[0]), sock(sp[1]);
  Fd dir(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  EXPECT_TRUE(dir.valid());
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create();
  EXPECT_THAT(loop, IsOk());
  Relay relay(loop->get(), {{.src = dir.get(), .dst = sock.get(), .shutdown_dst_on_eof = true,
                             .src_error_is_eof = error_is_eof}});
  absl::Status result = absl::UnknownError("not done");
  relay.set_on_stream_done([&](size_t, const absl::Status& s) {
    result = s;
    (*loop)->Stop();
  });
  EXPECT_THAT(relay.Start(), IsOk());
  if (!relay.all_done()) (*loop)->Run();
  char c;
  *peer_eof = recv(peer.get(), &c, 1, MSG_DONTWAIT) == 0;
  return result;
}

TEST(RelayTest, AReadErrorCanEndTheSourceLikeEof) {
  bool peer_eof = false;
  EXPECT_THAT(UnreadableSourceToSocket(true, &peer_eof), IsOk());
  EXPECT_TRUE(peer_eof);  // shut down as at end of file
  EXPECT_THAT(UnreadableSourceToSocket(false, &peer_eof),
              testing_util::StatusIs(absl::StatusCode::kFailedPrecondition,
                                     ::testing::HasSubstr("Is a directory")));
  EXPECT_FALSE(peer_eof);
}

TEST(RelayTest, DestroyingRelayInsideDoneCallbackIsSafe) {
  int in[2], out[2];
  ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  Fd in_r(in[0]), in_w(in[1]), out_r(out[0]), out_w(out[1]);
  ASSERT_OK_AND_ASSIGN(auto loop, EventLoop::Create());
  auto relay = std::make_unique<Relay>(
      loop.get(), std::vector<Relay::Stream>{{in_r.get(), out_w.get(), false},
                                             {in_r.get(), out_w.get(), false}});
  relay->set_on_stream_done([&](size_t, const absl::Status&) {
    relay.reset();
    loop->Stop();
  });
  ASSERT_THAT(relay->Start(), IsOk());
  in_w.Close();
  loop->Run();
  EXPECT_EQ(relay, nullptr);
}

}  // namespace
}  // namespace net
