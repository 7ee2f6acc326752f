// The agent's session with the controller: a DEALER socket whose identity is
// the agent's name and this process's instance id, registration, heartbeats
// both ways, and an outbox of
// reports (RunStarted, RunExited) resent until the controller acknowledges
// them, so none is lost across a controller restart or a dropped link.
//
// Owns the socket. Not thread-safe: used only from the agent's event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "ffleet/common/codec.hpp"
#include "ffleet/common/curve.hpp"
#include "ffleet/common/zmq_io.hpp"

namespace ffleet::agent::link {

struct LinkTiming {
  // Until the controller says otherwise in Registered.
  std::int64_t heartbeat_ms = 1000;
  std::int64_t lost_after_ms = 4000;
  // Register is repeated at this pace until answered; short so an agent
  // that started first registers within a second of the controller.
  std::int64_t register_retry_ms = 200;
  // Once refused because another live process holds our name: slower, as
  // that one may hold it for hours, but still retried, so this process takes
  // over within seconds of the other going away.
  std::int64_t refused_retry_ms = 2000;
  std::int64_t resend_ms = 2000;
};

// A random id for this agent process: 16 lowercase hex characters (64 bits
// from getrandom), so two processes started under one name are told apart.
std::string new_instance_id();
// The DEALER routing id: "NAME/INSTANCE".
std::string routing_id(const std::string& name, const std::string& instance);

// CURVE for the link: our key pair and the controller's public key.
struct LinkKeys {
  curve::KeyPair own;
  std::string controller_public;
};

class Link {
 public:
  Link(zmq::context_t& ctx, std::string endpoint, std::string identity, const LinkKeys* keys = nullptr);

  zmq::socket_ref socket() { return socket_; }
  bool registered() const { return registered_; }
  const LinkTiming& timing() const { return timing_; }

  // The agent supplies a fresh Register (with its live runs) when one is due.
  void set_register_source(std::function<proto::Register()> fn) { make_register_ = std::move(fn); }

  template <class M> void send(const M& m, std::uint64_t in_reply_to = 0) {
    send_frames(wire::message(m, next_id_++, in_reply_to));
  }
  // Sent now if possible and again until acknowledged.
  template <class M> void send_reliable(const M& m) {
    const std::uint64_t id = next_id_++;
    auto f = wire::message(m, id);
    outbox_[id] = Pending{f, 0};
    if (registered_) {
      send_frames(f);
      outbox_[id].last_sent_ms = now_();
    }
  }

  // Every received message counts as a sign of life.
  void heard(std::int64_t now_ms) { last_heard_ms_ = now_ms; }
  void on_registered(const proto::Registered& r, std::int64_t now_ms);
  void on_ack(std::uint64_t msg_id) { outbox_.erase(msg_id); }
  // The controller does not know us (it restarted): register again now.
  void reregister() { registered_ = false; next_register_ms_ = 0; }
  // The controller refused our Register (another process holds the name):
  // keep trying, at the slower pace, until it is answered.
  void refused(std::int64_t now_ms);

  void tick(std::int64_t now_ms, const std::function<void()>& send_heartbeat);
  std::int64_t next_deadline() const;
  std::size_t outbox_size() const { return outbox_.size(); }
  // How long the controller has been silent (0 before it was ever heard).
  std::int64_t silent_ms(std::int64_t now_ms) const { return last_heard_ms_ > 0 ? now_ms - last_heard_ms_ : 0; }

 private:
  struct Pending {
    std::vector<std::string> frames;
    std::int64_t last_sent_ms = 0;
  };
  void send_frames(const std::vector<std::string>& f);
  static std::int64_t now_();

  zmq::socket_t socket_;
  LinkTiming timing_;
  bool registered_ = false;
  bool refused_ = false;
  std::uint64_t next_id_ = 1;
  std::int64_t last_heard_ms_ = 0;
  std::int64_t next_register_ms_ = 0;
  std::int64_t next_heartbeat_ms_ = 0;
  std::function<proto::Register()> make_register_;
  std::map<std::uint64_t, Pending> outbox_;
};

}  // namespace ffleet::agent::link
