// http_cache.h: a Store used as an HTTP cache: responses found and stored by request, with
// Vary handled through a secondary key (RFC 9111 §4.1).
//
// A response without Vary is stored under the request's primary key. A response with Vary is
// stored under the primary key plus the request's values of the listed fields (its variant
// key), and a small "Vary stub" under the primary key records which fields select the
// variant, so a later request finds its own variant in two lookups. `Vary: *` is never stored
// (IsStorable refuses it).
//
//   cache::HttpCache cache(std::make_unique<cache::MemoryStore>());
//   absl::StatusOr<cache::HttpCache::Hit> hit = cache.Lookup(key, request.headers);
//   if (hit.ok()) { ... hit->reader->meta(), hit->reader->Read(...) ... }
//   ASSIGN_OR_RETURN(std::unique_ptr<cache::EntryWriter> w,
//                    cache.Insert(key, request.headers, meta));   // commits the stub too
//   cache.Invalidate(key);                                       // after a POST, PURGE...
#ifndef LIB_CACHE_HTTP_CACHE_H_
#define LIB_CACHE_HTTP_CACHE_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/cache/cache_key.h"
#include "lib/cache/store.h"
#include "lib/http/headers.h"

namespace cache {

class HttpCache {
 public:
  // Hit is a stored response that may answer the request: its reader and the exact key it
  // is stored under (the variant key for a Vary response), for UpdateMeta.
  struct Hit {
    std::unique_ptr<EntryReader> reader;
    CacheKey key;
  };

  explicit HttpCache(std::unique_ptr<Store> store) : store_(std::move(store)) {}

  // Lookup returns the stored response for a request with `request` headers (not kept) whose
  // primary key is `primary`: the entry itself, or the variant its Vary fields select, checked
  // with VaryMatches. NotFound when there is none; other errors (a damaged entry) count as
  // misses too.
  absl::StatusOr<Hit> Lookup(const CacheKey& primary, const http::Headers& request);

  // Insert starts storing a response to a request with `request` headers under `primary`.
  // `meta.headers` are the response's storable fields; `meta.vary_values` is filled here.
  // The writer's Commit publishes the entry and then, for a Vary response, the stub.
  // InvalidArgument for `Vary: *`.
  absl::StatusOr<std::unique_ptr<EntryWriter>> Insert(const CacheKey& primary,
                                                      const http::Headers& request,
                                                      EntryMeta meta);

  // UpdateMeta replaces the metadata of the entry a Hit came from (a 304 freshening).
  absl::Status UpdateMeta(const Hit& hit, EntryMeta meta) { return store_->UpdateMeta(hit.key, std::move(meta)); }

  // Invalidate removes what is stored under `primary` (an entry or a Vary stub, which makes
  // every variant unreachable). NotFound when nothing was there.
  absl::Status Invalidate(const CacheKey& primary) { return store_->Remove(primary); }

  // IsVaryStub reports whether an entry is a stub written by Insert (never served).
  static bool IsVaryStub(const EntryMeta& meta) { return meta.status == kVaryStubStatus; }
  static bool IsVaryStub(const ResponseSummary& s) { return s.status == kVaryStubStatus; }

  Store& store() { return *store_; }
  StoreStats stats() const { return store_->stats(); }

 private:
  // kVaryStubStatus marks a stub: no response has status 0.
  static constexpr int kVaryStubStatus = 0;

  std::unique_ptr<Store> store_;
};

}  // namespace cache

#endif  // LIB_CACHE_HTTP_CACHE_H_
