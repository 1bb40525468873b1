#include "proxy/access_log.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace proxy {
namespace {

std::string Quoted(absl::string_view s) {
  if (s.empty()) return "\"-\"";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += absl::StrFormat("\\x%02X", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string FormatAccessLine(const AccessEntry& e) {
  std::string upstream =
      e.upstream_time.has_value()
          ? absl::StrFormat("%.3f", absl::ToDoubleSeconds(*e.upstream_time))
          : "-";
  return absl::StrCat(e.client_ip.empty() ? "-" : e.client_ip, " - - [",
                      absl::FormatTime("%d/%b/%Y:%H:%M:%S +0000", e.time, absl::UTCTimeZone()),
                      "] ", Quoted(e.request_line), " ", e.status, " ", e.body_bytes, " ",
                      Quoted(e.referer), " ", Quoted(e.user_agent), " ",
                      e.cache_status.empty() ? "-" : e.cache_status, " ", upstream, "\n");
}

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& path) {
  std::unique_ptr<AccessLog> log(new AccessLog(path));
  if (absl::Status s = log->Reopen(); !s.ok()) return s;
  return log;
}

AccessLog::~AccessLog() {
  absl::MutexLock lock(&mu_);
  if (file_ != nullptr && file_ != stderr) std::fclose(file_);
}

void AccessLog::Write(const std::string& line) {
  absl::MutexLock lock(&mu_);
  if (file_ == nullptr) return;
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

absl::Status AccessLog::Reopen() {
  absl::MutexLock lock(&mu_);
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
