// store.h: the storage interface for cached HTTP responses (interface only).
//
// A Store maps a CacheKey to one complete response: its metadata and its body. Entries are
// written through an EntryWriter and become visible only when it commits; a reader keeps
// seeing the entry it opened even if the key is overwritten or removed meanwhile.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<cache::EntryWriter> w, store.Insert(key, meta));
//   RETURN_IF_ERROR(w->Append(chunk));           // as the body arrives
//   RETURN_IF_ERROR(w->Commit());                // dropping `w` without Commit aborts
//   absl::StatusOr<std::unique_ptr<cache::EntryReader>> r = store.Lookup(key);
//   if (!r.ok()) { /* any error is a miss; NotFound is the plain one */ }
#ifndef LIB_CACHE_STORE_H_
#define LIB_CACHE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/cache/cache_key.h"
#include "lib/http/headers.h"

namespace cache {

// EntryMeta is everything stored about a response besides its body.
struct EntryMeta {
  int status = 200;
  http::Headers headers;     // the stored response header fields
  absl::Time request_time;   // when the request that produced the response was sent
  absl::Time response_time;  // when the response was received
  // vary_values is the secondary key: the request's normalised values of the fields named by
  // the response's Vary (see VaryValues in policy.h); empty when the response has no Vary.
  std::vector<VaryValue> vary_values;
  bool operator==(const EntryMeta& other) const = default;
};

// ResponseSummary is what the reuse rules (policy.h) need of a stored response, computed once
// when it is stored (cache::Summarize), so that a cache hit parses none of its fields.
struct ResponseSummary {
  int status = 200;
  absl::Time response_time;
  absl::Duration lifetime;     // freshness lifetime (RFC 9111 §4.2.1)
  absl::Duration initial_age;  // corrected initial age: max(apparent age, Age + response delay)
  std::optional<absl::Duration> stale_while_revalidate;  // RFC 5861 windows
  std::optional<absl::Duration> stale_if_error;
  bool no_cache = false;         // response no-cache, in any form
  bool stale_forbidden = false;  // must-revalidate, proxy-revalidate or s-maxage
  bool has_validator = false;    // ETag or Last-Modified
  bool has_vary = false;         // a Vary field: VaryMatches must be checked
};

// StoreStats counts what a store has done since it was created.
struct StoreStats {
  uint64_t hits = 0;
  uint64_t misses = 0;     // includes entries dropped as corrupt
  uint64_t corrupt = 0;    // entries found damaged (DataLoss) and removed
  uint64_t evictions = 0;
  uint64_t entries = 0;    // committed entries currently held
  uint64_t bytes = 0;      // bytes currently charged against the budget
};

// EntryReader reads one committed entry. The entry it sees never changes under it.
class EntryReader {
 public:
  virtual ~EntryReader() = default;
  // meta returns the entry's metadata; the reference lives as long as the reader. (A store
  // may build it on the first call: the hot path uses summary and AppendFields instead.)
  virtual const EntryMeta& meta() const = 0;
  // summary returns Summarize(meta()), computed when the entry was stored or opened.
  virtual const ResponseSummary& summary() const = 0;
  // AppendFields appends the stored header fields to `out` in wire form, "Name: value\r\n"
  // each, in order, except Age, Content-Length and X-Cache, which a cache writes itself when
  // it serves the entry.
  virtual void AppendFields(std::string* out) const = 0;
  // body_size returns the body's length in bytes.
  virtual uint64_t body_size() const = 0;
  // Read copies the next body bytes into `out` (not kept) and returns how many it copied;
  // 0 means the body is finished (or `out` is empty).
  virtual absl::StatusOr<size_t> Read(absl::Span<char> out) = 0;
  // Body returns the whole body when the store keeps it in memory (valid as long as the
  // reader, independent of Read), so it can be written out without a copy; else nullopt.
  virtual std::optional<absl::string_view> Body() const { return std::nullopt; }
};

// EntryWriter writes one entry. Destroying it without a successful Commit aborts the insert:
// nothing becomes visible and any partial data is discarded.
class EntryWriter {
 public:
  virtual ~EntryWriter() = default;
  // Append adds `chunk` (copied, not kept) to the body. After an error the writer is dead
  // and Commit fails.
  virtual absl::Status Append(absl::string_view chunk) = 0;
  // Commit publishes the entry, replacing any entry under the same key. ResourceExhausted
  // when the entry cannot fit the store's budget; FailedPrecondition if called twice.
  virtual absl::Status Commit() = 0;
};

// Store is the interface implemented by MemoryStore, DiskStore and TieredStore. All methods
// are safe to call from several threads at once. Writers must be destroyed before their
// store; readers may outlive it.
class Store {
 public:
  virtual ~Store() = default;
  // Lookup opens the entry stored under exactly `key` (the full key is compared). NotFound
  // on a miss; DataLoss when the entry was found damaged (it is removed and counted as a
  // miss).
  virtual absl::StatusOr<std::unique_ptr<EntryReader>> Lookup(const CacheKey& key) = 0;
  // Insert starts writing an entry for `key` with metadata `meta`.
  virtual absl::StatusOr<std::unique_ptr<EntryWriter>> Insert(const CacheKey& key,
                                                              EntryMeta meta) = 0;
  // Remove deletes the entry for `key`; NotFound if there was none.
  virtual absl::Status Remove(const CacheKey& key) = 0;
  // UpdateMeta replaces the metadata of the entry for `key`, keeping its body (a 304
  // freshening); NotFound if there is no such entry.
  virtual absl::Status UpdateMeta(const CacheKey& key, EntryMeta meta) = 0;
  // stats returns a snapshot of the counters.
  virtual StoreStats stats() const = 0;
};

}  // namespace cache

#endif  // LIB_CACHE_STORE_H_
