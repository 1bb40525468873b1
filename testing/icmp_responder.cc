// icmp_responder: answers ICMP echo requests itself, misbehaving on purpose, for mini-ping's
// namespace tests. Run it inside a namespace whose kernel ignores echo requests
// (net.ipv4.icmp_echo_ignore_all=1).
//
//   icmp_responder --dup            # every reply sent twice
//   icmp_responder --corrupt_seq=2  # the reply to icmp_seq 2 has a wrong checksum
//   icmp_responder --delay_ms=50    # every reply 50 ms late
//   icmp_responder --drop_seq=3     # no reply to icmp_seq 3
// Prints "ready" on stdout once its socket is open; exits after --max_seconds.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gflags/gflags.h"
#include "lib/icmp/checksum.h"
#include "lib/icmp/echo.h"
#include "lib/net/address.h"
#include "lib/net/socket.h"

DEFINE_bool(dup, false, "Send every reply twice");
DEFINE_int32(corrupt_seq, -1, "Corrupt the checksum of the reply to this icmp_seq");
DEFINE_int32(drop_seq, -1, "Do not answer this icmp_seq");
DEFINE_int32(delay_ms, 0, "Delay every reply");
DEFINE_int32(max_seconds, 30, "Exit after this long");

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  absl::StatusOr<net::Socket> s = net::Socket::Create(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  if (!s.ok()) {
    std::fprintf(stderr, "icmp_responder: %s\n", std::string(s.status().message()).c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  const absl::Time end = absl::Now() + absl::Seconds(FLAGS_max_seconds);
  char buf[65536];
  while (absl::Now() < end) {
    pollfd p = {s->fd(), POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    net::Address from;
    absl::StatusOr<size_t> n = s->RecvFrom(absl::MakeSpan(buf), &from);
    if (!n.ok() || *n == net::kWouldBlock) continue;
    absl::StatusOr<icmp::Received> r = icmp::ParseReceived(
        AF_INET, true, absl::Span<const uint8_t>(reinterpret_cast<uint8_t*>(buf), *n));
    if (!r.ok() || r->kind != icmp::Received::kEchoRequest) continue;
    if (r->seq == FLAGS_drop_seq) continue;
    std::vector<uint8_t> reply =
        icmp::BuildEcho(AF_INET, {.id = r->id, .seq = r->seq, .payload = r->payload});
    reply[0] = icmp::kEchoReplyV4;
    reply[2] = reply[3] = 0;
    uint16_t c = icmp::InternetChecksum(reply);
    if (r->seq == FLAGS_corrupt_seq) c ^= 0x5555;
    reply[2] = static_cast<uint8_t>(c >> 8);
    reply[3] = static_cast<uint8_t>(c);
    if (FLAGS_delay_ms > 0) absl::SleepFor(absl::Milliseconds(FLAGS_delay_ms));  // the behaviour under test
    absl::string_view bytes(reinterpret_cast<const char*>(reply.data()), reply.size());
    for (int i = 0; i < (FLAGS_dup ? 2 : 1); ++i) (void)s->SendTo(bytes, &from);
  }
  return 0;
}
