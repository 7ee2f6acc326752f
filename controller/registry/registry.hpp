// Agents as the controller sees them now: who is connected, when each was
// last heard from, what it reported, and whether it is ready, draining or
// lost. In memory only; what must survive a restart (the agent's identity,
// an operator's drain) is in the store.
// Owned by the controller's loop; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::controller::registry {

inline constexpr const char* kReady = "ready";
inline constexpr const char* kDraining = "draining";
inline constexpr const char* kLost = "lost";

struct Agent {
  std::string name;
  std::string peer;      // ZeroMQ routing id of the live process's DEALER socket
  std::string instance;  // random per agent process (Register.instance)
  std::string key;       // its public key with CURVE links, else 
  proto::Register info;
  // Changes whenever `info` is replaced (a registration), never otherwise:
  // what placement copied from it is current while this is.
  std::uint64_t info_epoch = 0;
  bool connected = false;        // registered in this controller's lifetime and not lost since
  bool drain_requested = false;  // by an operator (persisted)
  bool draining_self = false;    // the agent says it is draining (SIGTERM)
  std::int64_t last_heard_ms = 0;   // steady clock
  std::int64_t last_seen_wall_ms = 0;
  std::int64_t grace_until_ms = 0;  // steady clock: not declared lost before this
  std::int64_t last_reconciled_ms = 0;  // heartbeats closer than half an interval are not reconciled again
  bool loss_pending = false;        // known from before a restart, not back yet
  // Registered after a restart without every run the database placed on this
  // name: a second process under the name (a misconfigured host) may have
  // come first, and the real one may still report the runs. Until this ends
  // it gets no work, another process reporting more of those runs takes the
  // name, and then its missing runs are judged (steady clock; 0: settled).
  std::int64_t provisional_until_ms = 0;
  proto::HostStats host;
  std::vector<proto::RunReport> runs;  // set through set_runs()
  // Changes whenever `runs` is replaced: what placement derived from them
  // (a run behind, encoder sessions in use) is current while this is.
  std::uint64_t runs_epoch = 0;
  // Runs it reports that another database placed (see Controller::foreign).
  std::int64_t unknown_runs = 0;
  // The last process refused for using this name, for `agent ls`.
  std::string duplicate;
  std::string duplicate_instance;

  std::string state() const { return state_name(); }
  const char* state_name() const {
    if (!connected) return kLost;
    return drain_requested || draining_self ? kDraining : kReady;
  }
  bool accepts_work() const { return connected && !drain_requested && !draining_self && provisional_until_ms == 0; }
  const proto::RunReport* run(std::int64_t stream_id, std::int64_t attempt) const;
  void set_runs(std::vector<proto::RunReport> reported);
  // Hardware sessions still free by vendor ("nvenc" -> 1): the limits it
  // registered with, less its runs on that vendor's encoders; absent: unlimited.
  std::map<std::string, std::int64_t> free_sessions() const;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;  // all_ points into agents_
  Registry& operator=(const Registry&) = delete;
  Registry(Registry&&) = default;
  Registry& operator=(Registry&&) = default;
  // An agent known from the database but not (yet) connected since start-up.
  void remember(const std::string& name, const proto::Register& info, bool drain_requested, std::int64_t grace_until_ms,
                std::int64_t last_seen_wall_ms);
  // A registration ends any grace: from now on the agent is judged by its
  // heartbeats like every other.
  Agent& on_register(const proto::Register& r, const std::string& peer, std::int64_t now_ms, std::int64_t now_wall_ms,
                     const std::string& key = {});
  Agent* find(const std::string& name);
  const Agent* find(const std::string& name) const;
  // The connected agent whose live process uses this routing id.
  Agent* by_peer(const std::string& peer);
  // The controller was not running for a while (SIGSTOP, a slow disk): no
  // agent is judged on the silence; each gets a full lost_after from `now`,
  // and agents still expected after a restart get their grace extended.
  void forgive(std::int64_t paused_ms, std::int64_t now_ms);
  // Marks as lost every connected agent silent for longer than `lost_after_ms`
  // (and past its grace), and every agent known from before a restart that
  // did not come back within its grace; returns their names.
  std::vector<std::string> expire(std::int64_t now_ms, std::int64_t lost_after_ms);
  // Ends a connected agent's session now (its key was revoked): it is lost.
  // Returns whether it was connected.
  bool disconnect(const std::string& name);
  // Agents whose provisional registration ended by `now`: settled from here.
  std::vector<Agent*> settle(std::int64_t now_ms);
  // Every agent, by name (kept: it changes only when an agent is first known).
  const std::vector<const Agent*>& all() const { return all_; }
  std::vector<Agent*> connected();

 private:
  Agent& known(const std::string& name);
  std::map<std::string, Agent> agents_;
  std::vector<const Agent*> all_;
  std::map<std::string, std::string> by_peer_;  // routing id -> name, connected agents only
};

}  // namespace ffleet::controller::registry
