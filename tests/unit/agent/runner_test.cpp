// The Runner's reports: the placing database's id (StartRun.store_id) comes
// back in every report of a run, and a run whose ffprobe is in flight counts
// as a run without a process. Processes here are /bin/true stand-ins; the
// tests never wait for them except where said (a bounded spin, no sleeps).
#include "runner/runner.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "ffleet/common/clock.hpp"

namespace ffleet::agent::runner {
namespace {

class RunnerReports : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ffleet-runner-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = std::filesystem::canonical(tmpl).string();
    cfg_.work_dir = root_ + "/work";
    std::filesystem::create_directory(cfg_.work_dir);
    // Inputs and outputs in the test's own roots (confine_host.hpp).
    cfg_.host.policy = {{root_ + "/media"}, {root_ + "/out"}, confine::default_protocols()};
    cfg_.ffmpeg = "/bin/true";
    cfg_.ffprobe = "/bin/true";  // exits at once with no streams listed: "transcode"
    cfg_.host.encoders = {"libx264"};
  }
  void TearDown() override {
    runner_.reset();
    std::filesystem::remove_all(root_);
  }
  Runner& runner() {
    if (!runner_)
      runner_ = std::make_unique<Runner>(
          cfg_, host::ProcReader(), [this](const proto::RunStarted& m) { started_.push_back(m); },
          [this](const proto::RunExited& m) { exited_.push_back(m); });
    return *runner_;
  }
  proto::StartRun command(std::int64_t stream, std::int64_t attempt, const std::string& mode) {
    proto::StartRun c;
    c.stream_id = stream;
    c.attempt = attempt;
    c.name = "s" + std::to_string(stream);
    c.store_id = "db-7f3a";
    c.spec.inputs = {root_ + "/media/in.mp4"};
    c.spec.outputs = {root_ + "/out/o.ts"};
    c.spec.mode = mode;
    return c;
  }

  std::string root_;
  RunConfig cfg_;
  std::unique_ptr<Runner> runner_;
  std::vector<proto::RunStarted> started_;
  std::vector<proto::RunExited> exited_;
};

TEST_F(RunnerReports, EveryReportOfARunEchoesItsStoreId) {
  auto& r = runner();
  r.start(command(1, 1, "copy"), clock::wall_ms());
  ASSERT_EQ(started_.size(), 1u);
  EXPECT_EQ(started_[0].store_id, "db-7f3a");
  ASSERT_EQ(r.reports().size(), 1u);
  EXPECT_EQ(r.reports()[0].store_id, "db-7f3a");
  EXPECT_EQ(r.find(1)->exit_report(clock::wall_ms()).store_id, "db-7f3a");
  // A repeated StartRun re-reports the same run.
  r.start(command(1, 1, "copy"), clock::wall_ms());
  ASSERT_EQ(started_.size(), 2u);
  EXPECT_EQ(started_[1].store_id, "db-7f3a");
}

TEST_F(RunnerReports, RunsThatNeverStartedEchoItToo) {
  auto& r = runner();
  // Refused: another attempt of the stream is alive.
  r.start(command(1, 1, "copy"), clock::wall_ms());
  auto second = command(1, 2, "copy");
  second.store_id = "db-other";
  r.start(second, clock::wall_ms());
  ASSERT_EQ(exited_.size(), 1u);
  EXPECT_EQ(exited_[0].reason, "refused");
  EXPECT_EQ(exited_[0].attempt, 2);
  EXPECT_EQ(exited_[0].store_id, "db-other");
  // Spawn failed: the encoder asked for is not usable here. The name comes
  // from the controller, so the error is made fit for people.
  auto bad = command(2, 1, "transcode");
  bad.spec.encoder = "h264_\x1b[31mnvenc";
  r.start(bad, clock::wall_ms());
  ASSERT_EQ(exited_.size(), 2u);
  EXPECT_EQ(exited_[1].reason, "spawn_failed");
  EXPECT_EQ(exited_[1].store_id, "db-7f3a");
  EXPECT_EQ(exited_[1].error, "encoder h264_\\x1b[31mnvenc is not usable on this host");
  // A stop for a run we do not have names no database.
  r.stop(9, 1, "stop", clock::wall_ms());
  EXPECT_EQ(exited_.back().reason, "unknown_run");
  EXPECT_EQ(exited_.back().store_id, "");
}

TEST_F(RunnerReports, AProbingRunCountsAndAStopEndsIt) {
  auto& r = runner();
  r.start(command(1, 1, "auto"), clock::wall_ms());  // a local file: probed first
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(r.probing(), 1u);
  EXPECT_TRUE(r.holds(1));
  EXPECT_TRUE(r.reports().empty());  // no pid yet: the controller keeps it as starting
  EXPECT_GE(r.next_deadline(), 0);   // the probe's deadline wakes the loop
  r.start(command(1, 1, "auto"), clock::wall_ms());  // the controller's resend: nothing new
  EXPECT_TRUE(started_.empty());
  EXPECT_TRUE(exited_.empty());
  r.start(command(1, 2, "auto"), clock::wall_ms());  // another attempt while probing
  ASSERT_EQ(exited_.size(), 1u);
  EXPECT_EQ(exited_[0].reason, "refused");
  r.stop(1, 1, "stop", clock::wall_ms());
  ASSERT_EQ(exited_.size(), 2u);
  EXPECT_EQ(exited_[1].reason, "stopped");
  EXPECT_EQ(exited_[1].attempt, 1);
  EXPECT_EQ(exited_[1].store_id, "db-7f3a");
  EXPECT_EQ(r.size(), 0u);
  EXPECT_TRUE(started_.empty());
}

TEST_F(RunnerReports, ADrainEndsProbingRunsAsDrained) {
  auto& r = runner();
  r.start(command(1, 1, "auto"), clock::wall_ms());
  auto fenced = command(2, 1, "auto");
  fenced.spec.on_host_lost = "fence";
  r.start(fenced, clock::wall_ms());
  EXPECT_EQ(r.stop_fenced(clock::steady_ms()), 1);
  ASSERT_EQ(exited_.size(), 1u);
  EXPECT_EQ(exited_[0].reason, "lease_expired");
  r.stop_all("drained", clock::wall_ms());
  ASSERT_EQ(exited_.size(), 2u);
  EXPECT_EQ(exited_[1].reason, "drained");
  EXPECT_EQ(r.size(), 0u);
}

TEST_F(RunnerReports, AFinishedProbeStartsTheRun) {
  auto& r = runner();
  r.start(command(1, 1, "auto"), clock::wall_ms());
  ASSERT_EQ(r.probing(), 1u);
  // /bin/true as ffprobe lists no streams: a transcode. Spin (bounded) until it is reaped.
  const auto end = clock::steady_ms() + 5000;
  while (started_.empty() && clock::steady_ms() < end) {
    r.reap(clock::wall_ms());
    sched_yield();
  }
  ASSERT_EQ(started_.size(), 1u);
  EXPECT_EQ(started_[0].encoder, "libx264");
  EXPECT_EQ(started_[0].store_id, "db-7f3a");
  EXPECT_EQ(r.probing(), 0u);  // the run has its process now (and /bin/true may be done already)
}

}  // namespace
}  // namespace ffleet::agent::runner
