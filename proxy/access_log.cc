#include "proxy/access_log.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace proxy {
namespace {

bool NeedsEscape(unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c >= 0x7f; }

// AppendQuoted appends `s` in double quotes, escaped ("-" when empty).
void AppendQuoted(std::string* out, absl::string_view s) {
  if (s.empty()) {
    out->append("\"-\"");
    return;
  }
  out->push_back('"');
  if (std::none_of(s.begin(), s.end(), [](char c) { return NeedsEscape(c); })) {
    out->append(s.data(), s.size());
  } else {
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out->push_back('\\');
        out->push_back(static_cast<char>(c));
      } else if (c < 0x20 || c >= 0x7f) {
        absl::StrAppend(out, absl::StrFormat("\\x%02X", c));
      } else {
        out->push_back(static_cast<char>(c));
      }
    }
  }
  out->push_back('"');
}

// ClfTime returns "[06/Nov/1994:08:49:37 +0000]" for `t`, formatted once per second per
// thread (a log line is written for every request).
const std::string& ClfTime(absl::Time t) {
  thread_local int64_t second = INT64_MIN;
  thread_local std::string text;
  int64_t now = absl::ToUnixSeconds(t);
  if (now != second) {
    second = now;
    text = absl::FormatTime("[%d/%b/%Y:%H:%M:%S +0000]", t, absl::UTCTimeZone());
  }
  return text;
}

}  // namespace

std::string FormatAccessLine(const AccessEntry& e) {
  std::string out;
  out.reserve(160 + e.request_line.size() + e.user_agent.size() + e.referer.size());
  absl::StrAppend(&out, e.client_ip.empty() ? "-" : e.client_ip, " - - ", ClfTime(e.time), " ");
  AppendQuoted(&out, e.request_line);
  absl::StrAppend(&out, " ", e.status, " ", e.body_bytes, " ");
  AppendQuoted(&out, e.referer);
  out.push_back(' ');
  AppendQuoted(&out, e.user_agent);
  absl::StrAppend(&out, " ", e.cache_status.empty() ? "-" : e.cache_status, " ");
  if (e.upstream_time.has_value()) {
    int64_t ms = absl::ToInt64Milliseconds(*e.upstream_time + absl::Microseconds(500));
    absl::StrAppend(&out, ms / 1000, ".", absl::Dec(ms % 1000, absl::kZeroPad3), "\n");
  } else {
    out.append("-\n");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& path,
                                                           AccessLogOptions options) {
  std::unique_ptr<AccessLog> log(new AccessLog(path, options));
  if (absl::Status s = log->Reopen(); !s.ok()) return s;
  if (options.flush_interval > absl::ZeroDuration()) {
    log->flusher_ = std::thread([raw = log.get()] { raw->FlushEvery(); });
  }
  return log;
}

AccessLog::~AccessLog() {
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  if (flusher_.joinable()) flusher_.join();
  absl::MutexLock lock(&file_mu_);
  FlushLocked();
  if (file_ != nullptr && file_ != stderr) std::fclose(file_);
}

void AccessLog::Write(const std::string& line) {
  bool flush;
  {
    absl::MutexLock lock(&mu_);
    buffer_ += line;
    flush = options_.flush_interval <= absl::ZeroDuration() ||
            buffer_.size() >= options_.buffer_bytes;
  }
  if (flush) Flush();
}

void AccessLog::Flush() {
  absl::MutexLock lock(&file_mu_);
  FlushLocked();
}

void AccessLog::FlushLocked() {
  {
    absl::MutexLock lock(&mu_);
    if (buffer_.empty()) return;
    out_.swap(buffer_);
  }
  if (file_ != nullptr) {
    std::fwrite(out_.data(), 1, out_.size(), file_);
    std::fflush(file_);
  }
  out_.clear();
}

void AccessLog::FlushEvery() {
  for (;;) {
    bool stop;
    {
      absl::MutexLock lock(&stop_mu_);
      stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.flush_interval);
      stop = stopping_;
    }
    Flush();
    if (stop) return;
  }
}

absl::Status AccessLog::Reopen() {
  absl::MutexLock lock(&file_mu_);
  FlushLocked();
  if (path_.empty()) {
    file_ = stderr;
    return absl::OkStatus();
  }
  FILE* f = std::fopen(path_.c_str(), "ae");
  if (f == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("access log: open ", path_));
  }
  if (file_ != nullptr) std::fclose(file_);
  file_ = f;
  return absl::OkStatus();
}

}  // namespace proxy
