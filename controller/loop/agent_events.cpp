// What the controller does with each message from an agent, and when an
// agent is lost. The attempt number is the fencing token: a run the
// controller does not want (another attempt, another agent, a stopped or
// removed stream) is told to stop.
#include <set>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "loop/controller.hpp"
#include "retry/retry.hpp"

namespace ffleet::controller {
namespace {
auto logger() {
  static auto l = log::get("controller.agents");
  return l;
}
}  // namespace

void Controller::on_agent_message(const wire::Envelope& env) {
  using proto::MsgType;
  const std::int64_t now = clock::steady_ms();
  if (env.type() == MsgType::Register) {
    auto m = wire::decode<proto::Register>(env);
    if (!m) {
      logger()->warn("message_dropped peer={} error=\"{}\"", wire::peer_label(env.peer), m.error());
      send_to(env.peer, proto::ErrorMsg{std::string(proto::err::kMalformed), m.error()}, env.header.msg_id);
      return;
    }
    if (m->name != env.peer) {
      const std::string e = "agent name " + m->name + " does not match its socket identity " + env.peer;
      logger()->warn("register_refused peer={} error=\"{}\"", wire::peer_label(env.peer), e);
      send_to(env.peer, proto::ErrorMsg{std::string(proto::err::kMalformed), e}, env.header.msg_id);
      return;
    }
    on_register(env, *m);
    return;
  }
  registry::Agent* a = registry_.find(env.peer);
  if (a == nullptr || !a->connected) {
    // We restarted, or declared it lost: it must register (with its runs) first.
    send_to(env.peer, proto::ErrorMsg{std::string(proto::err::kNotRegistered), "register first"}, env.header.msg_id);
    return;
  }
  a->last_heard_ms = now;
  a->last_seen_wall_ms = clock::wall_ms();
  auto bad = [&](const std::string& e) { logger()->warn("message_dropped agent={} error=\"{}\"", a->name, e); };
  switch (env.type()) {
    case MsgType::Heartbeat: {
      auto m = wire::decode<proto::Heartbeat>(env);
      if (!m) return bad(m.error());
      a->host = m->host;
      a->runs = m->runs;
      if (a->draining_self != m->draining) logger()->info("agent_draining agent={} draining={}", a->name, m->draining);
      a->draining_self = m->draining;
      reconcile(*a, m->runs, false);
      return;
    }
    case MsgType::RunStarted: {
      auto m = wire::decode<proto::RunStarted>(env);
      if (!m) return bad(m.error());
      on_run_started(*a, env, *m);
      return;
    }
    case MsgType::RunExited: {
      auto m = wire::decode<proto::RunExited>(env);
      if (!m) return bad(m.error());
      on_run_exited(*a, env, *m);
      return;
    }
    case MsgType::LogsReply: {
      auto m = wire::decode<proto::LogsReply>(env);
      if (!m) return bad(m.error());
      on_logs_reply(env, *m);
      return;
    }
    case MsgType::Ack: return;
    case MsgType::Unsupported: logger()->warn("agent_unsupported agent={} our_message={}", a->name, env.header.in_reply_to); return;
    case MsgType::Error: {
      auto m = wire::decode<proto::ErrorMsg>(env);
      logger()->warn("agent_error agent={} error=\"{}\"", a->name, m ? m->message : m.error());
      return;
    }
    default: bad("unexpected type"); return;
  }
}

void Controller::on_register(const wire::Envelope& env, const proto::Register& m) {
  const std::int64_t now = clock::steady_ms();
  const std::int64_t wall = clock::wall_ms();
  const registry::Agent* before = registry_.find(m.name);
  AgentRow row;
  row.name = m.name;
  row.hostname = m.hostname;
  row.cpus = m.cpus;
  row.mem_bytes = m.mem_bytes;
  row.ffmpeg_version = m.ffmpeg_version;
  row.max_streams = m.max_streams;
  row.encoders = m.encoders;
  row.draining = before && before->drain_requested;
  row.first_seen_ms = wall;
  row.last_seen_ms = wall;
  if (Status s = store_.upsert_agent(row); !s) {
    // Unanswered, the agent registers again shortly.
    logger()->error("store_failed op=register agent={} error=\"{}\"", m.name, s.message());
    return;
  }
  registry::Agent& a = registry_.on_register(m, now, wall);
  logger()->info("agent_registered agent={} host={} cpus={} max_streams={} encoders={} runs={} ffmpeg={}", m.name,
                 m.hostname, m.cpus, m.max_streams, fmt::join(m.encoders, ","), m.runs.size(), m.ffmpeg_version);
  send_to(env.peer, proto::Registered{opts_.heartbeat_ms, opts_.lost_after_ms}, env.header.msg_id);
  if (a.drain_requested) {
    proto::AgentControl c;
    c.action = "drain";
    send_to(a.name, c);
  }
  reconcile(a, m.runs, true);
}

void Controller::reconcile(registry::Agent& a, const std::vector<proto::RunReport>& runs, bool complete) {
  std::set<std::int64_t> reported;
  for (const auto& r : runs) {
    reported.insert(r.stream_id);
    reconcile_one(a, r);
  }
  if (!complete) return;
  // Register lists every live run: what we placed there and is not listed is gone.
  for (const auto& r : runs)
    if (r.stopping) reported.erase(r.stream_id);  // on its way out: not a run to keep
  for (auto& s : store_.streams_on_agent(a.name)) {
    if (reported.count(s.id)) continue;
    if (s.state == state::kStarting) {
      // The StartRun may have been lost with a dropped link: send it again now.
      send_start(s);
    } else if (s.state == state::kRunning || s.state == state::kStopping ||
               (s.state == state::kPending && s.desired == "running")) {
      end_run(s, "lost_by_agent", "agent " + a.name + " came back without this run");
      if (s.desired == "running") (void)place(s);
    }
  }
}

void Controller::reconcile_one(registry::Agent& a, const proto::RunReport& r) {
  auto s = store_.stream(r.stream_id);
  const bool current = s && s->agent == a.name && s->attempt == r.attempt;
  if (current && r.stopping && s->state == state::kPending) return;  // ending by itself (lease, drain)
  if (current && s->desired == "running" &&
      (s->state == state::kStarting || s->state == state::kRunning || s->state == state::kPending)) {
    if (s->state != state::kRunning || s->pid != r.pid) {
      // Adoption: a run we lost sight of (restart, lost RunStarted, a host
      // that came back) keeps its pid and its attempt.
      const bool adopted = s->state != state::kStarting;
      s->state = state::kRunning;
      s->pid = r.pid;
      s->encoder = r.encoder;
      s->waiting_for.clear();
      auto run = store_.run(s->id, s->attempt);
      store::Transaction tx(store_.db());
      Status st = store_.update_stream(*s);
      if (st && run) {
        run->pid = r.pid;
        run->encoder = r.encoder;
        run->started_at_ms = r.started_at_ms;
        run->ended_at_ms = 0;
        run->reason.clear();
        st = store_.update_run(*run);
      }
      if (st) st = tx.commit();
      if (!st) {
        logger()->error("store_failed op=adopt stream={} error=\"{}\"", s->id, st.message());
        return;
      }
      logger()->info("run_{} stream={} run={} agent={} pid={}", adopted ? "adopted" : "running", s->id, s->attempt,
                     a.name, r.pid);
    }
    return;
  }
  if (current && s->state == state::kStopping) return;  // the resend loop repeats StopRun
  const auto key = std::make_pair(r.stream_id, r.attempt);
  if (stale_stops_.count(key)) return;
  stale_stops_[key] = clock::steady_ms();
  const std::string why = !s ? "removed" : (current ? "not_wanted" : "stale_attempt");
  logger()->warn("run_fenced stream={} run={} agent={} pid={} why={} current_run={}", r.stream_id, r.attempt, a.name,
                 r.pid, why, s ? s->attempt : 0);
  send_stop(a.name, r.stream_id, r.attempt, why);
}

void Controller::on_run_started(registry::Agent& a, const wire::Envelope& env, const proto::RunStarted& m) {
  auto s = store_.stream(m.stream_id);
  const bool fallback = s && s->agent == a.name && s->attempt == m.attempt && s->state == state::kRunning &&
                        !m.note.empty() && s->pid != m.pid;
  if (s && s->agent == a.name && s->attempt == m.attempt &&
      (s->state == state::kStarting || s->state == state::kStopping || fallback)) {
    auto run = store_.run(s->id, s->attempt);
    if (run && !m.note.empty()) run->error = m.note;
    const bool was_stopping = s->state == state::kStopping;
    if (!was_stopping) s->state = state::kRunning;
    s->pid = m.pid;
    s->encoder = m.encoder;
    store::Transaction tx(store_.db());
    Status st = store_.update_stream(*s);
    if (st && run) {
      run->pid = m.pid;
      run->encoder = m.encoder;
      run->started_at_ms = m.started_at_ms;
      st = store_.update_run(*run);
    }
    if (st) st = tx.commit();
    if (!st) {
      logger()->error("store_failed op=run_started stream={} error=\"{}\"", s->id, st.message());
      return;  // not acknowledged: the agent sends it again
    }
    logger()->info("run_started stream={} run={} agent={} pid={} encoder={}{}", s->id, s->attempt, a.name, m.pid,
                   m.encoder, m.note.empty() ? "" : " note=\"" + m.note + "\"");
  } else if (!(s && s->agent == a.name && s->attempt == m.attempt && s->state == state::kRunning)) {
    proto::RunReport r;
    r.stream_id = m.stream_id;
    r.attempt = m.attempt;
    r.pid = m.pid;
    reconcile_one(a, r);
  }
  send_to(a.name, proto::Ack{}, env.header.msg_id);
}

void Controller::on_run_exited(registry::Agent& a, const wire::Envelope& env, const proto::RunExited& m) {
  auto s = store_.stream(m.stream_id);
  auto run = store_.run(m.stream_id, m.attempt);
  store::Transaction tx(store_.db());
  Status st = Status::ok();
  if (run && run->agent == a.name && run->exit_code < 0 && run->signal == 0) {
    // The agent's account of how a run ended is the best there is, even after
    // we gave up on the run (host lost): keep it, with our reason before it.
    if (run->ended_at_ms == 0) run->ended_at_ms = m.ended_at_ms;
    run->exit_code = m.exit_code;
    run->signal = m.signal;
    run->reason = run->reason.empty() ? m.reason : run->reason + ", then " + m.reason;
    if (run->error.empty()) run->error = m.error;
    run->stderr_tail = m.stderr_tail;
    st = store_.update_run(*run);
  }
  const bool current = s && s->agent == a.name && s->attempt == m.attempt && s->holds_process();
  retry::Decision d;
  if (st && current) {
    retry::Ending e;
    e.reason = m.reason;
    e.exit_code = m.exit_code;
    e.signal = m.signal;
    e.ran_ms = run && run->started_at_ms > 0 ? m.ended_at_ms - run->started_at_ms : 0;
    e.user_stop = s->desired == "stopped";
    // Moving (an agent drains): the old run has ended, the new one starts now,
    // elsewhere, and it is not a failure.
    const bool moving = s->desired == "running" && (s->state == state::kStopping || m.reason == "drained");
    d = retry::decide(opts_.retry, s->retries, e);
    if (moving) {
      d.kind = retry::Decision::Kind::kRetry;
      d.retries = s->retries;
      d.delay_ms = 0;
      d.avoid_host = true;
    }
    const std::string error = m.error.empty() ? m.reason : m.error;
    switch (d.kind) {
      case retry::Decision::Kind::kStopped: rest(*s); break;
      case retry::Decision::Kind::kCompleted:
        rest(*s);
        if (s->state == state::kStopped) s->state = state::kCompleted;
        break;
      case retry::Decision::Kind::kFailed:
        rest(*s);
        if (s->state == state::kStopped) s->state = state::kFailed;
        s->last_error = error;
        break;
      case retry::Decision::Kind::kRetry: {
        const std::int64_t now = clock::wall_ms();
        s->state = state::kPending;
        s->retries = d.retries;
        s->retry_at_ms = now + d.delay_ms;
        s->avoid_agent = d.avoid_host ? a.name : "";
        s->pending_since_ms = now;
        s->last_error = error;
        s->waiting_for = moving ? "another agent (moved off " + a.name + ")"
                                : "retry " + std::to_string(d.retries) + " of " + std::to_string(opts_.retry.max_retries) +
                                      " in " + std::to_string((d.delay_ms + 999) / 1000) + "s";
        if (moving) s->last_error.clear();
        s->agent.clear();
        s->pid = 0;
        break;
      }
    }
    s->updated_at_ms = clock::wall_ms();
    st = store_.update_stream(*s);
  }
  if (st) st = tx.commit();
  if (st && current && s->state == state::kPending && s->retry_at_ms <= clock::wall_ms()) (void)place(*s, s->avoid_agent);
  if (!st) {
    logger()->error("store_failed op=run_exited stream={} error=\"{}\"", m.stream_id, st.message());
    return;  // not acknowledged: the agent sends it again
  }
  if (current)
    logger()->info("run_ended stream={} run={} agent={} reason={} exit_code={} signal={} state={}", m.stream_id,
                   m.attempt, a.name, m.reason, m.exit_code, m.signal, s->state);
  else
    logger()->debug("run_ended_stale stream={} run={} agent={} reason={}", m.stream_id, m.attempt, a.name, m.reason);
  send_to(a.name, proto::Ack{}, env.header.msg_id);
}

void Controller::end_run(StreamRow& s, const std::string& reason, const std::string& error) {
  auto run = store_.run(s.id, s.attempt);
  store::Transaction tx(store_.db());
  Status st = Status::ok();
  if (run && run->ended_at_ms == 0) {
    run->ended_at_ms = clock::wall_ms();
    run->reason = reason;
    run->error = error;
    st = store_.update_run(*run);
  }
  if (s.state == state::kStopping || s.desired == "stopped") {
    rest(s);
  } else {
    s.state = state::kPending;
    s.pending_since_ms = clock::wall_ms();
    s.agent.clear();
    s.pid = 0;
  }
  s.last_error = error;
  if (st) st = store_.update_stream(s);
  if (st) st = tx.commit();
  if (!st) logger()->error("store_failed op=end_run stream={} error=\"{}\"", s.id, st.message());
  logger()->warn("run_lost stream={} run={} reason={}", s.id, s.attempt, reason);
}

void Controller::agent_lost(const std::string& name) {
  logger()->warn("agent_lost agent={} silent_ms>{}", name, opts_.lost_after_ms);
  for (auto& s : store_.streams_on_agent(name)) {
    if (!s.holds_process()) continue;
    if (s.desired == "running" && (s.spec.on_host_lost == "wait" || s.spec.on_host_lost == "fence")) {
      // Held for its host: same agent, same attempt, adopted if it returns.
      // A fenced stream moves once the agent's lease has surely expired.
      const bool fence = s.spec.on_host_lost == "fence";
      s.state = state::kPending;
      s.waiting_for = fence ? "the lease of agent " + name + " to expire" : "agent " + name + " to return";
      s.retry_at_ms = fence ? clock::wall_ms() + opts_.fence_margin_ms : 0;
      if (Status st = save(s); !st) logger()->error("store_failed op=agent_lost stream={} error=\"{}\"", s.id, st.message());
      continue;
    }
    end_run(s, "host_lost", "agent " + name + " lost");
    if (s.desired == "running") (void)place(s, name);
  }
}

}  // namespace ffleet::controller
