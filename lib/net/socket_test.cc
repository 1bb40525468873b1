#include "lib/net/socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"

namespace net {
namespace {

using ::testing::HasSubstr;
using ::testing_util::IsOk;
using ::testing_util::StatusIs;

absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

// ConnectedPair is a connected loopback TCP pair (the listener is gone once it returns).
struct ConnectedPair {
  Socket client;
  Socket server;
};
absl::StatusOr<ConnectedPair> Connected() {
  absl::StatusOr<Socket> listener = Listen(Address::Loopback(AF_INET, 0));
  if (!listener.ok()) return listener.status();
  absl::StatusOr<Address> addr = listener->LocalAddress();
  if (!addr.ok()) return addr.status();
  absl::StatusOr<Socket> client = Connect(*addr, Soon());
  if (!client.ok()) return client.status();
  absl::StatusOr<std::optional<std::pair<Socket, Address>>> accepted = listener->Accept();
  if (!accepted.ok()) return accepted.status();
  if (!accepted->has_value()) return absl::InternalError("nothing to accept");
  return ConnectedPair{*std::move(client), std::move((*accepted)->first)};
}

std::string ReadAll(Socket& s) {
  std::string out;
  char buf[4096];
  while (true) {
    absl::StatusOr<size_t> n = s.Read(absl::MakeSpan(buf));
    if (!n.ok() || *n == 0) return out;
    out.append(buf, *n);
  }
}

TEST(SocketTest, ListenOnPortZeroConnectAndHalfClose) {
  for (int family : {AF_INET, AF_INET6}) {
    ASSERT_OK_AND_ASSIGN(Socket listener, Listen(Address::Loopback(family, 0)));
    ASSERT_OK_AND_ASSIGN(Address addr, listener.LocalAddress());
    ASSERT_NE(addr.port(), 0);
    ASSERT_OK_AND_ASSIGN(Socket client, Connect(addr, Soon()));
    ASSERT_OK_AND_ASSIGN(auto accepted, listener.Accept());
    ASSERT_TRUE(accepted.has_value());
    Socket server = std::move(accepted->first);
    ASSERT_OK_AND_ASSIGN(Address client_local, client.LocalAddress());
    EXPECT_EQ(accepted->second, client_local);

    ASSERT_THAT(client.WriteAll("hello"), IsOk());
    ASSERT_THAT(client.ShutdownWrite(), IsOk());
    EXPECT_EQ(ReadAll(server), "hello");
    // The other direction still works after the half-close.
    ASSERT_THAT(server.WriteAll("world"), IsOk());
    server.Close();
    EXPECT_EQ(ReadAll(client), "world");
  }
}

TEST(SocketTest, ConnectRefusedNamesAddress) {
  // Find a port nobody listens on: bind one, note it, close it.
  Address addr;
  {
    ASSERT_OK_AND_ASSIGN(Socket l, Listen(Address::Loopback(AF_INET, 0)));
    ASSERT_OK_AND_ASSIGN(addr, l.LocalAddress());
  }
  EXPECT_THAT(Connect(addr, Soon()),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("connect " + addr.ToString() + ": Connection refused")));
}

// WaitWritable polls `s` for POLLOUT for up to 10 s.
bool WaitWritable(const Socket& s) {
  pollfd p = {s.fd(), POLLOUT, 0};
  return ::poll(&p, 1, 10000) == 1;
}

TEST(SocketTest, StartConnectThenFinishConnect) {
  ASSERT_OK_AND_ASSIGN(Socket listener, Listen(Address::Loopback(AF_INET, 0)));
  ASSERT_OK_AND_ASSIGN(Address addr, listener.LocalAddress());
  ASSERT_OK_AND_ASSIGN(Socket s, StartConnect(addr));
  char c;
  EXPECT_EQ(*s.Read(absl::MakeSpan(&c, 1)), kWouldBlock);  // non-blocking
  ASSERT_TRUE(WaitWritable(s));
  EXPECT_THAT(FinishConnect(s, addr), IsOk());
  ASSERT_OK_AND_ASSIGN(auto accepted, listener.Accept());
  EXPECT_TRUE(accepted.has_value());

  listener.Close();  // nothing listens there now
  // Loopback may refuse at once or only once the socket is writable: either way, one error.
  absl::StatusOr<Socket> refused = StartConnect(addr);
  absl::Status status = refused.status();
  if (refused.ok()) {
    ASSERT_TRUE(WaitWritable(*refused));
    status = FinishConnect(*refused, addr);
  }
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                               HasSubstr("connect " + addr.ToString() + ": Connection refused")));
}

TEST(SocketTest, ConnectAnyTriesEachAddressAndReportsLastError) {
  ASSERT_OK_AND_ASSIGN(Socket listener, Listen(Address::Loopback(AF_INET, 0)));
  ASSERT_OK_AND_ASSIGN(Address good, listener.LocalAddress());
  Address dead;
  {
    ASSERT_OK_AND_ASSIGN(Socket l, Listen(Address::Loopback(AF_INET6, 0)));
    ASSERT_OK_AND_ASSIGN(dead, l.LocalAddress());
  }
  std::vector<Address> addrs = {dead, good};
  ASSERT_OK_AND_ASSIGN(Socket s, ConnectAny(addrs, Soon()));
  ASSERT_OK_AND_ASSIGN(Address peer, s.PeerAddress());
  EXPECT_EQ(peer, good);
  std::vector<Address> only_dead = {dead};
  EXPECT_THAT(ConnectAny(only_dead, Soon()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(dead.ToString())));
  EXPECT_THAT(ConnectAny({}, Soon()), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SocketTest, ConnectHonoursDeadline) {
  // Linux drops SYNs to a listener whose accept queue is full, so once a backlog-0 listener
  // holds unaccepted connections, a further connect stays pending until our deadline.
  ListenOptions opts;
  opts.backlog = 0;
  ASSERT_OK_AND_ASSIGN(Socket listener, Listen(Address::Loopback(AF_INET, 0), opts));
  ASSERT_OK_AND_ASSIGN(Address addr, listener.LocalAddress());
  std::vector<Socket> fillers;
  absl::Status last;
  for (int i = 0; i < 8 && last.ok(); ++i) {
    absl::StatusOr<Socket> s = Connect(addr, absl::Now() + absl::Milliseconds(300));
    if (s.ok()) {
      fillers.push_back(*std::move(s));
    } else {
      last = s.status();
    }
  }
  EXPECT_THAT(last, StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("timed out")));
  // And a deadline already passed fails at once.
  absl::Time start = absl::Now();
  EXPECT_THAT(Connect(addr, absl::Now() - absl::Seconds(1)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST(SocketTest, ConnectWithSourceAddress) {
  ASSERT_OK_AND_ASSIGN(Socket listener, Listen(Address::Loopback(AF_INET, 0)));
  ASSERT_OK_AND_ASSIGN(Address addr, listener.LocalAddress());
  ConnectOptions opts;
  opts.source = *Address::Parse("127.0.0.2:0");
  ASSERT_OK_AND_ASSIGN(Socket s, Connect(addr, Soon(), opts));
  ASSERT_OK_AND_ASSIGN(Address local, s.LocalAddress());
  EXPECT_EQ(local.IpString(), "127.0.0.2");
}

TEST(SocketTest, NonBlockingReadReportsWouldBlock) {
  ASSERT_OK_AND_ASSIGN(Socket listener, Listen(Address::Loopback(AF_INET, 0)));
  ASSERT_OK_AND_ASSIGN(Address addr, listener.LocalAddress());
  ASSERT_OK_AND_ASSIGN(Socket client, Connect(addr, Soon()));
  ASSERT_THAT(client.SetNonBlocking(true), IsOk());
  char buf[16];
  ASSERT_OK_AND_ASSIGN(size_t n, client.Read(absl::MakeSpan(buf)));
  EXPECT_EQ(n, kWouldBlock);
  ASSERT_THAT(listener.SetNonBlocking(true), IsOk());
  ASSERT_OK_AND_ASSIGN(auto first, listener.Accept());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(fcntl(first->first.fd(), F_GETFL) & O_NONBLOCK, 0);  // blocking unless asked
  ASSERT_OK_AND_ASSIGN(auto none, listener.Accept());
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(Socket second_client, Connect(addr, Soon()));
  ASSERT_OK_AND_ASSIGN(auto second, listener.Accept(/*nonblocking=*/true));
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(fcntl(second->first.fd(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(fcntl(second->first.fd(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(SocketTest, WriteVWritesBothPartsInOrder) {
  ASSERT_OK_AND_ASSIGN(ConnectedPair pair, Connected());
  Socket& client = pair.client;
  Socket& server = pair.server;
  ASSERT_OK_AND_ASSIGN(size_t n, client.WriteV("head:", "body"));
  EXPECT_EQ(n, 9u);
  ASSERT_OK_AND_ASSIGN(n, client.WriteV("", "x"));
  EXPECT_EQ(n, 1u);
  ASSERT_THAT(client.ShutdownWrite(), IsOk());
  EXPECT_EQ(ReadAll(server), "head:bodyx");
}

TEST(SocketTest, WriteAllOnNonBlockingSocketWritesEverything) {
  ASSERT_OK_AND_ASSIGN(ConnectedPair pair, Connected());
  Socket& client = pair.client;
  Socket& server = pair.server;
  const std::string big(8 << 20, 'x');  // far more than the socket buffers hold
  std::string got;
  std::thread reader([&] { got = ReadAll(server); });
  ASSERT_THAT(client.SetNonBlocking(true), IsOk());
  ASSERT_THAT(client.WriteAll(big), IsOk());
  ASSERT_THAT(client.ShutdownWrite(), IsOk());
  reader.join();
  EXPECT_EQ(got.size(), big.size());
  EXPECT_EQ(got, big);
}

TEST(SocketTest, UdpSendAndReceiveWithPeer) {
  for (int family : {AF_INET, AF_INET6}) {
    ListenOptions udp;
    udp.type = SOCK_DGRAM;
    ASSERT_OK_AND_ASSIGN(Socket a, Listen(Address::Loopback(family, 0), udp));
    ASSERT_OK_AND_ASSIGN(Socket b, Listen(Address::Loopback(family, 0), udp));
    ASSERT_OK_AND_ASSIGN(Address a_addr, a.LocalAddress());
    ASSERT_OK_AND_ASSIGN(Address b_addr, b.LocalAddress());
    ASSERT_OK_AND_ASSIGN(size_t sent, b.SendTo("ping", &a_addr));
    EXPECT_EQ(sent, 4u);
    char buf[64];
    Address from;
    ASSERT_OK_AND_ASSIGN(size_t n, a.RecvFrom(absl::MakeSpan(buf), &from));
    EXPECT_EQ(std::string(buf, n), "ping");
    EXPECT_EQ(from, b_addr);
  }
}

TEST(SocketTest, UnixDomainStream) {
  // TEST_TMPDIR is too long for sun_path (108 bytes): use a fresh directory under /tmp.
  char dir[] = "/tmp/socktest-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/s";
  ASSERT_OK_AND_ASSIGN(Address addr, Address::Unix(path));
  ASSERT_OK_AND_ASSIGN(Socket listener, Listen(addr));
  ASSERT_OK_AND_ASSIGN(Socket client, Connect(addr, Soon()));
  ASSERT_OK_AND_ASSIGN(auto accepted, listener.Accept());
  ASSERT_THAT(client.WriteAll("unix"), IsOk());
  client.Close();
  EXPECT_EQ(ReadAll(accepted->first), "unix");
  unlink(path.c_str());
  rmdir(dir);
}

TEST(FdTest, ClosesOnDestructionAndMove) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  {
    Fd r(fds[0]);
    Fd moved = std::move(r);
    EXPECT_FALSE(r.valid());
    EXPECT_EQ(moved.get(), fds[0]);
  }
  // The read end is closed: writing to the pipe now fails with EPIPE.
  signal(SIGPIPE, SIG_IGN);
  EXPECT_THAT(WriteFd(fds[1], "x"), StatusIs(absl::StatusCode::kFailedPrecondition));
  close(fds[1]);
}

}  // namespace
}  // namespace net
