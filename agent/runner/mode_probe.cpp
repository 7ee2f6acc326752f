#include "runner/mode_probe.hpp"

#include "ffleet/common/log.hpp"
#include "ffleet/common/text.hpp"
#include "ffmpeg/probe.hpp"

namespace ffleet::agent::runner {
namespace {
auto mode_probe_log() {
  static auto l = log::get("agent.runner");
  return l;
}
}  // namespace

ModeProbe::ModeProbe(const proto::StartRun& cmd, const std::string& ffprobe, const std::string& work_dir,
                     std::int64_t now_ms)
    : cmd_(cmd) {
  if (cmd.spec.mode != "auto") copy_ = cmd.spec.mode == "copy";
  else if (cmd.spec.input_format == "lavfi") decide(false, "a lavfi source is raw video");
  else if (cmd.spec.inputs.empty() || !ffmpeg::is_local_file(cmd.spec.inputs.front()))
    decide(false, "a network input is not probed");
  else if (ffprobe.empty()) decide(false, "no ffprobe on this host");
  else start(ffprobe, work_dir, now_ms);
}

void ModeProbe::start(const std::string& ffprobe, const std::string& work_dir, std::int64_t now_ms) {
  const std::string out =
      work_dir + "/.probe-" + std::to_string(cmd_.stream_id) + "-" + std::to_string(cmd_.attempt);
  auto c = WatchedChild::start(ffprobe, ffmpeg::probe_args(cmd_.spec.inputs.front()), out, now_ms + kDeadlineMs);
  if (!c) {
    mode_probe_log()->warn("probe_failed stream={} run={} error=\"{}\" action=transcode", cmd_.stream_id, cmd_.attempt,
                   text::for_people(c.error()));
    return decide(false, "ffprobe could not start");
  }
  child_ = std::move(c.value());
  mode_probe_log()->debug("probe_started stream={} run={} pid={} deadline_ms={}", cmd_.stream_id, cmd_.attempt,
                  child_->pid(), kDeadlineMs);
}

bool ModeProbe::poll(std::int64_t now_ms) {
  if (!child_) return true;
  if (!child_->poll(now_ms)) return false;
  std::string error;
  if (child_->timed_out()) error = "ffprobe timed out after " + std::to_string(kDeadlineMs) + " ms";
  else if (child_->exit_code() != 0) error = "ffprobe could not read the input";
  if (!error.empty()) {
    mode_probe_log()->warn("probe_failed stream={} run={} error=\"{}\" action=transcode", cmd_.stream_id, cmd_.attempt,
                   error);
    child_.reset();  // kills what is left of its group, removes its file
    decide(false, error);
    return true;
  }
  const auto choice = ffmpeg::choose_mode(ffmpeg::parse_probe(child_->output(64 * 1024)), cmd_.spec.outputs);
  child_.reset();
  decide(choice.copy, choice.why);
  return true;
}

void ModeProbe::decide(bool copy, const std::string& why) {
  copy_ = copy;
  mode_probe_log()->info("mode_chosen stream={} run={} mode={} why=\"{}\"", cmd_.stream_id, cmd_.attempt,
                 copy ? "copy" : "transcode", text::for_people(why));
}

proto::StartRun ModeProbe::resolved() const {
  proto::StartRun out = cmd_;
  if (out.spec.mode == "auto") out.spec.mode = copy_ ? "copy" : "transcode";
  return out;
}

}  // namespace ffleet::agent::runner
