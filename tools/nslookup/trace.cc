#include "tools/nslookup/trace.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
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
#include "absl/strings/strip.h"
#include "lib/dns/message.h"
#include "lib/dns/name.h"
#include "lib/dns/rdata_text.h"
#include "lib/dns/transport.h"
#include "lib/dns/writer.h"
#include "lib/net/address.h"
#include "tools/nslookup/nslookup.h"

namespace nslookup {
namespace {

// kIanaRootHints is the address part of IANA's named.root (last changed 2023-11
// for B).
constexpr absl::string_view kIanaRootHints = R"(
.                   3600000  NS    A.ROOT-SERVERS.NET.
A.ROOT-SERVERS.NET. 3600000  A     198.41.0.4
A.ROOT-SERVERS.NET. 3600000  AAAA  2001:503:ba3e::2:30
.                   3600000  NS    B.ROOT-SERVERS.NET.
B.ROOT-SERVERS.NET. 3600000  A     170.247.170.2
B.ROOT-SERVERS.NET. 3600000  AAAA  2801:1b8:10::b
.                   3600000  NS    C.ROOT-SERVERS.NET.
C.ROOT-SERVERS.NET. 3600000  A     192.33.4.12
C.ROOT-SERVERS.NET. 3600000  AAAA  2001:500:2::c
.                   3600000  NS    D.ROOT-SERVERS.NET.
D.ROOT-SERVERS.NET. 3600000  A     199.7.91.13
D.ROOT-SERVERS.NET. 3600000  AAAA  2001:500:2d::d
.                   3600000  NS    E.ROOT-SERVERS.NET.
E.ROOT-SERVERS.NET. 3600000  A     192.203.230.10
E.ROOT-SERVERS.NET. 3600000  AAAA  2001:500:a8::e
.                   3600000  NS    F.ROOT-SERVERS.NET.
F.ROOT-SERVERS.NET. 3600000  A     192.5.5.241
F.ROOT-SERVERS.NET. 3600000  AAAA  2001:500:2f::f
.                   3600000  NS    G.ROOT-SERVERS.NET.
G.ROOT-SERVERS.NET. 3600000  A     192.112.36.4
G.ROOT-SERVERS.NET. 3600000  AAAA  2001:500:12::d0d
.                   3600000  NS    H.ROOT-SERVERS.NET.
H.ROOT-SERVERS.NET. 3600000  A     198.97.190.53
H.ROOT-SERVERS.NET. 3600000  AAAA  2001:500:1::53
.                   3600000  NS    I.ROOT-SERVERS.NET.
I.ROOT-SERVERS.NET. 3600000  A     192.36.148.17
I.ROOT-SERVERS.NET. 3600000  AAAA  2001:7fe::53
.                   3600000  NS    J.ROOT-SERVERS.NET.
J.ROOT-SERVERS.NET. 3600000  A     192.58.128.30
J.ROOT-SERVERS.NET. 3600000  AAAA  2001:503:c27::2:30
.                   3600000  NS    K.ROOT-SERVERS.NET.
K.ROOT-SERVERS.NET. 3600000  A     193.0.14.129
K.ROOT-SERVERS.NET. 3600000  AAAA  2001:7fd::1
.                   3600000  NS    L.ROOT-SERVERS.NET.
L.ROOT-SERVERS.NET. 3600000  A     199.7.83.42
L.ROOT-SERVERS.NET. 3600000  AAAA  2001:500:9f::42
.                   3600000  NS    M.ROOT-SERVERS.NET.
M.ROOT-SERVERS.NET. 3600000  A     202.12.27.33
M.ROOT-SERVERS.NET. 3600000  AAAA  2001:dc3::35
)";

// Canonical lowercases `name` and makes it absolute (map key and comparison
// form).
std::string Canonical(absl::string_view name) {
  std::string s = absl::AsciiStrToLower(name);
  if (!absl::EndsWith(s, ".")) s += ".";
  return s;
}

// InZone reports whether `name` is `zone` or below it.
bool InZone(absl::string_view name, absl::string_view zone) {
  const std::string n = Canonical(name), z = Canonical(zone);
  return z == "." || n == z || absl::EndsWith(n, "." + z);
}

// AddressesOf returns the A then AAAA records owned by `name` in `records`, as
// text.
std::vector<std::string> AddressesOf(const std::vector<dns::ResourceRecord> &records,
                                     absl::string_view name) {
  std::vector<std::string> out;
  for (uint16_t type : {dns::kA, dns::kAAAA}) {
    for (const dns::ResourceRecord &rr : records) {
      if (rr.type == type && dns::NamesEqual(rr.name, name)) out.push_back(dns::RdataToString(rr));
    }
  }
  return out;
}

// Reply is one accepted answer and where it came from.
struct Reply {
  dns::Message message;
  size_t bytes = 0;
  std::string from;  // "127.0.0.2#53(a.root-servers.net)"
  int64_t ms = 0;
};

class Tracer {
 public:
  Tracer(const TraceOptions &options, std::ostream &out)
      : options_(options),
        roots_(options.roots.empty() ? DefaultRootHints() : options.roots),
        out_(out) {}

  // Resolve walks from the root down to the final reply for (`qname`, `type`):
  // an answer (a CNAME alone included), NODATA or an error rcode. Replies are
  // printed when `print`.
  absl::StatusOr<dns::Message> Resolve(const std::string &qname, uint16_t type, bool print,
                                       int depth) {
    std::vector<NameServer> servers = roots_;
    std::string zone = ".";
    while (true) {
      absl::StatusOr<Reply> reply = AskZone(servers, zone, qname, type, print, depth);
      if (!reply.ok()) return reply.status();
      if (print) PrintReply(*reply);
      dns::Message &m = reply->message;
      if (m.header.rcode != dns::kNoError || !m.answers.empty()) return std::move(m);
      std::optional<std::string> child = ReferredZone(m, qname);
      if (!child.has_value()) return std::move(m);  // NODATA
      if (!InZone(*child, zone) || Canonical(*child) == Canonical(zone)) {
        return absl::FailedPreconditionError(
            absl::StrCat("trace: ", reply->from, " referred ", qname, " to ", *child,
                         ", which is not below the zone asked (", zone, ")"));
      }
      zone = *std::move(child);
      servers = ServersOf(m, zone);
    }
  }

 private:
  // ReferredZone returns the owner of the first NS record in the authority
  // section that is an ancestor of `qname` (or `qname` itself), or nothing when
  // there is no referral.
  static std::optional<std::string> ReferredZone(const dns::Message &m, const std::string &qname) {
    for (const dns::ResourceRecord &rr : m.authorities) {
      if (rr.type == dns::kNS && InZone(qname, rr.name)) return rr.name;
    }
    return std::nullopt;
  }

  // ServersOf lists the NS targets for `zone` in a referral, with their glue.
  static std::vector<NameServer> ServersOf(const dns::Message &m, const std::string &zone) {
    std::vector<NameServer> servers;
    for (const dns::ResourceRecord &rr : m.authorities) {
      const auto *ns = std::get_if<dns::NameRdata>(&rr.data);
      if (rr.type != dns::kNS || ns == nullptr || !dns::NamesEqual(rr.name, zone)) continue;
      servers.push_back({ns->name, AddressesOf(m.additionals, ns->name)});
    }
    return servers;
  }

  // AskZone sends the query to the servers of `zone` in turn until one answers.
  // A server without an address has its name resolved from the root first.
  absl::StatusOr<Reply> AskZone(std::vector<NameServer> &servers, const std::string &zone,
                                const std::string &qname, uint16_t type, bool print, int depth) {
    for (NameServer &server : servers) {
      if (server.addresses.empty() && depth < kMaxGluelessDepth) {
        absl::StatusOr<dns::Message> glue = Resolve(server.name, dns::kA, false, depth + 1);
        if (absl::IsResourceExhausted(glue.status())) return glue.status();
        if (glue.ok()) server.addresses = AddressesOf(glue->answers, server.name);
      }
      for (const std::string &ip : server.addresses) {
        if (++steps_ > kMaxTraceSteps) {
          return absl::ResourceExhaustedError(
              absl::StrCat("trace: gave up after ", kMaxTraceSteps, " queries"));
        }
        absl::StatusOr<Reply> reply = Ask(ip, server.name, qname, type);
        if (reply.ok()) return reply;
        if (print) {
          out_ << ";; communications error to " << FormatServerAddress(ip, options_.port) << ": "
               << ExchangeErrorReason(reply.status()) << "\n";
        }
      }
    }
    return absl::UnavailableError(
        absl::StrCat("trace: no server of zone ", zone, " could be reached"));
  }

  absl::StatusOr<Reply> Ask(const std::string &ip, const std::string &server_name,
                            const std::string &qname, uint16_t type) {
    absl::StatusOr<net::Address> address = net::Address::FromIp(ip, options_.port);
    if (!address.ok()) return address.status();
    dns::QueryOptions query_options;
    query_options.recursion_desired = false;
    query_options.edns = false;
    absl::StatusOr<std::vector<uint8_t>> query = dns::BuildQuery(qname, type, query_options);
    if (!query.ok()) return query.status();
    dns::ExchangeOptions exchange;
    exchange.timeout = options_.timeout;
    exchange.attempts = std::max(options_.tries, 1);
    const absl::Time start = absl::Now();
    absl::StatusOr<dns::ExchangeResult> result = dns::Exchange(*address, *query, exchange);
    if (!result.ok()) return result.status();
    Reply reply;
    reply.ms = absl::ToInt64Milliseconds(absl::Now() - start);
    reply.bytes = result->raw.size();
    reply.from = absl::StrCat(FormatServerAddress(ip, options_.port), "(",
                              absl::StripSuffix(server_name, "."), ")");
    reply.message = std::move(result->message);
    return reply;
  }

  // PrintReply prints the answer and authority sections and the "Received"
  // line, as dig +trace.
  void PrintReply(const Reply &reply) {
    for (const auto *section : {&reply.message.answers, &reply.message.authorities}) {
      for (const dns::ResourceRecord &rr : *section) out_ << dns::RecordToString(rr) << "\n";
    }
    out_ << ";; Received " << reply.bytes << " bytes from " << reply.from << " in " << reply.ms
         << " ms\n\n";
  }

  const TraceOptions &options_;
  const std::vector<NameServer> roots_;
  std::ostream &out_;
  int steps_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<NameServer>> ParseRootHints(absl::string_view text) {
  std::vector<std::string> names;                           // root NS targets, in order
  std::map<std::string, std::vector<std::string>> a, aaaa;  // by canonical owner
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = line.substr(0, line.find(';'));
    std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (f.empty()) continue;
    if (f.size() < 3) {
      return absl::InvalidArgumentError(absl::StrCat("root hints: line ", line_number,
                                                     ": expected OWNER [TTL] [CLASS] TYPE DATA"));
    }
    const std::string owner = Canonical(f.front());
    const std::string type = absl::AsciiStrToUpper(f[f.size() - 2]);
    const absl::string_view data = f.back();
    if (type == "NS" && owner == ".") {
      names.push_back(Canonical(data));
    } else if (type == "A" || type == "AAAA") {
      if (!net::Address::FromIp(data, 53).ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("root hints: line ", line_number, ": bad address ", data));
      }
      (type == "A" ? a : aaaa)[owner].emplace_back(data);
    }
  }
  std::vector<NameServer> servers;
  for (const std::string &name : names) {
    NameServer s{name, a[name]};
    s.addresses.insert(s.addresses.end(), aaaa[name].begin(), aaaa[name].end());
    if (!s.addresses.empty()) servers.push_back(std::move(s));
  }
  if (servers.empty()) {
    return absl::InvalidArgumentError("root hints: no root NS record with an address");
  }
  return servers;
}

absl::StatusOr<std::vector<NameServer>> ReadRootHints(const std::string &path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("root hints: cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseRootHints(text.str());
}

std::vector<NameServer> DefaultRootHints() { return *ParseRootHints(kIanaRootHints); }

int Trace(const TraceOptions &options, std::ostream &out, std::ostream &err) {
  std::string qname = options.name;
  if (absl::Status legal = dns::NameToWire(qname).status(); !legal.ok()) {
    err << "mini-nslookup: '" << qname << "' is not a legal name (" << legal.message() << ")\n";
    return 1;
  }
  Tracer tracer(options, out);
  for (int cnames = 0;; ++cnames) {
    absl::StatusOr<dns::Message> m = tracer.Resolve(qname, options.type, true, 0);
    if (!m.ok()) {
      err << "mini-nslookup: " << m.status().message() << "\n";
      return 1;
    }
    if (m->header.rcode != dns::kNoError) return 1;
    const std::string end = ChaseCnames(*m, qname);
    const bool answered = std::any_of(m->answers.begin(), m->answers.end(), [&](const auto &rr) {
      return rr.type == options.type && dns::NamesEqual(rr.name, end);
    });
    if (answered || options.type == dns::kCNAME || options.type == dns::kANY ||
        dns::NamesEqual(end, qname)) {
      return 0;
    }
    if (cnames == kMaxCnameRestarts) {
      err << "mini-nslookup: trace: more than " << kMaxCnameRestarts << " CNAMEs from "
          << options.name << "\n";
      return 1;
    }
    qname = end;
  }
}

}  // namespace nslookup
