// Fake agents for the load generator: M DEALER sockets that speak the agent's
// side of the real protocol (schema/PROTOCOL.md) to a real controller. They
// register like ffleet-agent (routing id NAME/INSTANCE, REGISTER with
// max_streams and encoders [libx264], every protocol allowed), heartbeat at the
// interval REGISTERED gives, answer START_RUN with RUN_STARTED (a fake pid) and
// STOP_RUN with RUN_EXITED, resending both until acknowledged, as the real
// agent's outbox does. No ffmpeg runs.
//
// They record when each START_RUN first arrives (the placement's end, seen from
// the host) and the gaps between the controller's heartbeats while `measuring`.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::bench {

double now_ms();  // steady clock, fractional milliseconds

struct FakeAgent {
  std::string name;
  std::string instance;
  std::unique_ptr<zmq::socket_t> sock;
  bool registered = false;
  std::int64_t heartbeat_ms = 1000;
  double next_register_ms = 0;
  double next_heartbeat_ms = 0;
  double last_ctl_heartbeat_ms = -1;
  double worst_gap_ms = 0;  // between controller heartbeats while measuring
  std::map<std::int64_t, proto::RunReport> runs;  // by stream id
  struct Pending {
    std::vector<std::string> frames;
    double last_sent_ms = 0;
  };
  std::map<std::uint64_t, Pending> outbox;  // by msg_id, until ACKed
};

class Fleet {
 public:
  Fleet(zmq::context_t& ctx, std::string endpoint, std::string prefix, int agents, int max_streams);

  std::vector<FakeAgent>& agents() { return agents_; }
  // Reads everything waiting on agent i (its poll item said so).
  void on_readable(std::size_t i);
  // Registers, heartbeats and resends that are due.
  void tick();
  // The earliest time tick() has work (for the poll timeout).
  double next_due() const;

  std::size_t registered() const;
  std::size_t runs() const;
  // First arrival of START_RUN by stream id.
  const std::unordered_map<std::int64_t, double>& start_runs() const { return start_runs_; }
  void set_measuring(bool on);
  // The worst gap between controller heartbeats seen by any agent while
  // measuring (a silence still running when measuring stops counts too), in ms;
  // and the interval REGISTERED gave.
  double worst_heartbeat_gap_ms() const;
  std::int64_t heartbeat_ms() const { return agents_.empty() ? 1000 : agents_.front().heartbeat_ms; }
  // A fatal refusal from the controller (duplicate name, denied, version), "" if none.
  const std::string& fatal() const { return fatal_; }
  std::uint64_t resends() const { return resends_; }

 private:
  void handle(FakeAgent& a, const std::vector<std::string>& frames);
  void send(FakeAgent& a, const std::vector<std::string>& frames);
  template <class M> void send_reliable(FakeAgent& a, const M& m);
  proto::Register make_register(const FakeAgent& a) const;
  void on_start_run(FakeAgent& a, const proto::StartRun& m);
  void on_stop_run(FakeAgent& a, const proto::StopRun& m);

  std::string endpoint_;
  int max_streams_;
  std::vector<FakeAgent> agents_;
  std::unordered_map<std::int64_t, double> start_runs_;
  std::uint64_t next_msg_id_ = 1;
  std::int64_t next_pid_ = 1000000;
  bool measuring_ = false;
  std::string fatal_;
  std::uint64_t resends_ = 0;
  double next_outbox_scan_ms_ = 0;
};

}  // namespace ffleet::bench
