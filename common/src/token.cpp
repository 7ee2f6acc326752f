#include "ffleet/common/token.hpp"

#include <sys/random.h>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

#include "ffleet/common/timeparse.hpp"

namespace ffleet::token {
namespace {

constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool base64url_char(char c) { return kBase64Url.find(c) != std::string_view::npos; }

std::string base64url(const unsigned char* p, std::size_t n) {
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kBase64Url[(v >> shift) & 63];
  }
  if (n - i == 1) {
    const unsigned v = p[i] << 16;
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
  } else if (n - i == 2) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8);
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
  }
  return out;
}

nlohmann::json time_or_null(std::int64_t ms) {
  return ms > 0 ? nlohmann::json(timeparse::iso_local(ms)) : nlohmann::json(nullptr);
}

}  // namespace

std::string new_token() {
  std::array<unsigned char, 32> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("getrandom failed: no random bytes for a token");
    got += static_cast<std::size_t>(n);
  }
  std::string t(kTokenStart);
  t += base64url(bytes.data(), bytes.size());
  std::fill(bytes.begin(), bytes.end(), 0);
  return t;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) != 1 || len != 32)
    throw std::runtime_error("SHA-256 failed (OpenSSL EVP_Digest)");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string token_prefix(const std::string& token) { return token.substr(0, kPrefixChars); }

bool looks_like_token(std::string_view s) {
  return s.size() == kTokenChars && s.substr(0, kTokenStart.size()) == kTokenStart &&
         std::all_of(s.begin() + static_cast<std::ptrdiff_t>(kTokenStart.size()), s.end(), base64url_char);
}

bool looks_like_sha256(std::string_view s) {
  return s.size() == kSha256HexChars &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool looks_like_prefix(std::string_view s) {
  return s.size() == kPrefixChars && s.substr(0, kTokenStart.size()) == kTokenStart &&
         std::all_of(s.begin() + static_cast<std::ptrdiff_t>(kTokenStart.size()), s.end(), base64url_char);
}

nlohmann::json token_json(const proto::TokenView& t) {
  return {{"id", t.id},
          {"user", t.user},
          {"role", t.role},
          {"prefix", t.prefix},
          {"label", t.label},
          {"created_by", t.created_by},
          {"created_at", time_or_null(t.created_at_ms)},
          {"expires_at", time_or_null(t.expires_at_ms)},
          {"last_used", time_or_null(t.last_used_ms)}};
}

}  // namespace ffleet::token
