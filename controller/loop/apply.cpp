// The loop's side of the lifecycle: store what transition() decided, then do
// what it asked. Every change of a stream's state goes through apply().
#include <algorithm>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "loop/controller.hpp"

namespace ffleet::controller {
namespace {
auto apply_log() {
  static auto l = log::get("controller.lifecycle");
  return l;
}

void must(const Status& st, const char* op) {
  if (!st) throw store::Unavailable(std::string(op) + ": " + st.message());
}
}  // namespace

lifecycle::Policy Controller::policy() const {
  lifecycle::Policy p;
  p.retry = opts_.retry;
  p.fence_margin_ms = opts_.fence_margin_ms;
  p.late_start_ms = opts_.late_start_ms;
  return p;
}

lifecycle::Outcome Controller::apply(StreamRow& s, const lifecycle::Event& e) {
  auto o = lifecycle::transition(s, e, clock::wall_ms(), policy());
  if (o.ignored) {
    apply_log()->debug("event_ignored stream={} state={} event={} agent={} run={}", s.id, s.state,
                    lifecycle::to_string(e.kind), e.agent, e.attempt);
    return o;
  }
  if (!o.refusal.empty()) return o;
  const State before = s.state;
  const bool held = s.holds_process();
  if (o.changed) must(store_.update_stream(o.row), "update stream");
  s = o.row;
  // A slot freed is offered to the pending queue in this same turn.
  if (held && !s.holds_process()) placement_due_ = true;
  if (s.state != before)
    apply_log()->info("stream_state stream={} from={} to={} event={} run={} agent={}", s.id, before, s.state,
                   lifecycle::to_string(e.kind), s.attempt, s.agent);
  metrics_.transition(before, s);
  for (const auto& c : o.commands) carry_out(s, c, e);
  // Browsers hear of it (http_link.cpp): a removal is a command, not a change of the row.
  const bool deleted = std::any_of(o.commands.begin(), o.commands.end(),
                                   [](const lifecycle::Command& c) { return c.kind == lifecycle::CommandKind::kDelete; });
  if (deleted) emit_stream_removed(s.id);
  else if (o.changed) emit_stream(s);
  return o;
}

void Controller::carry_out(StreamRow& s, const lifecycle::Command& c, const lifecycle::Event& e) {
  using C = lifecycle::CommandKind;
  const std::int64_t wall = clock::wall_ms();
  switch (c.kind) {
    case C::kPlace: place(s, c.agent); return;
    case C::kNewRun: {
      RunRow run;
      run.stream_id = s.id;
      run.attempt = c.attempt;
      run.agent = c.agent;
      run.requested_at_ms = wall;
      must(store_.insert_run(run), "insert run");
      apply_log()->info("run_placed stream={} run={} agent={}", s.id, c.attempt, c.agent);
      return;
    }
    case C::kStartRun: send_start(s); return;
    case C::kStopRun: {
      const bool fence = c.reason == "not_wanted" || c.reason == "stale_attempt";
      if (fence) {
        const auto key = std::make_pair(s.id, c.attempt);
        if (stale_stops_.count(key)) return;  // told already; a heartbeat must not repeat it every beat
        stale_stops_[key] = clock::steady_ms();
        apply_log()->warn("run_fenced stream={} run={} agent={} pid={} why={} current_run={}", s.id, c.attempt, c.agent,
                       e.pid, c.reason, s.attempt);
      }
      send_stop(c.agent, s.id, c.attempt, c.reason);
      if (!fence) last_command_ms_[s.id] = clock::steady_ms();
      return;
    }
    case C::kRunStarted:
    case C::kRunAdopted: {
      auto run = store_.run(s.id, s.attempt);
      if (!run) return;
      run->pid = e.pid;
      run->encoder = e.encoder;
      if (e.started_at_ms > 0) run->started_at_ms = e.started_at_ms;
      if (c.kind == C::kRunStarted && !e.note.empty()) run->error = e.note;
      if (c.kind == C::kRunAdopted) {
        run->ended_at_ms = 0;
        run->reason.clear();
      }
      must(store_.update_run(*run), "update run");
      if (c.kind == C::kRunStarted) metrics_.run_started();
      apply_log()->info("run_{} stream={} run={} agent={} pid={} encoder={}{}",
                     c.kind == C::kRunStarted ? "started" : "adopted", s.id, s.attempt, s.agent, e.pid, e.encoder,
                     e.note.empty() ? "" : " note=\"" + e.note + "\"");
      return;
    }
    case C::kEndRun: {
      auto run = store_.run(s.id, c.attempt);
      if (run && run->ended_at_ms == 0) {
        run->ended_at_ms = wall;
        run->reason = c.reason;
        run->error = c.error;
        must(store_.update_run(*run), "update run");
      }
      apply_log()->warn("run_lost stream={} run={} agent={} reason={}", s.id, c.attempt, c.agent, c.reason);
      return;
    }
    case C::kDelete: must(store_.delete_stream(s.id), "delete stream"); return;
    case C::kScheduleNote:
      must(store_.log_schedule({s.id, c.attempt, c.reason, c.error, wall}), "schedule log");
      apply_log()->log(c.reason == "missed" ? spdlog::level::warn : spdlog::level::info, "start_{} stream={} {}", c.reason,
                    s.id, c.error);
      return;
    case C::kFenceCheck: {
      lifecycle::Event r = e;
      r.kind = lifecycle::EventKind::kRunReported;
      (void)apply(s, r);
      return;
    }
  }
}

}  // namespace ffleet::controller
