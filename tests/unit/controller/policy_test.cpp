// Who may do what, as a table: every role against every act, on their own
// stream and on another's.
#include <gtest/gtest.h>

#include "auth/policy.hpp"

namespace ffleet::controller::auth {
namespace {

struct Row {
  Role role;
  Act act;
  bool own_stream_ok;
  bool others_stream_ok;
};

TEST(Policy, EachRoleAgainstEachAct) {
  const Row rows[] = {
      {Role::kUser, Act::kStreamAdd, true, true},         {Role::kUser, Act::kStreamChange, true, false},
      {Role::kUser, Act::kStreamShow, true, true},        {Role::kUser, Act::kStreamLogs, true, false},
      {Role::kUser, Act::kStreamReveal, true, false},     {Role::kUser, Act::kList, true, true},
      {Role::kUser, Act::kAgentManage, false, false},     {Role::kUser, Act::kLimitsSet, false, false},
      {Role::kUser, Act::kUsersManage, false, false},     {Role::kOperator, Act::kStreamChange, true, true},
      {Role::kOperator, Act::kStreamLogs, true, true},    {Role::kOperator, Act::kStreamReveal, true, false},
      {Role::kOperator, Act::kAgentManage, false, false}, {Role::kOperator, Act::kLimitsSet, false, false},
      {Role::kOperator, Act::kUsersManage, false, false}, {Role::kAdmin, Act::kStreamChange, true, true},
      {Role::kAdmin, Act::kStreamReveal, true, true},     {Role::kAdmin, Act::kAgentManage, true, true},
      {Role::kAdmin, Act::kLimitsSet, true, true},        {Role::kAdmin, Act::kUsersManage, true, true},
  };
  for (const auto& r : rows) {
    const Caller c{"bob", r.role};
    const bool stream_act = r.act == Act::kStreamChange || r.act == Act::kStreamShow || r.act == Act::kStreamLogs ||
                            r.act == Act::kStreamReveal;
    EXPECT_EQ(may(c, r.act, stream_act ? "bob" : "").is_ok(), r.own_stream_ok)
        << role_name(r.role) << " " << act_name(r.act) << " (own)";
    if (stream_act) {
      EXPECT_EQ(may(c, r.act, "alice").is_ok(), r.others_stream_ok) << role_name(r.role) << " " << act_name(r.act);
    }
  }
}

TEST(Policy, ARefusalSaysWhoWhatAndWhy) {
  auto s = may(Caller{"bob", Role::kUser}, Act::kStreamChange, "alice");
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(), "user bob (role user) may not change this stream: it is alice's");
  s = may(Caller{"ops", Role::kOperator}, Act::kLimitsSet);
  EXPECT_EQ(s.message(), "user ops (role operator) may not set limits: that needs the admin role");
}

TEST(Policy, OnlyUsersHaveOthersDetailsHidden) {
  EXPECT_FALSE(sees_details(Caller{"bob", Role::kUser}, "alice"));
  EXPECT_TRUE(sees_details(Caller{"bob", Role::kUser}, "bob"));
  EXPECT_TRUE(sees_details(Caller{"ops", Role::kOperator}, "alice"));
  EXPECT_TRUE(sees_details(Caller{"root", Role::kAdmin}, "alice"));
}

TEST(Caller, WithKeysTheKeyDecidesAndTheClaimIsIgnored) {
  Directory d;
  d.load({{"alice", "operator", std::string(40, 'a'), 0}}, {{"a1", std::string(40, 'b'), 0}});
  auto c = identify("mallory", std::string(40, 'a'), d, true);
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->role, Role::kOperator);
  auto agent = identify("alice", std::string(40, 'b'), d, true);
  ASSERT_FALSE(agent.is_ok());
  EXPECT_NE(agent.error().find("agent a1's"), std::string::npos) << agent.error();
  EXPECT_FALSE(identify("alice", std::string(40, 'c'), d, true).is_ok());
  EXPECT_FALSE(identify("alice", "", d, true).is_ok());
  // A user removed: the same key is refused from the next message on.
  d.load({}, {});
  EXPECT_FALSE(identify("alice", std::string(40, 'a'), d, true).is_ok());
}

TEST(Caller, WithoutKeysTheClaimIsTakenAsAnAdmin) {
  Directory d;
  auto c = identify("alice", "", d, false);
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->role, Role::kAdmin);
  EXPECT_FALSE(identify("al ice", "", d, false).is_ok());
  EXPECT_FALSE(identify("", "", d, false).is_ok());
}

}  // namespace
}  // namespace ffleet::controller::auth
