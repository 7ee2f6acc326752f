// Fuzzes the CLI's TIME and DUR parsing (common/timeparse.hpp). Input: the
// text as typed after --start-at, --end-at or --duration.
//
// Properties:
//  - duration_ms() agrees with a plain reference parser (digits then a unit,
//    repeated, at most kMaxDurationMs) and is never negative; a duration is the sum of its parts
//    ("1h30m" == "1h" + "30m");
//  - time_ms("+DUR", now) == now + duration_ms("DUR");
//  - an absolute time does not depend on `now`; what it gives, printed by
//    iso_utc() and iso_local(), parses back to the same second;
//  - errors name the text ("bad duration ...", "bad time ...").
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <string>

#include "ffleet/common/timeparse.hpp"
#include "fuzz_util.hpp"

namespace ffleet::fuzz {
namespace {

constexpr std::int64_t kNow = 1764000000000;  // 2025-11-24T16:00:00Z

struct Reference {
  bool ok = false;
  std::int64_t ms = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// DUR := (digits unit)+, unit one of ms s m h d, each number at most 1e9.
Reference reference_duration(std::string_view t) {
  Reference r;
  if (t.empty()) return r;
  std::size_t i = 0;
  std::int64_t total = 0;
  while (i < t.size()) {
    if (!is_digit(t[i])) return r;
    std::int64_t n = 0;
    while (i < t.size() && is_digit(t[i])) {
      n = n * 10 + (t[i] - '0');
      if (n > 1'000'000'000) return r;
      ++i;
    }
    const std::size_t u0 = i;
    while (i < t.size() && is_alpha(t[i])) ++i;
    const std::string_view unit = t.substr(u0, i - u0);
    std::int64_t scale = 0;
    if (unit == "ms") scale = 1;
    else if (unit == "s") scale = 1000;
    else if (unit == "m") scale = 60'000;
    else if (unit == "h") scale = 3'600'000;
    else if (unit == "d") scale = 86'400'000;
    else return r;
    total += n * scale;  // n <= 1e9, scale <= 8.64e7: no part overflows
    if (total > timeparse::kMaxDurationMs) return r;  // too long: refused
  }
  r.ok = true;
  r.ms = total;
  return r;
}

void check_duration(std::string_view text) {
  const Reference ref = reference_duration(text);
  auto d = timeparse::duration_ms(text);
  FUZZ_CHECK(d.is_ok() == ref.ok, "duration_ms " + std::string(d ? "accepts " : "refuses ") + show(text));
  if (!d) {
    FUZZ_CHECK(d.error().rfind("bad duration '", 0) == 0, "error " + show(d.error()));
    return;
  }
  FUZZ_CHECK(*d == ref.ms && *d >= 0, show(text) + " -> " + std::to_string(*d) + ", want " + std::to_string(ref.ms));
  // The sum of its parts: split before each number that follows a unit.
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (!is_digit(text[i]) || is_digit(text[i - 1])) continue;
    auto a = timeparse::duration_ms(text.substr(0, i));
    auto b = timeparse::duration_ms(text.substr(i));
    FUZZ_CHECK(a && b && *a + *b == *d, show(text) + " is not the sum of its parts at " + std::to_string(i));
  }
  // "+DUR" is now plus the duration.
  if (*d <= std::numeric_limits<std::int64_t>::max() - kNow) {
    auto t = timeparse::time_ms("+" + std::string(text), kNow);
    FUZZ_CHECK(t && *t == kNow + *d, "+" + std::string(text) + " is not now + " + std::to_string(*d));
  }
}

// Years the printers write as four digits, so the output is ISO 8601 again.
constexpr std::int64_t kYear1970 = 0;
constexpr std::int64_t kYear10000 = 253402300800000;

void check_time(std::string_view text) {
  if (!text.empty() && text[0] == '+') {
    check_duration(text.substr(1));
    return;
  }
  auto t = timeparse::time_ms(text, kNow);
  if (!t) {
    FUZZ_CHECK(t.error().rfind("bad time '", 0) == 0, "error " + show(t.error()));
    return;
  }
  auto t0 = timeparse::time_ms(text, 0);
  FUZZ_CHECK(t0 && *t0 == *t, show(text) + " depends on now");
  if (*t < kYear1970 || *t >= kYear10000) return;
  const std::int64_t second = *t / 1000 * 1000;
  const std::string utc = timeparse::iso_utc(*t);
  auto back = timeparse::time_ms(utc, kNow);
  FUZZ_CHECK(back && *back == second, show(text) + " -> " + std::to_string(*t) + " -> " + utc + " -> " +
                                          (back ? std::to_string(*back) : back.error()));
  const std::string local = timeparse::iso_local(*t);
  auto back_local = timeparse::time_ms(local, kNow);
  FUZZ_CHECK(back_local && *back_local == second, show(text) + " -> " + local + " -> " +
                                                      (back_local ? std::to_string(*back_local) : back_local.error()));
}

}  // namespace
}  // namespace ffleet::fuzz

// A zone with a half-hour offset and daylight saving time, so iso_local()
// prints offsets like -02:30 and -03:30.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("TZ", "America/St_Johns", 1);
  tzset();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = ffleet::fuzz::as_view(data, size);
  ffleet::fuzz::check_duration(text);
  ffleet::fuzz::check_time(text);
  return 0;
}
