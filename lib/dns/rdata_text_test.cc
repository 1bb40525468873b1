#include "lib/dns/rdata_text.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "lib/dns/message.h"
#include "lib/dns/test_messages.h"

namespace dns {
namespace {

std::string Text(uint16_t type, Rdata data) {
  return RdataToString(ResourceRecord{"x.", type, kClassIN, 0, std::move(data)});
}

TEST(RdataToStringTest, Addresses) {
  EXPECT_EQ(Text(kA, A{{192, 0, 2, 1}}), "192.0.2.1");
  EXPECT_EQ(Text(kAAAA, Aaaa{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}),
            "2001:db8::1");
  EXPECT_EQ(Text(kAAAA, Aaaa{}), "::");
}

TEST(RdataToStringTest, Names) {
  EXPECT_EQ(Text(kCNAME, NameRdata{"web.example.com."}), "web.example.com.");
  EXPECT_EQ(Text(kMX, Mx{10, "mx.example.com."}), "10 mx.example.com.");
  EXPECT_EQ(Text(kSRV, Srv{10, 60, 5060, "sip.example.com."}), "10 60 5060 sip.example.com.");
  EXPECT_EQ(Text(kSOA, Soa{"ns1.example.com.", "hostmaster.example.com.", 2024010101, 7200, 3600,
                           1209600, 300}),
            "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300");
}

TEST(RdataToStringTest, TxtQuotingAndEscapes) {
  EXPECT_EQ(Text(kTXT, Txt{{"v=spf1 -all"}}), R"("v=spf1 -all")");
  EXPECT_EQ(Text(kTXT, Txt{{"say \"hi\"\\", std::string("\x01\xff", 2), ""}}),
            R"("say \"hi\"\\" "\001\255" "")");
}

TEST(RdataToStringTest, Caa) {
  EXPECT_EQ(Text(kCAA, Caa{0, "issue", "letsencrypt.org"}), R"(0 issue "letsencrypt.org")");
  EXPECT_EQ(Text(kCAA, Caa{128, "iodef", "mailto:a@b"}), R"(128 iodef "mailto:a@b")");
}

TEST(RdataToStringTest, GenericForm) {
  EXPECT_EQ(Text(65534, Raw{{0x0a, 0x00, 0x00, 0x01}}), R"(\# 4 0A000001)");
  EXPECT_EQ(Text(65534, Raw{}), R"(\# 0)");
  EXPECT_EQ(Text(kA, Raw{{0xab}}), R"(\# 1 AB)");
  EXPECT_EQ(Text(kOPT, Opt{{EdnsOption{10, "ab"}}}), R"(\# 6 000A00026162)");
}

TEST(RecordToStringTest, DigLines) {
  const Message m = samples::SampleResponse();
  std::vector<std::string> lines;
  for (const ResourceRecord& rr : m.answers) lines.push_back(RecordToString(rr));
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "www.example.com.\t300\tIN\tCNAME\tweb.example.com.",
                       "web.example.com.\t300\tIN\tA\t192.0.2.1",
                       "web.example.com.\t300\tIN\tAAAA\t2001:db8::1",
                       "example.com.\t300\tIN\tMX\t10 mail.example.com.",
                       "example.com.\t300\tIN\tTXT\t\"v=spf1 -all\" \"say \\\"hi\\\"\\\\\\001\"",
                       "_sip._tcp.example.com.\t300\tIN\tSRV\t10 60 5060 sip.example.com.",
                       "example.com.\t300\tIN\tCAA\t0 issue \"letsencrypt.org\"",
                       "1.2.0.192.in-addr.arpa.\t300\tIN\tPTR\twww.example.com.",
                       "example.com.\t300\tIN\tTYPE65534\t\\# 3 010203",
                   }));
  EXPECT_EQ(RecordToString(ResourceRecord{"a.", 99, 3, 5, Raw{}}), "a.\t5\tCH\tTYPE99\t\\# 0");
}

}  // namespace
}  // namespace dns
