// The CLI's pure parts: status, follow's de-duplication, progress text, and
// the completion scripts and man page walked from the real CLI11 app.
#include <gtest/gtest.h>

#include "app.hpp"
#include "docs.hpp"
#include "follow.hpp"
#include "output.hpp"
#include "status.hpp"
#include "streams/suggest.hpp"

namespace ffleet::cli {
namespace {

TEST(CliDocs, EveryCommandHasAnExample) {
  Globals g;
  auto app = make_app(g);
  for (const auto& c : commands(*app))
    EXPECT_NE(c.app->get_footer().find("Example:\n  ffleet"), std::string::npos) << "ffleet " << c.path;
}

TEST(CliDocs, CompletionListsEveryCommandAndFlag) {
  Globals g;
  auto app = make_app(g);
  const std::string bash = bash_completion(*app);
  const std::string zsh = zsh_completion(*app);
  const auto cmds = commands(*app);
  ASSERT_GT(cmds.size(), 25u);  // stream add … user ls: the walk found them
  for (const auto& c : cmds) {
    if (c.path.empty()) continue;
    EXPECT_NE(bash.find("' " + c.path + "')"), std::string::npos) << c.path;
    EXPECT_NE(zsh.find("(' " + c.path + "')"), std::string::npos) << c.path;
    // Each command is offered as a word of its parent.
    const auto name = c.app->get_name();
    EXPECT_NE(bash.find(name), std::string::npos) << c.path;
    for (const auto& flag : option_names(*c.app)) {
      EXPECT_NE(bash.find(flag), std::string::npos) << c.path << " " << flag;
      if (flag.rfind("--", 0) == 0) {
        EXPECT_NE(zsh.find("'" + flag + ":"), std::string::npos) << c.path << " " << flag;
      }
    }
  }
  for (const char* must : {"' status')", "' stream ls')", "' stream logs')", "--watch", "--follow", "--interval",
                           "' token create')", "' token ls')", "' token revoke')", "' whoami')", "--expires", "--label"})
    EXPECT_NE(bash.find(must), std::string::npos) << must;
  for (const char* must : {"(' token create')", "'--expires:", "'--label:"})
    EXPECT_NE(zsh.find(must), std::string::npos) << must;
  // The hidden generators are not offered.
  EXPECT_EQ(bash.find("' __complete')"), std::string::npos);
  EXPECT_EQ(bash.find("__docs"), std::string::npos);
  EXPECT_EQ(zsh.find("__man"), std::string::npos);
}

// roff escapes '-' as '\-'.
std::string roffed(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

TEST(CliDocs, ManPageNamesEveryCommandAndFlag) {
  Globals g;
  auto app = make_app(g);
  const std::string man = man_page(*app);
  EXPECT_EQ(man.find(".TH FFLEET 1"), man.find('\n') + 1);
  for (const auto& c : commands(*app)) {
    if (c.path.empty()) continue;
    EXPECT_NE(man.find(".SS \"ffleet " + roffed(c.path)), std::string::npos) << c.path;
    for (const auto& flag : option_names(*c.app)) {
      if (flag == "--help" || flag == "-h") continue;
      EXPECT_NE(man.find(roffed(flag)), std::string::npos) << c.path << " " << flag;
    }
  }
  EXPECT_NE(man.find("FFLEET_CONTROLLER"), std::string::npos);
  EXPECT_NE(man.find(".SH EXIT STATUS"), std::string::npos);
}

proto::StreamView stream(std::string name, std::string state, std::int64_t updated = 0) {
  proto::StreamView s;
  s.name = std::move(name);
  s.state = std::move(state);
  s.updated_at_ms = updated;
  return s;
}

TEST(CliStatus, CountsAgentsAndStreamsByStateWithFailuresAndPending) {
  const std::int64_t now = 10'000'000;
  proto::AgentView a1, a2, a3;
  a1.name = "a1";
  a1.state = "ready";
  a1.max_streams = 4;
  a1.streams = 1;
  a2.name = "a2";
  a2.state = "draining";
  a3.name = "a3";
  a3.state = "ready";
  a3.max_streams = 2;
  auto pend = stream("p1", "pending", now);
  pend.waiting_for = "no ready agent has h264_nvenc; agents with it: none; try --encoder auto";
  auto old_fail = stream("f-old", "failed", now - kFailureWindowMs - 1);
  auto new_fail = stream("f-new", "failed", now - 1000);
  new_fail.last_error = "Connection refused";
  auto retrying = stream("r1", "pending", now - 5);
  retrying.retries = 2;
  auto batch = stream("b1", "running", now);
  batch.progress = 42.5;
  batch.eta_s = 12;
  const std::vector<proto::StreamView> streams = {stream("s1", "running", now), pend, old_fail, new_fail, retrying, batch};
  const auto j = status_json({a1, a2, a3}, streams, now);
  EXPECT_EQ(j["agents"]["by_state"]["ready"], nlohmann::json({"a1", "a3"}));
  EXPECT_EQ(j["agents"]["by_state"]["draining"], nlohmann::json({"a2"}));
  EXPECT_EQ(j["agents"]["by_state"]["lost"], nlohmann::json::array());
  EXPECT_EQ(j["agents"]["slots"], 6);
  EXPECT_EQ(j["agents"]["slots_used"], 1);
  EXPECT_EQ(j["streams"]["by_state"]["running"], 2);
  EXPECT_EQ(j["streams"]["by_state"]["pending"], 2);
  EXPECT_EQ(j["streams"]["by_state"]["failed"], 2);
  EXPECT_EQ(j["streams"]["by_state"]["completed"], 0);
  ASSERT_EQ(j["failures_last_hour"].size(), 2u);  // the old failure is outside the hour
  EXPECT_EQ(j["failures_last_hour"][0]["name"], "f-new");
  EXPECT_EQ(j["failures_last_hour"][1]["name"], "r1");
  ASSERT_EQ(j["pending"].size(), 2u);
  EXPECT_EQ(j["pending"][0]["waiting_for"], pend.waiting_for);
  ASSERT_EQ(j["batches"].size(), 1u);
  EXPECT_EQ(j["batches"][0]["progress"], 42.5);
  const std::string t = status_text({a1, a2, a3}, streams, now);
  EXPECT_NE(t.find("ready 2: a1, a3"), std::string::npos) << t;
  EXPECT_NE(t.find("draining 1: a2"), std::string::npos) << t;
  EXPECT_NE(t.find("failures in the last hour: 2"), std::string::npos) << t;
  EXPECT_NE(t.find("f-new (failed): Connection refused"), std::string::npos) << t;
  EXPECT_NE(t.find("p1: waiting for no ready agent has h264_nvenc"), std::string::npos) << t;
  EXPECT_NE(t.find("b1: 42.5% eta 12s"), std::string::npos) << t;
}

TEST(CliOutput, ProgressInJsonAndText) {
  auto s = stream("b", "running");
  EXPECT_TRUE(stream_json(s, false)["progress"].is_null());  // live or unknown
  EXPECT_TRUE(stream_json(s, false)["eta_s"].is_null());
  EXPECT_EQ(progress_text(s), "-");
  s.progress = 33.3333;
  s.eta_s = 75;
  EXPECT_DOUBLE_EQ(stream_json(s, false)["progress"].get<double>(), 33.3333);
  EXPECT_DOUBLE_EQ(stream_json(s, false)["eta_s"].get<double>(), 75);
  EXPECT_EQ(progress_text(s), "33.3% eta 1m15s");
  EXPECT_NE(stream_table({s}).find("33.3% eta 1m15s"), std::string::npos);
  EXPECT_NE(stream_details(s).find("progress:    33.3% eta 1m15s"), std::string::npos);
  s.progress = 100;
  s.eta_s = -1;
  EXPECT_EQ(progress_text(s), "100.0%");
  EXPECT_EQ(duration_text(3700), "1h1m");
}

TEST(CliFollow, UnseenLinesOfAFinishedRun) {
  const std::deque<std::string> printed = {"a", "b", "c", "d"};
  EXPECT_EQ(unseen_lines(printed, {"c", "d", "e", "f"}), (std::vector<std::string>{"e", "f"}));
  EXPECT_EQ(unseen_lines(printed, {"b", "c", "d"}), (std::vector<std::string>{}));  // nothing new
  EXPECT_EQ(unseen_lines(printed, {"x", "y"}), (std::vector<std::string>{"x", "y"}));  // no overlap
  // Repeated lines: the longest overlap wins, so nothing is printed twice.
  EXPECT_EQ(unseen_lines({"x", "x"}, {"x", "x", "y"}), (std::vector<std::string>{"y"}));
  EXPECT_EQ(unseen_lines({}, {"a"}), (std::vector<std::string>{"a"}));
}

TEST(CliSuggest, ClosestStreamName) {
  using controller::streams::closest_name;
  EXPECT_EQ(closest_name("cam-1", {"cam1", "lobby", "cam2"}), "cam1");
  EXPECT_EQ(closest_name("CAM1", {"cam1"}), "cam1");
  EXPECT_EQ(closest_name("lobyy", {"cam1", "lobby"}), "lobby");
  EXPECT_EQ(closest_name("zzz", {"cam1", "lobby"}), "");
  EXPECT_EQ(closest_name("x", {}), "");
  EXPECT_EQ(controller::streams::edit_distance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace ffleet::cli
