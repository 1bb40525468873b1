#include "tools/curl/progress_bar.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace curl_tool {
namespace {

// The expected strings below are curl 7.88.1's own output (`curl -# -o /dev/null URL
// 2>file` against slow loopback servers), frames shown without their trailing blanks.

std::string Padded(const std::string& visible, int width) {
  return visible + std::string(width - 1 - visible.size(), ' ') + "\r";
}

TEST(BarWidthTest, ColumnsThenTerminalThen79) {
  EXPECT_EQ(BarWidth(nullptr, -1), 79);
  EXPECT_EQ(BarWidth("50", -1), 50);
  EXPECT_EQ(BarWidth("21", -1), 21);
  EXPECT_EQ(BarWidth("20", -1), 79);
  EXPECT_EQ(BarWidth("1000", -1), 256);
  EXPECT_EQ(BarWidth(" 60", -1), 60);
  EXPECT_EQ(BarWidth("+60", -1), 60);
  EXPECT_EQ(BarWidth("060", -1), 60);
  for (const char* bad : {"", "abc", "50x", "60 ", "0", "-5", "0x40"}) {
    EXPECT_EQ(BarWidth(bad, -1), 79) << bad;
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // not a terminal
  EXPECT_EQ(BarWidth(nullptr, null_fd), 79);
  ::close(null_fd);
}

TEST(FormatBarLineTest, HashesThenPercent) {
  // testdata/golden/curl/progress_5mib_bar.stderr
  EXPECT_EQ(FormatBarLine(79, 5242880, 5242880),
            absl::StrCat("\r", std::string(72, '#'), " 100.0%"));
  EXPECT_EQ(FormatBarLine(79, 10000, 100000),
            absl::StrCat("\r", std::string(7, '#'), std::string(65, ' '), "  10.0%"));
  EXPECT_EQ(FormatBarLine(50, 40000, 100000),
            absl::StrCat("\r", std::string(17, '#'), std::string(26, ' '), "  40.0%"));
  EXPECT_EQ(FormatBarLine(79, 200, 100), absl::StrCat("\r", std::string(72, '#'), " 100.0%"));
}

TEST(ProgressBarFrameTest, UnknownSizeFramesLikeCurl) {
  ProgressBar bar(-1, 79, absl::UnixEpoch());
  const std::vector<std::string> moving = {
      "#=#=#",         "##=#=#",          "##-=#=-#",        "# #-=#=-#",
      " # #-=#=- #",   "  # #-=O#-  #",   "   # #-=O#-  #",  "    #  #=O=#   #",
      "     #  #=O=-#   #", "      #  -#O=-#    #", "        # -=#=- #     #"};
  for (const std::string& want : moving) EXPECT_EQ(bar.Frame(true), Padded(want, 79));
  // Further on the block turns at column 79 - 6 while the '#'s keep flying.
  for (int k = 11; k < 70; ++k) bar.Frame(true);
  const std::vector<std::string> turning = {
      "                               #     #     #     #                    -=O=-",
      "                            #     #     #     #                        -=O=-",
      "                          #     #     #     #                           -=O=-",
      "                        #     #     #     #                              -=O=-",
      "                      #    #     #     #                                -=O=-",
      "                   #     #     #     #                                 -=O=-",
      "                 #     #    #     #                                   -=O=-",
      "               #     #    #     #                                    -=O=-"};
  for (const std::string& want : turning) EXPECT_EQ(bar.Frame(true), Padded(want, 79));
}

TEST(ProgressBarFrameTest, TheBlockWaitsWhileNoBytesCome) {
  // curl -# -m 1 against a server that never answers.
  ProgressBar bar(-1, 79, absl::UnixEpoch());
  EXPECT_EQ(bar.Frame(false), Padded("#=#=#", 79));
  EXPECT_EQ(bar.Frame(false), Padded("##O#-#", 79));
}

TEST(ProgressBarFrameTest, OtherWidths) {
  // COLUMNS=50.
  ProgressBar bar(-1, 50, absl::UnixEpoch());
  std::vector<std::string> frames;
  for (int k = 0; k < 50; ++k) frames.push_back(bar.Frame(true));
  EXPECT_EQ(frames[0], Padded("###=-", 50));
  EXPECT_EQ(frames[17], Padded("             #  #-=O#- #", 50));
  EXPECT_EQ(frames[22], Padded("                    # -#O=-#   #", 50));
  EXPECT_EQ(frames[45], Padded("                                           -=O=#", 50));
  EXPECT_EQ(frames[47], Padded("                                         -=O=-###", 50));
  EXPECT_EQ(frames[49], Padded("                                       -=O=- # #", 50));
  // At 256 columns curl's frames lose their "\r": 255 bytes each.
  ProgressBar wide(-1, 256, absl::UnixEpoch());
  const std::string f = wide.Frame(true);
  EXPECT_EQ(f.size(), 255u);
  EXPECT_EQ(f.find('\r'), std::string::npos);
  EXPECT_EQ(std::string(absl::StripTrailingAsciiWhitespace(f)).substr(0, 5), "#=#=-");
}

// Drawn runs a ProgressBar on a pipe and returns what it wrote.
class Drawn {
 public:
  explicit Drawn(int width) {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    read_ = fds[0];
    write_ = fds[1];
    bar_ = std::make_unique<ProgressBar>(write_, width, t0_);
  }
  ~Drawn() {
    ::close(read_);
    ::close(write_);
  }
  ProgressBar& bar() { return *bar_; }
  absl::Time At(int ms) const { return t0_ + absl::Milliseconds(ms); }
  std::string Take() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(read_, buf, sizeof(buf))) > 0;) out.append(buf, n);
    return out;
  }

 private:
  absl::Time t0_ = absl::FromUnixSeconds(1000);
  int read_ = -1;
  int write_ = -1;
  std::unique_ptr<ProgressBar> bar_;
};

TEST(ProgressBarTest, KnownSizeRedrawsAtMostTenTimesASecondButAlwaysAt100) {
  Drawn d(79);
  d.bar().Update(10, 100, d.At(50));  // too soon after the start
  EXPECT_EQ(d.Take(), "");
  d.bar().Update(20, 100, d.At(150));
  EXPECT_EQ(d.Take(), FormatBarLine(79, 20, 100));
  d.bar().Update(20, 100, d.At(400));  // nothing new
  EXPECT_EQ(d.Take(), "");
  d.bar().Update(100, 100, d.At(410));  // 100% is shown at once
  EXPECT_EQ(d.Take(), FormatBarLine(79, 100, 100));
  d.bar().Finish(100, 100, d.At(420));
  EXPECT_EQ(d.Take(), "");
  // A redirect's next response starts from 0 again: its 100% differs from the last count.
  d.bar().Resume();
  d.bar().Finish(31, 31, d.At(430));
  EXPECT_EQ(d.Take(), FormatBarLine(79, 31, 31));
  d.bar().Close();
  d.bar().Close();
  EXPECT_EQ(d.Take(), "\n");
}

TEST(ProgressBarTest, UnknownSizeAnimatesEvery100ms) {
  Drawn d(79);
  d.bar().Update(10, std::nullopt, d.At(50));
  EXPECT_EQ(d.Take(), "");
  d.bar().Update(10, std::nullopt, d.At(100));
  EXPECT_EQ(d.Take(), Padded("#=#=#", 79));
  d.bar().Finish(10, std::nullopt, d.At(300));  // drawn where the last bytes moved it
  EXPECT_EQ(d.Take(), Padded("##=#=#", 79));
  d.bar().Close();
  EXPECT_EQ(d.Take(), "\n");
}

TEST(ProgressBarTest, AFastTransferOfUnknownSizeShowsOnlyTheNewline) {
  Drawn d(79);
  d.bar().Update(39, std::nullopt, d.At(1));
  d.bar().Finish(39, std::nullopt, d.At(2));
  d.bar().Close();
  EXPECT_EQ(d.Take(), "\n");
}

}  // namespace
}  // namespace curl_tool
