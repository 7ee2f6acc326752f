// `ffleet status`: the fleet at a glance, built from what `agent ls` and
// `stream ls` return (so it sees exactly what those show the caller).
// Pure: a function of the two lists and the time, unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::cli {

// A failure counts when a stream's latest run failed (state failed, or
// retrying after failed runs) and the stream changed within this window.
inline constexpr std::int64_t kFailureWindowMs = 60 * 60 * 1000;

nlohmann::json status_json(const std::vector<proto::AgentView>& agents, const std::vector<proto::StreamView>& streams,
                           std::int64_t now_ms);
// The same for people: a few lines, names in each state.
std::string status_text(const std::vector<proto::AgentView>& agents, const std::vector<proto::StreamView>& streams,
                        std::int64_t now_ms);

}  // namespace ffleet::cli
