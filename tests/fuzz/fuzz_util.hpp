// Helpers shared by the fuzz targets: a check that fails loudly (libFuzzer
// keeps the input that made it fail) and a way to cut one input into parts.
//
// Inputs are cut with a plain separator byte or a 2-byte length prefix, not
// with FuzzedDataProvider, so that a seed can be written by hand or made
// from a real file (see corpus/ and README.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

// A property every input must keep. On failure: the property, where, and
// what the input made of it, then abort() so libFuzzer saves the input.
#define FUZZ_CHECK(cond, detail)                                                                   \
  do {                                                                                             \
    if (!(cond)) ::ffleet::fuzz::fail(#cond, __FILE__, __LINE__, (detail));                         \
  } while (0)

namespace ffleet::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line, const std::string& detail) {
  std::fprintf(stderr, "\nPROPERTY FAILED: %s\n  at %s:%d\n  %s\n", what, file, line, detail.c_str());
  std::abort();
}

// Inputs that hit a bug already reported are skipped (each place says which
// bug, marked KNOWN BUG), so that a run finds new ones. With
// FFLEET_FUZZ_KNOWN_BUGS=1 nothing is skipped: run so after a fix, then
// remove the skip.
inline bool skip_known_bugs() {
  static const bool skip = std::getenv("FFLEET_FUZZ_KNOWN_BUGS") == nullptr;
  return skip;
}

// Bytes in C-string escapes, for failure messages.
inline std::string show(std::string_view s, std::size_t max = 400) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (s.size() > max) out += "...";
  return out + "\"";
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// "a\0b\0c" -> {"a", "b", "c"}; at most `max_parts` (the last keeps the rest).
inline std::vector<std::string> split(std::string_view in, char sep, std::size_t max_parts = 64) {
  std::vector<std::string> out;
  while (out.size() + 1 < max_parts) {
    const auto p = in.find(sep);
    if (p == std::string_view::npos) break;
    out.emplace_back(in.substr(0, p));
    in.remove_prefix(p + 1);
  }
  out.emplace_back(in);
  return out;
}

// Reads a part prefixed by its length (2 bytes, little-endian), clamped to
// what is left.
inline std::string take_prefixed(std::string_view& in) {
  if (in.size() < 2) {
    std::string all(in);
    in = {};
    return all;
  }
  std::size_t n = static_cast<unsigned char>(in[0]) | (static_cast<std::size_t>(static_cast<unsigned char>(in[1])) << 8);
  in.remove_prefix(2);
  if (n > in.size()) n = in.size();
  std::string part(in.substr(0, n));
  in.remove_prefix(n);
  return part;
}

// The inverse of take_prefixed, for building seeds.
inline std::string prefixed(std::string_view part) {
  std::string out;
  out.push_back(static_cast<char>(part.size() & 0xff));
  out.push_back(static_cast<char>((part.size() >> 8) & 0xff));
  out.append(part);
  return out;
}

}  // namespace ffleet::fuzz
