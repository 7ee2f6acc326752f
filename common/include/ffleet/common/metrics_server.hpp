// The --metrics HTTP endpoint: GET /metrics answers the latest published
// exposition text (text/plain; version=0.0.4); every other path or method is
// 404. It has no authentication: bind it to loopback or a private interface.
//
// Owns one HTTP thread (cpp-httplib, a single worker) that never touches the
// event loop's state: the loop renders its Registry and publish()es the text;
// the thread serves a copy of the latest one. publish() and the destructor are
// called from the loop thread; the text is guarded by a mutex.
#pragma once

#include <memory>
#include <string>

#include "ffleet/common/status.hpp"

namespace ffleet::metrics {

struct Address {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0", a name
  int port = 0;      // 0: any free port
};
// "ADDR:PORT", "[v6]:PORT", ":PORT" or "PORT" (both: 127.0.0.1, so a bare
// port is safe). One-line error on anything else.
Result<Address> parse_address(const std::string& text);
bool is_loopback(const std::string& host);

class Server {
 public:
  // Binds `addr` and starts serving (an empty text until the first
  // publish). An address that cannot be bound is an error naming it.
  static Result<std::unique_ptr<Server>> start(const std::string& addr);
  ~Server();  // stops the thread and joins it
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void publish(std::string text);
  // Where it listens, as "HOST:PORT" with the bound port.
  const std::string& endpoint() const { return endpoint_; }
  // Scrapes answered (any thread).
  std::size_t scrapes() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string endpoint_;
};

}  // namespace ffleet::metrics
