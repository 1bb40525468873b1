#include "lib/http/date.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace http {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
constexpr const char* kT0Text = "Sun, 06 Nov 1994 08:49:37 GMT";

TEST(ParseHttpDateTest, ThreeFormats) {
  EXPECT_EQ(ParseHttpDate(kT0Text), kT0);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kT0);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), kT0);
}

TEST(ParseHttpDateTest, CalendarEdges) {
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), absl::UnixEpoch());
  EXPECT_EQ(ParseHttpDate("Tue, 29 Feb 2028 23:59:59 GMT"),
            absl::FromCivil(absl::CivilSecond(2028, 2, 29, 23, 59, 59), absl::UTCTimeZone()));
  EXPECT_EQ(ParseHttpDate("Tue, 01 Mar 2000 00:00:00 GMT"),
            absl::FromCivil(absl::CivilSecond(2000, 3, 1, 0, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(ParseHttpDate("  Sun, 06 Nov 1994 08:49:37 GMT "), kT0);
  EXPECT_EQ(ParseHttpDate("Tuesday, 01-Dec-26 19:00:00 GMT"),
            absl::FromCivil(absl::CivilSecond(2026, 12, 1, 19, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(ParseHttpDate("Sat Jan 31 00:00:00 2026"),
            absl::FromCivil(absl::CivilSecond(2026, 1, 31, 0, 0, 0), absl::UTCTimeZone()));
  for (const char* bad : {"Mon, 29 Feb 2027 00:00:00 GMT", "Mon, 31 Apr 2027 00:00:00 GMT",
                          "Mon, 00 Apr 2027 00:00:00 GMT", "Mon, 01 Apr 2027 24:00:00 GMT",
                          "Mon, 01 Apr 2027 23:60:00 GMT", "Mon, 01 Foo 2027 00:00:00 GMT",
                          "Xyz, 01 Apr 2027 00:00:00 GMT", "Mon, 1 Apr 2027 00:00:00 GMT",
                          "Mon, 01 Apr 27 00:00:00 GMT", "Funday, 06-Nov-94 08:49:37 GMT",
                          "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994",
                          "Sun Nov  6 08:49:37 1994 GMT", "Mon, 01 Apr 2027 00:00:0x GMT"}) {
    EXPECT_EQ(ParseHttpDate(bad), std::nullopt) << bad;
  }
}

TEST(ParseHttpDateTest, OtherZonesAndJunkRejected) {
  for (const char* bad : {"Sun, 06 Nov 1994 08:49:37 +0000", "Sun, 06 Nov 1994 08:49:37 PST",
                          "Sun, 06 Nov 1994 10:49:37 +0200", "1994-11-06T08:49:37Z", "0", "-1",
                          "", "Sun, 06 Nov 1994 08:49:37 GMT junk", "Sun, 32 Nov 1994 08:49:37 GMT"}) {
    EXPECT_EQ(ParseHttpDate(bad), std::nullopt) << bad;
  }
}

TEST(FormatHttpDateTest, ImfFixdate) {
  EXPECT_EQ(FormatHttpDate(kT0), kT0Text);
  EXPECT_EQ(FormatHttpDate(absl::UnixEpoch()), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(absl::FromUnixSeconds(-1)), "Wed, 31 Dec 1969 23:59:59 GMT");
  EXPECT_EQ(FormatHttpDate(absl::FromUnixSeconds(951782400)), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(kT0 + absl::Milliseconds(999)), kT0Text);
}

TEST(FormatHttpDateTest, RoundTripsEveryDayOfFourCenturies) {
  // Every day from 1900 to 2300 at a varying time of day: format, parse back, same instant,
  // and the same text as absl's strftime.
  absl::Time t = absl::FromCivil(absl::CivilSecond(1900, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  for (int i = 0; i < 400 * 366; ++i, t += absl::Hours(24) + absl::Seconds(7)) {
    std::string s = FormatHttpDate(t);
    ASSERT_EQ(s, absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, absl::UTCTimeZone()));
    ASSERT_EQ(ParseHttpDate(s), absl::FromUnixSeconds(absl::ToUnixSeconds(t))) << s;
  }
}

}  // namespace
}  // namespace http
