// resolution.h (private to :resolver): the rules of one lookup that the Resolver's blocking
// and event-loop forms both follow, as steps that take results and say what comes next, so
// neither form keeps its own copy: search-list candidates, CNAME chain walking, the outcome
// of asking the servers in turn, and combining the candidates' results.
//
//   ASSIGN_OR_RETURN(std::vector<std::string> names, internal::SearchCandidates(host, conf));
//   internal::ChainWalk walk(names[0], dns::kA, Resolver::kMaxCnameHops);
//   ASSIGN_OR_RETURN(std::optional<internal::ChainResult> end, walk.Take(answer_for_next));
//   if (!end) Ask(walk.next_name());                   // the chain moved on
#ifndef LIB_DNS_INTERNAL_RESOLUTION_H_
#define LIB_DNS_INTERNAL_RESOLUTION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/dns/dns_cache.h"
#include "lib/dns/message.h"
#include "lib/dns/resolv_conf.h"
#include "lib/dns/transport.h"
#include "lib/net/address.h"

namespace dns::internal {

// SearchCandidates returns the names to try for `name` (not kept), in order, per `conf`'s
// search list and ndots: a name with a trailing dot only as is; one with at least `ndots`
// dots as is first, then with each search domain; others with each domain, then as is.
// InvalidArgument for an empty name or ".".
absl::StatusOr<std::vector<std::string>> SearchCandidates(absl::string_view name,
                                                          const ResolvConf& conf);

// ChainResult is the outcome for one name and type: records found, or an rcode saying why
// not (kNxDomain, or kNoError for NODATA).
struct ChainResult {
  uint16_t rcode = kNoError;
  std::vector<ResourceRecord> records;
};

// ChainWalk follows the CNAME chain of one name for one type across answers.
class ChainWalk {
 public:
  ChainWalk(std::string name, uint16_t type, int max_hops);

  // next_name is the name whose answer Take wants next.
  const std::string& next_name() const { return current_; }
  uint16_t type() const { return type_; }

  // Take reads `answer`, the answer to next_name(): records of the type, following CNAMEs
  // inside it (for type CNAME the chain is not followed). Returns the ChainResult when the
  // chain ends here, or std::nullopt when it reached a name the answer says nothing more
  // about (ask for next_name() then). NotFound for a CNAME loop or a chain longer than
  // `max_hops`.
  absl::StatusOr<std::optional<ChainResult>> Take(const CachedAnswer& answer);

 private:
  const std::string name_;
  const uint16_t type_;
  const int max_hops_;
  std::string current_;
  std::vector<std::string> seen_;
};

// ServerTally collects the outcome of asking the servers in turn for one question.
class ServerTally {
 public:
  // Take returns the reply in `result` (from `server`, for `name`) when it settles the
  // question (NOERROR or NXDOMAIN); otherwise it notes why not and returns std::nullopt:
  // ask the next server.
  std::optional<Message> Take(const net::Address& server, absl::string_view name,
                              absl::StatusOr<ExchangeResult> result);
  // Failure is the error once every server was asked without a settling reply:
  // DeadlineExceeded when all timed out, else Unavailable naming the last failure.
  absl::Status Failure(absl::string_view name) const;

 private:
  bool all_timed_out_ = true;
  absl::Status last_;
};

// SearchTally combines the results of the candidates' chains, one candidate at a time and
// within it one type at a time, in the order asked.
class SearchTally {
 public:
  // `name` and `what` ("address", "MX record") word the final NotFound.
  SearchTally(absl::string_view name, absl::string_view what);

  // Settles says whether `outcome`, for one type of a candidate, settles the candidate
  // without the types after it: an error (it ends the search) or NXDOMAIN (the name exists
  // for no type).
  static bool Settles(const absl::StatusOr<ChainResult>& outcome) {
    return !outcome.ok() || EndsCandidate(*outcome);
  }

  // Add takes the result for the current candidate's next type. false when the candidate is
  // settled without asking its other types (NXDOMAIN).
  bool Add(ChainResult result);
  // EndCandidate returns the current candidate's records when there are any (the search is
  // over), or std::nullopt to go on with the next candidate.
  std::optional<std::vector<ResourceRecord>> EndCandidate();
  // NotFound is the error after the last candidate: "no <what>" if some name existed
  // without the records, else NXDOMAIN.
  absl::Status NotFound() const;

 private:
  static bool EndsCandidate(const ChainResult& result) { return result.rcode == kNxDomain; }

  const std::string name_;
  const std::string what_;
  bool nodata_ = false;
  std::vector<ResourceRecord> found_;
};

}  // namespace dns::internal

#endif  // LIB_DNS_INTERNAL_RESOLUTION_H_
