// progress.h: curl's default progress meter ("  % Total    % Received % Xferd ...") on stderr.
//
// Prints the two header lines and a zero line when created, a new "\r"-prefixed line at most
// once per second while bytes arrive, and the final line plus "\n" from Finish.
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

class ProgressMeter {
 public:
  // ProgressMeter writes the header lines and the first line to `fd` (not owned).
  ProgressMeter(int fd, absl::Time start);

  // Update prints a line if a second has passed since the last one.
  void Update(uint64_t received, std::optional<uint64_t> expected, absl::Time now);

  // Finish prints the final line and a newline; later calls do nothing until Resume.
  void Finish(uint64_t received, std::optional<uint64_t> expected, absl::Time now);

  // Abandon ends the meter without a last line or newline, as curl leaves it when a host
  // name does not resolve.
  void Abandon() { finished_ = true; }

  // Resume continues a finished meter for the next request of the same transfer (a
  // redirect), without the header lines; it does nothing to a meter that is not finished.
  void Resume();

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
