// Fuzzes the masking of secrets (common/redact.hpp) that runs before any
// URL is logged or shown.
//
// Input: any bytes, taken whole as a URL; and when it has at least 5 NULs,
// the parts of an RTMP URL: scheme choice, user, password, host, app, stream
// key, query (characters that would end a part are dropped from it; the
// key keeps '?', '#', '&': Facebook's keys hold a query).
//
// Properties:
//  - url() and for_error() never fail, and masking twice is masking once;
//  - a URL with no secret comes back unchanged, and text without "://" too;
//  - for an RTMP URL, url() gives exactly scheme://[user[:****]@]host/app/****
//    (the key's query and the URL's query are part of the key): the stream
//    key and the password never appear; the same for an http(s), srt or rtsp
//    URL whose key is a path segment;
//  - secrets_of() names the key and the password, and scrub() with them
//    leaves neither in a log line that quotes the URL;
//  - for_error() masks a URL quoted in a line as url() does.
#include <cstdint>
#include <string>
#include <vector>

#include "ffleet/common/redact.hpp"
#include "fuzz_util.hpp"

namespace ffleet::fuzz {
namespace {

std::string without(std::string s, std::string_view drop) {
  std::string out;
  for (char c : s)
    if (drop.find(c) == std::string_view::npos) out.push_back(c);
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  for (const auto& s : v)
    if (s == x) return true;
  return false;
}

void check_text(std::string_view t) {
  const std::string once = redact::for_error(t);
  const std::string twice = redact::for_error(once);
  FUZZ_CHECK(once == twice, "for_error twice differs: " + show(once) + " then " + show(twice));
  if (t.find("://") == std::string_view::npos) FUZZ_CHECK(once == t, "no URL, yet changed: " + show(t));
}

void check_any(std::string_view u) {
  const std::string once = redact::url(u);
  const std::string twice = redact::url(once);
  FUZZ_CHECK(once == twice, "masking twice differs: " + show(once) + " then " + show(twice));
  const auto secrets = redact::secrets_of(u);
  if (secrets.empty()) FUZZ_CHECK(once == u, "no secret, yet changed: " + show(u) + " -> " + show(once));
  for (const auto& s : secrets) FUZZ_CHECK(!s.empty(), "an empty secret in " + show(u));
  const std::string line = "[tcp @ 0x5581] Connection to " + std::string(u) + " failed";
  const std::string scrubbed = redact::scrub(line, secrets);
  for (const auto& s : secrets)
    if (s.size() >= 3 && s.find('*') == std::string::npos)
      FUZZ_CHECK(scrubbed.find(s) == std::string::npos, "scrub left " + show(s) + " in " + show(scrubbed));
}

// The same parts as an http(s), srt or rtsp URL: a key after the first
// path segment is masked with what follows it.
void check_path_key(const std::vector<std::string>& p, const std::string& userinfo, const std::string& masked_userinfo,
                    const std::string& host, const std::string& app, const std::string& key, const std::string& tail) {
  static const char* const kSchemes[] = {"https", "http", "srt", "rtsp", "HTTPS", "rist"};
  const std::string scheme = kSchemes[(p[0].size() < 2 ? 0 : static_cast<unsigned char>(p[0][1])) % 6];
  if (key.front() == '?' || key.front() == '#') return;  // then it is a query, not a path segment
  const std::string u = scheme + "://" + userinfo + host + "/" + app + "/" + key + tail;
  const std::string want = scheme + "://" + masked_userinfo + host + "/" + app + "/****";
  const std::string out = redact::url(u);
  FUZZ_CHECK(out == want, "path key or password not masked: " + show(u) + " -> " + show(out) + ", want " + show(want));
  check_any(u);
}

void check_rtmp(const std::vector<std::string>& p) {
  static const char* const kSchemes[] = {"rtmp", "rtmps", "RTMP", "rtmpt", "rtmpe", "rtmpts"};
  const std::string scheme = kSchemes[(p[0].empty() ? 0 : static_cast<unsigned char>(p[0][0])) % 6];
  const std::string user = without(p[1], "/?#@:");
  const std::string pass = without(p[2], "/?#@");
  const std::string host = without(p[3], "/?#@");
  const std::string app = without(p[4], "/?#");
  const std::string key = p[5];
  const bool has_query = p.size() > 6;
  const std::string query = has_query ? p[6] : "";
  if (key.empty()) return;  // rtmp://host/app: no key to mask

  std::string userinfo, masked_userinfo;
  if (!user.empty() || !pass.empty()) {
    userinfo = user + (pass.empty() ? "" : ":" + pass) + "@";
    masked_userinfo = user + (pass.empty() ? "" : ":****") + "@";
  }
  const std::string head = scheme + "://";
  const std::string tail = has_query ? "?" + query : "";
  const std::string u = head + userinfo + host + "/" + app + "/" + key + tail;
  const std::string out = redact::url(u);
  const std::string want = head + masked_userinfo + host + "/" + app + "/****";
  FUZZ_CHECK(out == want, "rtmp key or password not masked: " + show(u) + " -> " + show(out) + ", want " + show(want));
  const auto secrets = redact::secrets_of(u);
  const std::string whole_key = key + tail;
  FUZZ_CHECK(contains(secrets, whole_key), "secrets_of misses the key " + show(whole_key) + " of " + show(u));
  if (key.find('?') == std::string::npos)
    FUZZ_CHECK(contains(secrets, key), "secrets_of misses the key " + show(key) + " of " + show(u));
  if (!pass.empty()) FUZZ_CHECK(contains(secrets, pass), "secrets_of misses the password of " + show(u));
  // ffmpeg quotes its output so: the URL comes out masked as url() masks it
  // (unless it holds what ends a URL in text, or ends with punctuation).
  if (u.find_first_of(" \t\r\n\v\f\"'`<>") == std::string::npos &&
      std::string_view(".,;:!)]}").find(u.back()) == std::string_view::npos) {
    const std::string line = "Output #0, flv, to '" + u + "':";
    const std::string masked = redact::for_error(line);
    FUZZ_CHECK(masked == "Output #0, flv, to '" + out + "':",
               "for_error differs from url: " + show(line) + " -> " + show(masked));
  }
  check_any(u);
  check_path_key(p, userinfo, masked_userinfo, host, app, key, tail);
}

}  // namespace
}  // namespace ffleet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ffleet::fuzz;  // NOLINT
  const std::string_view in = as_view(data, size);
  check_any(in);
  check_text(in);
  const auto parts = split(in, '\0', 7);
  if (parts.size() >= 6) check_rtmp(parts);
  return 0;
}
