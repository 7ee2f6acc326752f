// The store's rules for a database that is the controller's alone: one
// controller per file, a file deleted or replaced is noticed, runs placed
// by another database are recognisable, paths are bytes, history is bounded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "store/store.hpp"

namespace ffleet::controller::store {
namespace {

class StoreRobustness : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ffleet-robust-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static StreamRow row(const std::string& name) {
    StreamRow r;
    r.name = name;
    r.owner = "alice";
    r.spec.inputs = {"in.mp4"};
    r.spec.outputs = {"null"};
    r.created_at_ms = r.updated_at_ms = 1000;
    return r;
  }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(StoreRobustness, ASecondStoreOnTheSameFileIsRefused) {
  auto first = Store::open(path_);
  ASSERT_TRUE(first) << first.error();
  auto second = Store::open(path_);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("in use by another ffleet-controller"), std::string::npos) << second.error();
}

TEST_F(StoreRobustness, TheLockDiesWithTheStore) {
  { auto first = Store::open(path_); ASSERT_TRUE(first); }
  auto again = Store::open(path_);
  EXPECT_TRUE(again) << again.error();
}

TEST_F(StoreRobustness, ADeletedOrReplacedFileIsNoticed) {
  auto s = Store::open(path_);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->check_file());
  std::filesystem::rename(path_, path_ + ".moved");
  EXPECT_FALSE(s->check_file());
  std::filesystem::rename(path_ + ".moved", path_);
  EXPECT_TRUE(s->check_file());
  std::filesystem::remove(path_);
  EXPECT_NE(s->check_file().message().find("was deleted"), std::string::npos);
  std::FILE* f = std::fopen(path_.c_str(), "w");
  std::fclose(f);
  EXPECT_FALSE(s->check_file());
}

TEST_F(StoreRobustness, EachDatabaseHasItsOwnIdThatSurvivesReopening) {
  std::string id;
  {
    auto s = Store::open(path_);
    ASSERT_TRUE(s);
    id = s->id();
    EXPECT_EQ(id.size(), 32u);
  }
  auto again = Store::open(path_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id(), id);
  auto other = Store::open((dir_ / "other.db").string());
  ASSERT_TRUE(other);
  EXPECT_NE(other->id(), id);
}

TEST_F(StoreRobustness, PathsThatAreNotUtf8AreKeptByteForByte) {
  auto s = Store::open(path_);
  ASSERT_TRUE(s);
  StreamRow r = row("bytes");
  r.spec.inputs = {std::string("/media/caf\xe9\x01\xff.mkv")};
  auto id = s->insert_stream(r);
  ASSERT_TRUE(id) << id.error();
  auto back = s->stream(*id);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->spec.inputs, r.spec.inputs);
  back->spec.inputs.push_back(std::string("\xc3\x28"));
  ASSERT_TRUE(s->update_stream(*back));
  EXPECT_EQ(s->stream(*id)->spec.inputs, back->spec.inputs);
}

// A row this build cannot read is an error, never a default: read as a
// stopped stream with an empty spec, a running stream would be fenced.
// Streams are read whole at open (store/stream_index.hpp): a row this build
// cannot read stops the open with a message naming it, rather than being
// taken for a stopped stream whose live run would then be fenced.
TEST_F(StoreRobustness, AnUnreadableRowIsAnErrorNotADefault) {
  std::int64_t id = 0;
  {
    auto s = Store::open(path_);
    ASSERT_TRUE(s);
    auto added = s->insert_stream(row("odd"));
    ASSERT_TRUE(added) << added.error();
    id = *added;
    ASSERT_TRUE(s->db().exec("UPDATE streams SET state='beaming' WHERE id=" + std::to_string(id)));
    // Written behind the store's back: the check of the index sees it.
    EXPECT_NE(s->verify_index().find("state beaming"), std::string::npos) << s->verify_index();
  }
  auto reopened = Store::open(path_);
  ASSERT_FALSE(reopened);
  EXPECT_NE(reopened.error().find("stream " + std::to_string(id) + " in the database is unreadable (state beaming)"),
            std::string::npos)
      << reopened.error();
  {
    auto db = Db::open(path_, 200);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("UPDATE streams SET state='running', spec=x'c1' WHERE id=" + std::to_string(id)));
  }
  auto again = Store::open(path_);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("unreadable (spec"), std::string::npos) << again.error();
}

TEST_F(StoreRobustness, StderrLinesThatAreNotUtf8CannotMakeAWriteThrow) {
  auto s = Store::open(path_);
  ASSERT_TRUE(s);
  auto id = s->insert_stream(row("tail"));
  ASSERT_TRUE(id);
  RunRow run;
  run.stream_id = *id;
  run.attempt = 1;
  run.agent = "a";
  run.requested_at_ms = 1;
  ASSERT_TRUE(s->insert_run(run));
  run.stderr_tail = {std::string("title : caf\xe9")};
  EXPECT_TRUE(s->update_run(run));
}

TEST_F(StoreRobustness, RunHistoryKeepsTheLatestN) {
  StoreOptions o;
  o.run_history = 5;
  auto s = Store::open(path_, o);
  ASSERT_TRUE(s);
  auto id = s->insert_stream(row("many"));
  ASSERT_TRUE(id);
  for (std::int64_t a = 1; a <= 12; ++a) {
    RunRow r;
    r.stream_id = *id;
    r.attempt = a;
    r.agent = "a";
    r.requested_at_ms = a;
    ASSERT_TRUE(s->insert_run(r));
  }
  EXPECT_EQ(s->run_count(*id), 5);
  auto latest = s->latest_runs(*id, 3);
  ASSERT_EQ(latest.size(), 3u);
  EXPECT_EQ(latest.front().attempt, 10);
  EXPECT_EQ(latest.back().attempt, 12);
}

TEST_F(StoreRobustness, ScheduleLogKeepsTheLatestN) {
  StoreOptions o;
  o.schedule_history = 3;
  auto s = Store::open(path_, o);
  ASSERT_TRUE(s);
  auto id = s->insert_stream(row("sched"));
  ASSERT_TRUE(id);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(s->log_schedule({*id, i, "missed", "d", i}));
  auto log = s->schedule_log(*id);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log.front().occurrence_ms, 7);
}

TEST_F(StoreRobustness, StreamsComeInPages) {
  auto s = Store::open(path_);
  ASSERT_TRUE(s);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(s->insert_stream(row("p" + std::to_string(i))));
  auto first = s->streams_page(0, 3);
  ASSERT_EQ(first.size(), 3u);
  auto rest = s->streams_page(first.back().id, 100);
  EXPECT_EQ(rest.size(), 4u);
}

TEST_F(StoreRobustness, SavepointsNestInsideTheTurnTransaction) {
  auto s = Store::open(path_);
  ASSERT_TRUE(s);
  {
    Transaction turn(s->db());
    {
      Transaction kept(s->db());
      ASSERT_TRUE(s->insert_stream(row("kept")));
      ASSERT_TRUE(kept.commit());
    }
    {
      Transaction undone(s->db());
      ASSERT_TRUE(s->insert_stream(row("undone")));
    }  // rolled back
    ASSERT_TRUE(turn.commit());
  }
  EXPECT_TRUE(s->find_stream("kept").has_value());
  EXPECT_FALSE(s->find_stream("undone").has_value());
}

TEST_F(StoreRobustness, ATransactionIsIssuedOnlyWhenAStatementRunsInIt) {
  auto s = Store::open(path_);
  ASSERT_TRUE(s);
  auto sqlite_open = [&] { return sqlite3_get_autocommit(s->db().raw()) == 0; };
  {
    // A turn that touches no table: no BEGIN, no COMMIT, no file lock.
    Transaction turn(s->db());
    {
      Transaction idle(s->db());
      ASSERT_TRUE(idle.commit());
    }
    EXPECT_FALSE(turn.issued());
    EXPECT_FALSE(sqlite_open());
    ASSERT_TRUE(turn.commit());
  }
  {
    // A statement deep inside issues every level around it, outermost first;
    // rolling the inner one back keeps what the outer one wrote.
    Transaction turn(s->db());
    ASSERT_TRUE(s->insert_stream(row("outer")));
    {
      Transaction quiet(s->db());
      {
        Transaction inner(s->db());
        ASSERT_TRUE(s->insert_stream(row("inner")));
        EXPECT_TRUE(inner.issued());
      }  // rolled back
      EXPECT_TRUE(quiet.issued());
      ASSERT_TRUE(quiet.commit());
    }
    EXPECT_TRUE(sqlite_open());
    ASSERT_TRUE(turn.commit());
    EXPECT_FALSE(sqlite_open());
  }
  EXPECT_TRUE(s->find_stream("outer").has_value());
  EXPECT_FALSE(s->find_stream("inner").has_value());
  EXPECT_FALSE(s->streams().named("inner"));
}

}  // namespace
}  // namespace ffleet::controller::store
