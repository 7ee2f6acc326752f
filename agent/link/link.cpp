#include "link/link.hpp"

#include <sys/random.h>

#include <cerrno>
#include <random>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"

namespace ffleet::agent::link {
namespace {
auto link_log() {
  static auto l = log::get("agent.link");
  return l;
}
}  // namespace

std::string new_instance_id() {
  unsigned char bytes[8] = {};
  ssize_t n;
  do n = ::getrandom(bytes, sizeof bytes, 0);
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof bytes)) {
    // getrandom needs Linux 3.17: fall back to the C++ source (also the kernel's).
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string routing_id(const std::string& name, const std::string& instance) { return name + "/" + instance; }

Link::Link(zmq::context_t& ctx, std::string endpoint, std::string identity, const LinkKeys* keys)
    : socket_(ctx, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::routing_id, identity);
  if (keys != nullptr) curve::make_client(socket_, keys->own, keys->controller_public);
  socket_.set(zmq::sockopt::linger, 0);
  // Queue nothing for a controller that is not connected: a stale burst of
  // heartbeats after a reconnect helps nobody; the outbox resends what matters.
  socket_.set(zmq::sockopt::immediate, 1);
  socket_.set(zmq::sockopt::reconnect_ivl, 100);
  socket_.set(zmq::sockopt::reconnect_ivl_max, 2000);
  // A dead TCP peer (cut cable) that sends no RST: the connection closes and
  // zmq reconnects.
  zio::watch_tcp_peer(socket_);
  socket_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(proto::kMaxMessageBytes) * 2);
  socket_.connect(endpoint);
}

std::int64_t Link::now_() { return clock::steady_ms(); }

void Link::send_frames(const std::vector<std::string>& f) {
  if (Status s = zio::send(socket_, f); !s) link_log()->debug("send_failed error=\"{}\"", s.message());
}

void Link::on_registered(const proto::Registered& r, std::int64_t now_ms) {
  if (!registered_) link_log()->info("registered heartbeat_ms={} lost_after_ms={}", r.heartbeat_ms, r.lost_after_ms);
  registered_ = true;
  refused_ = false;
  if (r.heartbeat_ms > 0) timing_.heartbeat_ms = r.heartbeat_ms;
  if (r.lost_after_ms > 0) timing_.lost_after_ms = r.lost_after_ms;
  last_heard_ms_ = now_ms;
  next_heartbeat_ms_ = now_ms;
  // Whatever the controller may have missed goes again now.
  for (auto& [id, p] : outbox_) {
    send_frames(p.frames);
    p.last_sent_ms = now_ms;
  }
}

void Link::tick(std::int64_t now_ms, const std::function<void()>& send_heartbeat) {
  if (registered_ && now_ms - last_heard_ms_ > timing_.lost_after_ms) {
    link_log()->warn("controller_silent silent_ms={} action=reregister", now_ms - last_heard_ms_);
    registered_ = false;
    next_register_ms_ = now_ms;
  }
  if (!registered_) {
    if (now_ms >= next_register_ms_ && make_register_) {
      send(make_register_());
      next_register_ms_ = now_ms + (refused_ ? timing_.refused_retry_ms : timing_.register_retry_ms);
    }
    return;
  }
  if (now_ms >= next_heartbeat_ms_) {
    send_heartbeat();
    next_heartbeat_ms_ = now_ms + timing_.heartbeat_ms;
  }
  for (auto& [id, p] : outbox_) {
    if (now_ms - p.last_sent_ms >= timing_.resend_ms) {
      send_frames(p.frames);
      p.last_sent_ms = now_ms;
    }
  }
}

void Link::refused(std::int64_t now_ms) {
  registered_ = false;
  refused_ = true;
  next_register_ms_ = now_ms + timing_.refused_retry_ms;
}

std::int64_t Link::next_deadline() const {
  if (!registered_) return next_register_ms_;
  std::int64_t d = std::min(next_heartbeat_ms_, last_heard_ms_ + timing_.lost_after_ms + 1);
  for (const auto& [id, p] : outbox_) d = std::min(d, p.last_sent_ms + timing_.resend_ms);
  return d;
}

}  // namespace ffleet::agent::link
