// The JSON form of the project's log lines, for log shippers: one object per
// line, {"ts", "level", "component", "msg"} and, when the message reads as
// "event key=value key=\"quoted value\" ...", "event" and "fields" (every
// value a string). "msg" is always the whole message: the split is a
// convenience and is left out whenever a message does not parse cleanly.
// Every string is valid UTF-8 with control characters escaped
// (text::relayed), so a line can neither break the JSON nor forge another.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/formatter.h>

namespace ffleet::log {

struct Split {
  std::string event;  // "" if the message starts with a key=value
  std::vector<std::pair<std::string, std::string>> fields;  // in order
};
// "agent_started name=a dir=\"x y\"" -> {agent_started, {name: a, dir: x y}};
// nullopt if any word is not key=value (keys: [a-z0-9_.]+).
std::optional<Split> split_message(std::string_view msg);

// A JSON string literal (quotes included) of `s`.
std::string json_string(std::string_view s);

// The formatter of --log-format json.
std::unique_ptr<spdlog::formatter> json_formatter();

}  // namespace ffleet::log
