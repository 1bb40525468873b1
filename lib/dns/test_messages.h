// test_messages.h: sample messages for tests, the corpus generator and benchmarks (testonly).
//
//   dns::Message m = dns::samples::SampleResponse();   // every RDATA type, EDNS, compression
//   ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> wire, dns::WriteMessage(m));
#ifndef LIB_DNS_TEST_MESSAGES_H_
#define LIB_DNS_TEST_MESSAGES_H_

#include <cstdint>
#include <vector>

#include "lib/dns/message.h"

namespace dns::samples {

// SampleResponse returns a response with one record of each parsed RDATA type plus an
// unknown type, spread over all sections, and EDNS with the DO bit and a cookie option.
Message SampleResponse();

// SampleMessages returns a variety of valid messages: queries, responses of each type,
// NXDOMAIN with SOA, extended rcode, empty and odd names.
std::vector<Message> SampleMessages();

}  // namespace dns::samples

#endif  // LIB_DNS_TEST_MESSAGES_H_
