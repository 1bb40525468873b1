// relay.h: copies bytes between file descriptors on an EventLoop through bounded buffers.
//
// A Relay owns no fds. Each Stream copies src → dst; a full buffer stops reading src until dst
// drains (backpressure). Used by mini-nc (stdin→socket, socket→stdout) and by the proxy's
// CONNECT tunnel (socket↔socket).
//
//   net::Relay relay(loop.get(), {{.src = 0, .dst = sock.fd(), .shutdown_dst_on_eof = true},
//                                 {.src = sock.fd(), .dst = 1}});
//   relay.set_on_stream_done([&](size_t i, const absl::Status& s) { ... });
//   RETURN_IF_ERROR(relay.Start());
//   loop->Run();
//
// fds that epoll cannot watch (regular files, /dev/null) are treated as always ready.
// Bytes move inside the kernel where that is cheaper, never copied into user space:
//   - regular file → stream socket: sendfile(2);
//   - a pipe → a pipe, regular file (not O_APPEND) or /dev/null, or a stream socket or
//     regular file → a pipe: splice(2) straight from src to dst (such a pipe is grown to
//     1 MiB where the kernel allows, so fewer, larger moves wake either side);
//   - stream sockets, regular files and /dev/null among themselves: splice(2) through a
//     pipe the relay owns;
// otherwise (pipe → stream socket, where a pipe's page-sized buffers would reach TCP as as
// many small fragments; ttys, UDP sockets, O_APPEND files) through a user-space buffer.
#ifndef LIB_NET_RELAY_H_
#define LIB_NET_RELAY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "lib/net/event_loop.h"

namespace net {

class Relay {
 public:
  struct Stream {
    int src = -1;
    int dst = -1;
    // At end of src, once everything is written: shutdown(dst, SHUT_WR) if dst is a socket.
    bool shutdown_dst_on_eof = false;
    // A failed read of src counts as its end of file: what was read is written, dst is shut
    // down as above, and the stream reports OK — as OpenBSD nc treats a stdin it cannot read
    // (e.g. a directory). Reads through a pipe the relay owns count too; a sendfile(2) or
    // direct splice(2) error cannot tell src from dst and stays an error.
    bool src_error_is_eof = false;
  };

  // Called once per stream when it finishes: OK when src reached end of stream and every
  // byte was written; the error otherwise (e.g. EPIPE writing dst, ECONNRESET reading src).
  using StreamDone = std::function<void(size_t index, const absl::Status& status)>;
  // Called after each successful transfer (for idle timers and counters).
  using Activity = std::function<void(size_t index, size_t bytes)>;

  Relay(EventLoop* loop, std::vector<Stream> streams, size_t buffer_size = 128 * 1024);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  void set_on_stream_done(StreamDone cb) { on_done_ = std::move(cb); }
  void set_on_activity(Activity cb) { on_activity_ = std::move(cb); }

  // Start registers the fds with the loop. The relay then runs as the loop runs.
  absl::Status Start();

  // StopStream abandons stream `i` (it reports nothing more).
  void StopStream(size_t i);

  bool stream_done(size_t i) const { return state_[i].done; }
  bool all_done() const;
  uint64_t bytes(size_t i) const { return state_[i].bytes; }

 private:
  // Mode: how a stream moves its bytes (see the banner).
  enum class Mode { kCopy, kSplicePipe, kSpliceDirect, kSendfile };

  struct State {
    Mode mode = Mode::kCopy;
    std::unique_ptr<char[]> buf;  // kCopy
    size_t begin = 0;  // bytes [begin, end) are waiting to be written
    size_t end = 0;
    // kSplicePipe: bytes wait in a pipe the relay owns instead of buf.
    Fd pipe_r, pipe_w;
    size_t pipe_bytes = 0;
    // Bytes asked of one splice or sendfile call.
    size_t chunk = 0;
    // kSpliceDirect, kSendfile: the last call would have blocked on dst (else on src).
    bool wait_dst = false;
    bool src_eof = false;
    bool done = false;
    uint64_t bytes = 0;
  };

  void OnReady(int fd, uint32_t events);
  // Step moves as much as it can for stream i without blocking.
  void Step(size_t i);
  void StepSplice(size_t i);
  // CopyInstead switches stream i, before it moved any byte, to the user-space buffer (for
  // files whose filesystem cannot splice, such as most of /proc) and steps it.
  void CopyInstead(size_t i);
  // StepDirect moves src → dst with one splice(2) or sendfile(2) call at a time.
  void StepDirect(size_t i);
  bool Pending(size_t i) const {
    return state_[i].begin < state_[i].end || state_[i].pipe_bytes > 0;
  }
  void Finish(size_t i, absl::Status status);
  // FinishAtEof ends stream i after its source ended and everything was written.
  void FinishAtEof(size_t i);
  void UpdateInterest();
  void SchedulePoll();

  EventLoop* loop_;
  std::vector<Stream> streams_;
  std::vector<State> state_;
  size_t buffer_size_;
  absl::flat_hash_set<int> unpollable_;
  absl::flat_hash_map<int, uint32_t> watched_;  // fd → current interest
  bool poll_scheduled_ = false;
  std::shared_ptr<bool> alive_;
  StreamDone on_done_;
  Activity on_activity_;
};

}  // namespace net

#endif  // LIB_NET_RELAY_H_
