// The JSON objects of the views the controller answers with: what `ffleet
// --json` prints and what the HTTP API answers (the Contract's "same
// objects"), in one place so the two cannot drift apart.
#pragma once

#include <nlohmann/json.hpp>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::views {

// `with_detail`: the schedule, inputs, outputs (as masked by the controller)
// and the run history, as `stream show` prints them.
nlohmann::json stream_json(const proto::StreamView& s, bool with_detail);
nlohmann::json agent_json(const proto::AgentView& a);
nlohmann::json limits_json(const proto::LimitsView& l);
nlohmann::json user_json(const proto::UserView& u);
// A stream's live figures, as the HTTP side's `figures` events carry them.
nlohmann::json figures_json(const proto::StreamView& s);

}  // namespace ffleet::views
