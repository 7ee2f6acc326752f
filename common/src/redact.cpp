#include "ffleet/common/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace ffleet::redact {
namespace {

constexpr auto npos = std::string_view::npos;
// [begin, end) of a secret inside the text.
using Span = std::pair<std::size_t, std::size_t>;

bool scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The start of the first URL in `text` at or after `from`: the scheme (a
// letter, then letters, digits, + - .) before the first "://" that has one.
// Sets `sep` to that "://"; npos if there is none.
std::size_t find_url(std::string_view text, std::size_t from, std::size_t& sep) {
  for (auto p = text.find("://", from); p != npos; p = text.find("://", p + 1)) {
    std::size_t b = p;
    while (b > from && scheme_char(text[b - 1])) --b;
    while (b < p && !std::isalpha(static_cast<unsigned char>(text[b]))) ++b;
    if (b < p) {
      sep = p;
      return b;
    }
  }
  return npos;
}

bool secret_param(std::string_view name) {
  const std::string n = lower(name);
  // Named like a secret, yet settings anyone may see.
  static constexpr std::array<std::string_view, 6> kPublic = {"pbkeylen", "keyint", "keyint_min", "key_frames",
                                                              "keyframes", "passes"};
  static constexpr std::array<std::string_view, 12> kExact = {"s",   "sig", "sid",    "cid",   "md5",   "hash",
                                                              "jwt", "psk", "policy", "hdnts", "hdnea", "pwd"};
  static constexpr std::array<std::string_view, 9> kWords = {"key",        "token",   "secret", "pass",    "auth",
                                                             "sign",       "streamid", "credential", "session"};
  if (std::find(kPublic.begin(), kPublic.end(), n) != kPublic.end()) return false;
  if (std::find(kExact.begin(), kExact.end(), n) != kExact.end()) return true;
  return std::any_of(kWords.begin(), kWords.end(), [&](std::string_view w) { return n.find(w) != npos; });
}

// The secrets of the URL u[b..] whose "://" is at `sep`, as spans of u, in no
// particular order and possibly overlapping. `path_key` gets the span of the
// path's key, if any.
std::vector<Span> spans(std::string_view u, std::size_t b, std::size_t sep, Span* path_key) {
  std::vector<Span> out;
  const std::string scheme = lower(u.substr(b, sep - b));
  const std::size_t host = sep + 3;
  std::size_t a_end = u.find_first_of("/?#", host);
  if (a_end == npos) a_end = u.size();

  // user:password@host: the password, between the first ':' and the last '@'.
  const std::string_view authority = u.substr(host, a_end - host);
  if (const auto at = authority.rfind('@'); at != npos) {
    const auto colon = authority.substr(0, at).find(':');
    if (colon != npos && colon + 1 < at) out.emplace_back(host + colon + 1, host + at);
  }

  // The key in the path: the rest of the URL after the first segment.
  Span key{npos, npos};
  if (scheme.rfind("rtmp", 0) == 0) {
    // As ffmpeg's rtmp protocol reads it: the path starts after the host
    // whatever its first character, and only '/' ends the application.
    if (a_end < u.size()) {
      const auto slash = u.find('/', a_end + 1);
      if (slash != npos && slash + 1 < u.size()) key = {slash + 1, u.size()};
    }
  } else if (scheme != "file" && a_end < u.size() && u[a_end] == '/') {
    std::size_t p_end = u.find_first_of("?#", a_end);
    if (p_end == npos) p_end = u.size();
    const auto slash = u.find('/', a_end + 1);
    if (slash != npos && slash + 1 < p_end) key = {slash + 1, u.size()};
  }
  if (key.first != npos) out.push_back(key);
  if (path_key != nullptr) *path_key = key;

  // Key-like query parameters, after the first '?' past the host.
  if (const auto q = u.find('?', a_end); q != npos) {
    for (std::size_t i = q + 1;;) {
      auto amp = u.find('&', i);
      if (amp == npos) amp = u.size();
      const std::string_view kv = u.substr(i, amp - i);
      const auto eq = kv.find('=');
      if (eq != npos && eq + 1 < kv.size() && secret_param(kv.substr(0, eq))) out.emplace_back(i + eq + 1, amp);
      if (amp == u.size()) break;
      i = amp + 1;
    }
  }
  return out;
}

// Overlapping or touching spans joined, in order.
std::vector<Span> merged(std::vector<Span> v) {
  std::sort(v.begin(), v.end());
  std::vector<Span> out;
  for (const auto& s : v) {
    if (!out.empty() && s.first <= out.back().second) out.back().second = std::max(out.back().second, s.second);
    else out.push_back(s);
  }
  return out;
}

}  // namespace

std::string url(std::string_view u) {
  std::size_t sep = 0;
  const std::size_t b = find_url(u, 0, sep);
  if (b == npos) return std::string(u);
  std::string out;
  std::size_t pos = 0;
  for (const auto& [s, e] : merged(spans(u, b, sep, nullptr))) {
    out.append(u.substr(pos, s - pos));
    out.append(kMask);
    pos = e;
  }
  out.append(u.substr(pos));
  return out;
}

std::vector<std::string> secrets_of(std::string_view u) {
  std::size_t sep = 0;
  const std::size_t b = find_url(u, 0, sep);
  if (b == npos) return {};
  Span key{npos, npos};
  std::vector<std::string> out;
  for (const auto& [s, e] : spans(u, b, sep, &key))
    if (e > s) out.emplace_back(u.substr(s, e - s));
  if (key.first != npos) {
    // Pieces of the key that may be printed alone: the part before its query
    // (ffmpeg or an RTMP server may name the stream without it), and its
    // first segment (an HLS push names segments beside the playlist) unless
    // short, as it would mask common words in ffmpeg's lines.
    const std::string_view k = u.substr(key.first, key.second - key.first);
    if (const auto q = k.find('?'); q != npos && q > 0) out.emplace_back(k.substr(0, q));
    if (const auto seg = k.find_first_of("/?#"); seg != npos && seg >= 6) out.emplace_back(k.substr(0, seg));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string scrub(std::string text, const std::vector<std::string>& secrets) {
  std::vector<const std::string*> order;
  for (const auto& s : secrets)
    if (s.size() >= 3) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->size() > b->size(); });
  for (const auto* s : order)
    for (auto p = text.find(*s); p != std::string::npos; p = text.find(*s, p + kMask.size()))
      text.replace(p, s->size(), kMask);
  return text;
}

std::string for_error(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t sep = 0;
    const std::size_t b = find_url(text, pos, sep);
    if (b == npos) break;
    std::size_t e = text.find_first_of(" \t\r\n\v\f\"'`<>", sep + 3);
    if (e == npos) e = text.size();
    while (e > sep + 3 && std::string_view(".,;:!)]}").find(text[e - 1]) != npos) --e;
    out.append(text.substr(pos, b - pos));
    out.append(url(text.substr(b, e - b)));
    pos = e;
  }
  out.append(text.substr(pos));
  return tokens(out);
}

std::string tokens(std::string_view text) {
  constexpr std::string_view kStart = "ffl_";
  constexpr std::size_t kBody = 43;
  const auto body_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
  std::string out;
  std::size_t pos = 0;
  for (auto p = text.find(kStart); p != npos; p = text.find(kStart, p + 1)) {
    if (p < pos || (p > 0 && body_char(text[p - 1]))) continue;
    std::size_t e = p + kStart.size();
    while (e < text.size() && body_char(text[e])) ++e;
    if (e - p - kStart.size() != kBody) continue;
    out.append(text.substr(pos, p - pos));
    out.append(kStart);
    out.append(kMask);
    pos = e;
  }
  if (pos == 0) return std::string(text);
  out.append(text.substr(pos));
  return out;
}

}  // namespace ffleet::redact
