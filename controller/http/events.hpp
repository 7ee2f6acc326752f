// The event hub: one thread that subscribes to the loop's events
// (inproc://ffleet-events, only while a browser listens) and copies each to
// every listening client's queue, as server-sent event text. A client that
// does not read fast enough loses its queue and gets `resync` instead (it
// fetches the lists again): a slow browser costs bounded memory and never
// slows the loop, which only publishes (and drops when no one keeps up).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

namespace ffleet::controller::http {

// One server-sent event: "id: SEQ\nevent: NAME\ndata: DATA\n\n" (DATA one line).
std::string sse_event(std::uint64_t seq, const std::string& name, const std::string& data);

class EventHub {
 public:
  struct Client {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::string> queue;  // event texts, guarded by mu
    std::size_t bytes = 0;
    bool resync = false;  // events were dropped: tell the client to refetch
  };

  EventHub(zmq::context_t& ctx, std::size_t max_clients);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // A new listener, or nullptr when max_clients listen already.
  std::shared_ptr<Client> join();
  void leave(const std::shared_ptr<Client>& c);
  // Waits up to `wait` for something to send to `c`; appends it to `out`.
  // False once the hub stops (the server is shutting down).
  bool next(Client& c, std::chrono::milliseconds wait, std::string& out);
  // Waits (a little) until the hub has subscribed, so that what a new
  // client fetches after `hello` cannot miss a change published before.
  void wait_subscribed(std::chrono::milliseconds wait);
  void stop();

  const std::string& boot() const { return boot_; }  // changes with each controller start
  std::size_t clients() const;
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  void run();
  void deliver(const std::string& text);

  zmq::context_t& ctx_;
  const std::size_t max_clients_;
  const std::string boot_;
  mutable std::mutex mu_;
  std::condition_variable subscribed_cv_;
  std::vector<std::shared_ptr<Client>> clients_;  // guarded by mu_
  bool subscribed_ = false;                       // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::uint64_t seq_ = 0;  // hub thread only
  std::thread thread_;
};

}  // namespace ffleet::controller::http
