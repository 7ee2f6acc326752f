// The controller's domain records, as the store reads and writes them.
// Wire types stay in schema/; views for the CLI are built in loop/views.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ffleet/schema/protocol.hpp"
#include "lifecycle/states.hpp"

namespace ffleet::controller {

struct StreamRow {
  std::int64_t id = 0;
  std::string name;
  std::string owner;
  proto::StreamSpec spec;
  Desired desired = Desired::kStopped;
  State state = State::kStopped;
  std::string agent;                // agent of the current attempt, "" if none
  std::int64_t attempt = 0;         // the fencing token
  std::int64_t pid = 0;
  std::string encoder;
  std::string last_error;
  std::string waiting_for;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  // Schedule and retry bookkeeping (migration 0002).
  std::int64_t next_start_ms = 0;
  std::int64_t stop_at_ms = 0;
  std::int64_t retries = 0;
  std::int64_t retry_at_ms = 0;
  std::string avoid_agent;
  std::int64_t priority = 0;
  std::int64_t pending_since_ms = 0;

  // A process may be alive for this stream (it holds an agent slot).
  bool holds_process() const { return state == State::kStarting || state == State::kRunning || state == State::kStopping; }
};

struct RunRow {
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  std::string agent;
  std::int64_t pid = 0;
  std::string encoder;
  std::int64_t requested_at_ms = 0;
  std::int64_t started_at_ms = 0;  // 0: not started (yet)
  std::int64_t ended_at_ms = 0;    // 0: not ended
  std::int64_t exit_code = -1;
  std::int64_t signal = 0;
  std::string reason;
  std::string error;
  std::vector<std::string> stderr_tail;
};

struct ScheduleLogRow {
  std::int64_t stream_id = 0;
  std::int64_t occurrence_ms = 0;
  std::string outcome;
  std::string detail;
  std::int64_t recorded_at_ms = 0;
};

struct AgentRow {
  std::string name;
  std::string hostname;
  std::int64_t cpus = 0;
  std::int64_t mem_bytes = 0;
  std::string ffmpeg_version;
  std::int64_t max_streams = 0;
  std::vector<std::string> encoders;
  bool draining = false;
  std::int64_t first_seen_ms = 0;
  std::int64_t last_seen_ms = 0;
};

// Who may connect when links are CURVE: a person or script (a user name and a
// role) or an agent (its name), each by public key (Z85).
struct UserRow {
  std::string name;
  std::string role;  // admin | operator | user
  std::string public_key;
  std::int64_t created_at_ms = 0;
};

struct AgentKeyRow {
  std::string name;
  std::string public_key;
  std::int64_t created_at_ms = 0;
};

}  // namespace ffleet::controller
