// The streams table in memory: every row with its spec parsed once, and the
// indexes and counts the loop's hot paths ask for (the pending queue, streams
// per state and per agent, slots held per agent, usage per owner, the
// destinations live streams hold, the schedule's next starts and stops).
//
// Pure data: the Store keeps it equal to the table (every write goes to both;
// a rolled-back savepoint or a failed commit undoes both, see Db's undo
// journal), and `diff` compares it with one loaded afresh, for the debug
// check of the loop (FFLEET_DEBUG_CHECK_INDEX) and the tests.
// Every query costs what it returns, never the number of streams known.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model.hpp"

namespace ffleet::controller::store {

class StreamIndex {
 public:
  StreamIndex() = default;
  // Moves keep rows_'s nodes, which by_id_ points into; a copy would not.
  StreamIndex(StreamIndex&&) = default;
  StreamIndex& operator=(StreamIndex&&) = default;
  StreamIndex(const StreamIndex&) = delete;
  StreamIndex& operator=(const StreamIndex&) = delete;

  // Inserts the row, or replaces the row with its id and returns the row
  // it replaced.
  std::optional<StreamRow> put(StreamRow s);
  // Removes the row; returns it (none: there was no such row).
  std::optional<StreamRow> erase(std::int64_t id);

  const StreamRow* get(std::int64_t id) const;
  const StreamRow* named(const std::string& name) const;
  // Every row, in id order.
  const std::map<std::int64_t, StreamRow>& rows() const { return rows_; }
  std::size_t size() const { return rows_.size(); }

  // In id order.
  std::vector<const StreamRow*> in_state(State state) const;
  // Streams whose current attempt is (or was last) on `agent`, in id order.
  std::vector<const StreamRow*> on_agent(const std::string& agent) const;
  // Pending streams, fair order: higher priority first, then first come first served.
  std::vector<const StreamRow*> pending() const;
  // Scheduled streams whose next start has come, and streams wanted running
  // whose occurrence has ended (`now_ms`, wall clock), in id order.
  std::vector<const StreamRow*> due_to_start(std::int64_t now_ms) const;
  std::vector<const StreamRow*> due_to_stop(std::int64_t now_ms) const;

  // Streams holding a process (starting, running, stopping) on `agent`.
  std::int64_t active_on(const std::string& agent) const;
  // The agents whose active_on() changed since the last call (repeats
  // possible), so placement looks up only those; `overflowed` when more
  // changed than are kept (then every agent may have changed).
  struct ActiveChanges {
    std::vector<std::string> agents;
    bool overflowed = false;
  };
  ActiveChanges take_active_changes() { return std::exchange(active_changes_, {}); }
  // The same for every agent with any, by name (for `agent ls`).
  std::map<std::string, std::int64_t> active_per_agent() const { return {active_.begin(), active_.end()}; }
  // Streams counting against limits (starting, running): total and per owner.
  std::int64_t running_total() const { return running_total_; }
  const std::map<std::string, std::int64_t>& running_per_owner() const { return running_owner_; }
  std::int64_t count_in_state(State state) const { return static_cast<std::int64_t>(by_state_[slot(state)].size()); }
  // Pending streams wanted running, on no agent, whose retry backoff is over.
  std::int64_t pending_waiting(std::int64_t now_ms) const;
  // A stream other than `other_than` wanted running (pending or holding a
  // process) that has `output` among its outputs, if any (the lowest id).
  const StreamRow* holder_of(const std::string& output, std::int64_t other_than) const;

  // "" when this index and `truth` hold the same rows and the same derived
  // indexes; otherwise the first difference, for a log line.
  std::string diff(const StreamIndex& truth) const;

 private:
  using PendingKey = std::tuple<std::int64_t, std::int64_t, std::int64_t>;  // -priority, since, id
  static std::size_t slot(State s) { return static_cast<std::size_t>(s); }
  static PendingKey pending_key(const StreamRow& s) { return {-s.priority, s.pending_since_ms, s.id}; }
  static bool holds_destinations(const StreamRow& s);
  // Adds (+1) or removes (-1) the row's entries in every derived index.
  void link(const StreamRow& s, int sign);

  std::map<std::int64_t, StreamRow> rows_;
  // Into rows_ (its nodes never move): every heartbeat looks each of its runs up.
  std::unordered_map<std::int64_t, StreamRow*> by_id_;
  std::unordered_map<std::string, std::int64_t> by_name_;
  std::array<std::set<std::int64_t>, 8> by_state_;
  std::map<std::string, std::set<std::int64_t>> by_agent_;
  std::set<PendingKey> pending_;
  std::set<std::pair<std::int64_t, std::int64_t>> starts_;  // (next_start_ms, id) of scheduled streams
  std::set<std::pair<std::int64_t, std::int64_t>> stops_;   // (stop_at_ms, id) of streams wanted running
  // Hashed: placement asks it for every agent at every decision.
  std::unordered_map<std::string, std::int64_t> active_;
  ActiveChanges active_changes_;
  std::int64_t running_total_ = 0;
  std::map<std::string, std::int64_t> running_owner_;
  std::map<std::string, std::set<std::int64_t>> destinations_;
};

}  // namespace ffleet::controller::store
