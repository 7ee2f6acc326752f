#include "ffleet/common/text.hpp"

#include <cstdint>

namespace ffleet::text {
namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 if there is none.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void hex_escape(std::string& out, unsigned char c) {
  static const char* kHex = "0123456789abcdef";
  out += "\\x";
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 15]);
}

}  // namespace

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string escape(std::string_view s, bool backslashes);

std::string for_people(std::string_view s) { return escape(s, true); }
std::string relayed(std::string_view s) { return escape(s, false); }

std::string escape(std::string_view s, bool backslashes) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequence_length(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 0) {
      hex_escape(out, c);
      ++i;
      continue;
    }
    if (n == 1) {
      if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c < 0x20 || c == 0x7F) hex_escape(out, c);
      else if (c == '\\' && backslashes) out += "\\\\";  // every backslash doubled: an escape can only be ours
      else out.push_back(static_cast<char>(c));
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      // C1 controls (U+0080-U+009F): CSI among them moves a terminal's cursor.
      out += "\\u{";
      static const char* kHex = "0123456789abcdef";
      const auto v = static_cast<unsigned char>(s[i + 1]);
      out.push_back(kHex[v >> 4]);
      out.push_back(kHex[v & 15]);
      out += "}";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string truncate_utf8(std::string s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

namespace {
std::vector<std::string> each(const std::vector<std::string>& lines, std::size_t max_bytes, bool backslashes) {
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const auto& l : lines) {
    std::string t = escape(l, backslashes);
    if (t.size() > max_bytes) t = truncate_utf8(std::move(t), max_bytes > 3 ? max_bytes - 3 : 0) + "\xE2\x80\xA6";
    out.push_back(std::move(t));
  }
  return out;
}
}  // namespace

std::vector<std::string> for_people(const std::vector<std::string>& lines, std::size_t max_bytes) {
  return each(lines, max_bytes, true);
}

std::vector<std::string> relayed(const std::vector<std::string>& lines, std::size_t max_bytes) {
  return each(lines, max_bytes, false);
}

}  // namespace ffleet::text
