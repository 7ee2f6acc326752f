// Wire protocol v1: every message exchanged by controller, agent and CLI.
//
// This header (with its two parts, protocol_agent.hpp and protocol_cli.hpp,
// included at its end) is the single definition of the protocol; PROTOCOL.md beside it
// explains who sends what and what the receiver does. Each message is a plain
// struct plus one `describe` function that lists its fields in order, saying
// which are required. common/wire walks `describe` to encode and to decode
// strictly, so a field is named exactly once.
//
// Rules that keep v1 compatible: type numbers are append-only and never reused;
// a new field must be optional (`opt`) with a default; removing a field or
// changing its meaning is protocol v2 (a new kTag).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ffleet::proto {

// First frame of every message. A peer with another tag is refused.
inline constexpr std::string_view kTag = "FFLEET/1";
inline constexpr int kMajorVersion = 1;
// Header and body together; larger messages are dropped unread.
inline constexpr std::size_t kMaxMessageBytes = 1u << 20;

enum class MsgType : std::uint32_t {
  // both directions
  Error = 1,
  Ack = 2,
  Unsupported = 3,
  Heartbeat = 4,
  // agent <-> controller
  Register = 10,
  Registered = 11,
  StartRun = 20,
  StopRun = 21,
  RunStarted = 22,
  RunExited = 23,
  LogsRequest = 24,
  LogsReply = 25,
  AgentControl = 26,
  ThumbRequest = 27,  // the latest thumbnail of a live run
  ThumbReply = 28,
  // CLI -> controller; the controller answers each with Reply
  StreamAdd = 40,
  StreamAction = 41,
  StreamList = 42,
  StreamShow = 43,
  StreamLogs = 44,
  AgentList = 45,
  AgentAction = 46,
  LimitsShow = 47,
  LimitsSet = 48,
  StreamSchedule = 49,
  UserAdd = 50,
  UserRemove = 51,
  UserList = 52,
  AgentAllow = 53,
  TokenCreate = 54,  // HTTP bearer tokens (the CLI's `token` commands)
  TokenRevoke = 55,
  TokenList = 56,
  StreamThumb = 57,  // a live stream's thumbnail, fetched from its agent
  Whoami = 58,       // who the controller takes the caller for
  Reply = 60,
};

std::string_view type_name(MsgType t);

// Error codes carried by ErrorMsg.code.
namespace err {
inline constexpr std::string_view kVersion = "version";
inline constexpr std::string_view kMalformed = "malformed";
inline constexpr std::string_view kNotRegistered = "not_registered";
inline constexpr std::string_view kUnsupported = "unsupported";
// Another live agent process holds this name; the newcomer is refused.
inline constexpr std::string_view kDuplicateName = "duplicate_name";
// The controller could not store a change; nothing was changed.
inline constexpr std::string_view kStore = "store";
// The connection's key may not do this (an agent's name not bound to its key,
// a revoked key, a person's key sending an agent's messages).
inline constexpr std::string_view kDenied = "denied";
}  // namespace err

// What kind of failure a failed Reply is (Reply.code): the HTTP side maps
// each to a status (schema/openapi.yaml); the CLI shows only the message.
namespace code {
inline constexpr std::string_view kInvalid = "invalid";            // 400: the request itself is wrong
inline constexpr std::string_view kUnauthenticated = "unauthenticated";  // 401: no valid token
inline constexpr std::string_view kDenied = "denied";              // 403: the caller's role may not
inline constexpr std::string_view kNotFound = "not_found";         // 404: no such stream, agent, user, token
inline constexpr std::string_view kConflict = "conflict";          // 409: not now (a name in use, a limit, a state)
inline constexpr std::string_view kTooLarge = "too_large";         // 413: the answer or request is too large
inline constexpr std::string_view kBusy = "busy";                  // 429: too many requests waiting
inline constexpr std::string_view kInternal = "internal";          // 500: a bug; see the controller's log
inline constexpr std::string_view kUnavailable = "unavailable";    // 502: an agent did not answer in time
inline constexpr std::string_view kStore = "store";                // 503: the change could not be stored
}  // namespace code

// Binary data: MessagePack BIN on the wire (a STR is refused), base64 in
// JSON views. A thumbnail's JPEG is one.
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

struct Header {
  std::uint32_t type = 0;
  std::uint64_t msg_id = 0;
  std::int64_t sent_at_ms = 0;
  std::uint64_t in_reply_to = 0;  // 0: not a reply
};
template <class V> void describe(V& v, Header& m) {
  v.req("type", m.type);
  v.req("msg_id", m.msg_id);
  v.req("sent_at_ms", m.sent_at_ms);
  v.opt("in_reply_to", m.in_reply_to);
}

struct ErrorMsg {
  static constexpr MsgType kType = MsgType::Error;
  std::string code;
  std::string message;
};
template <class V> void describe(V& v, ErrorMsg& m) {
  v.req("code", m.code);
  v.req("message", m.message);
}

struct Ack {
  static constexpr MsgType kType = MsgType::Ack;
};
template <class V> void describe(V&, Ack&) {}

struct Unsupported {
  static constexpr MsgType kType = MsgType::Unsupported;
  std::uint32_t type = 0;  // the type the receiver did not know
};
template <class V> void describe(V& v, Unsupported& m) { v.req("type", m.type); }

}  // namespace ffleet::proto

// The messages, by who sends them.
#include "ffleet/schema/protocol_agent.hpp"  // agent <-> controller
#include "ffleet/schema/protocol_cli.hpp"    // CLI <-> controller
