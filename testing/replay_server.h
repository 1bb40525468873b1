// replay_server.h: loopback servers that replay recorded bytes, for hermetic tests.
//
// TcpReplayServer listens on 127.0.0.1 port 0. On each connection it reads one request at a
// time (framing chosen by the test), answers with the next scripted response, written in
// chunks of `write_size` with optional pauses, and records what the client sent.
//
//   ASSERT_OK_AND_ASSIGN(auto server, TcpReplayServer::Start(
//       {ReadFile("testdata/http/chunked.http")}, {.write_size = 1}));
//   ... connect to server->address() ...
//   EXPECT_THAT(server->requests(), ElementsAre(HasSubstr("GET /chunked")));
//
// UdpReplayServer answers each datagram with a recorded reply (DNS: the query's ID is put into
// it), or stays silent, or answers with a wrong ID or from another port (spoofing tests).
#ifndef TESTING_REPLAY_SERVER_H_
#define TESTING_REPLAY_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"

namespace testing_util {

// ReadFile returns a file's bytes (a runfiles-relative path works in tests).
absl::StatusOr<std::string> ReadFile(const std::string& path);
// WriteFile replaces the file at `path` with `data`.
absl::Status WriteFile(const std::string& path, const std::string& data);

enum class Framing {
  kHttpHead,   // a request ends at "\r\n\r\n" (plus Content-Length body bytes if any)
  kDnsLength,  // 2-byte big-endian length prefix, as DNS over TCP
  kAnyBytes,   // any bytes received count as one request
  kNone,       // do not wait: send the first response as soon as the client connects
};

struct TcpReplayOptions {
  Framing framing = Framing::kHttpHead;
  size_t write_size = 0;                          // 0 = whole response in one write
  absl::Duration write_pause = absl::ZeroDuration();
  std::optional<size_t> close_after_bytes;        // close early, mid-response
  bool never_answer = false;                      // read requests, never reply
  bool close_after_last = true;                   // close once the script is exhausted
};

class TcpReplayServer {
 public:
  // Responder builds the response for request number `index` on a connection (0-based);
  // std::nullopt means close the connection.
  using Responder = std::function<std::optional<std::string>(const std::string& request,
                                                             size_t index)>;

  static absl::StatusOr<std::unique_ptr<TcpReplayServer>> Start(
      std::vector<std::string> responses, const TcpReplayOptions& options = {});
  static absl::StatusOr<std::unique_ptr<TcpReplayServer>> StartWithResponder(
      Responder responder, const TcpReplayOptions& options = {});
  ~TcpReplayServer();

  const net::Address& address() const { return address_; }
  uint16_t port() const { return address_.port(); }

  // requests returns every request received so far, in order, across connections.
  std::vector<std::string> requests() ABSL_LOCKS_EXCLUDED(mu_);
  int connections() ABSL_LOCKS_EXCLUDED(mu_);
  // WaitForConnections blocks until `n` connections were accepted (true) or timeout (false).
  bool WaitForConnections(int n, absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);
  // WaitForClosed blocks until this server has closed `n` connections (true; the peer has
  // the FIN by then, loopback delivers it within close) or timeout (false).
  bool WaitForClosed(int n, absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  TcpReplayServer() = default;
  static absl::StatusOr<std::unique_ptr<TcpReplayServer>> StartImpl(
      Responder responder, const TcpReplayOptions& options, size_t script_size);
  void Serve(net::Socket conn);

  Responder responder_;
  TcpReplayOptions options_;
  size_t script_size_ = SIZE_MAX;  // responses in a fixed script; set before serving
  net::Socket listener_;
  net::Address address_;
  std::thread acceptor_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<int> open_fds_ ABSL_GUARDED_BY(mu_);
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  int closed_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
};

// UdpMode::kHostileFirst sends, before each real reply: a 1-byte datagram, copies of the
// reply with another ID, with QR=0, for another question and cut short, and the reply itself
// from another port (spoofing tests: all of them must be dropped, the real reply taken).
enum class UdpMode { kReply, kSilent, kWrongId, kFromOtherPort, kHostileFirst };

struct UdpReplayOptions {
  UdpMode mode = UdpMode::kReply;
  bool patch_dns_id = true;  // copy the query's first two bytes into the reply
  int family = AF_INET;
  // port to bind on loopback; 0 picks a free one. A TcpReplayServer's port serves UDP and TCP
  // on one port number, as a nameserver does.
  uint16_t port = 0;
};

class UdpReplayServer {
 public:
  // Responder picks the reply for a query (std::nullopt: stay silent for this one).
  using Responder = std::function<std::optional<std::string>(const std::string& query)>;

  static absl::StatusOr<std::unique_ptr<UdpReplayServer>> Start(
      Responder responder, const UdpReplayOptions& options = {});
  ~UdpReplayServer();

  const net::Address& address() const { return address_; }
  std::vector<std::string> queries() ABSL_LOCKS_EXCLUDED(mu_);
  void set_mode(UdpMode mode) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  UdpReplayServer() = default;
  void Serve();

  Responder responder_;
  UdpReplayOptions options_;
  net::Socket socket_;
  net::Socket other_;  // second socket for kFromOtherPort
  net::Address address_;
  net::Fd stop_pipe_r_, stop_pipe_w_;
  std::thread thread_;
  absl::Mutex mu_;
  UdpMode mode_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> queries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testing_util

#endif  // TESTING_REPLAY_SERVER_H_
