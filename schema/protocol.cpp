#include "ffleet/schema/protocol.hpp"

namespace ffleet::proto {

std::string_view type_name(MsgType t) {
  switch (t) {
    case MsgType::Error: return "ERROR";
    case MsgType::Ack: return "ACK";
    case MsgType::Unsupported: return "UNSUPPORTED";
    case MsgType::Heartbeat: return "HEARTBEAT";
    case MsgType::Register: return "REGISTER";
    case MsgType::Registered: return "REGISTERED";
    case MsgType::StartRun: return "START_RUN";
    case MsgType::StopRun: return "STOP_RUN";
    case MsgType::RunStarted: return "RUN_STARTED";
    case MsgType::RunExited: return "RUN_EXITED";
    case MsgType::LogsRequest: return "LOGS_REQUEST";
    case MsgType::LogsReply: return "LOGS_REPLY";
    case MsgType::AgentControl: return "AGENT_CONTROL";
    case MsgType::ThumbRequest: return "THUMB_REQUEST";
    case MsgType::ThumbReply: return "THUMB_REPLY";
    case MsgType::StreamAdd: return "STREAM_ADD";
    case MsgType::StreamAction: return "STREAM_ACTION";
    case MsgType::StreamList: return "STREAM_LIST";
    case MsgType::StreamShow: return "STREAM_SHOW";
    case MsgType::StreamLogs: return "STREAM_LOGS";
    case MsgType::AgentList: return "AGENT_LIST";
    case MsgType::AgentAction: return "AGENT_ACTION";
    case MsgType::LimitsShow: return "LIMITS_SHOW";
    case MsgType::LimitsSet: return "LIMITS_SET";
    case MsgType::StreamSchedule: return "STREAM_SCHEDULE";
    case MsgType::UserAdd: return "USER_ADD";
    case MsgType::UserRemove: return "USER_REMOVE";
    case MsgType::UserList: return "USER_LIST";
    case MsgType::AgentAllow: return "AGENT_ALLOW";
    case MsgType::TokenCreate: return "TOKEN_CREATE";
    case MsgType::TokenRevoke: return "TOKEN_REVOKE";
    case MsgType::TokenList: return "TOKEN_LIST";
    case MsgType::StreamThumb: return "STREAM_THUMB";
    case MsgType::Whoami: return "WHOAMI";
    case MsgType::Reply: return "REPLY";
  }
  return "UNKNOWN";
}

}  // namespace ffleet::proto
