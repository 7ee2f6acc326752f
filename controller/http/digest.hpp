// TEMPORARY: replaced by common/token.hpp when the tokens work lands.
#pragma once
#include <string>
#include <string_view>
namespace ffleet::token {
std::string new_token();
std::string sha256_hex(std::string_view s);
std::string token_prefix(const std::string& t);
}  // namespace ffleet::token
