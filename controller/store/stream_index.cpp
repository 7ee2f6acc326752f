#include "store/stream_index.hpp"

#include <utility>

#include <algorithm>
#include <iterator>

#include "ffleet/common/codec.hpp"

namespace ffleet::controller::store {
namespace {
static_assert(std::size(kAllStates) == 8, "StreamIndex::by_state_ has one set per state");

bool counts_against_limits(const StreamRow& s) { return s.state == State::kStarting || s.state == State::kRunning; }

// Adds `sign` to a count; a count that falls to zero is removed, so that two
// indexes with the same rows compare equal.
template <class Map> void count(Map& m, const std::string& key, int sign) {
  auto& n = m[key];
  n += sign;
  if (n == 0) m.erase(key);
}

void member(std::map<std::string, std::set<std::int64_t>>& m, const std::string& key, std::int64_t id, int sign) {
  if (sign > 0) {
    m[key].insert(id);
    return;
  }
  auto it = m.find(key);
  if (it == m.end()) return;
  it->second.erase(id);
  if (it->second.empty()) m.erase(it);
}

template <class Set, class Key> void member(Set& set, const Key& key, int sign) {
  if (sign > 0) set.insert(key);
  else set.erase(key);
}

std::vector<const StreamRow*> sorted_by_id(std::vector<const StreamRow*> v) {
  std::sort(v.begin(), v.end(), [](const StreamRow* a, const StreamRow* b) { return a->id < b->id; });
  return v;
}

std::string describe(const StreamRow& s) {
  return "id=" + std::to_string(s.id) + " name=" + s.name + " state=" + std::string(to_string(s.state)) +
         " desired=" + std::string(to_string(s.desired)) + " agent=" + s.agent + " attempt=" + std::to_string(s.attempt);
}

bool same_row(const StreamRow& a, const StreamRow& b) {
  return std::tie(a.id, a.name, a.owner, a.desired, a.state, a.agent, a.attempt, a.pid, a.encoder, a.last_error,
                  a.waiting_for, a.created_at_ms, a.updated_at_ms, a.next_start_ms, a.stop_at_ms, a.retries,
                  a.retry_at_ms, a.avoid_agent, a.priority, a.pending_since_ms) ==
             std::tie(b.id, b.name, b.owner, b.desired, b.state, b.agent, b.attempt, b.pid, b.encoder, b.last_error,
                      b.waiting_for, b.created_at_ms, b.updated_at_ms, b.next_start_ms, b.stop_at_ms, b.retries,
                      b.retry_at_ms, b.avoid_agent, b.priority, b.pending_since_ms) &&
         wire::encode_body(a.spec) == wire::encode_body(b.spec);
}
}  // namespace

bool StreamIndex::holds_destinations(const StreamRow& s) {
  return s.desired == Desired::kRunning && (s.holds_process() || s.state == State::kPending);
}

void StreamIndex::link(const StreamRow& s, int sign) {
  if (sign > 0) by_name_[s.name] = s.id;
  else by_name_.erase(s.name);
  member(by_state_[slot(s.state)], s.id, sign);
  if (!s.agent.empty()) member(by_agent_, s.agent, s.id, sign);
  if (s.state == State::kPending) member(pending_, pending_key(s), sign);
  if (s.state == State::kScheduled && s.next_start_ms > 0) member(starts_, std::make_pair(s.next_start_ms, s.id), sign);
  if (s.desired == Desired::kRunning && s.stop_at_ms > 0) member(stops_, std::make_pair(s.stop_at_ms, s.id), sign);
  if (s.holds_process() && !s.agent.empty()) {
    count(active_, s.agent, sign);
    // Kept up to a bound: beyond it, placement refreshes every agent anyway.
    constexpr std::size_t kMaxActiveChanges = 4096;
    if (active_changes_.agents.size() >= kMaxActiveChanges) {
      active_changes_.agents.clear();
      active_changes_.overflowed = true;
    }
    if (!active_changes_.overflowed) active_changes_.agents.push_back(s.agent);
  }
  if (counts_against_limits(s)) {
    running_total_ += sign;
    count(running_owner_, s.owner, sign);
  }
  if (holds_destinations(s))
    for (const auto& o : s.spec.outputs)
      if (o != "null" && o != "-") member(destinations_, o, s.id, sign);
}

std::optional<StreamRow> StreamIndex::put(StreamRow s) {
  std::optional<StreamRow> old;
  auto it = rows_.find(s.id);
  if (it != rows_.end()) {
    link(it->second, -1);
    old = std::exchange(it->second, std::move(s));
  } else {
    const std::int64_t id = s.id;
    it = rows_.emplace(id, std::move(s)).first;
    by_id_[id] = &it->second;
  }
  link(it->second, +1);
  return old;
}

std::optional<StreamRow> StreamIndex::erase(std::int64_t id) {
  auto it = rows_.find(id);
  if (it == rows_.end()) return std::nullopt;
  link(it->second, -1);
  std::optional<StreamRow> old = std::move(it->second);
  by_id_.erase(id);
  rows_.erase(it);
  return old;
}

const StreamRow* StreamIndex::get(std::int64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

const StreamRow* StreamIndex::named(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : get(it->second);
}

std::vector<const StreamRow*> StreamIndex::in_state(State state) const {
  std::vector<const StreamRow*> out;
  for (auto id : by_state_[slot(state)]) out.push_back(&rows_.at(id));
  return out;
}

std::vector<const StreamRow*> StreamIndex::on_agent(const std::string& agent) const {
  std::vector<const StreamRow*> out;
  auto it = by_agent_.find(agent);
  if (it == by_agent_.end()) return out;
  for (auto id : it->second) out.push_back(&rows_.at(id));
  return out;
}

std::vector<const StreamRow*> StreamIndex::pending() const {
  std::vector<const StreamRow*> out;
  for (const auto& key : pending_) out.push_back(&rows_.at(std::get<2>(key)));
  return out;
}

std::vector<const StreamRow*> StreamIndex::due_to_start(std::int64_t now_ms) const {
  std::vector<const StreamRow*> out;
  for (auto it = starts_.begin(); it != starts_.end() && it->first <= now_ms; ++it) out.push_back(&rows_.at(it->second));
  return sorted_by_id(std::move(out));
}

std::vector<const StreamRow*> StreamIndex::due_to_stop(std::int64_t now_ms) const {
  std::vector<const StreamRow*> out;
  for (auto it = stops_.begin(); it != stops_.end() && it->first <= now_ms; ++it) out.push_back(&rows_.at(it->second));
  return sorted_by_id(std::move(out));
}

std::int64_t StreamIndex::active_on(const std::string& agent) const {
  auto it = active_.find(agent);
  return it == active_.end() ? 0 : it->second;
}

std::int64_t StreamIndex::pending_waiting(std::int64_t now_ms) const {
  std::int64_t n = 0;
  for (const auto& key : pending_) {
    const StreamRow& s = rows_.at(std::get<2>(key));
    if (s.desired == Desired::kRunning && s.agent.empty() && s.retry_at_ms <= now_ms) ++n;
  }
  return n;
}

const StreamRow* StreamIndex::holder_of(const std::string& output, std::int64_t other_than) const {
  auto it = destinations_.find(output);
  if (it == destinations_.end()) return nullptr;
  for (auto id : it->second)
    if (id != other_than) return &rows_.at(id);
  return nullptr;
}

std::string StreamIndex::diff(const StreamIndex& truth) const {
  for (const auto& [id, row] : truth.rows_) {
    const StreamRow* mine = get(id);
    if (mine == nullptr) return "stream missing from memory: " + describe(row);
    if (!same_row(*mine, row)) return "stream differs: memory " + describe(*mine) + ", database " + describe(row);
  }
  for (const auto& [id, row] : rows_)
    if (truth.get(id) == nullptr) return "stream in memory only: " + describe(row);
  if (by_name_ != truth.by_name_) return "names differ";
  if (by_state_ != truth.by_state_) return "streams per state differ";
  if (by_agent_ != truth.by_agent_) return "streams per agent differ";
  if (pending_ != truth.pending_) return "pending queues differ";
  if (starts_ != truth.starts_ || stops_ != truth.stops_) return "schedules differ";
  if (active_ != truth.active_) return "active streams per agent differ";
  if (running_total_ != truth.running_total_ || running_owner_ != truth.running_owner_) return "usage differs";
  if (destinations_ != truth.destinations_) return "held destinations differ";
  return {};
}

}  // namespace ffleet::controller::store
