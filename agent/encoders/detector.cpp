#include "encoders/detector.hpp"

#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/text.hpp"

namespace ffleet::agent::encoders {
namespace {

std::string last_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

Detector::Detector(std::string ffmpeg, std::string scratch_prefix, Deadlines deadlines)
    : ffmpeg_(std::move(ffmpeg)), prefix_(std::move(scratch_prefix)), deadlines_(deadlines) {}

std::unique_ptr<runner::WatchedChild> Detector::launch(const std::vector<std::string>& args, const std::string& tag,
                                                       std::int64_t deadline_ms, std::string& error) {
  auto c = runner::WatchedChild::start(ffmpeg_, args, prefix_ + tag, deadline_ms);
  if (!c) {
    error = c.error();
    return nullptr;
  }
  return std::move(c.value());
}

void Detector::start(std::int64_t now_ms) {
  step_ = Step::kVersion;
  std::string error;
  query_ = launch({"-hide_banner", "-version"}, "version", now_ms + deadlines_.query_ms, error);
  if (!query_) fail(text::for_people(error));
}

void Detector::finish_query(std::int64_t now_ms) {
  const char* what = step_ == Step::kVersion ? "-version" : "-encoders";
  if (query_->timed_out()) {
    fail(ffmpeg_ + " " + what + " timed out after " + std::to_string(deadlines_.query_ms) + " ms");
  } else if (query_->exit_code() != 0) {
    fail(ffmpeg_ + " " + what + " failed" + (step_ == Step::kVersion ? ": is it ffmpeg?" : ""));
  } else if (step_ == Step::kVersion) {
    detection_.ffmpeg_version = text::for_people(parse_version(first_line(query_->output(4096))));
    step_ = Step::kList;
    std::string error;
    query_ = launch({"-hide_banner", "-encoders"}, "encoders", now_ms + deadlines_.query_ms, error);
    if (!query_) fail(text::for_people(error));
    return;
  } else {
    const auto listed = parse_encoder_list(query_->output());
    query_.reset();
    start_tests(listed, now_ms);
    return;
  }
  query_.reset();
}

void Detector::start_tests(const std::vector<std::string>& listed, std::int64_t now_ms) {
  step_ = Step::kTests;
  for (const auto& name : interesting_encoders()) {
    Test t;
    t.c.name = name;
    t.c.listed = std::find(listed.begin(), listed.end(), name) != listed.end();
    if (!t.c.listed) {
      t.c.why = "not listed by ffmpeg";
    } else {
      std::string error;
      t.child = launch(test_encode_args(name), name, now_ms + deadlines_.test_ms, error);
      if (!t.child) t.c.why = "test encode could not start: " + text::for_people(error);
    }
    tests_.push_back(std::move(t));
  }
}

void Detector::finish_test(Test& t) {
  if (t.child->timed_out()) {
    t.c.timed_out = true;
    t.c.why = "test encode timed out after " + std::to_string(deadlines_.test_ms) + " ms";
  } else if (t.child->exit_code() == 0) {
    t.c.works = true;
    t.c.why = "test encode ok";
  } else {
    const auto l = text::for_people(last_line(t.child->output(64 * 1024)));
    t.c.why = "test encode failed: " + (l.empty() ? "exit " + std::to_string(t.child->exit_code()) : l);
  }
  t.child.reset();  // kills what is left of its group, removes its file
}

bool Detector::poll(std::int64_t now_ms) {
  if (done()) return true;
  if (query_ && query_->poll(now_ms)) finish_query(now_ms);
  if (done() || step_ != Step::kTests) return done();
  bool running = false;
  for (auto& t : tests_) {
    if (!t.child) continue;
    if (t.child->poll(now_ms)) finish_test(t);
    else running = true;
  }
  if (!running) {
    for (auto& t : tests_) detection_.candidates.push_back(std::move(t.c));
    tests_.clear();
    result_.emplace(std::move(detection_));
  }
  return done();
}

std::int64_t Detector::next_deadline() const {
  if (done()) return -1;
  if (query_) return query_->deadline();
  std::int64_t d = -1;
  for (const auto& t : tests_)
    if (t.child && (d < 0 || t.child->deadline() < d)) d = t.child->deadline();
  return d;
}

Result<Detection> detect(const std::string& ffmpeg, const std::string& scratch_dir, Deadlines deadlines) {
  Detector d(ffmpeg, scratch_dir + "/.detect-" + std::to_string(::getpid()) + "-", deadlines);
  d.start(clock::steady_ms());
  // Before the loop runs nothing else waits on the agent; poll at the pace
  // of the old synchronous detection (test encodes end in a fraction of a second).
  while (!d.poll(clock::steady_ms())) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  runner::reap_abandoned();
  return d.result();
}

}  // namespace ffleet::agent::encoders
