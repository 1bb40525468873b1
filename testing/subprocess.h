// subprocess.h: runs a built binary with arguments and stdin, capturing stdout, stderr and
// the exit code, for integration tests that check exact output.
//
//   ASSERT_OK_AND_ASSIGN(auto r, testing_util::RunProcess(
//       testing_util::Runfile("tools/nc/mini-nc"), {"-zv", "127.0.0.1", "80"}));
//   EXPECT_EQ(r.exit_code, 1);
//   EXPECT_EQ(r.err, "nc: connect to 127.0.0.1 port 80 (tcp) failed: Connection refused\n");
//
//   // Or keep it running and talk to it:
//   ASSERT_OK_AND_ASSIGN(auto p, Subprocess::Start(bin, {"-l", "0"}, {.keep_stdin_open = true}));
//   p->WriteStdin("hello"); p->CloseStdin();
//   ASSERT_OK_AND_ASSIGN(ProcessResult r, p->Wait(absl::Seconds(10)));
#ifndef TESTING_SUBPROCESS_H_
#define TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace testing_util {

// Runfile returns the path of a file from this test's runfiles (e.g. a built binary).
std::string Runfile(const std::string& workspace_relative_path);

// TempDir returns TEST_TMPDIR (or /tmp).
std::string TempDir();

// OpenFdCount returns how many file descriptors this process has open (from /proc/self/fd),
// for tests that check that something closed what it opened.
int OpenFdCount();

struct ProcessResult {
  int exit_code = -1;   // -1 when killed by a signal
  int term_signal = 0;  // the signal that ended it, if any
  bool timed_out = false;
  std::string out;
  std::string err;
};

struct SubprocessOptions {
  // Written to stdin, which is then closed (unless keep_stdin_open).
  std::string stdin_data;
  // Keep stdin open for WriteStdin/CloseStdin.
  bool keep_stdin_open = false;
  // Redirect stdin from / stdout to a file instead of pipes (for large transfers).
  std::string stdin_file;
  std::string stdout_file;
  // Extra environment entries "NAME=value" (replacing any inherited NAME).
  std::vector<std::string> env;
};

class Subprocess {
 public:
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const std::string& path,
                                                           const std::vector<std::string>& args,
                                                           const SubprocessOptions& options = {});
  ~Subprocess();  // kills the process if still running

  pid_t pid() const { return pid_; }
  absl::Status WriteStdin(const std::string& data);
  void CloseStdin();
  void Signal(int sig);

  // WaitForStderr / WaitForStdout block until that output contains `text` (true), or the
  // process closes its outputs or `timeout` passes (false).
  bool WaitForStderr(const std::string& text, absl::Duration timeout);
  bool WaitForStdout(const std::string& text, absl::Duration timeout);
  // Stderr returns what the process wrote to stderr so far.
  std::string Stderr();

  // Wait waits for exit; after `timeout` kills it (SIGKILL) and sets timed_out.
  absl::StatusOr<ProcessResult> Wait(absl::Duration timeout);

 private:
  Subprocess() = default;
  bool WaitForOutput(bool stderr_stream, const std::string& text, absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::thread reader_;
  absl::Mutex mu_;
  std::string out_ ABSL_GUARDED_BY(mu_);
  std::string err_ ABSL_GUARDED_BY(mu_);
  bool outputs_closed_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<ProcessResult> result_;
};

// RunProcess starts `path` with `args`, feeds `options.stdin_data`, and waits.
absl::StatusOr<ProcessResult> RunProcess(const std::string& path,
                                         const std::vector<std::string>& args,
                                         const SubprocessOptions& options = {},
                                         absl::Duration timeout = absl::Seconds(60));

}  // namespace testing_util

#endif  // TESTING_SUBPROCESS_H_
