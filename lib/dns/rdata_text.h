// rdata_text.h: presentation form of records as dig prints them.
//
//   for (const dns::ResourceRecord& rr : reply.answers) {
//     // "example.com.\t300\tIN\tMX\t10 mx.example.com."
//     std::cout << dns::RecordToString(rr) << "\n";
//   }
//   std::string rdata = dns::RdataToString(rr);  // "10 mx.example.com."
#ifndef LIB_DNS_RDATA_TEXT_H_
#define LIB_DNS_RDATA_TEXT_H_

#include <string>

#include "lib/dns/message.h"

namespace dns {

// RdataToString formats the RDATA of `rr`: A "192.0.2.1", AAAA in RFC 5952 form, names with
// their trailing dot, MX "10 mx.example.com.", TXT each string in double quotes ('"' and '\'
// escaped with '\', bytes outside 0x20..0x7e as \DDD) separated by spaces, SOA "mname rname
// serial refresh retry expire minimum", SRV "priority weight port target", CAA `0 issue
// "ca.example"`. Raw RDATA (and OPT) uses the RFC 3597 form `\# LEN HEX` (uppercase hex, no
// spaces; `\# 0` when empty).
std::string RdataToString(const ResourceRecord& rr);

// RecordToString formats `rr` as dig's one-line form "name\tTTL\tCLASS\tTYPE\tRDATA".
std::string RecordToString(const ResourceRecord& rr);

}  // namespace dns

#endif  // LIB_DNS_RDATA_TEXT_H_
