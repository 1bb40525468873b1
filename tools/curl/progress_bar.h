// progress_bar.h: curl's -# / --progress-bar display, as curl 7.88.1 draws it.
//
// With a known size it redraws "\r" + '#'s + " NN.N%" (the line `width` columns wide); with an
// unknown size it animates a "-=O=-" block and four '#'s on a sine wave, one frame of
// width-1 columns followed by "\r". Redraws come at most every 100 ms, except the one that
// reaches 100%; Close writes the final newline (after the transfer's error message, if any).
//
//   curl_tool::ProgressBar bar(/*fd=*/2, curl_tool::BarWidth(getenv("COLUMNS"), 0), absl::Now());
//   bar.Update(received, expected_total, absl::Now());   // from the body callback
//   bar.Finish(received, expected_total, absl::Now());
//   bar.Close();
#ifndef TOOLS_CURL_PROGRESS_BAR_H_
#define TOOLS_CURL_PROGRESS_BAR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "tools/curl/progress.h"

namespace curl_tool {

// BarWidth is the bar's width in columns as curl picks it: `columns_env` (the COLUMNS
// variable, may be null) when it is a whole number above 20, else the width of the terminal
// on `tty_fd` (curl asks about stdin) when above 20, else 79; at most 256.
int BarWidth(const char* columns_env, int tty_fd);

// FormatBarLine returns the known-size line for `point` of `total` bytes (total > 0),
// starting with "\r", without newline.
std::string FormatBarLine(int width, uint64_t point, uint64_t total);

class ProgressBar : public Progress {
 public:
  // ProgressBar draws on `fd` (not owned), `width` (21..256) columns wide. Nothing is drawn
  // until bytes arrive.
  ProgressBar(int fd, int width, absl::Time start);

  // Update redraws if the count changed (known size) or 100 ms passed since the last
  // redraw; the unknown-size block moves only when bytes came since the last frame.
  void Update(uint64_t received, std::optional<uint64_t> expected, absl::Time now) override;

  // Finish is the update at the end of a request.
  void Finish(uint64_t received, std::optional<uint64_t> expected, absl::Time now) override {
    Update(received, expected, now);
  }

  void Resume() override {}
  void Abandon() override {}

  // Close writes the newline that ends the bar.
  void Close() override;

  // Frame returns the next unknown-size frame and advances the animation (exposed for tests).
  std::string Frame(bool moved);

 private:
  int fd_;
  int width_;
  uint64_t prev_ = 0;      // the count at the last redraw or check
  absl::Time prev_time_;
  int tick_ = 0;           // animation step of the '#'s
  int block_ = 0;          // column of "-=O=-"
  int block_step_ = 1;
  bool closed_ = false;
};

}  // namespace curl_tool

#endif  // TOOLS_CURL_PROGRESS_BAR_H_
