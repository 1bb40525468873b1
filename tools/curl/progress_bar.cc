#include "tools/curl/progress_bar.h"

#include <sys/ioctl.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_format.h"
#include "lib/net/socket.h"

namespace curl_tool {
namespace {

constexpr int kDefaultWidth = 79;
constexpr int kMaxWidth = 256;
constexpr int kMinWidth = 21;
// curl writes at most this many bytes of a frame: at 256 columns its "\r" is cut off.
constexpr size_t kMaxFrameBytes = 255;
constexpr absl::Duration kRedrawInterval = absl::Milliseconds(100);
constexpr int kWaveSteps = 200;

// Wave is where the '#'s fly: 0..1000000 along one sine period of kWaveSteps steps, starting
// at its lowest point as curl's does. curl's table was computed with pi taken as 3.1415, and
// so is this one, which puts the '#'s in the very same columns.
const std::array<int64_t, kWaveSteps>& Wave() {
  static const std::array<int64_t, kWaveSteps> wave = [] {
    constexpr double kCurlPi = 3.1415;
    std::array<int64_t, kWaveSteps> w;
    for (int k = 0; k < kWaveSteps; ++k) {
      const int step = (k + 150) % kWaveSteps + 1;
      w[k] = std::llround(500000 + 500000 * std::sin(2 * kCurlPi * step / kWaveSteps));
    }
    return w;
  }();
  return wave;
}

}  // namespace

int BarWidth(const char* columns_env, int tty_fd) {
  int width = 0;
  if (columns_env != nullptr) {
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(columns_env, &end, 10);
    if (errno == 0 && end != columns_env && *end == '\0' && n >= kMinWidth) {
      width = n > kMaxWidth ? kMaxWidth : static_cast<int>(n);
    }
  }
  struct winsize ws;
  if (width == 0 && tty_fd >= 0 && ::ioctl(tty_fd, TIOCGWINSZ, &ws) == 0 &&
      ws.ws_col >= kMinWidth) {
    width = ws.ws_col > kMaxWidth ? kMaxWidth : ws.ws_col;
  }
  return width == 0 ? kDefaultWidth : width;
}

std::string FormatBarLine(int width, uint64_t point, uint64_t total) {
  if (point > total) total = point;
  const int bar = width - 7;  // room for " 100.0%"
  const double fraction = static_cast<double>(point) / static_cast<double>(total);
  const int hashes = static_cast<int>(bar * fraction);
  return absl::StrFormat("\r%-*s %5.1f%%", bar, std::string(hashes, '#'), fraction * 100.0);
}

ProgressBar::ProgressBar(int fd, int width, absl::Time start)
    : fd_(fd), width_(width), prev_time_(start) {}

std::string ProgressBar::Frame(bool moved) {
  std::string frame(width_ - 1, ' ');
  frame.replace(block_, 5, "-=O=-");
  const int64_t per_column = 1000000 / (width_ - 2);
  for (int offset : {0, 5, 10, 15}) {
    frame[Wave()[(tick_ + offset) % kWaveSteps] / per_column] = '#';
  }
  frame += '\r';
  if (frame.size() > kMaxFrameBytes) frame.resize(kMaxFrameBytes);
  tick_ = (tick_ + 2) % kWaveSteps;
  if (moved) {
    block_ += block_step_;
    if (block_ >= width_ - 6) {
      block_step_ = -1;
      block_ = width_ - 6;
    } else if (block_ < 0) {
      block_step_ = 1;
      block_ = 0;
    }
  }
  return frame;
}

void ProgressBar::Update(uint64_t received, std::optional<uint64_t> expected, absl::Time now) {
  if (closed_) return;
  const uint64_t total = expected.value_or(0);  // curl treats a 0 size as unknown too
  if (total > 0) {
    if (received == prev_) return;
    if (now - prev_time_ < kRedrawInterval && received < total) return;
    (void)net::WriteAllFd(fd_, FormatBarLine(width_, received, total));
  } else {
    if (now - prev_time_ < kRedrawInterval) return;
    (void)net::WriteAllFd(fd_, Frame(received != prev_));
  }
  prev_ = received;
  prev_time_ = now;
}

void ProgressBar::Close() {
  if (closed_) return;
  closed_ = true;
  (void)net::WriteAllFd(fd_, "\n");
}

}  // namespace curl_tool
