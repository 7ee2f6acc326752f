#include "ffleet/common/zmq_io.hpp"

namespace ffleet::zio {

Status send(zmq::socket_ref s, const std::vector<std::string>& frames, const std::string& peer) {
  try {
    const std::size_t n = frames.size() + (peer.empty() ? 0 : 1);
    std::size_t i = 0;
    auto flags = [&] { return ++i < n ? zmq::send_flags::sndmore | zmq::send_flags::dontwait : zmq::send_flags::dontwait; };
    if (!peer.empty() && !s.send(zmq::buffer(peer), flags())) return Status::error(kWouldBlock);
    for (const auto& f : frames)
      if (!s.send(zmq::buffer(f), flags())) return Status::error(kWouldBlock);
    return Status::ok();
  } catch (const zmq::error_t& e) {
    return Status::error(e.what());
  }
}

std::optional<std::vector<std::string>> try_recv(zmq::socket_ref s, std::string* user_id) {
  std::vector<std::string> out;
  try {
    zmq::message_t msg;
    if (!s.recv(msg, zmq::recv_flags::dontwait)) return std::nullopt;
    // Set by the ZAP handler for an authenticated connection, absent
    // otherwise; a ROUTER's routing-id frame carries none, so every frame is asked.
    auto take_user_id = [&] {
      if (user_id == nullptr || !user_id->empty()) return;
      if (const char* id = zmq_msg_gets(msg.handle(), "User-Id")) *user_id = id;
    };
    if (user_id != nullptr) user_id->clear();
    take_user_id();
    out.emplace_back(msg.to_string());
    while (msg.more()) {
      if (!s.recv(msg)) break;
      take_user_id();
      out.emplace_back(msg.to_string());
    }
  } catch (const zmq::error_t&) {
    return std::nullopt;
  }
  return out;
}

void watch_tcp_peer(zmq::socket_ref s) {
  s.set(zmq::sockopt::tcp_maxrt, kDeadPeerMs);
  s.set(zmq::sockopt::tcp_keepalive, 1);
  s.set(zmq::sockopt::tcp_keepalive_idle, 5);
  s.set(zmq::sockopt::tcp_keepalive_intvl, 1);
  s.set(zmq::sockopt::tcp_keepalive_cnt, 3);
}

}  // namespace ffleet::zio
