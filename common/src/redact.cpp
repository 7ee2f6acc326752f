#include "ffleet/common/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace ffleet::redact {
namespace {

struct Parts {
  std::string_view scheme, userinfo, host, path, query;
  bool ok = false;
};

Parts split(std::string_view u) {
  Parts p;
  const auto sep = u.find("://");
  if (sep == std::string_view::npos) return p;
  p.scheme = u.substr(0, sep);
  std::string_view rest = u.substr(sep + 3);
  const auto q = rest.find('?');
  if (q != std::string_view::npos) {
    p.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  p.path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    p.userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
  }
  p.host = authority;
  p.ok = true;
  return p;
}

bool is_rtmp(std::string_view scheme) {
  std::string s(scheme);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s.rfind("rtmp", 0) == 0;
}

bool secret_param(std::string_view name) {
  static const std::array<std::string_view, 8> kNames = {"key", "token", "secret", "password",
                                                         "passphrase", "pass", "streamid", "auth"};
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::any_of(kNames.begin(), kNames.end(), [&](std::string_view k) { return n.find(k) != std::string::npos; });
}

// Calls f(begin, length) for each secret span inside u.
template <class F> void each_secret(std::string_view u, F&& f) {
  const Parts p = split(u);
  if (!p.ok) return;
  auto off = [&](std::string_view part) { return static_cast<std::size_t>(part.data() - u.data()); };
  if (!p.userinfo.empty()) {
    const auto colon = p.userinfo.find(':');
    if (colon != std::string_view::npos && colon + 1 < p.userinfo.size())
      f(off(p.userinfo) + colon + 1, p.userinfo.size() - colon - 1);
  }
  if (is_rtmp(p.scheme) && !p.path.empty()) {
    // rtmp://host/app/key: everything after the application is the stream key.
    const auto second = p.path.find('/', 1);
    if (second != std::string_view::npos && second + 1 < p.path.size())
      f(off(p.path) + second + 1, p.path.size() - second - 1);
  }
  std::size_t i = 0;
  while (i < p.query.size()) {
    auto amp = p.query.find('&', i);
    if (amp == std::string_view::npos) amp = p.query.size();
    const std::string_view kv = p.query.substr(i, amp - i);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos && eq + 1 < kv.size() && secret_param(kv.substr(0, eq)))
      f(off(p.query) + i + eq + 1, kv.size() - eq - 1);
    i = amp + 1;
  }
}

}  // namespace

std::string url(std::string_view u) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  each_secret(u, [&](std::size_t b, std::size_t n) { spans.emplace_back(b, n); });
  std::sort(spans.begin(), spans.end());
  std::string out;
  std::size_t pos = 0;
  for (auto [b, n] : spans) {
    if (b < pos) continue;
    out.append(u.substr(pos, b - pos));
    out.append(kMask);
    pos = b + n;
  }
  out.append(u.substr(pos));
  return out;
}

std::vector<std::string> secrets_of(std::string_view u) {
  std::vector<std::string> out;
  each_secret(u, [&](std::size_t b, std::size_t n) { out.emplace_back(u.substr(b, n)); });
  return out;
}

std::string scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < 3) continue;  // masking "a" everywhere would hide more than it protects
    for (auto p = text.find(s); p != std::string::npos; p = text.find(s, p + kMask.size()))
      text.replace(p, s.size(), kMask);
  }
  return text;
}

}  // namespace ffleet::redact
