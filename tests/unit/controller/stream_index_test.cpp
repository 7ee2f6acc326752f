// The streams in memory stay equal to the table: through inserts, updates and
// deletes, savepoints released and rolled back, and turns committed and
// rolled back, checked against the table read afresh after every turn.
#include "store/stream_index.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "store/store.hpp"

namespace ffleet::controller::store {
namespace {

StreamRow row(std::int64_t id, const std::string& name, State state, const std::string& agent = {}) {
  StreamRow r;
  r.id = id;
  r.name = name;
  r.owner = "alice";
  r.state = state;
  r.desired = state == State::kStopped ? Desired::kStopped : Desired::kRunning;
  r.agent = agent;
  r.spec.inputs = {"in.mp4"};
  r.spec.outputs = {"rtmp://live/" + name};
  return r;
}

TEST(StreamIndex, CountsAndQueuesFollowEachChange) {
  StreamIndex ix;
  ix.put(row(1, "a", State::kRunning, "x"));
  ix.put(row(2, "b", State::kPending));
  auto c = row(3, "c", State::kPending);
  c.priority = 5;
  ix.put(c);
  EXPECT_EQ(ix.running_total(), 1);
  EXPECT_EQ(ix.active_on("x"), 1);
  ASSERT_EQ(ix.pending().size(), 2u);
  EXPECT_EQ(ix.pending()[0]->id, 3);  // higher priority first
  // The running stream ends: its slot, its usage and its destination are free.
  ix.put(row(1, "a", State::kStopped, "x"));
  EXPECT_EQ(ix.running_total(), 0);
  EXPECT_EQ(ix.active_on("x"), 0);
  EXPECT_EQ(ix.holder_of("rtmp://live/a", 0), nullptr);
  EXPECT_EQ(ix.holder_of("rtmp://live/b", 0)->id, 2);
  EXPECT_EQ(ix.holder_of("rtmp://live/b", 2), nullptr);  // its own
  EXPECT_EQ(ix.on_agent("x").size(), 1u);
  ix.erase(2);
  EXPECT_EQ(ix.named("b"), nullptr);
  EXPECT_EQ(ix.count_in_state(State::kPending), 1);
  // Same rows, put in another order: the same index.
  StreamIndex again;
  again.put(*ix.get(3));
  again.put(*ix.get(1));
  EXPECT_EQ(ix.diff(again), "");
  again.put(row(1, "a", State::kRunning, "x"));
  EXPECT_NE(ix.diff(again), "");
}

TEST(StreamIndex, SaysWhichAgentsSlotsChanged) {
  StreamIndex ix;
  ix.put(row(1, "a", State::kRunning, "x"));
  ix.put(row(2, "b", State::kPending));  // holds no slot
  auto changed = ix.take_active_changes();
  EXPECT_EQ(changed.agents, std::vector<std::string>{"x"});
  EXPECT_FALSE(changed.overflowed);
  EXPECT_TRUE(ix.take_active_changes().agents.empty());  // taken
  // Moving a run from x to y changes both.
  ix.put(row(1, "a", State::kRunning, "y"));
  changed = ix.take_active_changes();
  EXPECT_NE(std::find(changed.agents.begin(), changed.agents.end(), "x"), changed.agents.end());
  EXPECT_NE(std::find(changed.agents.begin(), changed.agents.end(), "y"), changed.agents.end());
  // Beyond what is kept, the list says "every agent".
  for (int i = 0; i < 5000; ++i) ix.put(row(1, "a", i % 2 ? State::kRunning : State::kStopped, "z"));
  changed = ix.take_active_changes();
  EXPECT_TRUE(changed.overflowed);
  EXPECT_TRUE(changed.agents.empty());
  EXPECT_FALSE(ix.take_active_changes().overflowed);
}

class StreamIndexStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ffleet-index-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(StreamIndexStore, RandomTurnsWithRollbacksKeepMemoryEqualToTheTable) {
  const std::string path = (dir_ / "t.db").string();
  std::size_t held = 0;
  {
    auto opened = Store::open(path);
    ASSERT_TRUE(opened) << opened.error();
    Store& s = *opened;
    std::mt19937 rng(42);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    const State states[] = {State::kStopped, State::kPending,  State::kStarting,
                            State::kRunning, State::kStopping, State::kScheduled};
    const char* agents[] = {"", "x", "y"};
    int next_name = 0;
    for (int turn = 0; turn < 300; ++turn) {
      Transaction tx(s.db());
      for (int unit = 0; unit < 4; ++unit) {
        Transaction sp(s.db());
        for (int op = 0; op < 3; ++op) {
          const auto& rows = s.streams().rows();
          const int what = rows.empty() ? 0 : pick(4);
          if (what == 0) {
            auto r = row(0, "s" + std::to_string(next_name++), State::kStopped);
            r.spec.outputs = {"rtmp://live/k" + std::to_string(pick(5))};
            ASSERT_TRUE(s.insert_stream(r));
            continue;
          }
          auto it = rows.begin();
          std::advance(it, pick(static_cast<int>(rows.size())));
          StreamRow r = it->second;
          if (what == 3) {
            ASSERT_TRUE(s.delete_stream(r.id));
            continue;
          }
          r.state = states[pick(6)];
          r.desired = pick(2) ? Desired::kRunning : Desired::kStopped;
          r.agent = agents[pick(3)];
          r.priority = pick(3);
          r.pending_since_ms = pick(100);
          r.next_start_ms = pick(3) * 1000;
          r.stop_at_ms = pick(3) * 1000;
          r.attempt += 1;
          ASSERT_TRUE(s.update_stream(r));
        }
        if (pick(3) == 0)
          sp.rollback();
        else
          ASSERT_TRUE(sp.commit());
      }
      if (pick(4) == 0)
        tx.rollback();
      else
        ASSERT_TRUE(tx.commit());
      ASSERT_EQ(s.verify_index(), "") << "after turn " << turn;
    }
    EXPECT_GT(s.streams().size(), 10u);
    held = s.streams().size();
  }
  // What a reopened store reads is what the last one held.
  auto again = Store::open(path);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->streams().size(), held);
}

}  // namespace
}  // namespace ffleet::controller::store
