#include "lib/cache/disk_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/sha256.h"
#include "lib/base/status_macros.h"
#include "lib/cache/internal/entry_format.h"
#include "lib/cache/policy.h"

namespace cache {
namespace {

using internal::FileHeader;

constexpr absl::string_view kTempPrefix = ".tmp-";
constexpr size_t kCopyChunk = 64 * 1024;

// ErrnoStatus names the failed call and path. A full device or quota (which absl maps to
// ResourceExhausted, the Store interface's "over budget") is Unavailable: the disk failed.
absl::Status ErrnoStatus(absl::string_view op, const std::string& path) {
  absl::Status s = absl::ErrnoToStatus(errno, absl::StrCat("disk store: ", op, " ", path));
  if (absl::IsResourceExhausted(s)) return absl::UnavailableError(s.message());
  return s;
}

// Fd owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  bool Close() {
    if (fd_ < 0) return true;
    return ::close(std::exchange(fd_, -1)) == 0;
  }

 private:
  int fd_;
};

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// PreadAll reads exactly `n` bytes at `offset`; DataLoss if the file ends first.
absl::StatusOr<std::string> PreadAll(int fd, uint64_t offset, size_t n) {
  std::string out(n, '\0');
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return absl::ErrnoToStatus(errno, "disk store: pread");
    if (got == 0) return absl::DataLossError("disk store: entry file truncated");
    done += static_cast<size_t>(got);
  }
  return out;
}

bool IsDigestName(absl::string_view name) {
  return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

class DiskReader : public EntryReader {
 public:
  DiskReader(Fd fd, EntryMeta meta, uint64_t body_offset, uint64_t body_size)
      : fd_(std::move(fd)), meta_(std::move(meta)), summary_(Summarize(meta_)),
        body_offset_(body_offset), body_size_(body_size) {}

  const EntryMeta& meta() const override { return meta_; }
  const ResponseSummary& summary() const override { return summary_; }
  void AppendFields(std::string* out) const override { AppendServedFields(meta_.headers, out); }
  uint64_t body_size() const override { return body_size_; }
  absl::StatusOr<size_t> Read(absl::Span<char> out) override {
    size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), body_size_ - position_));
    if (want == 0) return 0;
    ASSIGN_OR_RETURN(std::string bytes, PreadAll(fd_.get(), body_offset_ + position_, want));
    std::memcpy(out.data(), bytes.data(), want);
    position_ += want;
    return want;
  }

 private:
  Fd fd_;
  EntryMeta meta_;
  ResponseSummary summary_;
  uint64_t body_offset_;
  uint64_t body_size_;
  uint64_t position_ = 0;
};

}  // namespace

class DiskStore::Writer : public EntryWriter {
 public:
  Writer(DiskStore* store, std::string digest, std::string key_text, EntryMeta meta,
         std::string temp, Fd fd)
      : store_(store), digest_(std::move(digest)), key_text_(std::move(key_text)),
        meta_(std::move(meta)), temp_(std::move(temp)), fd_(std::move(fd)) {
    hash_.Update(key_text_);
  }

  ~Writer() override {
    if (!published_) {
      fd_.Close();
      ::unlink(temp_.c_str());
    }
  }

  absl::Status Append(absl::string_view chunk) override {
    RETURN_IF_ERROR(state_);
    if (FileHeader{static_cast<uint32_t>(key_text_.size()), 0, body_size_ + chunk.size()}
            .file_size() > store_->options_.max_bytes) {
      return Fail(absl::ResourceExhaustedError(absl::StrCat(
          "disk store: entry exceeds budget of ", store_->options_.max_bytes, " bytes")));
    }
    if (absl::Status s = WriteAll(fd_.get(), chunk, temp_); !s.ok()) return Fail(s);
    hash_.Update(chunk);
    body_size_ += chunk.size();
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    RETURN_IF_ERROR(state_);
    state_ = absl::FailedPreconditionError("disk store: writer already finished");
    std::string meta = internal::EncodeMeta(meta_);
    FileHeader header{static_cast<uint32_t>(key_text_.size()), static_cast<uint32_t>(meta.size()),
                      body_size_};
    if (header.file_size() > store_->options_.max_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "disk store: entry of ", header.file_size(), " bytes exceeds budget of ",
          store_->options_.max_bytes));
    }
    std::string head = internal::EncodeHeader(header);
    hash_.Update(meta);
    hash_.Update(head);
    base::Sha256::Digest sum = hash_.Finish();
    RETURN_IF_ERROR(WriteAll(fd_.get(), meta, temp_));
    RETURN_IF_ERROR(WriteAll(
        fd_.get(), absl::string_view(reinterpret_cast<const char*>(sum.data()), sum.size()), temp_));
    if (::pwrite(fd_.get(), head.data(), head.size(), 0) != static_cast<ssize_t>(head.size())) {
      return ErrnoStatus("write header", temp_);
    }
    if (!fd_.Close()) return ErrnoStatus("close", temp_);
    RETURN_IF_ERROR(store_->Publish(temp_, digest_, header.file_size()));
    published_ = true;
    return absl::OkStatus();
  }

 private:
  absl::Status Fail(absl::Status status) {
    state_ = status;
    return status;
  }

  DiskStore* store_;
  std::string digest_;
  std::string key_text_;
  EntryMeta meta_;
  std::string temp_;
  Fd fd_;
  base::Sha256 hash_;
  uint64_t body_size_ = 0;
  absl::Status state_;
  bool published_ = false;
};

absl::StatusOr<std::unique_ptr<DiskStore>> DiskStore::Open(Options options) {
  if (::mkdir(options.directory.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus("mkdir", options.directory);
  }
  std::unique_ptr<DiskStore> store(new DiskStore(std::move(options)));
  RETURN_IF_ERROR(store->Rebuild());
  return store;
}

absl::Status DiskStore::Rebuild() {
  absl::Time start = absl::Now();
  struct Found {
    int64_t mtime_ns;
    std::string digest;
    uint64_t size;
  };
  std::vector<Found> found;
  DIR* top = ::opendir(options_.directory.c_str());
  if (top == nullptr) return ErrnoStatus("opendir", options_.directory);
  absl::Cleanup close_top = [top] { ::closedir(top); };
  while (dirent* sub = ::readdir(top)) {
    absl::string_view sub_name = sub->d_name;
    if (sub_name.size() != 2 || !IsDigestName(absl::StrCat(sub_name, std::string(62, '0')))) {
      continue;
    }
    std::string sub_path = absl::StrCat(options_.directory, "/", sub_name);
    DIR* dir = ::opendir(sub_path.c_str());
    if (dir == nullptr) continue;
    absl::Cleanup close_dir = [dir] { ::closedir(dir); };
    while (dirent* file = ::readdir(dir)) {
      absl::string_view name = file->d_name;
      if (absl::StartsWith(name, kTempPrefix)) {
        if (::unlinkat(::dirfd(dir), file->d_name, 0) == 0) ++rebuild_stats_.temp_files_removed;
        continue;
      }
      if (!IsDigestName(name) || !absl::StartsWith(name, sub_name)) continue;
      struct stat st;
      if (::fstatat(::dirfd(dir), file->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
      found.push_back({int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec,
                       std::string(name), static_cast<uint64_t>(st.st_size)});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.mtime_ns < b.mtime_ns; });
  absl::MutexLock lock(&mu_);
  for (Found& f : found) {
    lru_.push_back(f.digest);
    index_[f.digest] = IndexEntry{f.size, std::prev(lru_.end())};
    bytes_ += f.size;
  }
  while (bytes_ > options_.max_bytes && !lru_.empty()) {
    ++stats_.evictions;
    Erase(lru_.front());
  }
  stats_.entries = index_.size();
  rebuild_stats_.entries = index_.size();
  rebuild_stats_.bytes = bytes_;
  rebuild_stats_.duration = absl::Now() - start;
  return absl::OkStatus();
}

std::string DiskStore::PathForDigest(const std::string& digest) const {
  return absl::StrCat(options_.directory, "/", digest.substr(0, 2), "/", digest);
}

std::string DiskStore::PathFor(const CacheKey& key) const { return PathForDigest(key.Digest()); }

absl::StatusOr<std::unique_ptr<EntryReader>> DiskStore::OpenEntry(const CacheKey& key) {
  std::string digest = key.Digest();
  {
    absl::MutexLock lock(&mu_);
    if (!index_.contains(digest)) return absl::NotFoundError("disk store: miss");
  }
  std::string path = PathForDigest(digest);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      absl::MutexLock lock(&mu_);
      Erase(digest);
      return absl::NotFoundError("disk store: miss (file gone)");
    }
    return ErrnoStatus("open", path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("fstat", path);
  absl::StatusOr<std::unique_ptr<EntryReader>> reader = [&]()
      -> absl::StatusOr<std::unique_ptr<EntryReader>> {
    ASSIGN_OR_RETURN(std::string head, PreadAll(fd.get(), 0, internal::kHeaderSize));
    ASSIGN_OR_RETURN(FileHeader header, internal::DecodeHeader(head));
    if (header.file_size() != static_cast<uint64_t>(st.st_size)) {
      return absl::DataLossError(absl::StrCat("disk store: file of ", st.st_size,
                                              " bytes, header says ", header.file_size()));
    }
    ASSIGN_OR_RETURN(std::string stored_key, PreadAll(fd.get(), internal::kHeaderSize,
                                                      header.key_size));
    base::Sha256 hash;
    hash.Update(stored_key);
    uint64_t body_offset = internal::kHeaderSize + header.key_size;
    for (uint64_t done = 0; done < header.body_size;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kCopyChunk, header.body_size - done));
      ASSIGN_OR_RETURN(std::string chunk, PreadAll(fd.get(), body_offset + done, n));
      hash.Update(chunk);
      done += n;
    }
    ASSIGN_OR_RETURN(std::string meta_bytes,
                     PreadAll(fd.get(), body_offset + header.body_size, header.meta_size));
    ASSIGN_OR_RETURN(std::string checksum,
                     PreadAll(fd.get(), body_offset + header.body_size + header.meta_size,
                              internal::kChecksumSize));
    hash.Update(meta_bytes);
    hash.Update(head);
    base::Sha256::Digest sum = hash.Finish();
    if (absl::string_view(reinterpret_cast<const char*>(sum.data()), sum.size()) != checksum) {
      return absl::DataLossError("disk store: checksum mismatch");
    }
    if (stored_key != key.ToString()) {
      return absl::NotFoundError("disk store: miss (file holds another key)");
    }
    ASSIGN_OR_RETURN(EntryMeta meta, internal::DecodeMeta(meta_bytes));
    return std::make_unique<DiskReader>(std::move(fd), std::move(meta), body_offset,
                                        header.body_size);
  }();
  if (reader.status().code() == absl::StatusCode::kDataLoss) {
    Drop(digest, st.st_ino);
    return absl::DataLossError(absl::StrCat(reader.status().message(), " in ", path,
                                            " (entry removed)"));
  }
  return reader;
}

absl::StatusOr<std::unique_ptr<EntryReader>> DiskStore::Lookup(const CacheKey& key) {
  absl::StatusOr<std::unique_ptr<EntryReader>> reader = OpenEntry(key);
  absl::MutexLock lock(&mu_);
  if (!reader.ok()) {
    ++stats_.misses;
    return reader;
  }
  ++stats_.hits;
  if (auto it = index_.find(key.Digest()); it != index_.end()) {
    lru_.splice(lru_.end(), lru_, it->second.lru);
  }
  return reader;
}

absl::StatusOr<std::unique_ptr<EntryWriter>> DiskStore::Insert(const CacheKey& key,
                                                               EntryMeta meta) {
  std::string digest = key.Digest();
  std::string dir = absl::StrCat(options_.directory, "/", digest.substr(0, 2));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoStatus("mkdir", dir);
  uint64_t n;
  {
    absl::MutexLock lock(&mu_);
    n = temp_counter_++;
  }
  std::string temp = absl::StrCat(dir, "/", kTempPrefix, digest.substr(0, 16), "-", ::getpid(),
                                  "-", n);
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoStatus("create", temp);
  absl::Cleanup unlink_temp = [&temp] { ::unlink(temp.c_str()); };
  std::string key_text = key.ToString();
  // Room for the header (written on Commit, once the sizes are known), then the key.
  RETURN_IF_ERROR(WriteAll(fd.get(), std::string(internal::kHeaderSize, '\0'), temp));
  RETURN_IF_ERROR(WriteAll(fd.get(), key_text, temp));
  std::move(unlink_temp).Cancel();
  return std::make_unique<Writer>(this, digest, std::move(key_text), std::move(meta), temp,
                                  std::move(fd));
}

absl::Status DiskStore::Publish(const std::string& temp, const std::string& digest,
                                uint64_t size) {
  absl::Cleanup unlink_temp = [&temp] { ::unlink(temp.c_str()); };
  std::string path = PathForDigest(digest);
  absl::MutexLock lock(&mu_);
  if (::rename(temp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename", temp);
  std::move(unlink_temp).Cancel();
  if (auto it = index_.find(digest); it != index_.end()) {
    bytes_ -= it->second.size;
    lru_.erase(it->second.lru);
    index_.erase(it);
  }
  lru_.push_back(digest);
  index_[digest] = IndexEntry{size, std::prev(lru_.end())};
  bytes_ += size;
  while (bytes_ > options_.max_bytes && lru_.size() > 1) {
    ++stats_.evictions;
    Erase(lru_.front());
  }
  stats_.entries = index_.size();
  return absl::OkStatus();
}

void DiskStore::Erase(const std::string& digest) {
  auto it = index_.find(digest);
  if (it == index_.end()) return;
  ::unlink(PathForDigest(digest).c_str());
  bytes_ -= it->second.size;
  lru_.erase(it->second.lru);
  index_.erase(it);
  stats_.entries = index_.size();
}

void DiskStore::Drop(const std::string& digest, uint64_t inode) {
  absl::MutexLock lock(&mu_);
  ++stats_.corrupt;
  struct stat st;
  if (::stat(PathForDigest(digest).c_str(), &st) == 0 && st.st_ino == inode) Erase(digest);
}

absl::Status DiskStore::Remove(const CacheKey& key) {
  std::string digest = key.Digest();
  absl::MutexLock lock(&mu_);
  if (!index_.contains(digest)) return absl::NotFoundError("disk store: no entry to remove");
  Erase(digest);
  return absl::OkStatus();
}

absl::Status DiskStore::UpdateMeta(const CacheKey& key, EntryMeta meta) {
  // Rewrites the whole entry (the checksum covers the body too) and renames it over the old.
  ASSIGN_OR_RETURN(std::unique_ptr<EntryReader> reader, OpenEntry(key));
  ASSIGN_OR_RETURN(std::unique_ptr<EntryWriter> writer, Insert(key, std::move(meta)));
  std::string buf(kCopyChunk, '\0');
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, reader->Read(absl::MakeSpan(buf)));
    if (n == 0) break;
    RETURN_IF_ERROR(writer->Append(absl::string_view(buf.data(), n)));
  }
  return writer->Commit();
}

StoreStats DiskStore::stats() const {
  absl::MutexLock lock(&mu_);
  StoreStats s = stats_;
  s.bytes = bytes_;
  return s;
}

}  // namespace cache
