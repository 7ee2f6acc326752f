// Encoder detection as steps that the agent's event loop drives without
// waiting for them: `ffmpeg -version`, then `ffmpeg -encoders`, then one
// test encode per listed candidate, all at once. Every child has a deadline;
// one that passes it is killed with its whole process group.
//
// Owns its children (WatchedChild) and their scratch files; destroying a
// Detector mid-way kills them. Not thread-safe: loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "encoders/detect.hpp"
#include "runner/child.hpp"

namespace ffleet::agent::encoders {

struct Deadlines {
  // `-version` and `-encoders` print and exit: ~140 ms each on a slow 2-vCPU
  // VM. Five seconds is 35 times that; a host that misses it is in trouble
  // that no encoder list will fix.
  std::int64_t query_ms = 5000;
  // A one-frame test encode: ~0.2 s in software, a few seconds for a GPU
  // whose driver initialises on first use. Options::detect_timeout_ms.
  std::int64_t test_ms = 10000;
};

class Detector {
 public:
  // `scratch_prefix`: path prefix of the children's output files (the work
  // dir's ".detect-" files, removed at start-up if a crash left any).
  Detector(std::string ffmpeg, std::string scratch_prefix, Deadlines deadlines);

  // Starts `ffmpeg -version`.
  void start(std::int64_t now_ms);
  // Non-blocking: collects what finished, kills what is late, starts the
  // next step. True once the detection is done.
  bool poll(std::int64_t now_ms);
  bool done() const { return result_.has_value(); }
  // The earliest deadline of a child still running; -1 when done.
  std::int64_t next_deadline() const;
  // After done(): the detection, or why there is none (a failed or
  // timed-out `-version` or `-encoders`).
  const Result<Detection>& result() const { return *result_; }

 private:
  struct Test {
    Candidate c;
    std::unique_ptr<runner::WatchedChild> child;
  };
  std::unique_ptr<runner::WatchedChild> launch(const std::vector<std::string>& args, const std::string& tag,
                                               std::int64_t deadline_ms, std::string& error);
  void finish_query(std::int64_t now_ms);
  void start_tests(const std::vector<std::string>& listed, std::int64_t now_ms);
  void finish_test(Test& t);
  void fail(std::string why) { result_.emplace(Result<Detection>::failure(std::move(why))); }

  std::string ffmpeg_;
  std::string prefix_;
  Deadlines deadlines_;
  enum class Step { kVersion, kList, kTests } step_ = Step::kVersion;
  std::unique_ptr<runner::WatchedChild> query_;  // -version or -encoders
  Detection detection_;
  std::vector<Test> tests_;
  std::optional<Result<Detection>> result_;
};

// Runs a Detector to its end, waiting (start-up, before the loop runs); the
// deadlines bound the wait.
Result<Detection> detect(const std::string& ffmpeg, const std::string& scratch_dir, Deadlines deadlines);

}  // namespace ffleet::agent::encoders
