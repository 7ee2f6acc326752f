#include "registry/registry.hpp"

#include <algorithm>

namespace ffleet::controller::registry {
namespace {
std::uint64_t next_epoch() {
  static std::uint64_t epoch = 0;
  return ++epoch;
}
}  // namespace

std::map<std::string, std::int64_t> Agent::free_sessions() const {
  auto free = info.session_limits;
  for (const auto& r : runs) {
    if (free.empty()) break;
    const auto u = r.encoder.find('_');
    if (u == std::string::npos) continue;
    if (auto f = free.find(r.encoder.substr(u + 1)); f != free.end()) --f->second;
  }
  return free;
}

void Agent::set_runs(std::vector<proto::RunReport> reported) {
  runs = std::move(reported);
  runs_epoch = next_epoch();
}

Agent& Registry::known(const std::string& name) {
  auto [it, added] = agents_.try_emplace(name);
  if (added) {
    all_.clear();
    for (const auto& [n, a] : agents_) all_.push_back(&a);
  }
  return it->second;
}

const proto::RunReport* Agent::run(std::int64_t stream_id, std::int64_t attempt) const {
  for (const auto& r : runs)
    if (r.stream_id == stream_id && r.attempt == attempt) return &r;
  return nullptr;
}

void Registry::remember(const std::string& name, const proto::Register& info, bool drain_requested,
                        std::int64_t grace_until_ms, std::int64_t last_seen_wall_ms) {
  Agent& a = known(name);
  a.name = name;
  a.info = info;
  a.info_epoch = next_epoch();
  a.drain_requested = drain_requested;
  a.grace_until_ms = grace_until_ms;
  a.last_seen_wall_ms = last_seen_wall_ms;
  a.loss_pending = true;
}

Agent& Registry::on_register(const proto::Register& r, const std::string& peer, std::int64_t now_ms,
                             std::int64_t now_wall_ms, const std::string& key) {
  Agent& a = known(r.name);
  if (a.connected) by_peer_.erase(a.peer);
  by_peer_[peer] = r.name;
  a.name = r.name;
  a.peer = peer;
  a.instance = r.instance;
  a.key = key;
  a.info = r;
  a.info_epoch = next_epoch();
  a.connected = true;
  a.loss_pending = false;
  a.grace_until_ms = 0;
  a.provisional_until_ms = 0;
  a.draining_self = r.draining;
  a.last_heard_ms = now_ms;
  a.last_seen_wall_ms = now_wall_ms;
  a.set_runs(r.runs);
  return a;
}

Agent* Registry::find(const std::string& name) {
  auto it = agents_.find(name);
  return it == agents_.end() ? nullptr : &it->second;
}

const Agent* Registry::find(const std::string& name) const {
  auto it = agents_.find(name);
  return it == agents_.end() ? nullptr : &it->second;
}

Agent* Registry::by_peer(const std::string& peer) {
  auto it = by_peer_.find(peer);
  return it == by_peer_.end() ? nullptr : find(it->second);
}

void Registry::forgive(std::int64_t paused_ms, std::int64_t now_ms) {
  for (auto& [n, a] : agents_) {
    if (a.connected) a.last_heard_ms = std::max(a.last_heard_ms, now_ms);
    if (a.provisional_until_ms > 0) a.provisional_until_ms += paused_ms;
    if (a.loss_pending) a.grace_until_ms += paused_ms;
  }
}

std::vector<std::string> Registry::expire(std::int64_t now_ms, std::int64_t lost_after_ms) {
  std::vector<std::string> lost;
  for (auto& [name, a] : agents_) {
    if (a.connected && now_ms - a.last_heard_ms > lost_after_ms && now_ms >= a.grace_until_ms) {
      a.connected = false;
      by_peer_.erase(a.peer);
      a.set_runs({});
      lost.push_back(name);
    } else if (!a.connected && a.loss_pending && now_ms >= a.grace_until_ms) {
      a.loss_pending = false;
      lost.push_back(name);
    }
  }
  return lost;
}

bool Registry::disconnect(const std::string& name) {
  Agent* a = find(name);
  if (a == nullptr || !a->connected) return false;
  a->connected = false;
  a->loss_pending = false;
  by_peer_.erase(a->peer);
  a->set_runs({});
  return true;
}

std::vector<Agent*> Registry::settle(std::int64_t now_ms) {
  std::vector<Agent*> out;
  for (auto& [n, a] : agents_) {
    if (a.provisional_until_ms == 0 || now_ms < a.provisional_until_ms) continue;
    a.provisional_until_ms = 0;
    if (a.connected) out.push_back(&a);
  }
  return out;
}

std::vector<Agent*> Registry::connected() {
  std::vector<Agent*> out;
  for (auto& [n, a] : agents_)
    if (a.connected) out.push_back(&a);
  return out;
}

}  // namespace ffleet::controller::registry
