#include "proxy/access_log.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/matchers.h"
#include "testing/subprocess.h"

namespace proxy {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AccessLogTest, CombinedFormatWithCacheAndUpstreamTime) {
  AccessEntry e;
  e.client_ip = "127.0.0.1";
  e.time = absl::FromUnixSeconds(1795482123);  // 2026-11-24 01:02:03 UTC
  e.request_line = "GET http://x/ HTTP/1.1";
  e.status = 200;
  e.body_bytes = 1234;
  e.user_agent = "curl/7.88.1";
  e.upstream_time = absl::Milliseconds(12);
  EXPECT_EQ(FormatAccessLine(e),
            "127.0.0.1 - - [24/Nov/2026:01:02:03 +0000] \"GET http://x/ HTTP/1.1\" 200 1234 \"-\" "
            "\"curl/7.88.1\" - 0.012\n");
  e.user_agent = "evil\"\n";
  e.upstream_time.reset();
  EXPECT_THAT(FormatAccessLine(e), testing::EndsWith("\"evil\\\"\\x0A\" - -\n"));
}

TEST(AccessLogTest, AppendAddsOneLineAfterWhatIsThere) {
  AccessEntry e;
  e.time = absl::FromUnixSeconds(1795482123);
  e.request_line = "GET /caf\xC3\xA9\\ HTTP/1.0";  // clean prefix, then bytes to escape
  e.status = 504;
  e.referer = "http://r/";
  e.cache_status = "MISS";
  e.upstream_time = absl::Microseconds(61234567);  // rounds to 61.235 s
  std::string out = "previous line\n";
  AppendAccessLine(e, &out);
  EXPECT_EQ(out,
            "previous line\n- - - [24/Nov/2026:01:02:03 +0000] "
            "\"GET /caf\\xC3\\xA9\\\\ HTTP/1.0\" 504 0 \"http://r/\" \"-\" MISS 61.235\n");
  EXPECT_EQ(out.substr(14), FormatAccessLine(e));
}

TEST(AccessLogTest, ReopenFollowsRename) {
  std::string path = testing_util::TempDir() + "/access.log";
  std::remove(path.c_str());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AccessLog> log, AccessLog::Open(path));
  log->Write("one\n");
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  log->Write("two\n");
  ASSERT_THAT(log->Reopen(), testing_util::IsOk());
  log->Write("three\n");
  EXPECT_EQ(Slurp(path + ".1"), "one\ntwo\n");
  EXPECT_EQ(Slurp(path), "three\n");
  EXPECT_THAT(AccessLog::Open("/nonexistent/dir/log"),
              testing_util::StatusIs(absl::StatusCode::kNotFound));
}

TEST(AccessLogTest, BufferedLinesAreWrittenWithinTheIntervalOnReopenAndAtTheEnd) {
  std::string path = testing_util::TempDir() + "/buffered.log";
  std::remove(path.c_str());
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<AccessLog> log,
                         AccessLog::Open(path, {.flush_interval = absl::Milliseconds(20)}));
    log->Write("one\n");
    // The flusher writes it within the interval (polled, with a deadline).
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (Slurp(path) != "one\n" && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
    EXPECT_EQ(Slurp(path), "one\n");
    log->Write("two\n");
    ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
    ASSERT_THAT(log->Reopen(), testing_util::IsOk());  // "two" goes to the old file first
    log->Write("three\n");
  }
  EXPECT_EQ(Slurp(path + ".1"), "one\ntwo\n");
  EXPECT_EQ(Slurp(path), "three\n");
}

TEST(AccessLogTest, AFullBufferIsWrittenAtOnce) {
  std::string path = testing_util::TempDir() + "/full.log";
  std::remove(path.c_str());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AccessLog> log,
                       AccessLog::Open(path, {.flush_interval = absl::Hours(1), .buffer_bytes = 8}));
  log->Write("1234\n");
  EXPECT_EQ(Slurp(path), "");
  log->Write("5678\n");
  EXPECT_EQ(Slurp(path), "1234\n5678\n");
}

}  // namespace
}  // namespace proxy
