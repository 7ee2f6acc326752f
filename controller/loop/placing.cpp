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

limits::Limits Controller::current_limits() { return limits::merge(opts_.limits, store_.limits()); }

void Controller::place(StreamRow& s, const std::string& avoid) {
  const auto began = LoopMetrics::Clock::now();
  const auto active = store_.active_per_agent();
  std::vector<placement::Candidate> cands;
  for (const auto* a : registry_.all()) {
    placement::Candidate c;
    c.name = a->name;
    c.accepts_work = a->accepts_work();
    c.state = a->state();
    auto it = active.find(a->name);
    c.active = it == active.end() ? 0 : it->second;
    c.max_streams = a->info.max_streams;
    c.encoders = a->info.encoders;
    c.cpu_percent = a->host.cpu_percent;
    // A host whose live streams fall below 1.0x is full, whatever its slots say.
    c.behind = std::any_of(a->runs.begin(), a->runs.end(), [](const proto::RunReport& r) { return r.behind; });
    c.free_sessions = a->info.session_limits;
    c.policy = {a->info.media_roots, a->info.output_roots, a->info.protocols};
    for (const auto& r : a->runs) {
      const auto u = r.encoder.find('_');
      if (u == std::string::npos) continue;
      if (auto f = c.free_sessions.find(r.encoder.substr(u + 1)); f != c.free_sessions.end()) --f->second;
    }
    cands.push_back(std::move(c));
  }
  auto where = placement::choose(s.spec, cands, avoid);
  metrics_.placement(began);
  lifecycle::Event e;
  e.kind = where ? lifecycle::EventKind::kPlaced : lifecycle::EventKind::kNoCapacity;
  if (where) e.agent = *where;
  else e.reason = where.error();
  const State before = s.state;
  const std::string waited = s.waiting_for;
  apply(s, e);
  if (!where && (before != State::kPending || waited != s.waiting_for))
    logger()->info("stream_pending stream={} waiting_for=\"{}\"", s.id, s.waiting_for);
}

std::vector<streams::AgentPolicy> Controller::agent_policies() const {
  std::vector<streams::AgentPolicy> out;
  for (const auto* a : registry_.all())
    out.push_back({a->name, {a->info.media_roots, a->info.output_roots, a->info.protocols}});
  return out;
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
    if (other.desired == Desired::kRunning && (other.holds_process() || other.state == State::kPending)) ctx.claim(other);
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

void Controller::place_pending() {
  auto pending = store_.pending_queue();
  if (pending.empty()) return;
  const std::int64_t now = clock::wall_ms();
  // No agent can take work: nothing to decide this round.
  const auto all = registry_.all();
  if (std::none_of(all.begin(), all.end(), [](const registry::Agent* a) { return a->accepts_work(); })) return;
  StartContext ctx = start_context();
  for (auto& s : pending) {  // priority, then first come, first served
    if (s.desired != Desired::kRunning) continue;
    if (!s.agent.empty()) {
      // Held for its host; a fenced stream moves once the lease has expired.
      const auto* a = registry_.find(s.agent);
      if (a && a->connected) continue;
      lifecycle::Event lease;
      lease.kind = lifecycle::EventKind::kLeaseExpired;
      lease.agent = s.agent;
      if (apply(s, lease).ignored) continue;
      // The lease's end asked for a placement at once (like any failover).
    } else if (s.retry_at_ms <= now) {
      if (Status blocked = start_blocker(s, ctx); !blocked) {
        lifecycle::Event wait;
        wait.kind = lifecycle::EventKind::kNoCapacity;
        wait.reason = blocked.message();
        apply(s, wait);
        continue;
      }
      lifecycle::Event due;
      due.kind = lifecycle::EventKind::kRetryDue;
      apply(s, due);
    }
    if (s.state == State::kStarting) {
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
  for (State st : {State::kStarting, State::kStopping}) {
    for (auto& s : store_.streams_in_state(st)) {
      auto it = last_command_ms_.find(s.id);
      std::int64_t last = it == last_command_ms_.end() ? 0 : it->second;
      const auto* a = registry_.find(s.agent);
      if (a && a->connected && now - last >= opts_.resend_ms) {
        if (s.state == State::kStarting) send_start(s);
        else send_stop(s.agent, s.id, s.attempt, s.desired == Desired::kRunning ? "drained" : "user_stop");
        last = now;
      }
      keep[s.id] = last;
    }
  }
  last_command_ms_.swap(keep);
}

}  // namespace ffleet::controller
