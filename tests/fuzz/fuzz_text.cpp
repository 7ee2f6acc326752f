// Fuzzes the boundary for text from outside (common/text.hpp): a child's
// stderr, a peer's names and errors. Input: the bytes; for the list form,
// the same bytes cut at NULs, each item cut to a size the last byte picks.
//
// Properties:
//  - valid_utf8() agrees with a reference check written from RFC 3629
//    (no overlongs, no surrogates, nothing above U+10FFFF);
//  - for_people() always returns valid UTF-8 with no raw control character
//    (C0, DEL, C1), whatever the bytes;
//  - it leaves clean printable UTF-8 (no controls, no backslash) unchanged;
//  - it is unambiguous: reading its escapes back gives the original bytes;
//  - the list form cuts each item to at most max_bytes at a character
//    boundary, marks the cut with "…", and keeps a prefix of the whole;
//  - truncate_utf8() of valid UTF-8 is the longest prefix of whole
//    characters that fits.
#include <cstdint>
#include <string>
#include <vector>

#include "ffleet/common/text.hpp"
#include "fuzz_util.hpp"

namespace ffleet::fuzz {
namespace {

// Length of the well-formed sequence at s[i] per RFC 3629's table, or 0.
std::size_t ref_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) -> unsigned { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0x100u; };
  auto in = [](unsigned v, unsigned lo, unsigned hi) { return v >= lo && v <= hi; };
  const unsigned c = b(i);
  if (c <= 0x7F) return 1;
  if (in(c, 0xC2, 0xDF)) return in(b(i + 1), 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return in(b(i + 1), 0xA0, 0xBF) && in(b(i + 2), 0x80, 0xBF) ? 3 : 0;
  if (in(c, 0xE1, 0xEC) || in(c, 0xEE, 0xEF)) return in(b(i + 1), 0x80, 0xBF) && in(b(i + 2), 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return in(b(i + 1), 0x80, 0x9F) && in(b(i + 2), 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0)
    return in(b(i + 1), 0x90, 0xBF) && in(b(i + 2), 0x80, 0xBF) && in(b(i + 3), 0x80, 0xBF) ? 4 : 0;
  if (in(c, 0xF1, 0xF3))
    return in(b(i + 1), 0x80, 0xBF) && in(b(i + 2), 0x80, 0xBF) && in(b(i + 3), 0x80, 0xBF) ? 4 : 0;
  if (c == 0xF4)
    return in(b(i + 1), 0x80, 0x8F) && in(b(i + 2), 0x80, 0xBF) && in(b(i + 3), 0x80, 0xBF) ? 4 : 0;
  return 0;
}

bool ref_valid(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = ref_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// A character for_people() must escape: C0, DEL, C1 (U+0080-U+009F).
bool is_control(std::string_view s, std::size_t i, std::size_t n) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (n == 1) return c < 0x20 || c == 0x7F;
  return n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0;
}

bool clean(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = ref_sequence(s, i);
    if (n == 0 || is_control(s, i, n) || s[i] == '\\') return false;
    i += n;
  }
  return true;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Reads for_people()'s escapes back: \\ \n \r \t \xNN \u{NN}; any other
// backslash is itself.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char e = s[i + 1];
    if (e == '\\') { out.push_back('\\'); ++i; }
    else if (e == 'n') { out.push_back('\n'); ++i; }
    else if (e == 'r') { out.push_back('\r'); ++i; }
    else if (e == 't') { out.push_back('\t'); ++i; }
    else if (e == 'x' && i + 3 < s.size() && hex(s[i + 2]) >= 0 && hex(s[i + 3]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 2]) * 16 + hex(s[i + 3])));
      i += 3;
    } else if (e == 'u' && i + 5 < s.size() && s[i + 2] == '{' && hex(s[i + 3]) >= 0 && hex(s[i + 4]) >= 0 &&
               s[i + 5] == '}') {
      out.push_back('\xC2');
      out.push_back(static_cast<char>(hex(s[i + 3]) * 16 + hex(s[i + 4])));
      i += 5;
    } else {
      out.push_back('\\');
    }
  }
  return out;
}

// KNOWN BUG (reported; tests/unit/common/text_fuzz_regression_test.cpp):
// for_people() doubles a backslash only before 'x', 'u' or '\', so a literal
// backslash before 'n', 'r', 't' or before a byte it escapes reads the same
// as an escape ("\\n" and "\n" both give \n). Inputs with such a pair are
// left out of the round-trip check until that is fixed.
bool has_known_ambiguity(std::string_view s) {
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '\\') continue;
    const char c = s[i + 1];
    if (c == 'n' || c == 'r' || c == 't') return true;
    const std::size_t n = ref_sequence(s, i + 1);
    if (n == 0 || is_control(s, i + 1, n)) return true;
  }
  return false;
}

void check_output(std::string_view in, const std::string& out) {
  FUZZ_CHECK(ref_valid(out), "for_people gave invalid UTF-8 " + show(out) + " for " + show(in));
  for (std::size_t i = 0; i < out.size();) {
    const std::size_t n = ref_sequence(out, i);
    FUZZ_CHECK(!is_control(out, i, n), "raw control character at " + std::to_string(i) + " of " + show(out));
    i += n;
  }
}

}  // namespace
}  // namespace ffleet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ffleet::fuzz;  // NOLINT
  namespace text = ffleet::text;
  const std::string_view in = as_view(data, size);

  FUZZ_CHECK(text::valid_utf8(in) == ref_valid(in), "valid_utf8 says " + std::to_string(text::valid_utf8(in)) +
                                                        " for " + show(in));
  const std::string out = text::for_people(in);
  check_output(in, out);
  if (clean(in)) FUZZ_CHECK(out == in, "clean text changed: " + show(in) + " -> " + show(out));
  if (!skip_known_bugs() || !has_known_ambiguity(in))
    FUZZ_CHECK(unescape(out) == in, "ambiguous: " + show(in) + " -> " + show(out) + " reads back as " +
                                        show(unescape(out)));

  // The list form, as used for stderr tails.
  const std::size_t max_bytes = size == 0 ? 8 : 3 + static_cast<unsigned char>(in.back()) % 64;
  std::vector<std::string> items;
  for (auto& p : split(in, '\0', 16)) items.push_back(std::move(p));
  const auto lines = text::for_people(items, max_bytes);
  FUZZ_CHECK(lines.size() == items.size(), "items lost");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string whole = text::for_people(items[i]);
    check_output(items[i], lines[i]);
    FUZZ_CHECK(lines[i].size() <= max_bytes, "item of " + std::to_string(lines[i].size()) + " bytes over " +
                                                 std::to_string(max_bytes));
    if (whole.size() <= max_bytes) {
      FUZZ_CHECK(lines[i] == whole, "an item that fits was changed");
    } else {
      const std::string_view mark = "\xE2\x80\xA6";
      FUZZ_CHECK(lines[i].size() >= mark.size() && lines[i].substr(lines[i].size() - mark.size()) == mark,
                 "a cut without its mark: " + show(lines[i]));
      const std::string kept = lines[i].substr(0, lines[i].size() - mark.size());
      FUZZ_CHECK(whole.compare(0, kept.size(), kept) == 0, "the cut is not a prefix: " + show(lines[i]));
    }
  }

  // truncate_utf8 on valid text: the longest prefix of whole characters that fits.
  if (ref_valid(in)) {
    const std::size_t limit = max_bytes - 3;
    const std::string cut = text::truncate_utf8(std::string(in), limit);
    FUZZ_CHECK(cut.size() <= limit && ref_valid(cut) && in.substr(0, cut.size()) == cut,
               "truncate_utf8(" + show(in) + ", " + std::to_string(limit) + ") = " + show(cut));
    if (cut.size() < in.size())
      FUZZ_CHECK(cut.size() + ref_sequence(in, cut.size()) > limit, "truncate_utf8 cut too much: " + show(cut));
  }
  return 0;
}
