#include "ptx/signing/sls_date.h"

#include <cstdint>
#include <cstdio>

namespace ptx::signing {
namespace {

constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Civil {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour, minute, second;
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Civil ToCivil(SystemTime time, int* weekday) {
  int64_t secs = std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
  int64_t days = FloorDiv(secs, 86400);
  int64_t rem = secs - days * 86400;
  Civil c{};
  CivilFromDays(days, &c.year, &c.month, &c.day);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem / 60 % 60);
  c.second = static_cast<int>(rem % 60);
  if (weekday != nullptr) *weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01: Thu
  return c;
}

bool DaysInMonthOk(int64_t year, int month, int day) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

Result<SystemTime> FromCivil(const Civil& c) {
  if (!DaysInMonthOk(c.year, c.month, c.day) || c.hour > 23 || c.minute > 59 || c.second > 60) {
    return InvalidArgumentError("date out of range");
  }
  int64_t secs = DaysFromCivil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 +
                 c.second;
  // system_clock counts nanoseconds in 64 bits (years 1678-2262); converting a date outside
  // that range would overflow, which is undefined behaviour.
  constexpr int64_t kMaxSeconds =
      std::chrono::duration_cast<std::chrono::seconds>(SystemTime::duration::max()).count();
  if (secs > kMaxSeconds || secs < -kMaxSeconds) return InvalidArgumentError("date out of range");
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::seconds(secs)));
}

// Reads exactly `width` digits at text[*pos].
bool ReadDigits(std::string_view text, size_t* pos, size_t width, int64_t* out) {
  if (*pos + width > text.size()) return false;
  int64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *pos += width;
  *out = value;
  return true;
}

bool ReadLiteral(std::string_view text, size_t* pos, std::string_view literal) {
  if (text.substr(*pos, literal.size()) != literal) return false;
  *pos += literal.size();
  return true;
}

// Index of the three-letter name at text[*pos] in names, or -1.
int ReadName(std::string_view text, size_t* pos, const char* const* names, int count) {
  std::string_view word = text.substr(*pos, 3);
  for (int i = 0; i < count; ++i) {
    if (word == names[i]) {
      *pos += 3;
      return i;
    }
  }
  return -1;
}

}  // namespace

std::string Rfc1123Date(SystemTime time) {
  int weekday = 0;
  Civil c = ToCivil(time, &weekday);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04lld %02d:%02d:%02d GMT", kWeekdays[weekday],
                c.day, kMonths[c.month - 1], static_cast<long long>(c.year), c.hour, c.minute,
                c.second);
  return buf;
}

Result<SystemTime> ParseRfc1123Date(std::string_view text) {
  auto invalid = [&] { return InvalidArgumentError("not an RFC 1123 date: " + std::string(text)); };
  size_t pos = 0;
  Civil c{};
  int64_t day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (ReadName(text, &pos, kWeekdays, 7) < 0 || !ReadLiteral(text, &pos, ", ")) return invalid();
  if (!ReadDigits(text, &pos, 2, &day)) {
    if (!ReadDigits(text, &pos, 1, &day)) return invalid();
  }
  if (!ReadLiteral(text, &pos, " ")) return invalid();
  int month = ReadName(text, &pos, kMonths, 12);
  if (month < 0 || !ReadLiteral(text, &pos, " ") || !ReadDigits(text, &pos, 4, &year) ||
      !ReadLiteral(text, &pos, " ") || !ReadDigits(text, &pos, 2, &hour) ||
      !ReadLiteral(text, &pos, ":") || !ReadDigits(text, &pos, 2, &minute) ||
      !ReadLiteral(text, &pos, ":") || !ReadDigits(text, &pos, 2, &second) ||
      !ReadLiteral(text, &pos, " ")) {
    return invalid();
  }
  std::string_view zone = text.substr(pos);
  if (zone != "GMT" && zone != "UTC") return invalid();
  c.year = year;
  c.month = month + 1;
  c.day = static_cast<int>(day);
  c.hour = static_cast<int>(hour);
  c.minute = static_cast<int>(minute);
  c.second = static_cast<int>(second);
  auto result = FromCivil(c);
  if (!result.ok()) return invalid();
  return result;
}

std::string V4DateTime(SystemTime time) {
  Civil c = ToCivil(time, nullptr);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld%02d%02dT%02d%02d%02dZ", static_cast<long long>(c.year),
                c.month, c.day, c.hour, c.minute, c.second);
  return buf;
}

Result<SystemTime> ParseV4DateTime(std::string_view text) {
  auto invalid = [&] {
    return InvalidArgumentError("not a YYYYMMDDTHHMMSSZ date: " + std::string(text));
  };
  size_t pos = 0;
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() != 16 || !ReadDigits(text, &pos, 4, &year) ||
      !ReadDigits(text, &pos, 2, &month) || !ReadDigits(text, &pos, 2, &day) ||
      !ReadLiteral(text, &pos, "T") || !ReadDigits(text, &pos, 2, &hour) ||
      !ReadDigits(text, &pos, 2, &minute) || !ReadDigits(text, &pos, 2, &second) ||
      !ReadLiteral(text, &pos, "Z")) {
    return invalid();
  }
  Civil c{year, static_cast<int>(month), static_cast<int>(day), static_cast<int>(hour),
          static_cast<int>(minute), static_cast<int>(second)};
  auto result = FromCivil(c);
  if (!result.ok()) return invalid();
  return result;
}

}  // namespace ptx::signing
