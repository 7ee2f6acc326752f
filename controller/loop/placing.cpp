// Starting and stopping runs: placement of a stream on an agent, the pending
// queue, and resending commands until the agent answers.
#include <algorithm>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/redact.hpp"
#include "ffleet/common/log.hpp"
#include "loop/controller.hpp"
#include "placement/placement.hpp"

namespace ffleet::controller {
namespace {
auto logger() {
  static auto l = log::get("controller.placing");
  return l;
}
}  // namespace

Status Controller::save(StreamRow& s) {
  s.updated_at_ms = clock::wall_ms();
  return store_.update_stream(s);
}

limits::Limits Controller::current_limits() { return limits::merge(opts_.limits, store_.limits()); }

Status Controller::place(StreamRow& s, const std::string& avoid) {
  const auto active = store_.active_per_agent();
  std::vector<placement::Candidate> cands;
  for (const auto* a : registry_.all()) {
    placement::Candidate c;
    c.name = a->name;
    c.accepts_work = a->accepts_work();
    auto it = active.find(a->name);
    c.active = it == active.end() ? 0 : it->second;
    c.max_streams = a->info.max_streams;
    c.encoders = a->info.encoders;
    c.cpu_percent = a->host.cpu_percent;
    // A host whose live streams fall below 1.0x is full, whatever its slots say.
    c.behind = std::any_of(a->runs.begin(), a->runs.end(), [](const proto::RunReport& r) { return r.behind; });
    c.free_sessions = a->info.session_limits;
    for (const auto& r : a->runs) {
      const auto u = r.encoder.find('_');
      if (u == std::string::npos) continue;
      if (auto f = c.free_sessions.find(r.encoder.substr(u + 1)); f != c.free_sessions.end()) --f->second;
    }
    cands.push_back(std::move(c));
  }
  auto where = placement::choose(s.spec, cands, avoid);
  if (!where) {
    const bool changed = s.state != state::kPending || s.waiting_for != where.error();
    s.state = state::kPending;
    s.agent.clear();
    s.pid = 0;
    s.waiting_for = where.error();
    if (changed) {
      logger()->info("stream_pending stream={} waiting_for=\"{}\"", s.id, s.waiting_for);
      return save(s);
    }
    return Status::ok();
  }
  s.attempt += 1;
  s.agent = *where;
  s.retry_at_ms = 0;
  s.avoid_agent.clear();
  s.state = state::kStarting;
  s.pid = 0;
  s.encoder.clear();
  s.waiting_for.clear();
  s.last_error.clear();
  RunRow run;
  run.stream_id = s.id;
  run.attempt = s.attempt;
  run.agent = s.agent;
  run.requested_at_ms = clock::wall_ms();
  store::Transaction tx(store_.db());
  Status st = save(s);
  if (st) st = store_.insert_run(run);
  if (st) st = tx.commit();
  if (!st) return st;
  logger()->info("run_placed stream={} run={} agent={}", s.id, s.attempt, s.agent);
  send_start(s);
  return Status::ok();
}

void Controller::rest(StreamRow& s) {
  s.desired = "stopped";
  s.state = s.next_start_ms > 0 ? state::kScheduled : state::kStopped;
  s.agent.clear();
  s.pid = 0;
  s.stop_at_ms = 0;
  s.retries = 0;
  s.retry_at_ms = 0;
  s.avoid_agent.clear();
  s.waiting_for.clear();
  s.pending_since_ms = 0;
}

void Controller::StartContext::claim(const StreamRow& s) {
  for (const auto& o : s.spec.outputs)
    if (o != "null" && o != "-") destinations.emplace(o, std::make_pair(s.id, s.name));
}

Controller::StartContext Controller::start_context() {
  StartContext ctx;
  ctx.limits = current_limits();
  ctx.usage = {store_.running_total(), store_.running_per_owner()};
  for (const auto& other : store_.streams())
    if (other.desired == "running" && (other.holds_process() || other.state == state::kPending)) ctx.claim(other);
  return ctx;
}

Status Controller::start_blocker(const StreamRow& s, const StartContext& ctx) {
  if (Status ok = limits::admit(ctx.limits, ctx.usage, s.owner); !ok) return ok;
  // Two live pushes to one destination (one RTMP key) fight each other.
  for (const auto& o : s.spec.outputs) {
    auto it = ctx.destinations.find(o);
    if (it != ctx.destinations.end() && it->second.first != s.id)
      return Status::error("output " + redact::url(o) + " is in use by stream " + it->second.second + " (id " +
                           std::to_string(it->second.first) + ")");
  }
  return Status::ok();
}

Status Controller::want_running(StreamRow& s, bool manual, std::string& refusal) {
  const std::int64_t now = clock::wall_ms();
  if (Status blocked = start_blocker(s, start_context()); !blocked) {
    if (manual) {
      refusal = blocked.message();
      logger()->warn("start_refused stream={} why=\"{}\"", s.id, refusal);
      return Status::ok();
    }
    s.desired = "running";
    s.state = state::kPending;
    s.pending_since_ms = now;
    s.waiting_for = blocked.message();
    logger()->info("stream_pending stream={} waiting_for=\"{}\"", s.id, s.waiting_for);
    return save(s);
  }
  s.desired = "running";
  s.last_error.clear();
  s.pending_since_ms = now;
  return place(s, s.avoid_agent);
}

Status Controller::stop_wanted(StreamRow& s, const std::string& reason) {
  const bool live = s.state == state::kStarting || s.state == state::kRunning;
  if (live) {
    s.desired = "stopped";
    s.state = state::kStopping;
    s.stop_at_ms = 0;
    s.retries = 0;
    s.retry_at_ms = 0;
    s.waiting_for.clear();
  } else if (s.state != state::kStopping) {
    const bool keep_final = s.state == state::kCompleted || s.state == state::kFailed;
    const std::string was = s.state;
    rest(s);
    if (keep_final && s.state == state::kStopped) s.state = was;
  } else {
    s.desired = "stopped";
  }
  if (Status st = save(s); !st) {
    logger()->error("store_failed op=stop stream={} error=\"{}\"", s.id, st.message());
    return st;
  }
  if (live) {
    send_stop(s.agent, s.id, s.attempt, reason);
    last_command_ms_[s.id] = clock::steady_ms();
  }
  return Status::ok();
}

void Controller::place_pending() {
  auto pending = store_.pending_queue();
  if (pending.empty()) return;
  const std::int64_t now = clock::wall_ms();
  // No agent can take work: nothing to decide this round.
  const auto all = registry_.all();
  if (std::none_of(all.begin(), all.end(), [](const registry::Agent* a) { return a->accepts_work(); })) return;
  StartContext ctx = start_context();
  for (auto& s : pending) {  // priority, then first come, first served
    if (s.desired != "running") continue;
    if (!s.agent.empty()) {
      // Held for its host; a fenced stream moves once the lease has expired.
      const auto* a = registry_.find(s.agent);
      if (s.spec.on_host_lost != "fence" || s.retry_at_ms > now || (a && a->connected)) continue;
      const std::string lost = s.agent;
      end_run(s, "host_lost", "agent " + lost + " lost; its lease expired");
      s.avoid_agent = lost;
    }
    if (s.retry_at_ms > now) continue;                           // backing off
    if (Status blocked = start_blocker(s, ctx); !blocked) {
      if (s.waiting_for != blocked.message()) {
        s.waiting_for = blocked.message();
        (void)save(s);
      }
      continue;
    }
    if (Status st = place(s, s.avoid_agent); !st) {
      logger()->error("store_failed op=place stream={} error=\"{}\"", s.id, st.message());
      return;
    }
    if (s.state == state::kStarting) {
      ++ctx.usage.global;
      ++ctx.usage.per_user[s.owner];
    }
  }
}

void Controller::send_start(const StreamRow& s) {
  proto::StartRun m;
  m.stream_id = s.id;
  m.attempt = s.attempt;
  m.name = s.name;
  m.spec = s.spec;
  m.store_id = store_.id();
  send_to_agent(s.agent, m);
  last_command_ms_[s.id] = clock::steady_ms();
}

void Controller::send_stop(const std::string& agent, std::int64_t stream_id, std::int64_t attempt,
                           const std::string& reason) {
  proto::StopRun m;
  m.stream_id = stream_id;
  m.attempt = attempt;
  m.reason = reason;
  send_to_agent(agent, m);
}

void Controller::resend_commands(std::int64_t now) {
  std::map<std::int64_t, std::int64_t> keep;
  for (const char* st : {state::kStarting, state::kStopping}) {
    for (auto& s : store_.streams_in_state(st)) {
      auto it = last_command_ms_.find(s.id);
      std::int64_t last = it == last_command_ms_.end() ? 0 : it->second;
      const auto* a = registry_.find(s.agent);
      if (a && a->connected && now - last >= opts_.resend_ms) {
        if (s.state == state::kStarting) send_start(s);
        else send_stop(s.agent, s.id, s.attempt, s.desired == "running" ? "drained" : "user_stop");
        last = now;
      }
      keep[s.id] = last;
    }
  }
  last_command_ms_.swap(keep);
}

}  // namespace ffleet::controller
