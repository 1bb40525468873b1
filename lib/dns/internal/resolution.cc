#include "lib/dns/internal/resolution.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/dns/name.h"

namespace dns::internal {

absl::StatusOr<std::vector<std::string>> SearchCandidates(absl::string_view name,
                                                          const ResolvConf& conf) {
  if (name.empty() || name == ".") {
    return absl::InvalidArgumentError("dns: empty host name");
  }
  if (absl::EndsWith(name, ".")) return std::vector<std::string>{std::string(name)};
  const int dots = static_cast<int>(std::count(name.begin(), name.end(), '.'));
  std::vector<std::string> out;
  if (dots >= conf.ndots) out.emplace_back(name);
  for (const std::string& domain : conf.search) out.push_back(absl::StrCat(name, ".", domain));
  if (dots < conf.ndots) out.emplace_back(name);
  return out;
}

ChainWalk::ChainWalk(std::string name, uint16_t type, int max_hops)
    : name_(std::move(name)), type_(type), max_hops_(max_hops), current_(name_), seen_{name_} {}

absl::StatusOr<std::optional<ChainResult>> ChainWalk::Take(const CachedAnswer& answer) {
  bool moved = false;
  while (true) {
    ChainResult found;
    const ResourceRecord* cname = nullptr;
    for (const ResourceRecord& rr : answer.answers) {
      if (!NamesEqual(rr.name, current_)) continue;
      if (rr.type == type_) found.records.push_back(rr);
      if (rr.type == kCNAME && cname == nullptr) cname = &rr;
    }
    if (!found.records.empty()) return found;
    const auto* target = cname != nullptr ? std::get_if<NameRdata>(&cname->data) : nullptr;
    if (type_ == kCNAME || target == nullptr) break;
    if (std::any_of(seen_.begin(), seen_.end(),
                    [&](const std::string& s) { return NamesEqual(s, target->name); })) {
      return absl::NotFoundError(absl::StrCat("dns: ", name_, ": CNAME loop at ", target->name));
    }
    if (seen_.size() > static_cast<size_t>(max_hops_)) {
      return absl::NotFoundError(
          absl::StrCat("dns: ", name_, ": CNAME chain longer than ", max_hops_));
    }
    seen_.push_back(target->name);
    current_ = target->name;
    moved = true;
  }
  if (answer.rcode == kNxDomain || !moved) return ChainResult{answer.rcode, {}};
  return std::nullopt;  // the chain ends at a name the answer says nothing more about
}

std::optional<Message> ServerTally::Take(const net::Address& server, absl::string_view name,
                                         absl::StatusOr<ExchangeResult> result) {
  if (!result.ok()) {
    all_timed_out_ &= result.status().code() == absl::StatusCode::kDeadlineExceeded;
    last_ = result.status();
    return std::nullopt;
  }
  const uint16_t rcode = result->message.header.rcode;
  if (rcode == kNoError || rcode == kNxDomain) return std::move(result->message);
  // SERVFAIL, REFUSED and the like say nothing about the name: try the next server.
  all_timed_out_ = false;
  last_ = absl::UnavailableError(absl::StrCat("dns: ", server.ToString(), " answered ",
                                              RcodeToString(rcode), " for ", name));
  return std::nullopt;
}

absl::Status ServerTally::Failure(absl::string_view name) const {
  if (all_timed_out_) return absl::DeadlineExceededError("dns: no servers could be reached");
  return absl::UnavailableError(
      absl::StrCat("dns: no server answered ", name, " (last: ", last_.message(), ")"));
}

SearchTally::SearchTally(absl::string_view name, absl::string_view what)
    : name_(name), what_(what) {}

bool SearchTally::Add(ChainResult result) {
  if (EndsCandidate(result)) return false;
  if (result.records.empty()) nodata_ = true;
  found_.insert(found_.end(), std::make_move_iterator(result.records.begin()),
                std::make_move_iterator(result.records.end()));
  return true;
}

std::optional<std::vector<ResourceRecord>> SearchTally::EndCandidate() {
  if (found_.empty()) return std::nullopt;
  return std::exchange(found_, {});
}

absl::Status SearchTally::NotFound() const {
  return absl::NotFoundError(nodata_ ? absl::StrCat("dns: ", name_, ": no ", what_)
                                     : absl::StrCat("dns: ", name_, ": NXDOMAIN"));
}

}  // namespace dns::internal
