// Every message struct of protocol v1, as one type list, for the wire fuzzer
// and its seed generator. fuzz_wire checks at start that no MsgType is
// missing here, so a message added to schema/ is fuzzed or the run fails.
#pragma once

#include <cstdint>
#include <tuple>
#include <utility>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::fuzz {

using AllMessages =
    std::tuple<proto::ErrorMsg, proto::Ack, proto::Unsupported, proto::Register, proto::Registered, proto::Heartbeat,
               proto::StartRun, proto::StopRun, proto::RunStarted, proto::RunExited, proto::LogsRequest,
               proto::LogsReply, proto::AgentControl, proto::StreamAdd, proto::StreamAction, proto::StreamList,
               proto::StreamShow, proto::StreamLogs, proto::AgentList, proto::AgentAction, proto::LimitsShow,
               proto::LimitsSet, proto::StreamSchedule, proto::UserAdd, proto::UserRemove, proto::UserList,
               proto::AgentAllow, proto::ThumbRequest, proto::ThumbReply, proto::StreamThumb, proto::TokenCreate,
               proto::TokenRevoke, proto::TokenList, proto::Whoami, proto::Reply>;

// Calls f(M{}) for each message type M.
template <class F> void for_each_message(F&& f) {
  std::apply([&](auto... m) { (f(m), ...); }, AllMessages{});
}

// Calls f(M{}) for the message type numbered `type`; false if there is none.
template <class F> bool with_message(std::uint32_t type, F&& f) {
  bool found = false;
  for_each_message([&](auto m) {
    if (!found && static_cast<std::uint32_t>(decltype(m)::kType) == type) {
      found = true;
      f(m);
    }
  });
  return found;
}

}  // namespace ffleet::fuzz
