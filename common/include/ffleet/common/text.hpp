// The one boundary for bytes from outside that people will read: a child's
// stderr, a peer's names and errors, a file name shown in a table.
//
// Paths stay bytes end to end (Linux file names need not be UTF-8); they are
// passed to ffmpeg as they are and only escaped here, when shown. Text for
// people is made valid UTF-8 once, where it enters, and control characters are
// escaped, so nothing read from outside can forge a log line, break a JSON
// encoder or move a terminal's cursor.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ffleet::text {

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view s);

// Valid UTF-8 with every invalid byte written as \xNN, control characters
// (C0, DEL, C1) as \n, \r, \t or \xNN / \u{NN}, and every backslash doubled, so
// the result is unambiguous (found by the text fuzzer: "\\n" and "\n" came out
// alike). Plain printable UTF-8 without backslashes comes back unchanged.
std::string for_people(std::string_view bytes);

// For text that already crossed the boundary once and is relayed (an
// agent's stderr tail at the controller): valid UTF-8, no raw control
// character, backslashes left as they are, so the origin's escapes are not
// escaped again. Idempotent; for_people()'s output comes back unchanged.
std::string relayed(std::string_view text);

// for_people() over a list, and with each item cut to at most `max_bytes`
// (cut at a character boundary, marked with "…").
std::vector<std::string> for_people(const std::vector<std::string>& lines, std::size_t max_bytes = 4096);
// relayed() over a list, each item cut as above.
std::vector<std::string> relayed(const std::vector<std::string>& lines, std::size_t max_bytes = 4096);

// Cuts `s` (valid UTF-8) to at most `max_bytes` at a character boundary.
std::string truncate_utf8(std::string s, std::size_t max_bytes);

}  // namespace ffleet::text
