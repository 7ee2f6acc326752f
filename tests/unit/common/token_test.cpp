// Bearer tokens: their form, their digest, and that no two are alike.
#include "ffleet/common/token.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ffleet::token {
namespace {

TEST(Token, Sha256MatchesTheStandardTestVectors) {
  // FIPS 180-2, appendix B.1, and the digest of nothing.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Token, ANewTokenHasItsFormAndItsPrefix) {
  const std::string t = new_token();
  EXPECT_EQ(t.size(), 47u);
  EXPECT_EQ(t.rfind("ffl_", 0), 0u);
  EXPECT_TRUE(looks_like_token(t)) << t.substr(0, 8);
  EXPECT_EQ(token_prefix(t), t.substr(0, 8));
  EXPECT_TRUE(looks_like_prefix(token_prefix(t)));
  EXPECT_TRUE(looks_like_sha256(sha256_hex(t)));
  EXPECT_EQ(t.find_first_of("=+/"), std::string::npos) << "base64url without padding";
}

TEST(Token, NoTwoTokensAreAlike) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(new_token()).second);
  // Every base64url character shows up somewhere in 43,000 of them: the
  // encoding uses the whole alphabet (a stuck bit would leave some out).
  std::set<char> chars;
  for (const auto& t : seen) chars.insert(t.begin() + 4, t.end());
  EXPECT_EQ(chars.size(), 64u);
}

TEST(Token, LookalikesAreRefused) {
  const std::string t = new_token();
  EXPECT_FALSE(looks_like_token(t.substr(0, 46)));
  EXPECT_FALSE(looks_like_token(t + "A"));
  EXPECT_FALSE(looks_like_token("ffx_" + t.substr(4)));
  EXPECT_FALSE(looks_like_token("ffl_" + std::string(42, 'a') + "="));
  EXPECT_FALSE(looks_like_token("ffl_" + std::string(42, 'a') + " "));
  EXPECT_FALSE(looks_like_sha256(std::string(64, 'A')));  // lowercase only
  EXPECT_FALSE(looks_like_sha256(std::string(63, 'a')));
  EXPECT_FALSE(looks_like_sha256(std::string(63, 'a') + "g"));
  EXPECT_FALSE(looks_like_prefix("ffl_Ab3"));
  EXPECT_FALSE(looks_like_prefix("ffl_Ab3?"));
  EXPECT_FALSE(looks_like_prefix("abc_Ab3x"));
}

TEST(Token, JsonShowsNoSecretAndNullForNever) {
  proto::TokenView v;
  v.id = 3;
  v.user = "alice";
  v.role = "operator";
  v.prefix = "ffl_Ab3x";
  v.created_at_ms = 1700000000000;
  const auto j = token_json(v);
  EXPECT_EQ(j["id"], 3);
  EXPECT_EQ(j["user"], "alice");
  EXPECT_EQ(j["prefix"], "ffl_Ab3x");
  EXPECT_TRUE(j["created_at"].is_string());
  EXPECT_TRUE(j["expires_at"].is_null());
  EXPECT_TRUE(j["last_used"].is_null());
}

}  // namespace
}  // namespace ffleet::token
