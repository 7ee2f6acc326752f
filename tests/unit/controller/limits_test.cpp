#include "limits/limits.hpp"

#include <gtest/gtest.h>

#include "streams/validate.hpp"

namespace ffleet::controller {
namespace {

TEST(Limits, MessagesNameTheLimitAndTheCounts) {
  limits::Limits l;
  EXPECT_EQ(limits::admit(l, {20, {}}, "alice").message(), "global limit reached: 20 of 20 running");
  EXPECT_EQ(limits::admit(l, {7, {{"alice", 5}}}, "alice").message(), "per-user limit reached for alice: 5 of 5 running");
  EXPECT_TRUE(limits::admit(l, {7, {{"alice", 4}}}, "alice").is_ok());
  EXPECT_TRUE(limits::admit(l, {7, {{"alice", 5}}}, "bob").is_ok());
}

TEST(Limits, OverridesAndStoredValuesWin) {
  limits::Limits env;
  env.global = 30;
  auto l = limits::merge(env, {{"per_user", 2}, {"user:render", 10}});
  EXPECT_EQ(l.global, 30);
  EXPECT_EQ(l.per_user, 2);
  EXPECT_EQ(l.for_user("render"), 10);
  EXPECT_EQ(l.for_user("alice"), 2);
  EXPECT_TRUE(limits::admit(l, {0, {{"render", 9}}}, "render").is_ok());
  l = limits::merge(l, {{"global", 1}});
  EXPECT_EQ(l.global, 1);
}

TEST(Validate, Names) {
  EXPECT_TRUE(streams::validate_name("news-1.hd_x").is_ok());
  for (const char* bad : {"", "123", "-x", "a b", "a/b"}) EXPECT_FALSE(streams::validate_name(bad).is_ok()) << bad;
  EXPECT_FALSE(streams::validate_name(std::string(65, 'a')).is_ok());
  EXPECT_NE(streams::validate_name("42").message().find("all digits"), std::string::npos);
}

TEST(Validate, Specs) {
  proto::StreamSpec s;
  s.inputs = {"a.mp4"};
  s.outputs = {"o.ts"};
  EXPECT_TRUE(streams::validate_spec(s).is_ok());
  auto with = [&](auto f) {
    auto x = s;
    f(x);
    return streams::validate_spec(x).message();
  };
  EXPECT_NE(with([](auto& x) { x.inputs.clear(); }).find("--input"), std::string::npos);
  EXPECT_NE(with([](auto& x) { x.outputs.clear(); }).find("--output"), std::string::npos);
  EXPECT_NE(with([](auto& x) { x.mode = "fast"; }).find("--mode"), std::string::npos);
  EXPECT_NE(with([](auto& x) { x.resolution = "12x"; }).find("--resolution"), std::string::npos);
  EXPECT_NE(with([](auto& x) { x.fps = 300; }).find("--fps"), std::string::npos);
  EXPECT_NE(with([](auto& x) { x.on_host_lost = "x"; }).find("--on-host-lost"), std::string::npos);
  EXPECT_NE(with([](auto& x) { x.inputs = {"a\nb"}; }).find("--input"), std::string::npos);
  EXPECT_NE(with([](auto& x) { x.encoder = "x;rm"; }).find("--encoder"), std::string::npos);
}

}  // namespace
}  // namespace ffleet::controller
