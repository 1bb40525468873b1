#include "lib/http/date.h"

#include <cstdint>
#include <cstring>

#include "absl/strings/ascii.h"

namespace http {
namespace {

constexpr absl::string_view kDayNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr absl::string_view kMonthNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct DateFields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// Digits parses exactly `s.size()` decimal digits.
bool Digits(absl::string_view s, int* out) {
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  *out = n;
  return !s.empty();
}

bool DayName(absl::string_view s) {
  for (absl::string_view d : kDayNames) {
    if (s == d) return true;
  }
  return false;
}

bool LongDayName(absl::string_view s) {
  for (absl::string_view d :
       {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}) {
    if (s == d) return true;
  }
  return false;
}

bool MonthName(absl::string_view s, int* month) {
  for (int i = 0; i < 12; ++i) {
    if (s == kMonthNames[i]) {
      *month = i + 1;
      return true;
    }
  }
  return false;
}

// Clock parses "HH:MM:SS" (second 60 is a leap second).
bool Clock(absl::string_view s, DateFields* d) {
  return s.size() == 8 && s[2] == ':' && s[5] == ':' && Digits(s.substr(0, 2), &d->hour) &&
         Digits(s.substr(3, 2), &d->minute) && Digits(s.substr(6, 2), &d->second) &&
         d->hour <= 23 && d->minute <= 59 && d->second <= 60;
}

// ToTime checks the calendar date and converts it (days from civil, proleptic Gregorian).
std::optional<absl::Time> ToTime(const DateFields& d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  int month_days = kDays[d.month - 1] + (d.month == 2 && leap ? 1 : 0);
  if (d.day < 1 || d.day > month_days) return std::nullopt;
  int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  return absl::FromUnixSeconds(days * 86400 + d.hour * 3600 + d.minute * 60 + d.second);
}

// Put2 writes `n` (0-99) as two digits at `p`.
void Put2(int n, char* p) {
  p[0] = static_cast<char>('0' + n / 10);
  p[1] = static_cast<char>('0' + n % 10);
}

}  // namespace

std::optional<absl::Time> ParseHttpDate(absl::string_view value) {
  absl::string_view v = absl::StripAsciiWhitespace(value);
  DateFields d;
  // IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", the only form senders may generate.
  if (v.size() == 29 && v[3] == ',' && v[4] == ' ' && v[7] == ' ' && v[11] == ' ' &&
      v[16] == ' ' && v.substr(25) == " GMT" && DayName(v.substr(0, 3)) &&
      Digits(v.substr(5, 2), &d.day) && MonthName(v.substr(8, 3), &d.month) &&
      Digits(v.substr(12, 4), &d.year) && Clock(v.substr(17, 8), &d)) {
    return ToTime(d);
  }
  // Obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years: 69-99 are 19xx).
  size_t comma = v.find(',');
  if (comma != absl::string_view::npos && v.size() == comma + 24 && LongDayName(v.substr(0, comma))) {
    absl::string_view r = v.substr(comma);
    if (r[1] == ' ' && r[4] == '-' && r[8] == '-' && r[11] == ' ' && r.substr(20) == " GMT" &&
        Digits(r.substr(2, 2), &d.day) && MonthName(r.substr(5, 3), &d.month) &&
        Digits(r.substr(9, 2), &d.year) && Clock(r.substr(12, 8), &d)) {
      d.year += d.year < 69 ? 2000 : 1900;
      return ToTime(d);
    }
    return std::nullopt;
  }
  // Obsolete asctime "Sun Nov  6 08:49:37 1994" (the day space-padded).
  if (v.size() == 24 && v[3] == ' ' && v[7] == ' ' && v[10] == ' ' && v[19] == ' ' &&
      DayName(v.substr(0, 3)) && MonthName(v.substr(4, 3), &d.month) &&
      (v[8] == ' ' ? Digits(v.substr(9, 1), &d.day) : Digits(v.substr(8, 2), &d.day)) &&
      Clock(v.substr(11, 8), &d) && Digits(v.substr(20, 4), &d.year)) {
    return ToTime(d);
  }
  return std::nullopt;
}

void AppendHttpDate(absl::Time t, std::string* out) {
  int64_t secs = absl::ToUnixSeconds(t);
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // Civil from days (proleptic Gregorian), the inverse of ToTime.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  int weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
  char buf[29] = {'x', 'x', 'x', ',', ' ', 'd', 'd', ' ', 'm', 'm', 'm', ' ', 'y', 'y', 'y',
                  'y', ' ', 'h', 'h', ':', 'm', 'm', ':', 's', 's', ' ', 'G', 'M', 'T'};
  std::memcpy(buf, kDayNames[weekday].data(), 3);
  Put2(day, buf + 5);
  std::memcpy(buf + 8, kMonthNames[month - 1].data(), 3);
  Put2(static_cast<int>(year / 100 % 100), buf + 12);
  Put2(static_cast<int>(year % 100), buf + 14);
  Put2(static_cast<int>(rem / 3600), buf + 17);
  Put2(static_cast<int>(rem / 60 % 60), buf + 20);
  Put2(static_cast<int>(rem % 60), buf + 23);
  out->append(buf, sizeof(buf));
}

std::string FormatHttpDate(absl::Time t) {
  std::string out;
  out.reserve(29);
  AppendHttpDate(t, &out);
  return out;
}

}  // namespace http
