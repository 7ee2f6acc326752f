// What the controller does with an agent's reports about its runs (every
// heartbeat's list, a run started, a run exited) and when an agent is lost.
// The attempt number is the fencing token: a run the controller does not
// want (another attempt, another agent, a stopped or removed stream) is told
// to stop.
#include <set>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "loop/controller.hpp"

namespace ffleet::controller {
namespace {
auto runs_log() {
  static auto l = log::get("controller.agents");
  return l;
}
}  // namespace

std::pair<std::size_t, std::size_t> Controller::placed_runs_in(const std::string& agent,
                                                               const std::vector<proto::RunReport>& runs) {
  std::set<std::pair<std::int64_t, std::int64_t>> listed;
  for (const auto& r : runs)
    if (!foreign(r.store_id) && !r.stopping) listed.insert({r.stream_id, r.attempt});
  const auto placed = store_.streams_on_agent(agent);
  const auto found = std::count_if(placed.begin(), placed.end(),
                                   [&](const StreamRow& s) { return listed.count({s.id, s.attempt}) > 0; });
  return {static_cast<std::size_t>(found), placed.size()};
}

void Controller::reconcile(registry::Agent& a, const std::vector<proto::RunReport>& runs, bool complete) {
  // Runs are matched by (stream, attempt): another attempt of the same
  // stream is not the run we placed.
  std::set<std::pair<std::int64_t, std::int64_t>> reported;
  std::int64_t unknown = 0;
  for (const auto& r : runs) {
    if (foreign(r.store_id)) {
      // Placed by another database (this one is empty or was replaced): we
      // know nothing about it, so we neither adopt it nor stop it.
      ++unknown;
      runs_log()->debug("run_unknown agent={} stream={} run={} pid={} placed_by_store={}", a.name, r.stream_id, r.attempt,
                      r.pid, r.store_id);
      continue;
    }
    if (!r.stopping) reported.insert({r.stream_id, r.attempt});  // one on its way out is not a run to keep
    reconcile_one(a, r);
  }
  if (unknown != a.unknown_runs)
    runs_log()->error("agent_unknown_runs agent={} runs={} this_store={} action=none (placed by another database: "
                    "neither adopted nor stopped; restore the right database, or run `ffleet agent stop-unknown {}`)",
                    a.name, unknown, store_.id(), a.name);
  a.unknown_runs = unknown;
  if (!complete) return;
  // Register lists every live run: what we placed there and is not listed is gone.
  for (auto& s : store_.streams_on_agent(a.name)) {
    if (reported.count({s.id, s.attempt})) continue;
    lifecycle::Event e;
    e.kind = lifecycle::EventKind::kRunMissing;
    e.agent = a.name;
    apply(s, e);
  }
}

namespace {
lifecycle::Event run_event(lifecycle::EventKind kind, const registry::Agent& a, std::int64_t attempt) {
  lifecycle::Event e;
  e.kind = kind;
  e.agent = a.name;
  e.attempt = attempt;
  return e;
}
}  // namespace

void Controller::reconcile_one(registry::Agent& a, const proto::RunReport& r) {
  auto e = run_event(lifecycle::EventKind::kRunReported, a, r.attempt);
  e.pid = r.pid;
  e.encoder = r.encoder;
  e.started_at_ms = r.started_at_ms;
  e.stopping = r.stopping;
  if (const StreamRow* live = store_.streams().get(r.stream_id)) {
    if (lifecycle::report_changes_nothing(*live, e)) return;  // the common case: nothing to copy or decide
    StreamRow s = *live;
    apply(s, e);
    return;
  }
  // A run of a stream that was removed: fenced.
  const auto key = std::make_pair(r.stream_id, r.attempt);
  if (stale_stops_.count(key)) return;
  stale_stops_[key] = clock::steady_ms();
  runs_log()->warn("run_fenced stream={} run={} agent={} pid={} why=removed", r.stream_id, r.attempt, a.name, r.pid);
  send_stop(a.name, r.stream_id, r.attempt, "removed");
}

void Controller::on_run_started(registry::Agent& a, const wire::Envelope& env, const proto::RunStarted& m) {
  if (foreign(m.store_id)) {
    runs_log()->debug("run_started_unknown agent={} stream={} run={} store={}", a.name, m.stream_id, m.attempt, m.store_id);
    send_to(a.peer, proto::Ack{}, env.header.msg_id);
    return;
  }
  proto::RunReport r;
  r.stream_id = m.stream_id;
  r.attempt = m.attempt;
  r.pid = m.pid;
  r.encoder = m.encoder;
  r.started_at_ms = m.started_at_ms;
  if (auto s = store_.stream(m.stream_id)) {
    auto e = run_event(lifecycle::EventKind::kRunStarted, a, m.attempt);
    e.pid = m.pid;
    e.encoder = m.encoder;
    e.note = m.note;
    e.started_at_ms = m.started_at_ms;
    apply(*s, e);
  } else {
    reconcile_one(a, r);
  }
  send_to(a.peer, proto::Ack{}, env.header.msg_id);
}

void Controller::on_run_exited(registry::Agent& a, const wire::Envelope& env, const proto::RunExited& m) {
  if (foreign(m.store_id)) {
    runs_log()->info("run_ended_unknown agent={} stream={} run={} store={} reason={}", a.name, m.stream_id, m.attempt,
                   m.store_id, m.reason);
    send_to(a.peer, proto::Ack{}, env.header.msg_id);
    return;
  }
  auto run = store_.run(m.stream_id, m.attempt);
  if (run && run->agent == a.name && run->exit_code < 0 && run->signal == 0) {
    // The agent's account of how a run ended is the best there is, even after
    // we gave up on the run (host lost): keep it, with our reason before it.
    if (run->ended_at_ms == 0) run->ended_at_ms = m.ended_at_ms;
    run->exit_code = m.exit_code;
    run->signal = m.signal;
    run->reason = run->reason.empty() ? m.reason : run->reason + ", then " + m.reason;
    if (run->error.empty()) run->error = m.error;
    run->stderr_tail = m.stderr_tail;
    if (Status st = store_.update_run(*run); !st) throw store::Unavailable("update run: " + st.message());
  }
  if (auto s = store_.stream(m.stream_id)) {
    auto e = run_event(lifecycle::EventKind::kRunExited, a, m.attempt);
    e.reason = m.reason;
    e.error = m.error;
    e.exit_code = m.exit_code;
    e.signal = m.signal;
    e.ran_ms = run && run->started_at_ms > 0 ? m.ended_at_ms - run->started_at_ms : 0;
    const auto o = apply(*s, e);
    if (!o.ignored) metrics_.run_exited(m.reason);
    if (!o.ignored)
      runs_log()->info("run_ended stream={} run={} agent={} reason={} exit_code={} signal={} state={}", m.stream_id,
                     m.attempt, a.name, m.reason, m.exit_code, m.signal, s->state);
    else
      runs_log()->debug("run_ended_stale stream={} run={} agent={} reason={}", m.stream_id, m.attempt, a.name, m.reason);
  }
  send_to(a.peer, proto::Ack{}, env.header.msg_id);
}

void Controller::agent_lost(const std::string& name) {
  runs_log()->warn("agent_lost agent={} silent_ms>{}", name, opts_.lost_after_ms);
  if (const auto* a = registry_.find(name)) emit_agent(*a);
  for (auto& s : store_.streams_on_agent(name)) {
    lifecycle::Event e;
    e.kind = lifecycle::EventKind::kAgentLost;
    e.agent = name;
    apply(s, e);
  }
}

}  // namespace ffleet::controller
