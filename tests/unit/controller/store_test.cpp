#include "store/store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace ffleet::controller::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ffleet-store-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Store open() {
    auto s = Store::open(path_);
    EXPECT_TRUE(s.is_ok()) << (s ? "" : s.error());
    return std::move(*s);
  }
  static StreamRow row(const std::string& name, const std::string& owner = "alice") {
    StreamRow r;
    r.name = name;
    r.owner = owner;
    r.spec.inputs = {"in.mp4"};
    r.spec.outputs = {"rtmp://h/live/k"};
    r.created_at_ms = r.updated_at_ms = 1000;
    return r;
  }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(StoreTest, MigratesOnceAndUsesWal) {
  {
    auto s = open();
    EXPECT_EQ(s.schema_version(), 6);
    Stmt q(s.db(), "PRAGMA journal_mode");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.text(0), "wal");
    ASSERT_TRUE(s.insert_stream(row("keep")).is_ok());
  }
  auto again = open();  // migrations are not applied twice; data stays
  EXPECT_EQ(again.schema_version(), 6);
  EXPECT_TRUE(again.find_stream("keep").has_value());
}

TEST_F(StoreTest, StreamsRoundTripEveryField) {
  auto s = open();
  auto id = s.insert_stream(row("s1"));
  ASSERT_TRUE(id.is_ok());
  auto r = *s.stream(*id);
  r.spec.repeat = "daily";
  r.spec.video_bitrate_kbps = 900;
  r.desired = Desired::kRunning;
  r.state = State::kRunning;
  r.agent = "a1";
  r.attempt = 3;
  r.pid = 77;
  r.encoder = "libx264";
  r.last_error = "e";
  r.waiting_for = "w";
  r.next_start_ms = 5;
  r.stop_at_ms = 6;
  r.retries = 2;
  r.retry_at_ms = 7;
  r.avoid_agent = "a0";
  r.priority = 1;
  r.pending_since_ms = 8;
  ASSERT_TRUE(s.update_stream(r).is_ok());
  auto b = *s.find_stream(std::to_string(*id));
  EXPECT_EQ(b.spec.repeat, "daily");
  EXPECT_EQ(b.spec.video_bitrate_kbps, 900);
  EXPECT_EQ(b.spec.outputs, r.spec.outputs);
  EXPECT_EQ(std::tie(b.desired, b.state, b.agent, b.encoder, b.last_error, b.waiting_for, b.avoid_agent),
            std::tie(r.desired, r.state, r.agent, r.encoder, r.last_error, r.waiting_for, r.avoid_agent));
  EXPECT_EQ(std::tie(b.attempt, b.pid, b.next_start_ms, b.stop_at_ms, b.retries, b.retry_at_ms, b.priority,
                     b.pending_since_ms),
            std::tie(r.attempt, r.pid, r.next_start_ms, r.stop_at_ms, r.retries, r.retry_at_ms, r.priority,
                     r.pending_since_ms));
  EXPECT_EQ(s.find_stream("s1")->id, *id);
  EXPECT_FALSE(s.find_stream("nosuch").has_value());
}

TEST_F(StoreTest, DuplicateNamesAreRefusedPlainly) {
  auto s = open();
  ASSERT_TRUE(s.insert_stream(row("dup")).is_ok());
  auto again = s.insert_stream(row("dup"));
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.error(), "a stream named dup exists already");
}

TEST_F(StoreTest, RunsAndCascade) {
  auto s = open();
  const auto id = *s.insert_stream(row("s"));
  RunRow r;
  r.stream_id = id;
  r.attempt = 1;
  r.agent = "a1";
  r.requested_at_ms = 10;
  ASSERT_TRUE(s.insert_run(r).is_ok());
  ASSERT_TRUE(s.insert_run(r).is_ok());  // idempotent
  auto got = *s.run(id, 1);
  EXPECT_EQ(got.exit_code, -1);  // NULL until it ends
  EXPECT_EQ(got.ended_at_ms, 0);
  got.pid = 5;
  got.started_at_ms = 11;
  got.ended_at_ms = 12;
  got.exit_code = 255;
  got.reason = "stopped";
  got.stderr_tail = {"a", "b"};
  ASSERT_TRUE(s.update_run(got).is_ok());
  auto runs = s.runs(id);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].exit_code, 255);
  EXPECT_EQ(runs[0].stderr_tail, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(s.delete_stream(id).is_ok());
  EXPECT_TRUE(s.runs(id).empty());
}

TEST_F(StoreTest, CountsForLimitsAndCapacity) {
  auto s = open();
  auto add = [&](const char* name, const char* owner, State state, const char* agent) {
    auto r = row(name, owner);
    r.state = state;
    r.agent = agent;
    r.id = *s.insert_stream(r);
    ASSERT_TRUE(s.update_stream(r).is_ok());
  };
  add("a", "alice", State::kRunning, "x");
  add("b", "alice", State::kStarting, "x");
  add("c", "bob", State::kStopping, "y");
  add("d", "bob", State::kPending, "");
  add("e", "bob", State::kStopped, "");
  EXPECT_EQ(s.streams().running_total(), 2);
  EXPECT_EQ(s.streams().running_per_owner(), (std::map<std::string, std::int64_t>{{"alice", 2}}));
  EXPECT_EQ(s.streams().active_per_agent(), (std::map<std::string, std::int64_t>{{"x", 2}, {"y", 1}}));
  EXPECT_EQ(s.pending_queue().size(), 1u);
  EXPECT_EQ(s.verify_index(), "");
}

TEST_F(StoreTest, AgentsKeepFirstSeenAndDrain) {
  auto s = open();
  AgentRow a;
  a.name = "a1";
  a.encoders = {"libx264"};
  a.first_seen_ms = 1;
  a.last_seen_ms = 1;
  ASSERT_TRUE(s.upsert_agent(a).is_ok());
  ASSERT_TRUE(s.set_agent_draining("a1", true).is_ok());
  a.first_seen_ms = 50;
  a.last_seen_ms = 50;
  ASSERT_TRUE(s.upsert_agent(a).is_ok());
  auto all = s.agents();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].first_seen_ms, 1);
  EXPECT_EQ(all[0].last_seen_ms, 50);
  EXPECT_TRUE(all[0].draining);
  EXPECT_EQ(all[0].encoders, a.encoders);
}

TEST_F(StoreTest, LimitsAndScheduleLog) {
  auto s = open();
  ASSERT_TRUE(s.set_limit("global", 7).is_ok());
  ASSERT_TRUE(s.set_limit("global", 8).is_ok());
  ASSERT_TRUE(s.set_limit("user:bob", 2).is_ok());
  EXPECT_EQ(s.limits(), (std::map<std::string, std::int64_t>{{"global", 8}, {"user:bob", 2}}));
  const auto id = *s.insert_stream(row("s"));
  ASSERT_TRUE(s.log_schedule({id, 100, "missed", "d", 200}).is_ok());
  ASSERT_EQ(s.schedule_log(id).size(), 1u);
  EXPECT_EQ(s.schedule_log(id)[0].outcome, "missed");
}

}  // namespace
}  // namespace ffleet::controller::store
