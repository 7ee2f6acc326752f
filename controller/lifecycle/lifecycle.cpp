#include "lifecycle/lifecycle.hpp"

#include <algorithm>

#include "ffleet/common/timeparse.hpp"
#include "schedule/schedule.hpp"

namespace ffleet::controller::lifecycle {
namespace {

using K = EventKind;
using C = CommandKind;

Command cmd(C kind, std::string agent = {}, std::int64_t attempt = 0, std::string reason = {},
            std::string error = {}) {
  return Command{kind, std::move(agent), attempt, std::move(reason), std::move(error)};
}

bool holds_process(const StreamRow& s) { return s.holds_process(); }
bool current(const StreamRow& s, const Event& e) { return e.agent == s.agent && e.attempt == s.attempt; }

// Where a stream rests when nothing runs: scheduled if an occurrence is
// coming, else stopped. Clears every per-run and retry field.
void rest(StreamRow& s) {
  s.desired = Desired::kStopped;
  s.state = s.next_start_ms > 0 ? State::kScheduled : State::kStopped;
  s.agent.clear();
  s.pid = 0;
  s.stop_at_ms = 0;
  s.retries = 0;
  s.retry_at_ms = 0;
  s.avoid_agent.clear();
  s.waiting_for.clear();
  s.pending_since_ms = 0;
}

// A start (by a person or the schedule) that nothing blocks asks for a
// placement; a blocked one waits as pending, or is refused if a person asked.
void want_running(Outcome& o, const Event& e, std::int64_t now, bool manual) {
  StreamRow& s = o.row;
  if (!e.reason.empty()) {
    if (manual) {
      o.refusal = e.reason;
      return;
    }
    s.desired = Desired::kRunning;
    s.state = State::kPending;
    s.pending_since_ms = now;
    s.waiting_for = e.reason;
    o.changed = true;
    return;
  }
  s.desired = Desired::kRunning;
  s.last_error.clear();
  s.pending_since_ms = now;
  o.changed = true;
  o.commands.push_back(cmd(C::kPlace, s.avoid_agent));
}

void stop_wanted(Outcome& o, const std::string& reason) {
  StreamRow& s = o.row;
  o.changed = true;
  if (s.state == State::kStarting || s.state == State::kRunning) {
    s.desired = Desired::kStopped;
    s.state = State::kStopping;
    s.stop_at_ms = 0;
    s.retries = 0;
    s.retry_at_ms = 0;
    s.waiting_for.clear();
    o.commands.push_back(cmd(C::kStopRun, s.agent, s.attempt, reason));
  } else if (s.state == State::kStopping) {
    s.desired = Desired::kStopped;
  } else {
    // A finished run's verdict stays visible until something new happens.
    const State was = s.state;
    rest(s);
    if ((was == State::kCompleted || was == State::kFailed) && s.state == State::kStopped) s.state = was;
  }
}

// The current run is gone (its host lost, or it came back without it): the
// run is recorded as ended, and a stream still wanted is placed again.
void run_gone(Outcome& o, const std::string& reason, const std::string& error, std::string avoid,
              std::int64_t now) {
  StreamRow& s = o.row;
  o.commands.push_back(cmd(C::kEndRun, s.agent, s.attempt, reason, error));
  if (s.state == State::kStopping || s.desired == Desired::kStopped) {
    rest(s);
  } else {
    s.state = State::kPending;
    s.pending_since_ms = now;
    s.agent.clear();
    s.pid = 0;
    s.avoid_agent = avoid;
  }
  s.last_error = error;
  o.changed = true;
  if (s.desired == Desired::kRunning) o.commands.push_back(cmd(C::kPlace, avoid));
}

void run_exited(Outcome& o, const Event& e, std::int64_t now, const Policy& p) {
  StreamRow& s = o.row;
  retry::Ending end;
  end.reason = e.reason;
  end.exit_code = e.exit_code;
  end.signal = e.signal;
  end.ran_ms = e.ran_ms;
  end.user_stop = s.desired == Desired::kStopped;
  retry::Decision d = retry::decide(p.retry, s.retries, end);
  // Moving (an agent drains): the old run has ended, the new one starts now,
  // elsewhere, and it is not a failure.
  const bool moving = s.desired == Desired::kRunning && (s.state == State::kStopping || e.reason == "drained");
  if (moving) {
    d.kind = retry::Decision::Kind::kRetry;
    d.retries = s.retries;
    d.delay_ms = 0;
    d.avoid_host = true;
  }
  const std::string error = e.error.empty() ? e.reason : e.error;
  using DK = retry::Decision::Kind;
  switch (d.kind) {
    case DK::kStopped: rest(s); break;
    case DK::kCompleted:
      rest(s);
      if (s.state == State::kStopped) s.state = State::kCompleted;
      break;
    case DK::kFailed:
      rest(s);
      if (s.state == State::kStopped) s.state = State::kFailed;
      s.last_error = error;
      break;
    case DK::kRetry:
      s.state = State::kPending;
      s.retries = d.retries;
      s.retry_at_ms = now + d.delay_ms;
      s.avoid_agent = d.avoid_host ? e.agent : "";
      s.pending_since_ms = now;
      s.last_error = moving ? "" : error;
      s.waiting_for = moving ? "another agent (moved off " + e.agent + ")"
                             : "retry " + std::to_string(d.retries) + " of " + std::to_string(p.retry.max_retries) +
                                   " in " + std::to_string((d.delay_ms + 999) / 1000) + "s";
      s.agent.clear();
      s.pid = 0;
      if (s.retry_at_ms <= now) o.commands.push_back(cmd(C::kPlace, s.avoid_agent));
      break;
  }
  o.changed = true;
}

void schedule_due(Outcome& o, const Event& e, std::int64_t now, const Policy& p) {
  StreamRow& s = o.row;
  const std::int64_t occ = s.next_start_ms;
  const std::int64_t end = schedule::occurrence_end(s.spec, occ);
  auto rule = schedule::parse_repeat(s.spec.repeat);
  s.next_start_ms = rule ? schedule::next_occurrence(s.spec.start_at_ms, *rule, std::max(occ, now)) : 0;
  o.changed = true;
  if (end > 0 && end <= now) {
    // Its whole window passed while the controller was down: recorded, never run late.
    const std::string detail = "window " + timeparse::iso_utc(occ) + " to " + timeparse::iso_utc(end) +
                               " passed while the controller was down";
    o.commands.push_back(cmd(C::kScheduleNote, "", occ, "missed", detail));
    rest(s);
    s.last_error = "missed start at " + timeparse::iso_utc(occ);
    o.note = "missed";
    return;
  }
  if (now - occ > p.late_start_ms)
    o.commands.push_back(cmd(C::kScheduleNote, "", occ, "started_late",
                          "started " + std::to_string((now - occ) / 1000) + " s late"));
  s.stop_at_ms = end;
  s.retries = 0;
  want_running(o, e, now, /*manual=*/false);
}

}  // namespace

std::string_view to_string(EventKind k) {
  switch (k) {
    case K::kStart: return "start";
    case K::kScheduleDue: return "schedule_due";
    case K::kStop: return "stop";
    case K::kEndTime: return "end_time";
    case K::kRemove: return "remove";
    case K::kRetryDue: return "retry_due";
    case K::kPlaced: return "placed";
    case K::kNoCapacity: return "no_capacity";
    case K::kRunStarted: return "run_started";
    case K::kRunReported: return "run_reported";
    case K::kRunExited: return "run_exited";
    case K::kRunMissing: return "run_missing";
    case K::kAgentLost: return "agent_lost";
    case K::kLeaseExpired: return "lease_expired";
    case K::kDrain: return "drain";
  }
  return "?";
}

bool report_changes_nothing(const StreamRow& s, const Event& e) {
  return e.kind == K::kRunReported && current(s, e) && s.desired == Desired::kRunning && s.state == State::kRunning &&
         s.pid == e.pid;
}

Outcome transition(const StreamRow& row, const Event& e, std::int64_t now, const Policy& p) {
  Outcome o;
  o.row = row;
  StreamRow& s = o.row;
  const bool wanted = s.desired == Desired::kRunning;
  switch (e.kind) {
    case K::kStart: {
      if (wanted && (holds_process(s) || s.state == State::kPending)) {
        o.note = "already " + std::string(to_string(s.state));
        break;
      }
      if (s.state == State::kStopping) {
        o.refusal = s.name + " is still stopping; start it again once it has stopped";
        break;
      }
      // A manual start runs one occurrence from now: its end from --duration
      // or a future --end-at; a repeating schedule carries on afterwards.
      const std::int64_t end = schedule::occurrence_end(s.spec, now);
      s.stop_at_ms = end > now ? end : 0;
      s.retries = 0;
      s.retry_at_ms = 0;
      s.avoid_agent.clear();
      want_running(o, e, now, /*manual=*/true);
      break;
    }
    case K::kScheduleDue:
      if (s.state != State::kScheduled || s.next_start_ms <= 0 || s.next_start_ms > now) o.ignored = true;
      else schedule_due(o, e, now, p);
      break;
    case K::kStop:
      s.next_start_ms = 0;  // a person's stop ends the schedule: nothing starts again by itself
      stop_wanted(o, "user_stop");
      break;
    case K::kEndTime:
      if (!wanted || s.stop_at_ms <= 0 || s.stop_at_ms > now) o.ignored = true;
      else stop_wanted(o, "end_time");
      break;
    case K::kRemove:
      if (holds_process(s)) o.refusal = s.name + " is " + std::string(to_string(s.state)) + "; stop it before removing it";
      else o.commands.push_back(cmd(C::kDelete));
      break;
    case K::kRetryDue:
      if (!wanted || s.state != State::kPending || !s.agent.empty() || s.retry_at_ms > now) o.ignored = true;
      else o.commands.push_back(cmd(C::kPlace, s.avoid_agent));
      break;
    case K::kPlaced:
      if (!wanted || holds_process(s)) {
        o.ignored = true;
        break;
      }
      s.attempt += 1;
      s.agent = e.agent;
      s.retry_at_ms = 0;
      s.avoid_agent.clear();
      s.state = State::kStarting;
      s.pid = 0;
      s.encoder.clear();
      s.waiting_for.clear();
      s.last_error.clear();
      o.changed = true;
      o.commands.push_back(cmd(C::kNewRun, s.agent, s.attempt));
      o.commands.push_back(cmd(C::kStartRun, s.agent, s.attempt));
      break;
    case K::kNoCapacity:
      if (!wanted || holds_process(s)) {
        o.ignored = true;
        break;
      }
      o.changed = s.state != State::kPending || s.waiting_for != e.reason || !s.agent.empty();
      s.state = State::kPending;
      s.agent.clear();
      s.pid = 0;
      s.waiting_for = e.reason;
      break;
    case K::kRunStarted: {
      const bool cur = current(s, e);
      const bool fallback = cur && s.state == State::kRunning && !e.note.empty() && s.pid != e.pid;
      if (cur && (s.state == State::kStarting || s.state == State::kStopping || fallback)) {
        if (s.state != State::kStopping) s.state = State::kRunning;
        s.pid = e.pid;
        s.encoder = e.encoder;
        o.changed = true;
        o.commands.push_back(cmd(C::kRunStarted, s.agent, s.attempt));
      } else if (cur && s.state == State::kRunning) {
        o.ignored = true;  // a repeat of what is known
      } else {
        o.commands.push_back(cmd(C::kFenceCheck, e.agent, e.attempt));
      }
      break;
    }
    case K::kRunReported: {
      if (report_changes_nothing(s, e)) break;
      const bool cur = current(s, e);
      if (cur && e.stopping && s.state == State::kPending) break;  // ending by itself (lease, drain)
      if (cur && wanted && (s.state == State::kStarting || s.state == State::kRunning || s.state == State::kPending)) {
        if (s.state != State::kRunning || s.pid != e.pid) {
          // Adoption: a run we lost sight of (restart, lost RunStarted, a host
          // that came back) keeps its pid and its attempt.
          o.note = s.state == State::kStarting ? "running" : "adopted";
          s.state = State::kRunning;
          s.pid = e.pid;
          s.encoder = e.encoder;
          s.waiting_for.clear();
          o.changed = true;
          o.commands.push_back(cmd(C::kRunAdopted, s.agent, s.attempt));
        }
        break;
      }
      if (cur && s.state == State::kStopping) break;  // the resend loop repeats StopRun
      // Not the run we want: another attempt, another agent, a stream that
      // is no longer wanted. Fenced.
      o.commands.push_back(cmd(C::kStopRun, e.agent, e.attempt, cur ? "not_wanted" : "stale_attempt"));
      break;
    }
    case K::kRunExited:
      if (!current(s, e) || !holds_process(s)) o.ignored = true;
      else run_exited(o, e, now, p);
      break;
    case K::kRunMissing:
      if (s.agent != e.agent) {
        o.ignored = true;
      } else if (s.state == State::kStarting) {
        o.commands.push_back(cmd(C::kStartRun, s.agent, s.attempt));  // the StartRun may have been lost: again
      } else if (s.state == State::kRunning || s.state == State::kStopping || (s.state == State::kPending && wanted)) {
        run_gone(o, "lost_by_agent", "agent " + e.agent + " came back without this run", "", now);
      } else {
        o.ignored = true;
      }
      break;
    case K::kAgentLost:
      if (s.agent != e.agent || !holds_process(s)) {
        o.ignored = true;
      } else if (wanted && (s.spec.on_host_lost == "wait" || s.spec.on_host_lost == "fence")) {
        // Held for its host: same agent, same attempt, adopted if it returns.
        // A fenced stream moves once the agent's lease has surely expired.
        const bool fence = s.spec.on_host_lost == "fence";
        s.state = State::kPending;
        s.waiting_for = fence ? "the lease of agent " + e.agent + " to expire" : "agent " + e.agent + " to return";
        s.retry_at_ms = fence ? now + p.fence_margin_ms : 0;
        o.changed = true;
      } else {
        run_gone(o, "host_lost", "agent " + e.agent + " lost", e.agent, now);
      }
      break;
    case K::kLeaseExpired:
      if (!wanted || s.state != State::kPending || s.agent.empty() || s.spec.on_host_lost != "fence" ||
          s.retry_at_ms > now)
        o.ignored = true;
      else
        run_gone(o, "host_lost", "agent " + s.agent + " lost; its lease expired", s.agent, now);
      break;
    case K::kDrain:
      if (!wanted || s.agent != e.agent || s.spec.on_host_lost == "wait" ||
          (s.state != State::kStarting && s.state != State::kRunning)) {
        o.ignored = true;
        break;
      }
      // The old run is stopped first; the new one is placed elsewhere when it
      // has ended (two pushes to one key would fight).
      s.state = State::kStopping;
      o.changed = true;
      o.commands.push_back(cmd(C::kStopRun, s.agent, s.attempt, "drained"));
      break;
  }
  if (o.changed) s.updated_at_ms = now;
  return o;
}

}  // namespace ffleet::controller::lifecycle
