#include "lib/dns/message.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace dns {
namespace {

struct Mnemonic {
  uint16_t value;
  const char* name;
};

constexpr Mnemonic kTypes[] = {
    {kA, "A"},     {kNS, "NS"},     {kCNAME, "CNAME"}, {kSOA, "SOA"}, {kPTR, "PTR"}, {kMX, "MX"},
    {kTXT, "TXT"}, {kAAAA, "AAAA"}, {kSRV, "SRV"},     {kOPT, "OPT"}, {kANY, "ANY"}, {kCAA, "CAA"},
};

constexpr Mnemonic kRcodes[] = {
    {kNoError, "NOERROR"}, {kFormErr, "FORMERR"}, {kServFail, "SERVFAIL"}, {kNxDomain, "NXDOMAIN"},
    {kNotImp, "NOTIMP"},   {kRefused, "REFUSED"}, {kYxDomain, "YXDOMAIN"}, {kYxRrset, "YXRRSET"},
    {kNxRrset, "NXRRSET"}, {kNotAuth, "NOTAUTH"}, {kNotZone, "NOTZONE"},   {kBadVers, "BADVERS"},
};

constexpr Mnemonic kClasses[] = {
    {kClassIN, "IN"}, {kClassCH, "CH"}, {kClassHS, "HS"}, {kClassNONE, "NONE"}, {kClassANY, "ANY"},
};

// Lookup returns the mnemonic of `value` in `table`, or `fallback` followed by the number.
std::string Lookup(absl::Span<const Mnemonic> table, uint16_t value, absl::string_view fallback) {
  for (const Mnemonic& m : table) {
    if (m.value == value) return m.name;
  }
  return absl::StrCat(fallback, value);
}

}  // namespace

std::string TypeToString(uint16_t type) { return Lookup(kTypes, type, "TYPE"); }

std::string RcodeToString(uint16_t rcode) { return Lookup(kRcodes, rcode, "RCODE"); }

std::string ClassToString(uint16_t rclass) { return Lookup(kClasses, rclass, "CLASS"); }

absl::StatusOr<uint16_t> TypeFromString(absl::string_view text) {
  for (const Mnemonic& m : kTypes) {
    if (absl::EqualsIgnoreCase(text, m.name)) return m.value;
  }
  if (absl::StartsWithIgnoreCase(text, "TYPE")) {
    absl::string_view digits = text.substr(4);
    uint32_t value = 0;
    if (!digits.empty() && digits.size() <= 5 &&
        digits.find_first_not_of("0123456789") == absl::string_view::npos &&
        absl::SimpleAtoi(digits, &value) && value <= 0xffff) {
      return static_cast<uint16_t>(value);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("dns: unknown record type \"", text, "\""));
}

}  // namespace dns
