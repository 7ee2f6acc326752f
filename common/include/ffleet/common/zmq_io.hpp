// Thin adapters around cppzmq: multipart send and non-blocking receive as
// vectors of strings, catching cppzmq's exceptions at this edge.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "ffleet/common/status.hpp"

namespace ffleet::zio {

// The message of send()'s error when the peer's queue is full (it does not
// read): worth trying again later, unlike an unroutable peer.
inline constexpr const char* kWouldBlock = "send would block";

// Sends all frames; `peer` (non-empty on ROUTER) is prepended as the routing id.
// Never blocks: a full queue or an unroutable peer is an error value.
Status send(zmq::socket_ref s, const std::vector<std::string>& frames, const std::string& peer = {});

// One whole multipart message if one is waiting, else nullopt. With
// `user_id`, also the connection's ZAP User-Id ("" when it has none).
std::optional<std::vector<std::string>> try_recv(zmq::socket_ref s, std::string* user_id = nullptr);

// Data a TCP peer has not acknowledged within this long closes the connection.
inline constexpr int kDeadPeerMs = 3000;

// Lets the kernel notice a dead TCP peer (a cut cable, a host gone: no RST):
// unacknowledged data closes the connection after kDeadPeerMs
// (TCP_USER_TIMEOUT), and a connection without traffic is probed (keepalive).
// Both ends send a heartbeat every second, so data is always in flight. Used
// instead of ZMTP heartbeats: libzmq keeps every connection's timers in one
// map and cancels one by a linear scan on each message received, so with
// 1,000 agents those scans plus the PING/PONG packets were half of the
// controller's idle CPU (docs/performance.md).
void watch_tcp_peer(zmq::socket_ref s);

}  // namespace ffleet::zio
