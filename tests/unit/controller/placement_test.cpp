#include "placement/placement.hpp"

#include <gtest/gtest.h>

namespace ffleet::controller::placement {
namespace {

Candidate agent(std::string name, std::int64_t active, std::int64_t max, double cpu = 0,
                std::vector<std::string> enc = {"libx264"}) {
  Candidate c;
  c.name = std::move(name);
  c.accepts_work = true;
  c.active = active;
  c.max_streams = max;
  c.cpu_percent = cpu;
  c.encoders = std::move(enc);
  return c;
}

proto::StreamSpec transcode() {
  proto::StreamSpec s;
  s.mode = "auto";
  return s;
}

TEST(Placement, NoAgents) {
  EXPECT_EQ(choose(transcode(), {}).error(),
            "no ready agent; agents known: none; start ffleet-agent with --controller pointing at this controller");
}

TEST(Placement, DrainingAndLostAgentsAreSkipped) {
  auto a = agent("a", 0, 4);
  a.accepts_work = false;
  EXPECT_EQ(choose(transcode(), {a}).error().rfind("no ready agent; agents known: a (not ready)", 0), 0u);
  EXPECT_EQ(*choose(transcode(), {a, agent("b", 3, 4)}), "b");
}

TEST(Placement, FullAgents) {
  EXPECT_EQ(choose(transcode(), {agent("a", 2, 2), agent("b", 1, 1)}).error(), "all 2 ready agents are full");
}

TEST(Placement, BehindMeansFull) {
  auto a = agent("a", 0, 4);
  a.behind = true;
  EXPECT_EQ(*choose(transcode(), {a, agent("b", 3, 4)}), "b");
}

TEST(Placement, EncoderRequirements) {
  auto s = transcode();
  s.encoder = "h264_nvenc";
  EXPECT_EQ(choose(s, {agent("a", 0, 4)}).error(), "no ready agent has h264_nvenc; agents with it: none; try --encoder auto");
  auto busy = agent("gpu", 0, 4, 0, {"libx264", "h264_nvenc"});
  busy.free_sessions["nvenc"] = 0;  // the host's NVENC sessions are all in use
  EXPECT_FALSE(choose(s, {busy}).is_ok());
  busy.free_sessions["nvenc"] = 1;
  EXPECT_EQ(*choose(s, {busy}), "gpu");
  EXPECT_EQ(*choose(transcode(), {agent("cpu", 0, 4)}), "cpu");  // auto needs no session
  EXPECT_EQ(*choose(s, {agent("a", 0, 4), agent("gpu", 3, 4, 0, {"libx264", "h264_nvenc"})}), "gpu");
  EXPECT_EQ(choose(transcode(), {agent("a", 0, 4, 0, {})}).error().rfind("no ready agent has an H.264 encoder; agents with one: none", 0), 0u);
  auto copy = transcode();
  copy.mode = "copy";
  EXPECT_EQ(*choose(copy, {agent("a", 0, 4, 0, {})}), "a");  // copying needs no encoder
  EXPECT_EQ(*choose(transcode(), {agent("hw", 0, 4, 0, {"h264_qsv"})}), "hw");
}

TEST(Placement, LeastLoadedByShareThenCpu) {
  EXPECT_EQ(*choose(transcode(), {agent("a", 2, 4), agent("b", 1, 4)}), "b");
  EXPECT_EQ(*choose(transcode(), {agent("a", 4, 10), agent("b", 1, 2)}), "a");  // 40% beats 50%
  EXPECT_EQ(*choose(transcode(), {agent("a", 1, 4, 70), agent("b", 1, 4, 20)}), "b");
}

TEST(Placement, AvoidedAgentOnlyAsALastResort) {
  EXPECT_EQ(*choose(transcode(), {agent("a", 0, 4), agent("b", 3, 4)}, "a"), "b");
  EXPECT_EQ(*choose(transcode(), {agent("a", 0, 4)}, "a"), "a");
}

TEST(Placement, OnlyWhereTheStreamMayTouchItsFiles) {
  proto::StreamSpec s = transcode();
  s.inputs = {"/srv/media/a.mp4"};
  s.outputs = {"/srv/out/a.ts"};
  auto narrow = agent("narrow", 0, 4);  // emptier, but may not read /srv/media
  narrow.policy = {{"/data"}, {"/srv/out"}, confine::default_protocols()};
  auto wide = agent("wide", 3, 4);
  wide.policy = {{"/srv/media"}, {"/srv/out"}, confine::default_protocols()};
  EXPECT_EQ(*choose(s, {narrow, wide}), "wide");
  EXPECT_NE(choose(s, {narrow}).error().find("may open"), std::string::npos);
  // An agent that reported no policy (older) is not judged here.
  EXPECT_EQ(*choose(s, {agent("old", 0, 4)}), "old");
  // Keyed policies: equal keys are judged once, different keys each.
  narrow.policy_key = 1;
  wide.policy_key = 2;
  auto wide2 = agent("wide2", 0, 4);
  wide2.policy = wide.policy;
  wide2.policy_key = 2;
  EXPECT_EQ(*choose(s, {narrow, wide, wide2}), "wide2");
  EXPECT_EQ(*choose(s, {wide, narrow}), "wide");
}

}  // namespace
}  // namespace ffleet::controller::placement

namespace ffleet::controller::placement {
namespace {

// Regression: a refusal names who has the encoder and the option that helps.
TEST(PlacementSuggestsTheFix, NamedEncoderNobodyHas) {
  proto::StreamSpec s = transcode();
  s.encoder = "h264_nvenc";
  EXPECT_EQ(choose(s, {agent("a", 0, 4), agent("b", 0, 4)}).error(),
            "no ready agent has h264_nvenc; agents with it: none; try --encoder auto");
}

TEST(PlacementSuggestsTheFix, NamedEncoderOnBusyOrDrainingAgents) {
  proto::StreamSpec s = transcode();
  s.encoder = "h264_nvenc";
  auto busy = agent("gpu1", 0, 4, 0, {"libx264", "h264_nvenc"});
  busy.state = "ready";
  busy.free_sessions["nvenc"] = 0;
  auto draining = agent("gpu2", 0, 4, 0, {"libx264", "h264_nvenc"});
  draining.accepts_work = false;
  draining.state = "draining";
  EXPECT_EQ(choose(s, {busy, draining, agent("cpu", 0, 4)}).error(),
            "no ready agent has h264_nvenc with a free session; agents with it: gpu1 (no free session), "
            "gpu2 (draining); try --encoder auto");
}

TEST(PlacementSuggestsTheFix, NoReadyAgentNamesTheAgentsAndResume) {
  auto a = agent("a", 0, 4);
  a.accepts_work = false;
  a.state = "draining";
  auto b = agent("b", 0, 4);
  b.accepts_work = false;
  b.state = "lost";
  EXPECT_EQ(choose(transcode(), {a, b}).error(),
            "no ready agent; agents known: a (draining), b (lost); `ffleet agent resume NAME` ends a drain");
}

TEST(PlacementSuggestsTheFix, NoH264EncoderAnywhere) {
  EXPECT_EQ(choose(transcode(), {agent("a", 0, 4, 0, {})}).error(),
            "no ready agent has an H.264 encoder; agents with one: none; `ffleet agent detect NAME` tests an "
            "agent's encoders again");
}

}  // namespace
}  // namespace ffleet::controller::placement
