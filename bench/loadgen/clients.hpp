// The load generator's CLI side: a few DEALER sockets that pipeline
// STREAM_ADD and STREAM_ACTION start to a real controller, at most `window`
// requests in flight per socket (the controller queues 64 per client and
// answers the rest "busy"). Replies are matched by in_reply_to.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::bench {

struct StreamRec {
  std::string name;
  std::int64_t id = 0;       // from the STREAM_ADD reply
  bool added = false;
  bool started = false;      // the start request was answered ok
  double start_sent_ms = -1; // when STREAM_ACTION start left this process
};

class Clients {
 public:
  Clients(zmq::context_t& ctx, const std::string& endpoint, int count, int window, std::string user,
          std::vector<StreamRec>& streams, proto::StreamSpec spec);

  std::size_t size() const { return clients_.size(); }
  zmq::socket_t& socket(std::size_t i) { return *clients_[i].sock; }

  void add(std::size_t stream);
  void start(std::size_t stream);
  void on_readable(std::size_t i);
  // Sends what the windows allow.
  void pump();
  bool idle() const;  // nothing queued, nothing in flight
  std::size_t answered_adds() const { return adds_ok_; }
  std::size_t answered_starts() const { return starts_ok_; }
  const std::string& first_error() const { return first_error_; }
  std::size_t errors() const { return errors_; }

 private:
  enum class Kind { kAdd, kStart };
  struct Req {
    Kind kind;
    std::size_t stream;
  };
  struct Client {
    std::unique_ptr<zmq::socket_t> sock;
    std::deque<Req> queue;
    std::unordered_map<std::uint64_t, Req> in_flight;  // by msg_id
  };
  bool send(Client& c, const Req& r);

  std::vector<Client> clients_;
  std::size_t window_;
  std::string user_;
  std::vector<StreamRec>& streams_;
  proto::StreamSpec spec_;
  std::size_t next_client_ = 0;
  std::uint64_t next_msg_id_ = 1;
  std::size_t adds_ok_ = 0, starts_ok_ = 0, errors_ = 0;
  std::string first_error_;
};

}  // namespace ffleet::bench
