#include "lib/dns/dns_cache.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"

namespace dns {
namespace {

// NegativeTtl is the RFC 2308 section 5 lifetime of a negative reply: min(SOA TTL,
// SOA MINIMUM) of the first SOA in the authority section, or nullopt without one.
std::optional<uint32_t> NegativeTtl(const Message& reply) {
  for (const ResourceRecord& rr : reply.authorities) {
    if (const auto* soa = std::get_if<Soa>(&rr.data); soa != nullptr && rr.type == kSOA) {
      return std::min(rr.ttl, soa->minimum);
    }
  }
  return std::nullopt;
}

}  // namespace

DnsCache::DnsCache(DnsCacheOptions options) : options_(std::move(options)) {}

DnsCache::Key DnsCache::MakeKey(const Question& question) {
  absl::string_view name = question.name;
  if (name.size() > 1) absl::ConsumeSuffix(&name, ".");
  return Key(absl::AsciiStrToLower(name), question.type, question.qclass);
}

void DnsCache::Insert(const Question& question, const Message& reply) {
  const uint16_t rcode = reply.header.rcode;
  std::optional<uint32_t> ttl;
  if (rcode == kNoError && !reply.answers.empty()) {
    ttl = std::min_element(
              reply.answers.begin(), reply.answers.end(),
              [](const ResourceRecord& a, const ResourceRecord& b) { return a.ttl < b.ttl; })
              ->ttl;
  } else if (rcode == kNoError || rcode == kNxDomain) {
    ttl = NegativeTtl(reply);
    // A CNAME chain in front of the negative answer expires with it.
    for (const ResourceRecord& rr : reply.answers) {
      if (ttl) ttl = std::min(*ttl, rr.ttl);
    }
  }
  if (!ttl || *ttl == 0) return;
  const absl::Time now = Now();
  Entry entry{CachedAnswer{rcode, reply.answers}, now,
              now + std::min(absl::Seconds(*ttl), options_.max_ttl)};
  Key key = MakeKey(question);

  absl::MutexLock lock(&mu_);
  EraseLocked(key);
  while (!entries_.empty() && entries_.size() >= options_.max_entries) {
    const Key victim = by_expiry_.begin()->second;
    EraseLocked(victim);
  }
  if (options_.max_entries == 0) return;
  by_expiry_.emplace(entry.expires, key);
  entries_.emplace(std::move(key), std::move(entry));
}

std::optional<CachedAnswer> DnsCache::Lookup(const Question& question) {
  const Key key = MakeKey(question);
  const absl::Time now = Now();
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    EraseLocked(key);
    return std::nullopt;
  }
  CachedAnswer answer = it->second.answer;
  const int64_t age = absl::ToInt64Seconds(now - it->second.inserted);
  for (ResourceRecord& rr : answer.answers) {
    rr.ttl = rr.ttl > age ? rr.ttl - static_cast<uint32_t>(age) : 0;
  }
  return answer;
}

size_t DnsCache::size() {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void DnsCache::EraseLocked(const Key& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  by_expiry_.erase({it->second.expires, key});
  entries_.erase(it);
}

}  // namespace dns
