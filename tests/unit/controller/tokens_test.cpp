// HTTP bearer tokens: the store's rows (only the digest) and the loop's
// table that says who a token acts for (expired, revoked, role capped by the
// user's, a removed user's tokens dead at once).
#include "auth/tokens.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "ffleet/common/token.hpp"
#include "store/store.hpp"

namespace ffleet::controller::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

store::TokenRow row(std::int64_t id, const std::string& user, const std::string& role, const std::string& secret) {
  store::TokenRow t;
  t.id = id;
  t.user = user;
  t.role = role;
  t.sha256 = token::sha256_hex(secret);
  t.prefix = token::token_prefix(secret);
  t.created_by = "admin";
  t.created_at_ms = kNow - 1000;
  return t;
}

class Tokens : public ::testing::Test {
 protected:
  void SetUp() override {
    // alice is an operator, bob a user, root an admin by key file.
    dir_.set_admins({{Principal::Kind::kPerson, "root", Role::kAdmin, "K-root", "admin key file root.pub", 0}});
    dir_.load({{"alice", "operator", "K-alice", kNow - 5000}, {"bob", "user", "K-bob", kNow - 5000}}, {});
    table_.load({row(1, "alice", "operator", a_), row(2, "alice", "admin", b_), row(3, "bob", "user", c_),
                 row(4, "root", "operator", d_)});
  }
  Result<Caller> who(const std::string& secret, bool secure = true, std::int64_t now = kNow) {
    return table_.identify(token::sha256_hex(secret), dir_, secure, now);
  }
  const std::string a_ = token::new_token(), b_ = token::new_token(), c_ = token::new_token(), d_ = token::new_token();
  Directory dir_;
  TokenTable table_;
};

TEST_F(Tokens, AKnownTokenActsForItsUserWithItsRole) {
  auto c = who(a_);
  ASSERT_TRUE(c.is_ok()) << c.error();
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->role, Role::kOperator);
  auto r = who(d_);
  ASSERT_TRUE(r.is_ok()) << r.error();
  EXPECT_EQ(r->user, "root");
  EXPECT_EQ(r->role, Role::kOperator) << "a token below its admin's role keeps its own";
}

TEST_F(Tokens, AnUnknownOrRevokedTokenIsRefusedWithoutShowingItsDigest) {
  const std::string other = token::new_token();
  auto c = who(other);
  ASSERT_FALSE(c.is_ok());
  EXPECT_EQ(c.error().find(token::sha256_hex(other)), std::string::npos);
  EXPECT_EQ(c.error().find(other), std::string::npos);
  EXPECT_EQ(c.error().find('\n'), std::string::npos);
  // Revoked: gone from the rows the table is loaded with.
  table_.load({row(1, "alice", "operator", a_)});
  EXPECT_FALSE(who(c_).is_ok());
  EXPECT_TRUE(who(a_).is_ok());
}

TEST_F(Tokens, AnExpiredTokenIsRefused) {
  auto t = row(7, "bob", "user", c_);
  t.expires_at_ms = kNow;
  table_.load({t});
  EXPECT_TRUE(who(c_, true, kNow - 1).is_ok());
  auto c = who(c_, true, kNow);
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.error().find("expired"), std::string::npos) << c.error();
  EXPECT_NE(c.error().find(t.prefix), std::string::npos) << "the prefix tells which token";
}

TEST_F(Tokens, WithKeysTheRoleIsCappedByTheUsersRoleNow) {
  auto c = who(b_);  // an admin token of alice, an operator
  ASSERT_TRUE(c.is_ok()) << c.error();
  EXPECT_EQ(c->role, Role::kOperator);
  // alice becomes a user (removed and added again, before the token was made).
  dir_.load({{"alice", "user", "K-alice2", kNow - 4000}, {"bob", "user", "K-bob", kNow - 5000}}, {});
  EXPECT_EQ(who(a_)->role, Role::kUser);
  EXPECT_EQ(who(b_)->role, Role::kUser);
}

TEST_F(Tokens, WithKeysARemovedUsersTokensStopAtOnce) {
  dir_.load({{"alice", "operator", "K-alice", kNow - 5000}}, {});
  auto c = who(c_);
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.error().find("bob"), std::string::npos) << c.error();
  // A new bob (added after the token was made) does not inherit it.
  dir_.load({{"alice", "operator", "K-alice", kNow - 5000}, {"bob", "admin", "K-newbob", kNow}}, {});
  EXPECT_FALSE(who(c_).is_ok());
  // An admin key file removed (SIGHUP): its tokens stop too.
  dir_.set_admins({});
  EXPECT_FALSE(who(d_).is_ok());
}

TEST_F(Tokens, WithoutKeysTheTokenIsTakenAsStored) {
  Directory empty;
  auto c = table_.identify(token::sha256_hex(b_), empty, false, kNow);
  ASSERT_TRUE(c.is_ok()) << c.error();
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->role, Role::kAdmin);
}

TEST_F(Tokens, UsesAreWrittenAtMostOnceAMinute) {
  EXPECT_TRUE(table_.take_last_used(kNow).empty()) << "nothing used yet";
  ASSERT_TRUE(who(a_, true, kNow).is_ok());
  ASSERT_TRUE(who(c_, true, kNow + 5).is_ok());
  auto first = table_.take_last_used(kNow + 10);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0], std::make_pair(std::int64_t{1}, kNow));
  EXPECT_EQ(first[1], std::make_pair(std::int64_t{3}, kNow + 5));
  ASSERT_TRUE(who(a_, true, kNow + 20).is_ok());
  EXPECT_TRUE(table_.take_last_used(kNow + 30).empty()) << "within the minute";
  EXPECT_EQ(table_.last_used(1), kNow + 20) << "yet the table knows";
  auto second = table_.take_last_used(kNow + 10 + kTokenUseWriteMs);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0], std::make_pair(std::int64_t{1}, kNow + 20));
  EXPECT_EQ(table_.last_used(2), 0) << "never used";
}

TEST(TokenStore, OnlyTheDigestIsStoredAndIdsAreNeverReused) {
  const auto dir = std::filesystem::temp_directory_path() / ("ffleet-tokens-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto s = store::Store::open((dir / "t.db").string());
    ASSERT_TRUE(s.is_ok()) << s.error();
    const std::string secret = token::new_token();
    auto t = row(0, "alice", "operator", secret);
    t.label = "ci";
    t.expires_at_ms = kNow + 1000;
    auto id = s->add_token(t);
    ASSERT_TRUE(id.is_ok()) << id.error();
    auto again = s->add_token(t);
    ASSERT_FALSE(again.is_ok()) << "a digest is stored once";
    EXPECT_EQ(again.error().find(t.sha256), std::string::npos);
    auto rows = s->list_tokens();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].id, *id);
    EXPECT_EQ(rows[0].sha256, t.sha256);
    EXPECT_EQ(rows[0].prefix, t.prefix);
    EXPECT_EQ(rows[0].label, "ci");
    EXPECT_EQ(rows[0].expires_at_ms, kNow + 1000);
    ASSERT_TRUE(s->touch_tokens({{*id, kNow}, {999, kNow}}).is_ok());
    ASSERT_TRUE(s->touch_tokens({{*id, kNow - 50}}).is_ok());
    EXPECT_EQ(s->list_tokens()[0].last_used_ms, kNow) << "never backwards";
    EXPECT_TRUE(*s->remove_token(*id));
    EXPECT_FALSE(*s->remove_token(*id));
    auto next = s->add_token(row(0, "bob", "user", token::new_token()));
    ASSERT_TRUE(next.is_ok());
    EXPECT_GT(*next, *id) << "a revoked token's id is not given again";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ffleet::controller::auth
