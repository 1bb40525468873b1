#include "lib/cache/tiered_store.h"

#include <memory>
#include <string>
#include <utility>

#include "lib/base/status_macros.h"

namespace cache {
namespace {

// TeeWriter writes to both tiers; the back tier decides success, the front is best effort
// (an entry too large for memory still lands on disk).
class TeeWriter : public EntryWriter {
 public:
  TeeWriter(std::unique_ptr<EntryWriter> front, std::unique_ptr<EntryWriter> back)
      : front_(std::move(front)), back_(std::move(back)) {}

  absl::Status Append(absl::string_view chunk) override {
    RETURN_IF_ERROR(back_->Append(chunk));
    if (front_ != nullptr && !front_->Append(chunk).ok()) front_.reset();
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    RETURN_IF_ERROR(back_->Commit());
    if (front_ != nullptr) front_->Commit().IgnoreError();
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<EntryWriter> front_;
  std::unique_ptr<EntryWriter> back_;
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
  ASSIGN_OR_RETURN(std::unique_ptr<EntryWriter> back, back_->Insert(key, meta));
  // Drop any older copy in front so a failed front insert cannot leave it shadowing the back.
  front_->Remove(key).IgnoreError();
  absl::StatusOr<std::unique_ptr<EntryWriter>> front = front_->Insert(key, std::move(meta));
  return std::make_unique<TeeWriter>(front.ok() ? std::move(*front) : nullptr, std::move(back));
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
