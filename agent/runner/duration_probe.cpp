#include "runner/duration_probe.hpp"

#include <algorithm>

#include "ffleet/common/log.hpp"
#include "ffmpeg/batch_progress.hpp"

namespace ffleet::agent::runner {
namespace {
auto duration_probe_log() {
  static auto l = log::get("agent.runner");
  return l;
}
}  // namespace

DurationProbe::DurationProbe(const proto::StartRun& cmd, const std::string& ffprobe, const std::string& work_dir,
                             std::int64_t now_ms)
    : spec_(cmd.spec), ffprobe_(ffprobe),
      scratch_(work_dir + "/.probe-duration-" + std::to_string(cmd.stream_id) + "-" + std::to_string(cmd.attempt)) {
  if (spec_.batch && !spec_.loop && spec_.input_format == "lavfi") {
    for (const auto& g : spec_.inputs) found_.push_back(ffmpeg::lavfi_duration_ms(g));
    finish();
    return;
  }
  pending_ = ffmpeg::inputs_to_probe(spec_);
  if (pending_.size() > kMaxInputs || ffprobe_.empty()) pending_.clear();
  if (pending_.empty()) {
    finish();
    return;
  }
  std::reverse(pending_.begin(), pending_.end());  // taken from the back, in input order
  next(now_ms);
}

void DurationProbe::next(std::int64_t now_ms) {
  while (!pending_.empty()) {
    const std::string input = pending_.back();
    pending_.pop_back();
    auto c = WatchedChild::start(ffprobe_, ffmpeg::duration_probe_args(input), scratch_, now_ms + kDeadlineMs);
    if (c) {
      child_ = std::move(c.value());
      return;
    }
    found_.push_back(std::nullopt);
  }
  finish();
}

bool DurationProbe::poll(std::int64_t now_ms) {
  if (done_) return true;
  if (!child_ || !child_->poll(now_ms)) return false;
  const bool ok = !child_->timed_out() && child_->exit_code() == 0;
  found_.push_back(ok ? ffmpeg::parse_probed_duration_ms(child_->output(4096)) : std::nullopt);
  child_.reset();  // kills what is left of its group, removes its file
  if (!found_.back()) {
    pending_.clear();  // one unknown input makes the total unknown
    finish();
    return true;
  }
  next(now_ms);
  return done_;
}

void DurationProbe::finish() {
  done_ = true;
  while (found_.size() < spec_.inputs.size()) found_.push_back(std::nullopt);
  total_ms_ = ffmpeg::total_duration_ms(spec_, found_);
  duration_probe_log()->debug("input_duration total_ms={} inputs={}", total_ms_, spec_.inputs.size());
}

}  // namespace ffleet::agent::runner
