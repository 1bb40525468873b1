// dns_parse.cc: parses the recorded nsd replies of testdata/dns/ with lib/dns's ParseMessage and
// with c-ares's ares_parse_<type>_reply for the reply's type, in one run, and prints messages/s
// of each (items_per_second) and the ratio lib/dns / c-ares per fixture and overall.
//
//   ./bazelw run --config=opt //bench:dns_parse                # full run
//   ./bazelw run --config=opt //bench:dns_parse -- --benchmark_filter=mx_apex
//
// What each side does: ParseMessage decodes the whole message — header, question, every record
// of every section, names decompressed into strings and RDATA into structs. c-ares's parsers
// decode the question and the answer section (ns also the additional section) into their own
// structs (hostent for A/AAAA/NS/PTR), which are freed inside the timed loop, as a caller must.
// Before timing, each fixture is parsed once by both and the answer counts must agree.
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
#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "lib/dns/message.h"
#include "lib/dns/parser.h"

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
    if (cares_count != CaresCount(*m)) {
      std::fprintf(stderr, "dns_parse: %s: lib/dns expects %d c-ares results, c-ares gave %d\n",
                   name, CaresCount(*m), cares_count);
      return 1;
    }
    const std::string& bytes = messages[name] = msg;
    benchmark::RegisterBenchmark(("lib_dns/" + std::string(name)).c_str(),
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

  std::printf("\n%-10s %14s %14s %8s\n", "fixture", "lib/dns msg/s", "c-ares msg/s", "ratio");
  double log_sum = 0;
  int n = 0;
  for (const char* name : kFixtures) {
    auto ours = reporter.rates.find(std::string("lib_dns/") + name);
    auto theirs = reporter.rates.find(std::string("c_ares/") + name);
    if (ours == reporter.rates.end() || theirs == reporter.rates.end()) continue;
    const double ratio = ours->second / theirs->second;
    std::printf("%-10s %14.0f %14.0f %8.2f\n", name, ours->second, theirs->second, ratio);
    log_sum += std::log(ratio);
    ++n;
  }
  if (n > 0) {
    std::printf("ratio lib/dns / c-ares, geometric mean over %d fixtures: %.2f  (target >= 1.5)\n",
                n, std::exp(log_sum / n));
  }
  return 0;
}
