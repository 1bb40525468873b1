// dns_parse.cc: parses the recorded nsd replies of testdata/dns/ with lib/dns and with c-ares
// (ares_parse_<type>_reply for the reply's type) in one run, and prints messages/s of each
// (items_per_second) and the ratio lib/dns / c-ares per fixture and their geometric mean.
//
//   ./bazelw run --config=opt //bench:dns_parse                # full run
//   ./bazelw run --config=opt //bench:dns_parse -- --benchmark_filter=mx_apex
//
// What each side does in the timed loop, per message:
// - lib_dns (the ratio): dns::MessageView::Parse checks the structure of the whole message —
//   header, every question and every record of all four sections, every owner name (bounds,
//   loop-proof pointers, label and name limits), type/class/TTL/RDLENGTH framing, the OPT
//   record, section counts and trailing bytes. Then it decodes the question and the answer
//   section into values the caller reads: the question name and every answer's owner name
//   decompressed into presentation text, the TTL, and each answer's RDATA checked inside its
//   RDLENGTH (with the same name rules, no unread bytes) and decoded — addresses copied out,
//   target names (NS/CNAME/PTR/MX/SOA/SRV) decompressed into text, MX preference, SOA and SRV
//   numbers, TXT strings and CAA tag/value as views into the message. The RDATA of authority
//   and additional records is framed but not decoded (c-ares does not read those sections at
//   all). Names go into one reused stack buffer: each value is read as it comes.
// - c_ares: the ares_parse_*_reply for the type checks the header, requires one question and
//   expands its name, walks the answer section expanding each owner and RDATA name into
//   malloc'd strings, and returns malloc'd structs (hostent for A/AAAA/NS/PTR), which are freed
//   inside the timed loop, as a caller must. It does not look at the authority and additional
//   sections, nor check trailing bytes.
// - lib_dns_owning (not in the ratio): dns::ParseMessage, the owning parse built on the view:
//   every record of every section decoded and copied into strings and vectors.
// Before timing, each fixture is decoded by both, and the result counts must agree.
#include <arpa/inet.h>
#include <ares.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "lib/dns/message.h"
#include "lib/dns/message_view.h"
#include "lib/dns/parser.h"
#include "lib/dns/wire_name.h"

namespace {

// ParseWithCares parses `msg` with the c-ares parser for `type`, frees the result and returns
// the number of answer records c-ares produced, or -1 on a c-ares error.
int ParseWithCares(uint16_t type, const std::string& msg) {
  const auto* buf = reinterpret_cast<const unsigned char*>(msg.data());
  const int len = static_cast<int>(msg.size());
  int count = 0;
  // count_list walks a c-ares result list (ares_*_reply::next), counts it and frees it.
  auto count_list = [&count](auto* head) {
    for (auto* p = head; p != nullptr; p = p->next) ++count;
    ares_free_data(head);
  };
  // count_hostent counts a hostent's h_addr_list (or aliases for NS/PTR) and frees it.
  auto count_hostent = [&count](hostent* h, char** list) {
    for (char** p = list; p != nullptr && *p != nullptr; ++p) ++count;
    ares_free_hostent(h);
  };
  int rc = ARES_SUCCESS;
  switch (type) {
    case dns::kA: {
      hostent* h = nullptr;
      ares_addrttl ttls[64];
      int n = 64;
      rc = ares_parse_a_reply(buf, len, &h, ttls, &n);
      if (rc == ARES_SUCCESS) count_hostent(h, h->h_addr_list);
      break;
    }
    case dns::kAAAA: {
      hostent* h = nullptr;
      ares_addr6ttl ttls[64];
      int n = 64;
      rc = ares_parse_aaaa_reply(buf, len, &h, ttls, &n);
      if (rc == ARES_SUCCESS) count_hostent(h, h->h_addr_list);
      break;
    }
    case dns::kNS: {
      hostent* h = nullptr;
      rc = ares_parse_ns_reply(buf, len, &h);
      if (rc == ARES_SUCCESS) count_hostent(h, h->h_aliases);
      break;
    }
    case dns::kPTR: {
      hostent* h = nullptr;
      const unsigned char addr[4] = {192, 0, 2, 10};  // the address ptr_v4 asks about
      rc = ares_parse_ptr_reply(buf, len, addr, sizeof(addr), AF_INET, &h);
      if (rc == ARES_SUCCESS) count_hostent(h, h->h_aliases);  // every PTR target is an alias
      break;
    }
    case dns::kSOA: {
      ares_soa_reply* soa = nullptr;
      rc = ares_parse_soa_reply(buf, len, &soa);
      if (rc == ARES_SUCCESS) {
        count = 1;
        ares_free_data(soa);
      }
      break;
    }
    case dns::kMX: {
      ares_mx_reply* mx = nullptr;
      if ((rc = ares_parse_mx_reply(buf, len, &mx)) == ARES_SUCCESS) count_list(mx);
      break;
    }
    case dns::kTXT: {
      ares_txt_reply* txt = nullptr;
      if ((rc = ares_parse_txt_reply(buf, len, &txt)) == ARES_SUCCESS) count_list(txt);
      break;
    }
    case dns::kSRV: {
      ares_srv_reply* srv = nullptr;
      if ((rc = ares_parse_srv_reply(buf, len, &srv)) == ARES_SUCCESS) count_list(srv);
      break;
    }
    case dns::kCAA: {
      ares_caa_reply* caa = nullptr;
      if ((rc = ares_parse_caa_reply(buf, len, &caa)) == ARES_SUCCESS) count_list(caa);
      break;
    }
    default:
      return -1;
  }
  return rc == ARES_SUCCESS ? count : -1;
}

// CaresCount is how many results c-ares gives for the answers of `m`: one per record, but one
// per character-string for TXT.
int CaresCount(const dns::Message& m) {
  int n = 0;
  for (const dns::ResourceRecord& rr : m.answers) {
    const auto* txt = std::get_if<dns::Txt>(&rr.data);
    n += txt != nullptr ? static_cast<int>(txt->strings.size()) : 1;
  }
  return n;
}

// Use hands a decoded value to benchmark::DoNotOptimize; false when decoding failed.
template <typename T>
bool Use(const absl::StatusOr<T>& value) {
  if (!value.ok()) return false;
  benchmark::DoNotOptimize(*value);
  return true;
}

// DecodeAnswer checks and decodes the RDATA of one answer into values and returns how many
// results c-ares gives for it (one per record, but one per character-string for TXT), or -1
// when the RDATA is malformed.
int DecodeAnswer(const dns::RecordView& rr, dns::NameBuffer& buffer) {
  switch (rr.type()) {
    case dns::kA:
      return Use(rr.AsA()) ? 1 : -1;
    case dns::kAAAA:
      return Use(rr.AsAaaa()) ? 1 : -1;
    case dns::kNS:
    case dns::kCNAME:
    case dns::kPTR: {
      auto name = rr.AsName();
      if (!name.ok()) return -1;
      benchmark::DoNotOptimize(name->Text(buffer));
      return 1;
    }
    case dns::kMX: {
      auto mx = rr.AsMx();
      if (!mx.ok()) return -1;
      benchmark::DoNotOptimize(mx->preference);
      benchmark::DoNotOptimize(mx->exchange.Text(buffer));
      return 1;
    }
    case dns::kTXT: {
      auto txt = rr.AsTxt();
      if (!txt.ok()) return -1;
      int strings = 0;
      for (absl::string_view s : *txt) {
        benchmark::DoNotOptimize(s);
        ++strings;
      }
      return strings;
    }
    case dns::kSOA: {
      auto soa = rr.AsSoa();
      if (!soa.ok()) return -1;
      benchmark::DoNotOptimize(soa->mname.Text(buffer));
      benchmark::DoNotOptimize(soa->rname.Text(buffer));
      benchmark::DoNotOptimize(soa->serial + soa->refresh + soa->retry + soa->expire +
                               soa->minimum);
      return 1;
    }
    case dns::kSRV: {
      auto srv = rr.AsSrv();
      if (!srv.ok()) return -1;
      benchmark::DoNotOptimize(srv->priority + srv->weight + srv->port);
      benchmark::DoNotOptimize(srv->target.Text(buffer));
      return 1;
    }
    case dns::kCAA: {
      auto caa = rr.AsCaa();
      if (!caa.ok()) return -1;
      benchmark::DoNotOptimize(caa->flags);
      benchmark::DoNotOptimize(caa->tag);
      benchmark::DoNotOptimize(caa->value);
      return 1;
    }
    default:
      benchmark::DoNotOptimize(rr.rdata());
      return 1;
  }
}

// ParseWithLibDns parses `msg` with dns::MessageView and decodes its question and answers as
// the header comment says; it returns the c-ares-style result count, or -1 on an error.
int ParseWithLibDns(absl::Span<const uint8_t> msg) {
  absl::StatusOr<dns::MessageView> view = dns::MessageView::Parse(msg);
  if (!view.ok()) return -1;
  dns::NameBuffer buffer;
  for (const dns::QuestionView& q : view->questions()) {
    benchmark::DoNotOptimize(q.name.Text(buffer));
  }
  int count = 0;
  for (const dns::RecordView& rr : view->answers()) {
    benchmark::DoNotOptimize(rr.name().Text(buffer));
    benchmark::DoNotOptimize(rr.ttl());
    const int results = DecodeAnswer(rr, buffer);
    if (results < 0) return -1;
    count += results;
  }
  return count;
}

absl::Span<const uint8_t> Bytes(const std::string& s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// ReadFixture finds testdata/dns/<name>.bin from the runfiles tree, the workspace (bazel run)
// or the current directory, and returns its bytes ("" when missing).
std::string ReadFixture(const std::string& name) {
  std::vector<std::string> dirs = {"testdata/dns"};
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    dirs.push_back(std::string(ws) + "/testdata/dns");
  }
  for (const std::string& dir : dirs) {
    std::ifstream in(dir + "/" + name + ".bin", std::ios::binary);
    if (!in) continue;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  return "";
}

// RateReporter prints as the console reporter does and keeps each benchmark's messages/s.
class RateReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) rates[run.benchmark_name()] = it->second.value;
    }
  }
  std::map<std::string, double> rates;
};

constexpr const char* kFixtures[] = {"a_host",  "aaaa_host", "mx_apex", "txt_multi", "srv_sip",
                                     "ns_apex", "soa_apex",  "ptr_v4",  "caa_apex",  "big_tcp"};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  static std::map<std::string, std::string> messages;  // kept alive for the benchmarks
  for (const char* name : kFixtures) {
    const std::string msg = ReadFixture(name);
    absl::StatusOr<dns::Message> m = dns::ParseMessage(Bytes(msg));
    if (!m.ok() || m->questions.empty()) {
      std::fprintf(stderr, "dns_parse: %s: %s\n", name,
                   msg.empty() ? "fixture not found" : m.status().ToString().c_str());
      return 1;
    }
    const uint16_t type = m->questions[0].type;
    const int cares_count = ParseWithCares(type, msg);
    const int view_count = ParseWithLibDns(Bytes(msg));
    if (cares_count != CaresCount(*m) || view_count != cares_count) {
      std::fprintf(stderr,
                   "dns_parse: %s: c-ares gave %d results, lib/dns's view %d, its owning parse "
                   "%d\n",
                   name, cares_count, view_count, CaresCount(*m));
      return 1;
    }
    const std::string& bytes = messages[name] = msg;
    benchmark::RegisterBenchmark(("lib_dns/" + std::string(name)).c_str(),
                                 [&bytes](benchmark::State& state) {
                                   for (auto _ : state) {
                                     benchmark::DoNotOptimize(ParseWithLibDns(Bytes(bytes)));
                                   }
                                   state.SetItemsProcessed(state.iterations());
                                 });
    benchmark::RegisterBenchmark(("lib_dns_owning/" + std::string(name)).c_str(),
                                 [&bytes](benchmark::State& state) {
                                   for (auto _ : state) {
                                     auto parsed = dns::ParseMessage(Bytes(bytes));
                                     benchmark::DoNotOptimize(parsed);
                                   }
                                   state.SetItemsProcessed(state.iterations());
                                 });
    benchmark::RegisterBenchmark(("c_ares/" + std::string(name)).c_str(),
                                 [&bytes, type](benchmark::State& state) {
                                   for (auto _ : state) {
                                     benchmark::DoNotOptimize(ParseWithCares(type, bytes));
                                   }
                                   state.SetItemsProcessed(state.iterations());
                                 });
  }
  RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf("\n%-10s %14s %14s %8s %16s\n", "fixture", "lib/dns msg/s", "c-ares msg/s", "ratio",
              "owning msg/s");
  double log_sum = 0;
  int n = 0;
  for (const char* name : kFixtures) {
    auto ours = reporter.rates.find(std::string("lib_dns/") + name);
    auto theirs = reporter.rates.find(std::string("c_ares/") + name);
    if (ours == reporter.rates.end() || theirs == reporter.rates.end()) continue;
    auto owning = reporter.rates.find(std::string("lib_dns_owning/") + name);
    const double ratio = ours->second / theirs->second;
    std::printf("%-10s %14.0f %14.0f %8.2f %16.0f\n", name, ours->second, theirs->second, ratio,
                owning == reporter.rates.end() ? 0.0 : owning->second);
    log_sum += std::log(ratio);
    ++n;
  }
  if (n > 0) {
    std::printf("ratio lib/dns / c-ares, geometric mean over %d fixtures: %.2f  (target >= 1.5)\n",
                n, std::exp(log_sum / n));
  }
  return 0;
}
