// Where a stream should run: a pure function of the stream's needs and the
// agents' loads, so every rule is unit-tested without sockets.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ffleet/common/confine.hpp"
#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::controller::placement {

struct Candidate {
  std::string name;
  bool accepts_work = false;     // ready: connected, not draining
  std::string state;             // as `agent ls` says it (ready, draining, lost), for messages
  std::int64_t active = 0;       // streams holding a process there
  std::int64_t max_streams = 0;
  std::vector<std::string> encoders;
  double cpu_percent = 0;        // host CPU, 0-100
  bool behind = false;           // a live stream there runs below 1.0x speed
  // Hardware sessions still free by vendor ("nvenc" -> 1); absent: unlimited.
  std::map<std::string, std::int64_t> free_sessions;
  // What ffmpeg may touch there, as the agent reported it; no protocols: an
  // agent that predates confinement, not judged here (it judges itself).
  confine::Policy policy;
  // Candidates with equal policies may share a key (not 0), so that each
  // policy is judged once per decision; 0: compare the policies themselves.
  std::uint64_t policy_key = 0;
};

// The chosen agent's name, or an error that says what the stream waits for
// and, where there is one, the fix ("no ready agent has h264_nvenc; agents
// with it: none; try --encoder auto").
// `avoid` names an agent to use only if no other fits (a host-related failure).
Result<std::string> choose(const proto::StreamSpec& spec, const std::vector<Candidate>& agents,
                           const std::string& avoid = {});

// Whether a stream with this spec needs a video encoder on the host.
bool needs_encoder(const proto::StreamSpec& spec);

}  // namespace ffleet::controller::placement
