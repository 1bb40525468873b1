#include "tools/nslookup/nslookup.h"

#include <algorithm>
#include <deque>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "lib/dns/message.h"
#include "lib/dns/name.h"
#include "lib/dns/rdata_text.h"
#include "lib/dns/transport.h"
#include "lib/dns/writer.h"
#include "lib/net/address.h"

namespace nslookup {
namespace {

// kTypeText is nslookup's label for the RDATA of types 0..41 (rtypetext in nslookup.c); other
// types print as "rdata_<n> = ".
constexpr absl::string_view kTypeText[] = {
    "rtype_0 = ",         "internet address = ", "nameserver = ",    "md = ",
    "mf = ",              "canonical name = ",   "soa = ",           "mb = ",
    "mg = ",              "mr = ",               "rtype_10 = ",      "wks = ",
    "name = ",            "hinfo = ",            "minfo = ",         "mail exchanger = ",
    "text = ",            "rp = ",               "afsdb = ",         "x25 address = ",
    "isdn address = ",    "rt = ",               "nsap = ",          "nsap_ptr = ",
    "signature = ",       "key = ",              "px = ",            "gpos = ",
    "has AAAA address ",  "loc = ",              "next = ",          "rtype_31 = ",
    "rtype_32 = ",        "service = ",          "rtype_34 = ",      "naptr = ",
    "kx = ",              "cert = ",             "v6 address = ",    "dname = ",
    "rtype_40 = ",        "optional = ",
};

// Bare drops the trailing dot of an absolute name, as BIND's dns_name_format does ("." stays).
std::string Bare(absl::string_view name) {
  if (name.size() > 1 && absl::EndsWith(name, ".") && !absl::EndsWith(name, "\\.")) {
    name.remove_suffix(1);
  }
  return std::string(name);
}

void PrintRdata(const dns::ResourceRecord& rr, std::ostream& out) {
  if (rr.type < std::size(kTypeText)) {
    out << kTypeText[rr.type];
  } else {
    out << "rdata_" << rr.type << " = ";
  }
  out << dns::RdataToString(rr) << "\n";
}

void PrintSoa(const dns::ResourceRecord& rr, std::ostream& out) {
  const auto* soa = std::get_if<dns::Soa>(&rr.data);
  if (soa == nullptr) {  // SOA RDATA the parser kept raw
    out << "\t";
    PrintRdata(rr, out);
    return;
  }
  out << "\torigin = " << Bare(soa->mname) << "\n"
      << "\tmail addr = " << Bare(soa->rname) << "\n"
      << "\tserial = " << soa->serial << "\n"
      << "\trefresh = " << soa->refresh << "\n"
      << "\tretry = " << soa->retry << "\n"
      << "\texpire = " << soa->expire << "\n"
      << "\tminimum = " << soa->minimum << "\n";
}

// Rrset is the records of one owner name, type and class, as BIND's message parser groups them.
struct Rrset {
  std::vector<const dns::ResourceRecord*> records;
  uint32_t ttl = 0;  // the smallest TTL of its records
};

// GroupByName orders `records` as BIND iterates a message section: by owner name (compared
// case-insensitively) in order of first appearance, then by RRset in order of first appearance.
std::vector<Rrset> GroupByName(const std::vector<dns::ResourceRecord>& records) {
  std::vector<std::vector<Rrset>> by_name;
  for (const dns::ResourceRecord& rr : records) {
    auto name = std::find_if(by_name.begin(), by_name.end(), [&](const std::vector<Rrset>& sets) {
      return dns::NamesEqual(sets.front().records.front()->name, rr.name);
    });
    if (name == by_name.end()) name = by_name.insert(by_name.end(), std::vector<Rrset>());
    auto set = std::find_if(name->begin(), name->end(), [&](const Rrset& s) {
      return s.records.front()->type == rr.type && s.records.front()->rclass == rr.rclass;
    });
    if (set == name->end()) {
      set = name->insert(name->end(), Rrset{{}, rr.ttl});
    }
    set->records.push_back(&rr);
    set->ttl = std::min(set->ttl, rr.ttl);
  }
  std::vector<Rrset> out;
  for (std::vector<Rrset>& sets : by_name) {
    for (Rrset& s : sets) out.push_back(std::move(s));
  }
  return out;
}

// PrintSection prints records the short way (printsection in nslookup.c). The owner name is
// that of the RRset's first record.
void PrintSection(const std::vector<dns::ResourceRecord>& records, bool answer_section,
                  std::ostream& out) {
  for (const Rrset& set : GroupByName(records)) {
    const std::string owner = Bare(set.records.front()->name);
    for (const dns::ResourceRecord* rr : set.records) {
      if ((rr->type == dns::kA || rr->type == dns::kAAAA) && answer_section) {
        out << "Name:\t" << owner << "\nAddress: " << dns::RdataToString(*rr) << "\n";
      } else if (rr->type == dns::kSOA) {
        out << owner << "\n";
        PrintSoa(*rr, out);
      } else {
        out << owner << "\t";
        PrintRdata(*rr, out);
      }
    }
  }
}

// DetailSection prints a section the -debug way (detailsection in nslookup.c).
void DetailSection(absl::string_view title, const std::vector<dns::ResourceRecord>& records,
                   std::ostream& out) {
  out << "    " << title << ":\n";
  for (const Rrset& set : GroupByName(records)) {
    const std::string owner = Bare(set.records.front()->name);
    for (const dns::ResourceRecord* rr : set.records) {
      out << "    ->  " << owner << "\n";
      if (rr->type == dns::kSOA) {
        PrintSoa(*rr, out);
      } else {
        out << "\t";
        PrintRdata(*rr, out);
      }
      out << "\tttl = " << set.ttl << "\n";
    }
  }
}

void PrintDebug(const dns::Message& m, std::ostream& out) {
  out << "------------\n    QUESTIONS:\n";
  for (const dns::Question& q : m.questions) {
    out << "\t" << Bare(q.name) << ", type = " << dns::TypeToString(q.type)
        << ", class = " << dns::ClassToString(q.qclass) << "\n";
  }
  DetailSection("ANSWERS", m.answers, out);
  DetailSection("AUTHORITY RECORDS", m.authorities, out);
  DetailSection("ADDITIONAL RECORDS", m.additionals, out);
  out << "------------\n";
}

// Lookup is one query nslookup makes: `textname` is the name as the user (or the CNAME chase)
// gave it, `qname` the name queried.
struct Lookup {
  std::string textname;
  std::string qname;
  uint16_t type = dns::kA;
};

class Session {
 public:
  Session(const Options& options, const net::Address& server, std::string server_text,
          std::ostream& out)
      : options_(options),
        server_(server),
        server_text_(std::move(server_text)),
        address_text_(FormatServerAddress(server.IpString(), server.port())),
        out_(out),
        default_lookups_(!options.type.has_value()),
        tcp_mode_(options.vc) {}

  // Run makes `first` and the lookups it leads to, and returns the exit code.
  int Run(Lookup first, std::ostream& err) {
    std::deque<Lookup> pending = {std::move(first)};
    while (!pending.empty()) {
      Lookup lookup = std::move(pending.front());
      pending.pop_front();
      if (absl::Status legal = dns::NameToWire(lookup.qname).status(); !legal.ok()) {
        err << "mini-nslookup: '" << lookup.textname << "' is not a legal name ("
            << legal.message() << ")\n";
        return 1;
      }
      std::optional<dns::ExchangeResult> reply = Query(lookup);
      if (!reply.has_value()) break;
      if (std::optional<Lookup> next = Print(lookup, reply->message)) {
        pending.push_back(*std::move(next));
      }
    }
    out_ << "\n";
    return exit_code_;
  }

 private:
  // Query sends `lookup` until a reply comes (retrying over TCP after TC=1), or prints why none
  // came and returns std::nullopt.
  std::optional<dns::ExchangeResult> Query(const Lookup& lookup) {
    dns::ExchangeOptions exchange;
    exchange.timeout = options_.timeout;
    exchange.attempts = 1;
    exchange.tcp_on_truncation = false;  // printed and retried here, like nslookup
    for (int tries_left = std::max(options_.tries, 1); tries_left > 0;) {
      exchange.tcp_only = tcp_mode_;
      dns::QueryOptions query_options;
      query_options.edns = false;  // nslookup sends RD=1 and no OPT record
      absl::StatusOr<std::vector<uint8_t>> query =
          dns::BuildQuery(lookup.qname, lookup.type, query_options);
      absl::StatusOr<dns::ExchangeResult> reply =
          query.ok() ? dns::Exchange(server_, *query, exchange) : query.status();
      if (reply.ok() && reply->message.header.tc && !tcp_mode_) {
        out_ << ";; Truncated, retrying in TCP mode.\n";
        tcp_mode_ = true;
        continue;
      }
      if (reply.ok()) return *std::move(reply);
      if (tcp_mode_) {
        out_ << ";; Connection to " << address_text_ << "(" << server_text_ << ") for "
             << lookup.textname << " failed: " << ExchangeErrorReason(reply.status()) << ".\n";
        break;
      }
      out_ << ";; communications error to " << address_text_ << ": "
           << ExchangeErrorReason(reply.status()) << "\n";
      --tries_left;
    }
    out_ << ";; no servers could be reached\n";
    exit_code_ = 1;
    return std::nullopt;
  }

  // Print prints a reply as printmessage in nslookup.c does, and returns the AAAA lookup that
  // follows an A lookup made by default.
  std::optional<Lookup> Print(const Lookup& lookup, const dns::Message& m) {
    const bool first_of_default = default_lookups_ && lookup.type == dns::kA;
    if (!default_lookups_ || lookup.type == dns::kA) {
      out_ << "Server:\t\t" << server_text_ << "\nAddress:\t" << address_text_ << "\n\n";
    }
    if (options_.debug) PrintDebug(m, out_);
    if (m.header.rcode != dns::kNoError) {
      out_ << "** server can't find " << Bare(lookup.qname) << ": "
           << dns::RcodeToString(m.header.rcode) << "\n";
      exit_code_ = 1;
      return std::nullopt;
    }
    std::optional<Lookup> next;
    if (first_of_default) {
      std::string target = Bare(ChaseCnames(m, lookup.qname));
      next = Lookup{target, target, dns::kAAAA};
    }
    if (!m.header.aa && (!default_lookups_ || lookup.type == dns::kA)) {
      out_ << "Non-authoritative answer:\n";
    }
    if (!m.answers.empty()) {
      PrintSection(m.answers, /*answer_section=*/true, out_);
    } else if (first_of_default) {
      a_noanswer_ = true;
    } else if (!default_lookups_ || (lookup.type == dns::kAAAA && a_noanswer_)) {
      out_ << "*** Can't find " << lookup.textname << ": No answer\n";
    }
    if (!m.header.aa && lookup.type != dns::kA && lookup.type != dns::kAAAA) {
      out_ << "\nAuthoritative answers can be found from:\n";
      PrintSection(m.authorities, /*answer_section=*/false, out_);
      PrintSection(m.additionals, /*answer_section=*/false, out_);
    }
    return next;
  }

  const Options& options_;
  const net::Address server_;
  const std::string server_text_;
  const std::string address_text_;
  std::ostream& out_;
  const bool default_lookups_;
  bool tcp_mode_;
  bool a_noanswer_ = false;
  int exit_code_ = 0;
};

}  // namespace

std::string DefaultServer(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.size() >= 2 && words[0] == "nameserver") return std::string(words[1]);
  }
  return "127.0.0.1";
}

bool ArgumentsFollowServer(absl::Span<const std::string> args) {
  bool have_name = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].size() > 1 && args[i][0] == '-') continue;  // an option
    if (!have_name) {
      have_name = true;
      continue;
    }
    return i + 1 < args.size();  // args[i] is SERVER
  }
  return false;
}

std::string FormatServerAddress(absl::string_view ip, uint16_t port) {
  return absl::StrCat(ip, "#", port);
}

std::string ChaseCnames(const dns::Message& m, std::string name) {
  for (int hops = 0; hops < 16; ++hops) {
    auto cname = std::find_if(m.answers.begin(), m.answers.end(), [&](const dns::ResourceRecord& rr) {
      return rr.type == dns::kCNAME && dns::NamesEqual(rr.name, name) &&
             std::holds_alternative<dns::NameRdata>(rr.data);
    });
    if (cname == m.answers.end()) break;
    name = std::get<dns::NameRdata>(cname->data).name;
  }
  return name;
}

std::string ExchangeErrorReason(const absl::Status& status) {
  if (absl::IsDeadlineExceeded(status)) return "timed out";
  if (absl::StrContains(status.message(), "connection refused")) return "connection refused";
  absl::string_view message = status.message();
  size_t colon = message.rfind(": ");
  if (colon != absl::string_view::npos) message.remove_prefix(colon + 2);
  return absl::AsciiStrToLower(message);
}

int Run(const Options& options, std::ostream& out, std::ostream& err) {
  const std::string server_text =
      options.server.empty() ? DefaultServer(options.resolv_conf) : options.server;
  absl::StatusOr<net::Address> server = net::Address::FromIp(server_text, options.port);
  if (!server.ok()) {
    // BIND would resolve a server name with the system resolver; this tool never does.
    err << "mini-nslookup: server must be an IPv4 or IPv6 address: " << server_text << "\n";
    return 1;
  }
  Lookup first;
  if (absl::StatusOr<std::string> reverse = dns::ReverseNameForAddress(options.name);
      reverse.ok()) {
    first.qname = *reverse;
    first.textname = Bare(*reverse);
    first.type = dns::kPTR;
  } else {
    first.qname = options.name;
    first.textname = options.name;
    first.type = options.type.value_or(dns::kA);
  }
  return Session(options, *server, server_text, out).Run(std::move(first), err);
}

}  // namespace nslookup
