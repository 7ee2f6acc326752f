// Where a message came from and goes to. The loop has three sockets: the
// ROUTER agents and the CLI reach over TCP, a ROUTER the HTTP side reaches
// in-process (inproc://ffleet-http: unreachable from outside the process),
// and a PUB for the events the HTTP side relays to browsers. The queues,
// deferred answers and pending requests are keyed by one string per peer, so
// each peer's name says its socket:
//   TCP peer       its routing id as it is, unless that begins with \x01:
//                  then "\x01T" + id (no peer can pass for another socket)
//   HTTP worker    "\x01H" + its routing id
//   events         "\x01E" (one: the PUB socket)
#pragma once

#include <string>
#include <string_view>

namespace ffleet::controller::channel {

enum class Kind { kTcp, kHttp, kEvents };

struct Route {
  Kind kind;
  std::string id;  // the routing id on that socket ("" for events)
};

inline constexpr char kMark = '\x01';
inline const std::string kEvents{"\x01" "E"};

inline std::string tcp(std::string id) {
  if (!id.empty() && id[0] == kMark) return std::string{kMark, 'T'} + id;
  return id;
}
inline std::string http(std::string_view id) { return std::string{kMark, 'H'} + std::string(id); }
inline bool is_http(const std::string& peer) { return peer.size() >= 2 && peer[0] == kMark && peer[1] == 'H'; }

inline Route route(const std::string& peer) {
  if (peer.size() < 2 || peer[0] != kMark) return {Kind::kTcp, peer};
  switch (peer[1]) {
    case 'H': return {Kind::kHttp, peer.substr(2)};
    case 'E': return {Kind::kEvents, {}};
    default: return {Kind::kTcp, peer.substr(2)};
  }
}

}  // namespace ffleet::controller::channel
