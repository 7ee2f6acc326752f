// How the CLI prints what the controller sent: aligned tables for people,
// JSON (the fields in DESIGN.md's Contract) for scripts.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ffleet/common/views_json.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::cli {

// The JSON objects are shared with the HTTP API (common/views_json.hpp).
using views::agent_json;
using views::limits_json;
using views::stream_json;
using views::user_json;

std::string stream_table(const std::vector<proto::StreamView>& streams);
std::string stream_details(const proto::StreamView& s);
std::string agent_table(const std::vector<proto::AgentView>& agents);
std::string user_table(const std::vector<proto::UserView>& users);
std::string limits_text(const proto::LimitsView& l);
// "next start 2026-11-24T18:00:00+01:00, ends ..., repeats daily" or "no schedule".
std::string schedule_line(const proto::StreamView& s);

// "45.0% eta 1m12s", "100.0%", or "-" when unknown (a live stream).
std::string progress_text(const proto::StreamView& s);
// 42 -> "42s", 72 -> "1m12s", 3700 -> "1h1m".
std::string duration_text(double seconds);

// A plain table: columns padded to their widest cell.
std::string table(const std::vector<std::vector<std::string>>& rows);

}  // namespace ffleet::cli
