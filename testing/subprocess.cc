#include "testing/subprocess.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

extern char** environ;

namespace testing_util {

std::string Runfile(const std::string& path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr) return path;
  return absl::StrCat(srcdir, "/", ws ? ws : "nettoolkit", "/", path);
}

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

int OpenFdCount() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (const dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
    --n;  // the directory's own fd
  }
  return n;
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::string& path, const std::vector<std::string>& args,
    const SubprocessOptions& options) {
  signal(SIGPIPE, SIG_IGN);
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
    return absl::ErrnoToStatus(errno, "pipe2");
  }
  int stdin_file = -1, stdout_file = -1;
  if (!options.stdin_file.empty()) {
    stdin_file = open(options.stdin_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (stdin_file < 0) return absl::ErrnoToStatus(errno, "open " + options.stdin_file);
  }
  if (!options.stdout_file.empty()) {
    stdout_file = open(options.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (stdout_file < 0) return absl::ErrnoToStatus(errno, "open " + options.stdout_file);
  }
  std::vector<std::string> argv_s = {path};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  // The inherited environment, less the names options.env sets (getenv finds the first).
  auto overridden = [&](absl::string_view entry) {
    absl::string_view name = entry.substr(0, entry.find('='));
    for (const std::string& e : options.env) {
      if (absl::string_view(e).substr(0, e.find('=')) == name) return true;
    }
    return false;
  };
  std::vector<std::string> env_s;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) env_s.emplace_back(*e);
  }
  env_s.insert(env_s.end(), options.env.begin(), options.env.end());
  std::vector<char*> envp;
  for (std::string& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    dup2(stdin_file >= 0 ? stdin_file : in[0], 0);
    dup2(stdout_file >= 0 ? stdout_file : out[1], 1);
    dup2(err[1], 2);
    signal(SIGPIPE, SIG_DFL);
    execve(path.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (stdin_file >= 0) close(stdin_file);
  if (stdout_file >= 0) close(stdout_file);
  auto p = std::unique_ptr<Subprocess>(new Subprocess());
  p->pid_ = pid;
  p->stdin_fd_ = in[1];
  int out_fd = out[0], err_fd = err[0];
  Subprocess* raw = p.get();
  p->reader_ = std::thread([raw, out_fd, err_fd] {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        ssize_t n = read(fds[i].fd, buf, sizeof(buf));
        if (n <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
          continue;
        }
        absl::MutexLock lock(&raw->mu_);
        (i == 0 ? raw->out_ : raw->err_).append(buf, n);
      }
    }
    absl::MutexLock lock(&raw->mu_);
    raw->outputs_closed_ = true;
  });
  if (!options.keep_stdin_open) {
    if (!options.stdin_data.empty()) {
      // Write from a detached thread so a child that does not read cannot block us.
      int fd = p->stdin_fd_;
      p->stdin_fd_ = -1;
      std::thread([fd, data = options.stdin_data] {
        size_t off = 0;
        while (off < data.size()) {
          ssize_t n = write(fd, data.data() + off, data.size() - off);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) break;
          off += n;
        }
        close(fd);
      }).detach();
    } else {
      p->CloseStdin();
    }
  }
  return p;
}

Subprocess::~Subprocess() {
  if (!result_.has_value() && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  CloseStdin();
  if (reader_.joinable()) reader_.join();
}

absl::Status Subprocess::WriteStdin(const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(stdin_fd_, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::ErrnoToStatus(errno, "write stdin");
    off += n;
  }
  return absl::OkStatus();
}

void Subprocess::CloseStdin() {
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);
    stdin_fd_ = -1;
  }
}

void Subprocess::Signal(int sig) {
  if (pid_ > 0 && !result_.has_value()) kill(pid_, sig);
}

bool Subprocess::WaitForOutput(bool stderr_stream, const std::string& text,
                               absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  const std::string& stream = stderr_stream ? err_ : out_;
  auto cond = [this, &stream, &text]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return outputs_closed_ || stream.find(text) != std::string::npos;
  };
  mu_.AwaitWithTimeout(absl::Condition(&cond), timeout);
  return stream.find(text) != std::string::npos;
}

bool Subprocess::WaitForStderr(const std::string& text, absl::Duration timeout) {
  return WaitForOutput(true, text, timeout);
}

bool Subprocess::WaitForStdout(const std::string& text, absl::Duration timeout) {
  return WaitForOutput(false, text, timeout);
}

std::string Subprocess::Stderr() {
  absl::MutexLock lock(&mu_);
  return err_;
}

absl::StatusOr<ProcessResult> Subprocess::Wait(absl::Duration timeout) {
  if (result_.has_value()) return *result_;
  ProcessResult r;
  absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (true) {
    pid_t w = waitpid(pid_, &status, WNOHANG);
    if (w == pid_) break;
    if (w < 0 && errno != EINTR) return absl::ErrnoToStatus(errno, "waitpid");
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      r.timed_out = true;
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    // A pidfd becomes readable when the child exits.
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd < 0) return absl::ErrnoToStatus(errno, "pidfd_open");
    pollfd p = {pidfd, POLLIN, 0};
    poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    close(pidfd);
  }
  CloseStdin();
  if (reader_.joinable()) reader_.join();
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
  {
    absl::MutexLock lock(&mu_);
    r.out = out_;
    r.err = err_;
  }
  result_ = r;
  return r;
}

absl::StatusOr<ProcessResult> RunProcess(const std::string& path,
                                         const std::vector<std::string>& args,
                                         const SubprocessOptions& options,
                                         absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<Subprocess>> p = Subprocess::Start(path, args, options);
  if (!p.ok()) return p.status();
  return (*p)->Wait(timeout);
}

}  // namespace testing_util
