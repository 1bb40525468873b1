// access_log.h: the proxy's access log in Combined Log Format plus cache status and upstream
// time, written to a file (reopened on SIGHUP, for logrotate) or to stderr.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<proxy::AccessLog> log,
//                    proxy::AccessLog::Open(path, {.flush_interval = absl::Milliseconds(100)}));
//   log->Write(proxy::FormatAccessLine(entry));   // thread-safe, one line per call
//   on SIGHUP: log->Reopen();
//
// With a flush interval, lines are buffered (up to `buffer_bytes`) and written by a flusher
// thread at that interval, like nginx's access_log buffer=/flush=: a request costs an append,
// not a write(2). Reopen and destruction write what is buffered.
//
// 127.0.0.1 - - [24/Nov/2026:01:02:03 +0000] "GET http://x/ HTTP/1.1" 200 1234 "-" "curl/7.88.1" - 0.003
#ifndef PROXY_ACCESS_LOG_H_
#define PROXY_ACCESS_LOG_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace proxy {

// AccessEntry is one finished (or refused) request.
struct AccessEntry {
  std::string client_ip;
  absl::Time time;          // when the request head arrived
  std::string request_line;  // "GET http://x/ HTTP/1.1" as received ("-" if none)
  int status = 0;
  uint64_t body_bytes = 0;   // response body bytes sent to the client
  std::string referer;       // "" prints "-"
  std::string user_agent;    // "" prints "-"
  std::string cache_status;  // "" prints "-" (no cache yet)
  // upstream_time is the time from upstream connect to the end of the response; nullopt
  // (printed "-") when the request never went upstream.
  std::optional<absl::Duration> upstream_time;
};

// FormatAccessLine renders `e` as one line ending in "\n". Quotes and control bytes in the
// quoted fields are escaped as \" and \xHH, so a line cannot be forged by a client.
std::string FormatAccessLine(const AccessEntry& e);
// AppendAccessLine appends that line to `out` (a buffer the caller reuses).
void AppendAccessLine(const AccessEntry& e, std::string* out);

struct AccessLogOptions {
  // flush_interval: zero writes every line at once; otherwise lines wait at most this long.
  absl::Duration flush_interval = absl::ZeroDuration();
  size_t buffer_bytes = 64 * 1024;  // a fuller buffer is written at once
};

class AccessLog {
 public:
  // Open appends to `path`, or writes to stderr when `path` is empty.
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& path,
                                                         AccessLogOptions options = {});
  // The destructor writes what is buffered.
  ~AccessLog();

  // Write appends `line` (written now, or buffered). Thread-safe.
  void Write(absl::string_view line) ABSL_LOCKS_EXCLUDED(mu_, file_mu_);
  // Flush writes what is buffered. Thread-safe.
  void Flush() ABSL_LOCKS_EXCLUDED(mu_, file_mu_);
  // Reopen writes what is buffered, then closes and reopens the file (no-op for stderr).
  // Thread-safe.
  absl::Status Reopen() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  AccessLog(std::string path, AccessLogOptions options)
      : path_(std::move(path)), options_(options) {}
  // FlushLocked takes the buffered lines (briefly holding mu_) and writes them out: the workers
  // keep appending while the write runs.
  void FlushLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(file_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  void FlushEvery() ABSL_LOCKS_EXCLUDED(mu_, file_mu_, stop_mu_);

  const std::string path_;
  const AccessLogOptions options_;
  // Lock order: file_mu_, then mu_. Holding file_mu_ across a flush keeps lines in order.
  absl::Mutex file_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  FILE* file_ ABSL_GUARDED_BY(file_mu_) = nullptr;
  std::string out_ ABSL_GUARDED_BY(file_mu_);  // being written (keeps its capacity)
  absl::Mutex mu_;
  std::string buffer_ ABSL_GUARDED_BY(mu_);
  // The flusher waits on its own mutex: a waiter on mu_ would send every Write's unlock down
  // absl's slow path (it re-evaluates the waiter's condition), on every request.
  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread flusher_;  // with a flush interval
};

}  // namespace proxy

#endif  // PROXY_ACCESS_LOG_H_
