// The CLI's one exchange with the controller: send a request, wait for the
// matching Reply until the deadline. Never hangs, never retries on its own
// (a retried start could start twice).
#pragma once

#include <chrono>
#include <string>

#include <zmq.hpp>

#include "ffleet/common/codec.hpp"
#include "ffleet/common/curve.hpp"
#include "ffleet/common/zmq_io.hpp"

namespace ffleet::cli {

// Process exit codes of `ffleet`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;      // the controller said no
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;  // no answer within --timeout-ms
inline constexpr int kExitProtocol = 4;     // a controller of another version, or garbage

struct CallError {
  int exit_code;
  std::string message;
};

// CURVE for the exchange: our key pair and the controller's public key.
struct ClientKeys {
  curve::KeyPair own;
  std::string controller_public;
};

// Set by a long-running command (follow.hpp): a call in progress gives up
// at once when it says true (a signal arrived), with exit code kExitOk.
inline bool (*interrupted)() = nullptr;

class Client {
 public:
  Client(std::string endpoint, std::chrono::milliseconds timeout, const ClientKeys* keys = nullptr);

  template <class M> std::variant<proto::Reply, CallError> call(const M& m) {
    return exchange(wire::message(m, 1));
  }

 private:
  std::variant<proto::Reply, CallError> exchange(const std::vector<std::string>& frames);
  std::string endpoint_;
  std::chrono::milliseconds timeout_;
  zmq::context_t ctx_;
  zmq::socket_t sock_;
  // Handshake failures, so a refused key says so instead of timing out.
  zmq::socket_t monitor_;
  bool keys_ = false;
  bool handshake_done_ = false;    // a ZMTP handshake ever succeeded
  bool cut_in_handshake_ = false;  // a connection closed before its handshake did
};

}  // namespace ffleet::cli
