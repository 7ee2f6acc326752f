// The stream lifecycle as one pure function, in the manner of etcd's raft
// library: transition(row, event, now) returns the new row and the commands
// the loop must carry out (store a run, send StartRun or StopRun, place the
// stream, log a schedule note). The loop loads the row, calls transition,
// stores the row and runs the commands; nothing here does I/O or reads a
// clock. tests/unit/controller/lifecycle_test.cpp is its table: every state
// against every event.
//
// Placement is not decided here (it needs the fleet): kPlace asks the loop to
// choose, and the loop answers with kPlaced or kNoCapacity.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model.hpp"
#include "retry/retry.hpp"

namespace ffleet::controller::lifecycle {

enum class EventKind {
  kStart,         // a person starts it; `reason`: what blocks a start now ("" if nothing)
  kScheduleDue,   // its next scheduled start has come; `reason` as for kStart
  kStop,          // a person stops it (which ends its schedule too)
  kEndTime,       // the end of its occurrence has come
  kRemove,        // a person removes it
  kRetryDue,      // pending and its backoff is over: try to place it
  kPlaced,        // the loop chose `agent` for a new attempt
  kNoCapacity,    // the loop found no agent, or a limit or destination blocks; `reason` says which
  kRunStarted,    // `agent` says run `attempt` started (pid, encoder, note)
  kRunReported,   // `agent` lists run `attempt` as alive (a heartbeat or Register)
  kRunExited,     // `agent` says run `attempt` ended (reason, exit_code, signal, ran_ms, error)
  kRunMissing,    // `agent` came back without the run it was given
  kAgentLost,     // `agent`, which holds the run, is lost
  kLeaseExpired,  // a fenced stream's lost agent has surely stopped it by now
  kDrain,         // `agent`, which holds the run, drains: move it elsewhere
};
std::string_view to_string(EventKind k);
inline constexpr EventKind kAllEvents[] = {
    EventKind::kStart,      EventKind::kScheduleDue, EventKind::kStop,        EventKind::kEndTime,
    EventKind::kRemove,     EventKind::kRetryDue,    EventKind::kPlaced,      EventKind::kNoCapacity,
    EventKind::kRunStarted, EventKind::kRunReported, EventKind::kRunExited,   EventKind::kRunMissing,
    EventKind::kAgentLost,  EventKind::kLeaseExpired, EventKind::kDrain};

struct Event {
  EventKind kind = EventKind::kStart;
  std::string agent;
  std::int64_t attempt = 0;
  std::int64_t pid = 0;
  std::string encoder;
  std::string reason;
  std::string error;
  std::string note;
  std::int64_t exit_code = -1;
  std::int64_t signal = 0;
  std::int64_t ran_ms = 0;
  std::int64_t started_at_ms = 0;  // kRunStarted, kRunReported: when the agent started it
  bool stopping = false;           // kRunReported: the run is on its way out
};

enum class CommandKind {
  kPlace,        // choose an agent (avoiding `agent` if set), then kPlaced or kNoCapacity
  kNewRun,       // store a new run row for (stream, attempt) on `agent`
  kStartRun,     // send StartRun for the current attempt
  kStopRun,      // send StopRun(`agent`, `attempt`, `reason`)
  kRunStarted,   // record the event's pid, encoder, note and start in the run row
  kRunAdopted,   // as kRunStarted, and the run is no longer ended
  kEndRun,       // record that the current run ended: `reason`, `error` (if not yet recorded)
  kDelete,       // remove the stream and its history
  kScheduleNote, // store a schedule note: `reason` (missed | started_late), `error` (detail), `attempt` (occurrence)
  kFenceCheck,   // a run that is not the current one: let reconciliation decide
};

struct Command {
  CommandKind kind;
  std::string agent;
  std::int64_t attempt = 0;
  std::string reason;
  std::string error;
};

struct Policy {
  retry::Policy retry;
  std::int64_t fence_margin_ms = 7000;
  std::int64_t late_start_ms = 5000;
};

struct Outcome {
  StreamRow row;
  std::vector<Command> commands;
  bool changed = false;   // the row must be stored
  bool ignored = false;   // the event does not apply in this state (logged, nothing changes)
  std::string refusal;    // a person's request refused: one line; nothing changes
  std::string note;       // what happened, for the answer to a person
};

Outcome transition(const StreamRow& row, const Event& e, std::int64_t now_ms, const Policy& p);

// A heartbeat's report of the run the stream is running, as it is stored:
// transition() would change nothing and command nothing. Every live run is
// reported every second; this lets the loop skip them without a copy.
bool report_changes_nothing(const StreamRow& s, const Event& e);

}  // namespace ffleet::controller::lifecycle
