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
  size_t clean = 0;  // the prefix that needs no escape: all of it, nearly always
  while (clean < s.size() && !NeedsEscape(static_cast<unsigned char>(s[clean]))) ++clean;
  out->append(s.data(), clean);
  for (unsigned char c : s.substr(clean)) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      absl::StrAppend(out, absl::StrFormat("\\x%02X", c));
    } else {
      out->push_back(static_cast<char>(c));
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
  AppendAccessLine(e, &out);
  return out;
}

void AppendAccessLine(const AccessEntry& e, std::string* out) {
  // Piece by piece rather than through StrAppend's lists: this runs for every request.
  auto append = [out](absl::string_view piece) { out->append(piece.data(), piece.size()); };
  out->reserve(out->size() + 160 + e.client_ip.size() + e.request_line.size() +
               e.user_agent.size() + e.referer.size() + e.cache_status.size());
  append(e.client_ip.empty() ? "-" : e.client_ip);
  append(" - - ");
  append(ClfTime(e.time));
  out->push_back(' ');
  AppendQuoted(out, e.request_line);
  out->push_back(' ');
  append(absl::AlphaNum(e.status).Piece());
  out->push_back(' ');
  append(absl::AlphaNum(e.body_bytes).Piece());
  out->push_back(' ');
  AppendQuoted(out, e.referer);
  out->push_back(' ');
  AppendQuoted(out, e.user_agent);
  out->push_back(' ');
  append(e.cache_status.empty() ? "-" : e.cache_status);
  out->push_back(' ');
  if (e.upstream_time.has_value()) {
    int64_t ms = absl::ToInt64Milliseconds(*e.upstream_time + absl::Microseconds(500));
    append(absl::AlphaNum(ms / 1000).Piece());
    out->push_back('.');
    append(absl::AlphaNum(absl::Dec(ms % 1000, absl::kZeroPad3)).Piece());
    out->push_back('\n');
  } else {
    append("-\n");
  }
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

void AccessLog::Write(absl::string_view line) {
  bool flush;
  {
    absl::MutexLock lock(&mu_);
    buffer_.append(line.data(), line.size());
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
