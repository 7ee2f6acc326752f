#include "fleet.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <variant>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/codec.hpp"
#include "ffleet/common/confine.hpp"
#include "ffleet/common/zmq_io.hpp"

namespace ffleet::bench {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

namespace {
// As the real agent (agent/link/link.cpp).
constexpr double kRegisterRetryMs = 200;
constexpr double kResendMs = 2000;

std::string random_hex(std::mt19937_64& rng) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  auto v = rng();
  for (int i = 0; i < 16; ++i, v >>= 4) out.push_back(kHex[v & 15]);
  return out;
}
}  // namespace

Fleet::Fleet(zmq::context_t& ctx, std::string endpoint, std::string prefix, int agents, int max_streams)
    : endpoint_(std::move(endpoint)), max_streams_(max_streams) {
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> spread(0, 1000);
  const double t = now_ms();
  agents_.resize(static_cast<std::size_t>(agents));
  for (int i = 0; i < agents; ++i) {
    auto& a = agents_[static_cast<std::size_t>(i)];
    a.name = prefix + std::to_string(i);
    a.instance = random_hex(rng);
    a.sock = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::dealer);
    // The socket options of agent/link/link.cpp.
    a.sock->set(zmq::sockopt::routing_id, a.name + "/" + a.instance);
    a.sock->set(zmq::sockopt::linger, 0);
    a.sock->set(zmq::sockopt::immediate, 1);
    a.sock->set(zmq::sockopt::reconnect_ivl, 100);
    a.sock->set(zmq::sockopt::reconnect_ivl_max, 2000);
    zio::watch_tcp_peer(*a.sock);
    a.sock->set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(proto::kMaxMessageBytes) * 2);
    a.sock->set(zmq::sockopt::sndhwm, 10000);
    a.sock->connect(endpoint_);
    // Real agents start at unrelated times: spread the first REGISTERs (and so
    // the heartbeats that follow) over a second rather than sending all at once.
    a.next_register_ms = t + spread(rng);
  }
}

void Fleet::send(FakeAgent& a, const std::vector<std::string>& frames) { (void)zio::send(*a.sock, frames); }

template <class M> void Fleet::send_reliable(FakeAgent& a, const M& m) {
  const auto id = next_msg_id_++;
  auto frames = wire::message(m, id);
  send(a, frames);
  a.outbox[id] = FakeAgent::Pending{std::move(frames), now_ms()};
}

proto::Register Fleet::make_register(const FakeAgent& a) const {
  proto::Register r;
  r.name = a.name;
  r.hostname = "loadgen";
  r.cpus = 8;
  r.mem_bytes = 8LL << 30;
  r.ffmpeg_version = "loadgen";
  r.max_streams = max_streams_;
  r.encoders = {"libx264"};
  r.agent_version = "0.1.0";
  r.instance = a.instance;
  r.protocols = confine::default_protocols();
  for (const auto& [id, run] : a.runs) r.runs.push_back(run);
  return r;
}

void Fleet::on_readable(std::size_t i) {
  auto& a = agents_[i];
  while (auto got = zio::try_recv(*a.sock)) handle(a, *got);
}

void Fleet::handle(FakeAgent& a, const std::vector<std::string>& frames) {
  auto parsed = wire::parse(frames, false);
  auto* env = std::get_if<wire::Envelope>(&parsed);
  if (env == nullptr) return;
  const double t = now_ms();
  using proto::MsgType;
  switch (env->type()) {
    case MsgType::Registered: {
      auto m = wire::decode<proto::Registered>(*env);
      if (!m) return;
      const bool first = !a.registered;
      a.registered = true;
      if (m->heartbeat_ms > 0) a.heartbeat_ms = m->heartbeat_ms;
      a.last_ctl_heartbeat_ms = t;
      if (first) a.next_heartbeat_ms = t;
      for (auto& [id, p] : a.outbox) {
        send(a, p.frames);
        p.last_sent_ms = t;
      }
      return;
    }
    case MsgType::Heartbeat: {
      if (measuring_ && a.last_ctl_heartbeat_ms >= 0) a.worst_gap_ms = std::max(a.worst_gap_ms, t - a.last_ctl_heartbeat_ms);
      a.last_ctl_heartbeat_ms = t;
      return;
    }
    case MsgType::Ack: a.outbox.erase(env->header.in_reply_to); return;
    case MsgType::StartRun: {
      auto m = wire::decode<proto::StartRun>(*env);
      if (m) on_start_run(a, *m);
      return;
    }
    case MsgType::StopRun: {
      auto m = wire::decode<proto::StopRun>(*env);
      if (m) on_stop_run(a, *m);
      return;
    }
    case MsgType::LogsRequest: {
      auto m = wire::decode<proto::LogsRequest>(*env);
      if (!m) return;
      proto::LogsReply r;
      r.stream_id = m->stream_id;
      r.attempt = m->attempt;
      r.found = a.runs.count(m->stream_id) > 0;
      send(a, wire::message(r, next_msg_id_++, env->header.msg_id));
      return;
    }
    case MsgType::AgentControl: send(a, wire::message(proto::Ack{}, next_msg_id_++, env->header.msg_id)); return;
    case MsgType::Error: {
      auto m = wire::decode<proto::ErrorMsg>(*env);
      if (!m) return;
      if (m->code == proto::err::kNotRegistered) {
        a.registered = false;
        a.next_register_ms = t;
      } else if (fatal_.empty()) {
        fatal_ = "agent " + a.name + ": controller says " + m->code + ": " + m->message;
      }
      return;
    }
    default: return;
  }
}

void Fleet::on_start_run(FakeAgent& a, const proto::StartRun& m) {
  start_runs_.try_emplace(m.stream_id, now_ms());
  auto it = a.runs.find(m.stream_id);
  if (it == a.runs.end() || it->second.attempt != m.attempt) {
    proto::RunReport r;
    r.stream_id = m.stream_id;
    r.attempt = m.attempt;
    r.pid = next_pid_++;
    r.encoder = "libx264";
    r.started_at_ms = clock::wall_ms();
    r.store_id = m.store_id;
    r.speed = 1.0;
    r.fps = 25;
    r.progress = -1;
    r.eta_s = -1;
    a.runs[m.stream_id] = r;
    it = a.runs.find(m.stream_id);
  }
  proto::RunStarted s;
  s.stream_id = m.stream_id;
  s.attempt = m.attempt;
  s.pid = it->second.pid;
  s.encoder = "libx264";
  s.started_at_ms = it->second.started_at_ms;
  s.store_id = m.store_id;
  send_reliable(a, s);
}

void Fleet::on_stop_run(FakeAgent& a, const proto::StopRun& m) {
  proto::RunExited x;
  x.stream_id = m.stream_id;
  x.attempt = m.attempt;
  auto it = a.runs.find(m.stream_id);
  if (it != a.runs.end() && it->second.attempt == m.attempt) {
    x.store_id = it->second.store_id;
    x.exit_code = -1;
    x.signal = 15;
    x.reason = "stopped";
    a.runs.erase(it);
  } else {
    x.reason = "unknown_run";
  }
  x.ended_at_ms = clock::wall_ms();
  send_reliable(a, x);
}

void Fleet::tick() {
  const double t = now_ms();
  // Resends are due at most every 2 s: scanning every outbox on each loop
  // turn would cost the controller's machine CPU for nothing.
  const bool scan_outbox = t >= next_outbox_scan_ms_;
  if (scan_outbox) next_outbox_scan_ms_ = t + 100;
  for (auto& a : agents_) {
    if (!a.registered) {
      if (t >= a.next_register_ms) {
        send(a, wire::message(make_register(a), next_msg_id_++));
        a.next_register_ms = t + kRegisterRetryMs;
      }
      continue;
    }
    if (t >= a.next_heartbeat_ms) {
      proto::Heartbeat hb;
      hb.host.cpu_percent = 5;
      hb.host.mem_total_bytes = 8LL << 30;
      hb.host.mem_used_bytes = 1LL << 30;
      for (const auto& [id, run] : a.runs) hb.runs.push_back(run);
      send(a, wire::message(hb, next_msg_id_++));
      a.next_heartbeat_ms = t + static_cast<double>(a.heartbeat_ms);
    }
    if (scan_outbox)
      for (auto& [id, p] : a.outbox)
        if (t - p.last_sent_ms >= kResendMs) {
          send(a, p.frames);
          p.last_sent_ms = t;
          ++resends_;
        }
  }
}

double Fleet::next_due() const {
  double d = now_ms() + 1000;
  for (const auto& a : agents_) {
    d = std::min(d, a.registered ? a.next_heartbeat_ms : a.next_register_ms);
    if (!a.outbox.empty()) d = std::min(d, next_outbox_scan_ms_);
  }
  return d;
}

std::size_t Fleet::registered() const {
  return static_cast<std::size_t>(std::count_if(agents_.begin(), agents_.end(), [](const auto& a) { return a.registered; }));
}

std::size_t Fleet::runs() const {
  std::size_t n = 0;
  for (const auto& a : agents_) n += a.runs.size();
  return n;
}

void Fleet::set_measuring(bool on) {
  const double t = now_ms();
  if (!on && measuring_)
    for (auto& a : agents_)
      if (a.last_ctl_heartbeat_ms >= 0) a.worst_gap_ms = std::max(a.worst_gap_ms, t - a.last_ctl_heartbeat_ms);
  if (on)
    for (auto& a : agents_) a.worst_gap_ms = 0;
  measuring_ = on;
}

double Fleet::worst_heartbeat_gap_ms() const {
  double w = 0;
  for (const auto& a : agents_) w = std::max(w, a.worst_gap_ms);
  return w;
}

}  // namespace ffleet::bench
