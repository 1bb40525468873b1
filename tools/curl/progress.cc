#include "tools/curl/progress.h"

#include <cinttypes>
#include <cstdio>

#include "lib/net/socket.h"

namespace curl_tool {
namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;
constexpr int64_t kGiB = 1024 * kMiB;

constexpr char kHeader[] =
    "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
    "                                 Dload  Upload   Total   Spent    Left  Speed\n";

int64_t Percent(int64_t now, int64_t total) {
  if (total > 10000) return now / (total / 100);
  return total > 0 ? now * 100 / total : 0;
}

}  // namespace

std::string FormatSize5(int64_t b) {
  char out[32];
  if (b < 100000) {
    std::snprintf(out, sizeof(out), "%5" PRId64, b);
  } else if (b < 10000 * kKiB) {
    std::snprintf(out, sizeof(out), "%4" PRId64 "k", b / kKiB);
  } else if (b < 100 * kMiB) {
    std::snprintf(out, sizeof(out), "%2" PRId64 ".%" PRId64 "M", b / kMiB, (b % kMiB) / (kMiB / 10));
  } else if (b < 10000 * kMiB) {
    std::snprintf(out, sizeof(out), "%4" PRId64 "M", b / kMiB);
  } else if (b < 100 * kGiB) {
    std::snprintf(out, sizeof(out), "%2" PRId64 ".%" PRId64 "G", b / kGiB, (b % kGiB) / (kGiB / 10));
  } else {
    std::snprintf(out, sizeof(out), "%4" PRId64 "G", b / kGiB);
  }
  return out;
}

std::string FormatDuration8(int64_t s) {
  if (s <= 0) return "--:--:--";
  char out[32];
  int64_t h = s / 3600;
  if (h <= 99) {
    std::snprintf(out, sizeof(out), "%2" PRId64 ":%02" PRId64 ":%02" PRId64, h, (s % 3600) / 60,
                  s % 60);
  } else {
    std::snprintf(out, sizeof(out), "%3" PRId64 "d %02" PRId64 "h", h / 24, h % 24);
  }
  return out;
}

std::string FormatProgressLine(uint64_t received, std::optional<uint64_t> expected,
                               absl::Duration elapsed, int64_t current_speed) {
  const int64_t now = static_cast<int64_t>(received);
  const int64_t total = expected.has_value() ? static_cast<int64_t>(*expected) : now;
  const double secs = absl::ToDoubleSeconds(elapsed);
  const int64_t speed = secs > 0 ? static_cast<int64_t>(static_cast<double>(now) / secs) : 0;
  int64_t estimate = 0;
  if (expected.has_value() && speed > 0) estimate = total / speed;
  const int64_t spent = absl::ToInt64Seconds(elapsed);
  char line[256];
  std::snprintf(line, sizeof(line), "\r%3" PRId64 " %s  %3" PRId64 " %s  %3d %s  %s  %s %s %s %s %s",
                Percent(now, total), FormatSize5(total).c_str(),
                expected.has_value() ? Percent(now, total) : int64_t{0}, FormatSize5(now).c_str(),
                0, FormatSize5(0).c_str(), FormatSize5(speed).c_str(), FormatSize5(0).c_str(),
                FormatDuration8(estimate).c_str(), FormatDuration8(spent).c_str(),
                FormatDuration8(estimate > 0 ? estimate - spent : 0).c_str(),
                FormatSize5(current_speed).c_str());
  return line;
}

ProgressMeter::ProgressMeter(int fd, absl::Time start)
    : fd_(fd), start_(start), last_print_(start) {
  (void)net::WriteAllFd(fd_, kHeader);
  samples_.emplace_back(start, 0);
  (void)net::WriteAllFd(fd_, FormatProgressLine(0, std::nullopt, absl::ZeroDuration(), 0));
}

void ProgressMeter::Update(uint64_t received, std::optional<uint64_t> expected, absl::Time now) {
  if (finished_ || now - last_print_ < absl::Seconds(1)) return;
  Print(received, expected, now);
}

void ProgressMeter::Finish(uint64_t received, std::optional<uint64_t> expected, absl::Time now) {
  if (finished_) return;
  Print(received, expected, now);
  (void)net::WriteAllFd(fd_, "\n");
  finished_ = true;
}

void ProgressMeter::Resume() {
  if (!finished_) return;
  finished_ = false;
  samples_.clear();
  samples_.emplace_back(last_print_, 0);
}

void ProgressMeter::Print(uint64_t received, std::optional<uint64_t> expected, absl::Time now) {
  samples_.emplace_back(now, received);
  while (samples_.size() > 2 && now - samples_.front().first > absl::Seconds(5)) {
    samples_.pop_front();
  }
  const auto& [t0, b0] = samples_.front();
  const double span = absl::ToDoubleSeconds(now - t0);
  const int64_t current = span > 0 ? static_cast<int64_t>(static_cast<double>(received - b0) / span) : 0;
  (void)net::WriteAllFd(fd_, FormatProgressLine(received, expected, now - start_, current));
  last_print_ = now;
}

}  // namespace curl_tool
