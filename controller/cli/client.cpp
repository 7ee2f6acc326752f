#include "client.hpp"

#include <cstring>

#include "ffleet/common/clock.hpp"

namespace ffleet::cli {

namespace {
constexpr const char* kMonitor = "inproc://ffleet-cli-monitor";

// What a handshake failure means to the person at the keyboard.
std::string handshake_failure(std::uint16_t event, const std::string& endpoint, bool keys) {
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
    return "the controller at " + endpoint + " refused this key: it is not allowed (an admin adds it with "
           "`ffleet user add NAME --role ROLE --key YOURS.pub`)";
  if (!keys)
    return "handshake with the controller at " + endpoint + " failed: it uses keys; give --key and "
           "--controller-key (or FFLEET_KEY and FFLEET_CONTROLLER_KEY)";
  return "handshake with the controller at " + endpoint + " failed: is --controller-key its public key, and "
         "does it use keys?";
}
}  // namespace

Client::Client(std::string endpoint, std::chrono::milliseconds timeout, const ClientKeys* keys)
    : endpoint_(std::move(endpoint)), timeout_(timeout), ctx_(1), sock_(ctx_, zmq::socket_type::dealer),
      monitor_(ctx_, zmq::socket_type::pair), keys_(keys != nullptr) {
  sock_.set(zmq::sockopt::linger, 0);
  if (keys != nullptr) curve::make_client(sock_, keys->own, keys->controller_public);
  zmq_socket_monitor(sock_.handle(), kMonitor,
                     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                         ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                         ZMQ_EVENT_DISCONNECTED);
  monitor_.set(zmq::sockopt::linger, 0);
  monitor_.connect(kMonitor);
}

std::variant<proto::Reply, CallError> Client::exchange(const std::vector<std::string>& frames) {
  // The controller drops a larger message unread: say so here, not as a timeout.
  if (const std::size_t n = frames[1].size() + frames[2].size(); n > proto::kMaxMessageBytes)
    return CallError{kExitUsage, "request of " + std::to_string(n) + " bytes is over the protocol limit of " +
                                     std::to_string(proto::kMaxMessageBytes) + "; shorten the --input list or its paths"};
  try {
    sock_.connect(endpoint_);
  } catch (const zmq::error_t& e) {
    return CallError{kExitUsage, "bad controller endpoint " + endpoint_ + ": " + e.what()};
  }
  if (Status s = zio::send(sock_, frames); !s)
    return CallError{kExitUnreachable, "cannot send to controller at " + endpoint_ + ": " + s.message()};
  const std::int64_t deadline = clock::steady_ms() + timeout_.count();
  for (;;) {
    const std::int64_t left = deadline - clock::steady_ms();
    if (left <= 0) break;
    zmq::pollitem_t items[] = {{sock_.handle(), 0, ZMQ_POLLIN, 0}, {monitor_.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(left));
    } catch (const zmq::error_t&) {
      if (interrupted != nullptr && interrupted()) return CallError{kExitOk, "interrupted"};
      continue;  // EINTR
    }
    if (auto event = zio::try_recv(monitor_); event && !event->empty() && (*event)[0].size() >= 6) {
      std::uint16_t id = 0;
      std::uint32_t value = 0;
      std::memcpy(&id, (*event)[0].data(), sizeof id);
      std::memcpy(&value, (*event)[0].data() + 2, sizeof value);
      // Only a refused key or a mismatch of mechanisms (keys on one side only)
      // is an answer; a handshake cut short (a controller restarting) is
      // retried by libzmq until the deadline.
      if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
          (id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH))
        return CallError{id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? kExitRefused : kExitUnreachable,
                         handshake_failure(id, endpoint_, keys_)};
      // The controller may close a mismatched handshake before our side has
      // read its greeting (the event above is then never raised): remember
      // that connections were cut mid-handshake, to say so at the deadline.
      if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) handshake_done_ = true;
      if (id == ZMQ_EVENT_DISCONNECTED && !handshake_done_) cut_in_handshake_ = true;
    }
    auto got = zio::try_recv(sock_);
    if (!got) continue;
    auto parsed = wire::parse(std::move(*got), false);
    if (auto* fe = std::get_if<wire::FrameError>(&parsed))
      return CallError{kExitProtocol, "bad answer from controller at " + endpoint_ + ": " + fe->message};
    const auto& env = std::get<wire::Envelope>(parsed);
    if (env.header.in_reply_to != 1) continue;  // not ours
    if (env.type() == proto::MsgType::Error) {
      auto e = wire::decode<proto::ErrorMsg>(env);
      const bool version = e && e->code == proto::err::kVersion;
      return CallError{version ? kExitProtocol : kExitRefused,
                       "controller refused the request: " + (e ? e->message : e.error())};
    }
    if (env.type() == proto::MsgType::Unsupported)
      return CallError{kExitProtocol, "the controller at " + endpoint_ + " does not support this command (older version?)"};
    auto r = wire::decode<proto::Reply>(env);
    if (!r) return CallError{kExitProtocol, "bad answer from controller: " + r.error()};
    return *r;
  }
  if (cut_in_handshake_ && !handshake_done_)
    return CallError{kExitUnreachable, "the controller at " + endpoint_ +
                                           " closed every connection before the handshake finished: " +
                                           (keys_ ? "is --controller-key its public key, and does it use keys?"
                                                  : "if it uses keys, give --key and --controller-key (or "
                                                    "FFLEET_KEY and FFLEET_CONTROLLER_KEY)")};
  // Say which endpoint was tried and where it came from, so the fix is plain.
  return CallError{kExitUnreachable, "controller at " + endpoint_ + " unreachable: no answer within " +
                                         std::to_string(timeout_.count()) +
                                         " ms; is ffleet-controller running there? (set --controller or "
                                         "FFLEET_CONTROLLER; --timeout-ms waits longer)"};
}

}  // namespace ffleet::cli
