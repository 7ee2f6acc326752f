// The states a stream can be in and the state it is wanted in, as enums with
// the names the CLI's JSON and the database use (DESIGN.md's Contract fixes
// the state names). Transitions between them live in lifecycle.hpp only.
#pragma once

#include <optional>
#include <string_view>

#include <fmt/format.h>

namespace ffleet::controller {

enum class State { kStopped, kScheduled, kPending, kStarting, kRunning, kStopping, kCompleted, kFailed };
enum class Desired { kStopped, kRunning };

inline constexpr State kAllStates[] = {State::kStopped,  State::kScheduled, State::kPending,   State::kStarting,
                                       State::kRunning,  State::kStopping,  State::kCompleted, State::kFailed};

std::string_view to_string(State s);
std::string_view to_string(Desired d);
std::optional<State> parse_state(std::string_view s);
std::optional<Desired> parse_desired(std::string_view s);

}  // namespace ffleet::controller

template <> struct fmt::formatter<ffleet::controller::State> : fmt::formatter<std::string_view> {
  auto format(ffleet::controller::State s, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(ffleet::controller::to_string(s), ctx);
  }
};
template <> struct fmt::formatter<ffleet::controller::Desired> : fmt::formatter<std::string_view> {
  auto format(ffleet::controller::Desired d, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(ffleet::controller::to_string(d), ctx);
  }
};
