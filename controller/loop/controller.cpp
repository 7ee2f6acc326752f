#include "loop/controller.hpp"

#include <csignal>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/signals.hpp"

namespace ffleet::controller {
namespace {
auto logger() {
  static auto l = log::get("controller");
  return l;
}

bool from_agent(proto::MsgType t) {
  using proto::MsgType;
  switch (t) {
    case MsgType::Register:
    case MsgType::Heartbeat:
    case MsgType::RunStarted:
    case MsgType::RunExited:
    case MsgType::LogsReply:
    case MsgType::Ack:
    case MsgType::Unsupported:
    case MsgType::Error: return true;
    default: return false;
  }
}
}  // namespace

Controller::Controller(Options opts, store::Store store)
    : opts_(std::move(opts)), store_(std::move(store)), sock_(ctx_, zmq::socket_type::router) {
  sock_.set(zmq::sockopt::linger, 0);
  // An agent that reconnects (new TCP connection, same name) takes over its
  // identity at once instead of being ignored until the old one times out.
  sock_.set(zmq::sockopt::router_handover, 1);
  sock_.set(zmq::sockopt::router_mandatory, 1);
  sock_.set(zmq::sockopt::heartbeat_ivl, 1000);
  sock_.set(zmq::sockopt::heartbeat_timeout, 3000);
  // zmq drops the connection of a peer that sends more; the codec checks the
  // tighter protocol limit and answers with an error.
  sock_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(proto::kMaxMessageBytes) * 2);
}

Result<std::string> Controller::bind() {
  try {
    sock_.bind(opts_.listen);
  } catch (const zmq::error_t& e) {
    return Result<std::string>::failure("cannot listen on " + opts_.listen + ": " + e.what());
  }
  return sock_.get(zmq::sockopt::last_endpoint);
}

void Controller::log_send_failure(const std::string& peer, const Status& s) {
  logger()->debug("send_failed peer={} error=\"{}\"", wire::peer_label(peer), s.message());
}

void Controller::on_frames(std::vector<std::string> frames) {
  auto parsed = wire::parse(std::move(frames), true);
  if (auto* fe = std::get_if<wire::FrameError>(&parsed)) {
    logger()->warn("message_dropped peer={} code={} error=\"{}\"", wire::peer_label(fe->peer), fe->code, fe->message);
    if (!fe->peer.empty()) {
      proto::ErrorMsg e{fe->code, fe->message};
      send_to(fe->peer, e);
    }
    return;
  }
  const auto& env = std::get<wire::Envelope>(parsed);
  logger()->debug("message_received peer={} type={}", wire::peer_label(env.peer), proto::type_name(env.type()));
  if (from_agent(env.type())) on_agent_message(env);
  else on_cli_message(env);
}

void Controller::tick(std::int64_t now) {
  for (const auto& name : registry_.expire(now, opts_.lost_after_ms)) agent_lost(name);
  if (now >= next_heartbeat_ms_) {
    for (auto* a : registry_.connected()) send_to(a->name, proto::Heartbeat{});
    next_heartbeat_ms_ = now + opts_.heartbeat_ms;
  }
  resend_commands(now);
  fire_schedules(clock::wall_ms());
  place_pending();
  expire_log_requests(now);
  for (auto it = stale_stops_.begin(); it != stale_stops_.end();)
    it = now - it->second > opts_.resend_ms ? stale_stops_.erase(it) : std::next(it);
}

int Controller::run() {
  signals::install({SIGTERM, SIGINT});
  started_ms_ = clock::steady_ms();
  // Agents known from before this start get a grace period to reconnect and
  // report their runs before any of them may be declared lost.
  for (const auto& a : store_.agents()) {
    proto::Register info;
    info.name = a.name;
    info.hostname = a.hostname;
    info.cpus = a.cpus;
    info.mem_bytes = a.mem_bytes;
    info.ffmpeg_version = a.ffmpeg_version;
    info.max_streams = a.max_streams;
    info.encoders = a.encoders;
    registry_.remember(a.name, info, a.draining, started_ms_ + opts_.restart_grace_ms, a.last_seen_ms);
  }
  std::vector<zmq::pollitem_t> items = {{sock_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, signals::fd(), ZMQ_POLLIN, 0}};
  bool stop = false;
  while (!stop) {
    const std::int64_t now = clock::steady_ms();
    const auto timeout = std::clamp<std::int64_t>(next_tick_ms_ - now, 0, 250);
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(timeout));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    if (items[1].revents & ZMQ_POLLIN) {
      for (int sig : signals::drain()) {
        logger()->info("signal_received signal={} action=exit streams_keep_running=true", strsignal(sig));
        stop = true;
      }
    }
    // Bounded batch so a flood of messages cannot starve the timers.
    for (int i = 0; i < 1000; ++i) {
      auto frames = zio::try_recv(sock_);
      if (!frames) break;
      on_frames(std::move(*frames));
    }
    const std::int64_t after = clock::steady_ms();
    if (after >= next_tick_ms_) {
      tick(after);
      next_tick_ms_ = after + 250;
    }
  }
  logger()->info("controller_exit code=0");
  return kExitOk;
}

}  // namespace ffleet::controller
