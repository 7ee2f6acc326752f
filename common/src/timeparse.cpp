#include "ffleet/common/timeparse.hpp"

#include <cctype>
#include <ctime>

namespace ffleet::timeparse {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

int days_in_month(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

Result<std::int64_t> duration_ms(std::string_view text) {
  auto bad = [&] {
    return Result<std::int64_t>::failure("bad duration '" + std::string(text) +
                                         "': expected e.g. 90s, 15m, 2h, 1h30m");
  };
  auto too_long = [&] {
    return Result<std::int64_t>::failure("bad duration '" + std::string(text) + "': longer than " +
                                         std::to_string(kMaxDurationMs / 86'400'000) + " days");
  };
  if (text.empty()) return bad();
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad();
    std::int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > 1'000'000'000) return bad();
      ++i;
    }
    std::string_view unit;
    const std::size_t u0 = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    unit = text.substr(u0, i - u0);
    if (unit == "ms") total += n;
    else if (unit == "s") total += n * 1000;
    else if (unit == "m") total += n * 60'000;
    else if (unit == "h") total += n * 3'600'000;
    else if (unit == "d") total += n * 86'400'000;
    else return bad();
    // Each part is at most 1e9 days (8.64e16 ms), so the sum cannot wrap
    // before this check sees it pass the bound.
    if (total > kMaxDurationMs) return too_long();
  }
  return total;
}

Result<std::int64_t> time_ms(std::string_view text, std::int64_t now_ms) {
  if (!text.empty() && text[0] == '+') {
    auto d = duration_ms(text.substr(1));
    if (!d) return Result<std::int64_t>::failure("bad time '" + std::string(text) + "': " + d.error());
    return now_ms + *d;
  }
  auto bad = [&](const char* why) {
    return Result<std::int64_t>::failure("bad time '" + std::string(text) + "': " + why +
                                         " (expected e.g. 2026-11-24T18:00:00Z or +90s)");
  };
  int y, mo, d, h, mi, s = 0;
  if (!digits(text, 0, 4, y) || text.size() < 16 || text[4] != '-' || !digits(text, 5, 2, mo) || text[7] != '-' ||
      !digits(text, 8, 2, d) || (text[10] != 'T' && text[10] != ' ') || !digits(text, 11, 2, h) ||
      text[13] != ':' || !digits(text, 14, 2, mi))
    return bad("not ISO 8601");
  std::size_t i = 16;
  if (i < text.size() && text[i] == ':') {
    if (!digits(text, 17, 2, s)) return bad("bad seconds");
    i = 19;
  }
  std::int64_t frac_ms = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int scale = 100;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      frac_ms += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
    return bad("date or time out of range");
  if (i >= text.size()) return bad("a time zone is required (Z or +HH:MM)");
  std::int64_t offset_min = 0;
  if (text[i] == 'Z' || text[i] == 'z') {
    ++i;
  } else if (text[i] == '+' || text[i] == '-') {
    int oh, om = 0;
    if (!digits(text, i + 1, 2, oh)) return bad("bad offset");
    std::size_t j = i + 3;
    if (j < text.size() && text[j] == ':') ++j;
    if (j < text.size() && !digits(text, j, 2, om)) return bad("bad offset");
    if (j < text.size()) j += 2;
    if (oh > 23 || om > 59) return bad("bad offset");
    offset_min = (oh * 60 + om) * (text[i] == '-' ? -1 : 1);
    i = j;
  } else {
    return bad("bad time zone");
  }
  if (i != text.size()) return bad("trailing characters");
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_min * 60;
  return secs * 1000 + frac_ms;
}

std::string iso_utc(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string iso_local(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
  std::string out = buf;
  // strftime gives +0100; ISO 8601 extended form wants +01:00.
  if (out.size() >= 5) out.insert(out.size() - 2, ":");
  return out;
}

}  // namespace ffleet::timeparse
