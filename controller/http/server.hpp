// The controller's HTTP side (--http): the API under /api/v1, its events at
// /api/v1/events and the dashboard at /. Threads of its own (cpp-httplib's
// workers, the event hub) that never touch the loop's state: requests go to
// the loop as messages (bridge.hpp), events come from it (events.hpp).
#pragma once

#include <memory>
#include <string>

#include <zmq.hpp>

#include "ffleet/common/status.hpp"

namespace ffleet::controller::http {

struct Config {
  std::string listen;  // ADDR:PORT (metrics::parse_address)
  std::string tls_cert, tls_key;  // both or neither: HTTPS
  std::size_t event_clients = 64;
};

class Server {
 public:
  // Binds and starts serving; the loop must have bound the inproc
  // endpoints (bridge.hpp) on `ctx` first.
  static Result<std::shared_ptr<Server>> start(zmq::context_t& ctx, const Config& cfg);
  ~Server();  // stops serving, joins every thread, closes its sockets
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // "http://HOST:PORT" or "https://HOST:PORT", with the bound port.
  const std::string& url() const { return url_; }

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string url_;
};

}  // namespace ffleet::controller::http
