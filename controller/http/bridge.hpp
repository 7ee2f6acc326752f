// How the HTTP side talks to the event loop: the same messages the CLI sends,
// over an inproc DEALER per call (taken from a pool), with the SHA-256 of
// the request's bearer token in a frame before the message
// (loop/channels.hpp). The loop owns every piece of state; this side only
// relays, and gives up on an answer after a deadline (504), so a stuck
// request holds one HTTP worker for a bounded time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "ffleet/common/codec.hpp"
#include "ffleet/common/status.hpp"

namespace ffleet::controller::http {

inline constexpr const char* kRequestsEndpoint = "inproc://ffleet-http";
inline constexpr const char* kEventsEndpoint = "inproc://ffleet-events";

// Why a call got no answer from the loop (the request may still be served).
inline constexpr const char* kNoAnswer = "the controller did not answer in time; the request may still take effect";

class Bridge {
 public:
  explicit Bridge(zmq::context_t& ctx) : ctx_(ctx) {}
  ~Bridge();
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  // Calls waiting for an answer give up at once (the server is stopping and
  // the loop has stopped reading), and every socket is closed as soon as no
  // call uses it: the loop's ZeroMQ context can then end.
  void stop();

  // Sends `m` for the token with this digest and waits for the Reply.
  template <class M> Result<proto::Reply> call(const M& m, const std::string& bearer, std::chrono::milliseconds wait) {
    const std::uint64_t id = next_id_.fetch_add(1);
    return exchange(wire::message(m, id, 0), id, bearer, wait);
  }

 private:
  Result<proto::Reply> exchange(std::vector<std::string> frames, std::uint64_t id, const std::string& bearer,
                                std::chrono::milliseconds wait);
  zmq::socket_t take();
  void give_back(zmq::socket_t s);

  zmq::context_t& ctx_;
  std::mutex mu_;
  std::vector<zmq::socket_t> idle_;  // guarded by mu_
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<bool> stopping_{false};
};

}  // namespace ffleet::controller::http
