// What the CLI is shown. No stream key leaves the controller: inputs and
// outputs are masked here, the one place views are built, and so is every
// text that may quote them (errors, notes, ffmpeg's lines): the agent masked
// those already, this is the second line of defence (an older agent, a
// message that named a URL in another form).
#include "ffleet/common/clock.hpp"
#include "ffleet/common/redact.hpp"
#include "ffleet/common/text.hpp"
#include "ffleet/common/timeparse.hpp"
#include "loop/controller.hpp"

namespace ffleet::controller {
namespace {

// Text about a stream with its own secrets and any URL masked.
struct Masker {
  std::vector<std::string> secrets;
  explicit Masker(const proto::StreamSpec& spec) {
    for (const auto* list : {&spec.inputs, &spec.outputs})
      for (const auto& u : *list)
        for (auto& s : redact::secrets_of(u)) secrets.push_back(std::move(s));
  }
  std::string operator()(const std::string& t) const { return redact::for_error(redact::scrub(t, secrets)); }
  void all(std::vector<std::string>& v) const {
    for (auto& t : v) t = (*this)(t);
  }
};

}  // namespace

proto::StreamView Controller::view(const StreamRow& s, bool with_runs, std::int64_t max_runs, bool details,
                                   bool reveal) {
  proto::StreamView v;
  v.id = s.id;
  v.name = s.name;
  v.owner = s.owner;
  v.state = std::string(to_string(s.state));
  v.agent = s.agent;
  v.pid = s.pid;
  v.encoder = s.encoder;
  v.attempt = s.attempt;
  const Masker mask(s.spec);
  v.last_error = mask(s.last_error);
  v.waiting_for = mask(s.waiting_for);
  v.spec = s.spec;
  if (!details) {
    // Another user's stream: what it is and how it runs, not where it reads
    // or writes, nor what its errors and logs say (they name both).
    v.spec.inputs.clear();
    v.spec.outputs.clear();
    v.last_error.clear();
  }
  // Paths are bytes: shown escaped (a file name need not be UTF-8).
  for (auto& o : v.spec.outputs) o = text::for_people(reveal ? o : redact::url(o));
  for (auto& i : v.spec.inputs) i = text::for_people(reveal ? i : redact::url(i));
  v.created_at_ms = s.created_at_ms;
  v.updated_at_ms = s.updated_at_ms;
  if (const auto* a = registry_.find(s.agent); a && s.holds_process()) {
    if (const auto* r = a->run(s.id, s.attempt)) {
      v.cpu_percent = r->cpu_percent;
      v.rss_bytes = r->rss_bytes;
      v.fps = r->fps;
      v.speed = r->speed;
      v.warning = mask(r->warning);
      v.progress = r->progress;
      v.eta_s = r->eta_s;
      v.bitrate_kbps = r->bitrate_kbps;
      v.drop_frames = r->drop_frames;
      v.dup_frames = r->dup_frames;
      v.run_started_at_ms = r->started_at_ms;
    }
  }
  // A batch that ended well is all done, whatever its last report said.
  if (s.spec.batch && s.state == State::kCompleted) {
    v.progress = 100;
    v.eta_s = -1;
  }
  v.next_start_ms = s.next_start_ms;
  v.stop_at_ms = s.stop_at_ms;
  v.retries = s.retries;
  v.retry_at_ms = s.retry_at_ms;
  if (with_runs && details) {
    for (const auto& n : store_.schedule_log(s.id))
      v.schedule_notes.push_back(mask(n.outcome + " " + timeparse::iso_local(n.occurrence_ms) + ": " + n.detail));
    v.runs_total = store_.run_count(s.id);
    const auto runs = store_.latest_runs(s.id, max_runs);
    for (const auto& r : runs) {
      proto::RunView rv;
      rv.attempt = r.attempt;
      rv.agent = r.agent;
      rv.pid = r.pid;
      rv.encoder = r.encoder;
      rv.started_at_ms = r.started_at_ms;
      rv.ended_at_ms = r.ended_at_ms;
      rv.exit_code = r.exit_code;
      rv.signal = r.signal;
      rv.reason = r.reason;
      rv.error = mask(r.error);
      // The log of the latest run only; `stream logs` has the rest.
      if (&r == &runs.back()) {
        rv.stderr_tail = r.stderr_tail;
        mask.all(rv.stderr_tail);
      }
      v.runs.push_back(std::move(rv));
    }
  }
  return v;
}

proto::AgentView Controller::agent_view(const registry::Agent& a, const std::map<std::string, std::int64_t>& active) {
  proto::AgentView v;
  v.name = a.name;
  v.hostname = a.info.hostname;
  v.state = a.state();
  auto it = active.find(a.name);
  v.streams = it == active.end() ? 0 : it->second;
  v.max_streams = a.info.max_streams;
  v.encoders = a.info.encoders;
  v.cpu_percent = a.host.cpu_percent;
  v.mem_used_bytes = a.host.mem_used_bytes;
  v.mem_total_bytes = a.host.mem_total_bytes;
  v.last_seen_ms = a.last_seen_wall_ms;
  v.ffmpeg_version = a.info.ffmpeg_version;
  v.cpus = a.info.cpus;
  v.reconnecting = a.loss_pending && clock::steady_ms() < a.grace_until_ms;
  v.unknown_runs = a.unknown_runs;
  v.duplicate = a.duplicate;
  v.loop_lag_ms = a.host.loop_lag_ms;
  v.free_sessions = a.free_sessions();
  return v;
}

}  // namespace ffleet::controller
