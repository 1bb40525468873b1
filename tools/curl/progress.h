// progress.h: how a transfer shows its progress (Progress), and curl's default progress
// meter ("  % Total    % Received % Xferd ...") on stderr. progress_bar.h has curl's -# bar.
//
// The meter prints the two header lines and a zero line when created, a new "\r"-prefixed
// line at most once per second while bytes arrive, and the final line plus "\n" from Finish.
//
//   curl_tool::ProgressMeter meter(/*fd=*/2, absl::Now());
//   meter.Update(received, expected_total, absl::Now());   // from the body callback
//   meter.Finish(received, expected_total, absl::Now());
#ifndef TOOLS_CURL_PROGRESS_H_
#define TOOLS_CURL_PROGRESS_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "absl/time/time.h"

namespace curl_tool {

// FormatSize5 formats a byte count in at most 5 columns as curl does ("   31", "5120k", "12.3M").
std::string FormatSize5(int64_t bytes);

// FormatDuration8 formats whole seconds as curl's 8-column "H:MM:SS" or "--:--:--" for <= 0.
std::string FormatDuration8(int64_t seconds);

// FormatProgressLine returns one meter line, starting with "\r" and without newline.
// `expected` is the announced body size, if any; speeds are bytes per second.
std::string FormatProgressLine(uint64_t received, std::optional<uint64_t> expected,
                               absl::Duration elapsed, int64_t current_speed);

// Progress is shown for one transfer (one URL, its redirects included), which creates it
// once it has a connection. `received` counts the current response's body bytes and
// `expected` is its announced size, if any.
class Progress {
 public:
  virtual ~Progress() = default;

  // Update reports bytes that arrived.
  virtual void Update(uint64_t received, std::optional<uint64_t> expected, absl::Time now) = 0;

  // Finish reports that a request ended (before its connection is kept or closed); later
  // calls do nothing until Resume.
  virtual void Finish(uint64_t received, std::optional<uint64_t> expected, absl::Time now) = 0;

  // Resume continues after Finish for the next request of the same transfer (a redirect).
  virtual void Resume() = 0;

  // Abandon ends the current request without showing its end, as curl does when a host name
  // does not resolve.
  virtual void Abandon() = 0;

  // Close ends the display after the transfer's error message, if any.
  virtual void Close() {}
};

class ProgressMeter : public Progress {
 public:
  // ProgressMeter writes the header lines and the first line to `fd` (not owned).
  ProgressMeter(int fd, absl::Time start);

  // Update prints a line if a second has passed since the last one.
  void Update(uint64_t received, std::optional<uint64_t> expected, absl::Time now) override;

  // Finish prints the final line and a newline.
  void Finish(uint64_t received, std::optional<uint64_t> expected, absl::Time now) override;

  // Abandon leaves the meter without a last line or newline.
  void Abandon() override { finished_ = true; }

  // Resume goes on without the header lines; it does nothing to a meter that is not finished.
  void Resume() override;

 private:
  void Print(uint64_t received, std::optional<uint64_t> expected, absl::Time now);

  int fd_;
  absl::Time start_;
  absl::Time last_print_;
  bool finished_ = false;
  std::deque<std::pair<absl::Time, uint64_t>> samples_;  // for the "Current" speed (5 s)
};

}  // namespace curl_tool

#endif  // TOOLS_CURL_PROGRESS_H_
