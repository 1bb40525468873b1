#include "lib/cache/tiered_store.h"

#include <memory>
#include <string>
#include <utility>

#include "lib/base/status_macros.h"

namespace cache {
namespace {

// TeeWriter writes to both tiers, each best effort: a tier that fails is dropped (and the
// back's failure reported), and the entry commits if either tier took it — an entry too large
// for memory still lands on disk, and a full or unwritable disk still leaves it in memory.
class TeeWriter : public EntryWriter {
 public:
  TeeWriter(std::unique_ptr<EntryWriter> front, std::unique_ptr<EntryWriter> back,
            absl::Status back_error, const TieredStore::ErrorFn* on_back_error)
      : front_(std::move(front)), back_(std::move(back)), back_error_(std::move(back_error)),
        on_back_error_(on_back_error) {}

  absl::Status Append(absl::string_view chunk) override {
    if (back_ != nullptr) {
      if (absl::Status s = back_->Append(chunk); !s.ok()) BackFailed(std::move(s));
    }
    if (front_ != nullptr && !front_->Append(chunk).ok()) front_.reset();
    if (front_ == nullptr && back_ == nullptr) return back_error_;
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (front_ == nullptr && back_ == nullptr) return back_error_;
    if (back_ != nullptr) {
      if (absl::Status s = back_->Commit(); !s.ok()) BackFailed(std::move(s));
    }
    absl::Status front = front_ != nullptr ? front_->Commit() : back_error_;
    front_.reset();
    if (back_ != nullptr) return absl::OkStatus();
    return front;
  }

 private:
  void BackFailed(absl::Status s) {
    back_.reset();
    if (*on_back_error_ && !absl::IsResourceExhausted(s)) (*on_back_error_)(s);
    back_error_ = std::move(s);
  }

  std::unique_ptr<EntryWriter> front_;
  std::unique_ptr<EntryWriter> back_;
  absl::Status back_error_;
  const TieredStore::ErrorFn* on_back_error_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<EntryReader>> TieredStore::Lookup(const CacheKey& key) {
  absl::StatusOr<std::unique_ptr<EntryReader>> hit = front_->Lookup(key);
  if (hit.ok()) return hit;
  ASSIGN_OR_RETURN(std::unique_ptr<EntryReader> reader, back_->Lookup(key));
  if (reader->body_size() > promote_max_bytes_) return reader;
  std::string body(reader->body_size(), '\0');
  for (size_t done = 0; done < body.size();) {
    ASSIGN_OR_RETURN(size_t n, reader->Read(absl::MakeSpan(body).subspan(done)));
    if (n == 0) return absl::DataLossError("tiered store: body shorter than its size");
    done += n;
  }
  EntryMeta meta = reader->meta();
  // Promotion is best effort: a full front tier still serves from the copy read here.
  front_->InsertComplete(key, meta, body).IgnoreError();
  return MakeStringReader(std::move(meta), std::move(body));
}

absl::StatusOr<std::unique_ptr<EntryWriter>> TieredStore::Insert(const CacheKey& key,
                                                                 EntryMeta meta) {
  absl::StatusOr<std::unique_ptr<EntryWriter>> back = back_->Insert(key, meta);
  if (!back.ok() && on_back_error_ && !absl::IsResourceExhausted(back.status())) {
    on_back_error_(back.status());
  }
  // Drop any older copy in front so a failed front insert cannot leave it shadowing the back.
  front_->Remove(key).IgnoreError();
  absl::StatusOr<std::unique_ptr<EntryWriter>> front = front_->Insert(key, std::move(meta));
  if (!back.ok() && !front.ok()) return back.status();
  absl::Status back_error = back.ok() ? absl::OkStatus() : back.status();
  return std::make_unique<TeeWriter>(front.ok() ? std::move(*front) : nullptr,
                                     back.ok() ? std::move(*back) : nullptr,
                                     std::move(back_error), &on_back_error_);
}

absl::Status TieredStore::Remove(const CacheKey& key) {
  absl::Status front = front_->Remove(key);
  absl::Status back = back_->Remove(key);
  if (front.ok() && absl::IsNotFound(back)) return absl::OkStatus();
  return back;
}

absl::Status TieredStore::UpdateMeta(const CacheKey& key, EntryMeta meta) {
  absl::Status front = front_->UpdateMeta(key, meta);
  absl::Status back = back_->UpdateMeta(key, std::move(meta));
  if (front.ok() && absl::IsNotFound(back)) return absl::OkStatus();
  return back;
}

StoreStats TieredStore::stats() const {
  StoreStats f = front_->stats();
  StoreStats b = back_->stats();
  // Every back lookup follows a front miss: count it once, as the back saw it.
  return StoreStats{.hits = f.hits + b.hits,
                    .misses = b.misses,
                    .corrupt = b.corrupt,
                    .evictions = f.evictions + b.evictions,
                    .entries = b.entries,
                    .bytes = f.bytes + b.bytes};
}

}  // namespace cache
