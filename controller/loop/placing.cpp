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
auto placing_log() {
  static auto l = log::get("controller.placing");
  return l;
}
}  // namespace

limits::Limits Controller::current_limits() { return limits::merge(opts_.limits, store_.limits()); }

const std::vector<placement::Candidate>& Controller::candidates() {
  const auto& all = registry_.all();
  const auto& index = store_.streams();
  auto changed = store_.take_active_changes();
  // Every agent's slots in use are read again when the agents or too many of
  // their counts changed; otherwise only those of the agents whose count did
  // (one per placement in a burst).
  bool every_count = changed.overflowed;
  if (candidates_.size() != all.size()) {
    candidates_.assign(all.size(), placement::Candidate{});
    candidate_epochs_.assign(all.size(), 0);
    candidate_runs_epochs_.assign(all.size(), 0);
    candidate_slot_.clear();
    for (std::size_t i = 0; i < all.size(); ++i) candidate_slot_[all[i]->name] = i;
    ++candidates_epoch_;
    every_count = true;
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    const registry::Agent& a = *all[i];
    placement::Candidate& c = candidates_[i];
    // What the agent registered with is copied only when it registers again.
    const bool registered_again = candidate_epochs_[i] != a.info_epoch;
    if (registered_again) {
      c.name = a.name;
      c.max_streams = a.info.max_streams;
      c.encoders = a.info.encoders;
      c.policy = {a.info.media_roots, a.info.output_roots, a.info.protocols};
      c.policy_key = policy_key(c.policy);
      candidate_epochs_[i] = a.info_epoch;
      ++candidates_epoch_;
    }
    c.accepts_work = a.accepts_work();
    if (const char* state = a.state_name(); c.state != state) c.state = state;
    c.cpu_percent = a.host.cpu_percent;
    if (every_count) c.active = index.active_on(a.name);
    // What the runs say is derived again only when they were reported again.
    if (!registered_again && candidate_runs_epochs_[i] == a.runs_epoch) continue;
    candidate_runs_epochs_[i] = a.runs_epoch;
    // A host whose live streams fall below 1.0x is full, whatever its slots say.
    c.behind = std::any_of(a.runs.begin(), a.runs.end(), [](const proto::RunReport& r) { return r.behind; });
    c.free_sessions = a.free_sessions();
  }
  if (!every_count)
    for (const auto& name : changed.agents)
      if (auto it = candidate_slot_.find(name); it != candidate_slot_.end())
        candidates_[it->second].active = index.active_on(name);
  return candidates_;
}

std::uint64_t Controller::policy_key(const confine::Policy& p) {
  for (std::size_t i = 0; i < distinct_policies_.size(); ++i) {
    const auto& d = distinct_policies_[i];
    if (d.protocols == p.protocols && d.media_roots == p.media_roots && d.output_roots == p.output_roots) return i + 1;
  }
  distinct_policies_.push_back(p);
  return distinct_policies_.size();
}

void Controller::place(StreamRow& s, const std::string& avoid) {
  const auto began = LoopMetrics::Clock::now();
  auto where = placement::choose(s.spec, candidates(), avoid);
  metrics_.placement(began);
  lifecycle::Event e;
  e.kind = where ? lifecycle::EventKind::kPlaced : lifecycle::EventKind::kNoCapacity;
  if (where) e.agent = *where;
  else e.reason = where.error();
  const State before = s.state;
  const std::string waited = s.waiting_for;
  apply(s, e);
  if (!where && (before != State::kPending || waited != s.waiting_for))
    placing_log()->info("stream_pending stream={} waiting_for=\"{}\"", s.id, s.waiting_for);
}

const std::vector<streams::AgentPolicy>& Controller::agent_policies() {
  const auto& cands = candidates();
  // Copied again only when an agent registered since (candidates() knows).
  if (policies_epoch_ != candidates_epoch_) {
    policies_.clear();
    for (const auto& c : cands) policies_.push_back({c.name, c.policy});
    policies_epoch_ = candidates_epoch_;
  }
  return policies_;
}

Status Controller::start_blocker(const StreamRow& s) {
  // Usage as the index counts it now: every start and end before this one
  // in the same turn is already in it.
  const auto& index = store_.streams();
  limits::Usage usage;
  usage.global = index.running_total();
  if (auto it = index.running_per_owner().find(s.owner); it != index.running_per_owner().end())
    usage.per_user[s.owner] = it->second;
  if (Status ok = limits::admit(current_limits(), usage, s.owner); !ok) return ok;
  // Two live pushes to one destination (one RTMP key) fight each other.
  for (const auto& o : s.spec.outputs) {
    if (o == "null" || o == "-") continue;
    if (const StreamRow* holder = index.holder_of(o, s.id))
      return Status::error("output " + redact::url(o) + " is in use by stream " + holder->name + " (id " +
                           std::to_string(holder->id) + ")");
  }
  return Status::ok();
}

std::int64_t Controller::free_slots() {
  std::int64_t free = 0;
  for (const auto& c : candidates())
    if (c.accepts_work && !c.behind) free += std::max<std::int64_t>(0, c.max_streams - c.active);
  return free;
}

void Controller::place_pending() {
  placement_due_ = false;
  const auto& index = store_.streams();
  if (index.count_in_state(State::kPending) == 0) return;
  const std::int64_t now = clock::wall_ms();
  // No agent can take work: nothing to decide this round.
  const auto& all = registry_.all();
  if (std::none_of(all.begin(), all.end(), [](const registry::Agent* a) { return a->accepts_work(); })) return;
  // Once every slot is taken, a stream that waits for one is not tried
  // (a try costs a look at every agent): it keeps the reason it has.
  std::int64_t free = free_slots();
  std::vector<std::int64_t> queue;  // priority, then first come, first served
  for (const auto* p : index.pending()) queue.push_back(p->id);
  for (const std::int64_t id : queue) {
    const StreamRow* row = index.get(id);
    if (row == nullptr || row->state != State::kPending || row->desired != Desired::kRunning) continue;
    if (row->agent.empty() && row->retry_at_ms > now) continue;
    StreamRow s = *row;
    if (!s.agent.empty()) {
      // Held for its host; a fenced stream moves once the lease has expired.
      const auto* a = registry_.find(s.agent);
      if (a && a->connected) continue;
      lifecycle::Event lease;
      lease.kind = lifecycle::EventKind::kLeaseExpired;
      lease.agent = s.agent;
      if (apply(s, lease).ignored) continue;
      // The lease's end asked for a placement at once (like any failover).
    } else {
      if (Status blocked = start_blocker(s); !blocked) {
        lifecycle::Event wait;
        wait.kind = lifecycle::EventKind::kNoCapacity;
        wait.reason = blocked.message();
        apply(s, wait);
        continue;
      }
      // A reason from before any agent was ready is tried once more, to
      // say what it waits for now.
      if (free <= 0 && s.waiting_for.rfind("no ready agent", 0) != 0) continue;
      lifecycle::Event due;
      due.kind = lifecycle::EventKind::kRetryDue;
      apply(s, due);
    }
    if (s.state == State::kStarting) --free;
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
  // Sending changes no row: the index is walked in place, nothing copied.
  std::map<std::int64_t, std::int64_t> keep;
  for (State st : {State::kStarting, State::kStopping}) {
    for (const StreamRow* s : store_.streams().in_state(st)) {
      auto it = last_command_ms_.find(s->id);
      std::int64_t last = it == last_command_ms_.end() ? 0 : it->second;
      const auto* a = registry_.find(s->agent);
      if (a && a->connected && now - last >= opts_.resend_ms) {
        if (s->state == State::kStarting) send_start(*s);
        else send_stop(s->agent, s->id, s->attempt, s->desired == Desired::kRunning ? "drained" : "user_stop");
        last = now;
      }
      keep.emplace_hint(keep.end(), s->id, last);
    }
  }
  last_command_ms_.swap(keep);
}

}  // namespace ffleet::controller
