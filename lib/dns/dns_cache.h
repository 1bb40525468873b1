// dns_cache.h: a thread-safe, bounded cache of DNS answers, positive and negative (RFC 2308).
//
//   dns::DnsCache cache(dns::DnsCacheOptions{});   // 1024 entries, absl::Now
//   cache.Insert(question, reply);                  // keeps what RFC 1035/2308 allow
//   if (std::optional<dns::CachedAnswer> hit = cache.Lookup(question)) {
//     if (hit->rcode == dns::kNxDomain) ...;        // TTLs in hit->answers count down
//   }
//
// Entries are keyed by (lowercased name without trailing dot, type, class). A positive entry
// holds the reply's whole answer section (CNAMEs included) and lives for the smallest TTL in
// it. A negative entry (NXDOMAIN, or NODATA: NOERROR without answers) lives for
// min(SOA TTL, SOA MINIMUM) of the SOA in the authority section, and is not stored without
// one. When full, the entry closest to expiry is evicted (expired ones first).
#ifndef LIB_DNS_DNS_CACHE_H_
#define LIB_DNS_DNS_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/dns/message.h"

namespace dns {

// CachedAnswer is what the cache returns: the rcode (kNoError or kNxDomain) and the answer
// section with each TTL reduced by the time spent in the cache. NODATA is kNoError with no
// record of the asked type.
struct CachedAnswer {
  uint16_t rcode = kNoError;
  std::vector<ResourceRecord> answers;

  bool operator==(const CachedAnswer&) const = default;
};

struct DnsCacheOptions {
  // max_entries bounds the number of (name, type, class) entries.
  size_t max_entries = 1024;
  // max_ttl caps how long any entry lives, whatever its TTL.
  absl::Duration max_ttl = absl::Hours(24);
  // clock returns the current time; absl::Now when empty.
  std::function<absl::Time()> clock;
};

class DnsCache {
 public:
  explicit DnsCache(DnsCacheOptions options = {});

  DnsCache(const DnsCache&) = delete;
  DnsCache& operator=(const DnsCache&) = delete;

  // Insert stores `reply` as the answer to `question` when it is cacheable: NOERROR with
  // answers (positive), or NXDOMAIN / NOERROR without answers with an SOA in the authority
  // section (negative). Other replies, and those whose lifetime would be 0, are ignored;
  // a stored entry replaces the previous one for the same key. Nothing is kept by reference.
  void Insert(const Question& question, const Message& reply) ABSL_LOCKS_EXCLUDED(mu_);

  // Lookup returns the live entry for `question`, or std::nullopt (expired entries are
  // dropped on the way).
  std::optional<CachedAnswer> Lookup(const Question& question) ABSL_LOCKS_EXCLUDED(mu_);

  // size is the number of entries held, expired ones included until they are dropped.
  size_t size() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Key = std::tuple<std::string, uint16_t, uint16_t>;
  struct Entry {
    CachedAnswer answer;  // TTLs as received
    absl::Time inserted;
    absl::Time expires;
  };

  static Key MakeKey(const Question& question);
  absl::Time Now() const { return options_.clock ? options_.clock() : absl::Now(); }
  void EraseLocked(const Key& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const DnsCacheOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<Key, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<absl::Time, Key>> by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dns

#endif  // LIB_DNS_DNS_CACHE_H_
