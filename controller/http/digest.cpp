#include "http/digest.hpp"

#include <openssl/evp.h>
#include <sys/random.h>

namespace ffleet::token {
std::string sha256_hex(std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}
std::string new_token() {
  unsigned char b[32];
  if (::getrandom(b, sizeof b, 0) != 32) return {};
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = "ffl_";
  unsigned v = 0;
  int bits = 0;
  for (unsigned char c : b) {
    v = (v << 8) | c;
    bits += 8;
    while (bits >= 6) {
      out.push_back(k[(v >> (bits - 6)) & 63]);
      bits -= 6;
    }
  }
  if (bits > 0) out.push_back(k[(v << (6 - bits)) & 63]);
  return out;
}
std::string token_prefix(const std::string& t) { return t.substr(0, 8); }
}  // namespace ffleet::token
