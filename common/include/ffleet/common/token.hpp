// HTTP bearer tokens: making one, its digest, and how it is shown. A token is
// "ffl_" + 32 random bytes in base64url without padding (47 characters). Only
// its SHA-256 (hex) is sent to the controller and stored; the first
// characters (the prefix) tell tokens apart in `ffleet token ls`.
// Pure functions, thread-safe (new_token() reads the kernel's random source).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::token {

inline constexpr std::string_view kTokenStart = "ffl_";
inline constexpr std::size_t kTokenChars = 47;   // "ffl_" + 43 base64url characters (32 bytes)
inline constexpr std::size_t kPrefixChars = 8;   // "ffl_" + 4 characters
inline constexpr std::size_t kSha256HexChars = 64;

// A new token from getrandom(2). Throws std::runtime_error if the kernel
// gives no random bytes (never on Linux >= 3.17 once booted).
std::string new_token();

// Lowercase hex of the SHA-256 of `data` (OpenSSL EVP).
std::string sha256_hex(std::string_view data);

// What tells a token apart: its first kPrefixChars characters ("ffl_Ab3x").
std::string token_prefix(const std::string& token);

// Whether `s` has the form of a token (so a mistyped one is a clear error,
// not a lookup).
bool looks_like_token(std::string_view s);
// Whether `s` is a SHA-256 as sent and stored: 64 lowercase hex digits.
bool looks_like_sha256(std::string_view s);
// Whether `s` is a prefix as token_prefix() makes it.
bool looks_like_prefix(std::string_view s);

// A token as `ffleet --json token ls` and GET /api/v1/tokens print it:
// id, user, role, prefix, label, created_by, created_at, expires_at,
// last_used (ISO-8601 times, null for never).
nlohmann::json token_json(const proto::TokenView& t);

}  // namespace ffleet::token
