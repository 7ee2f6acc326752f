// The loop's side of the HTTP API (--http): two inproc sockets and the
// events. Requests from the HTTP side arrive on a ROUTER (turn.cpp reads
// it beside the TCP socket) and are served like the CLI's, by the same
// handlers; the caller is the owner of the bearer token whose digest came
// with the request. Events go out on an XPUB after the turn commits (they
// wait in the outbox like answers) and only while the HTTP side has a
// browser listening, so a fleet without dashboards pays nothing for them.
#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/views_json.hpp"
#include "ffleet/common/zmq_io.hpp"
#include "http/bridge.hpp"
#include "http/server.hpp"
#include "loop/controller.hpp"

namespace ffleet::controller {
namespace {
auto link_log() {
  static auto l = log::get("controller.http");
  return l;
}
// Events a slow hub may leave queued before the loop drops more (never blocks).
constexpr int kEventsHwm = 100000;
constexpr std::int64_t kFleetEventMs = 2000;
}  // namespace

Status Controller::start_http() {
  if (opts_.http.empty()) return Status::ok();
  http_sock_ = zmq::socket_t(ctx_, zmq::socket_type::router);
  http_sock_.set(zmq::sockopt::linger, 0);
  http_sock_.set(zmq::sockopt::router_mandatory, 1);
  events_ = zmq::socket_t(ctx_, zmq::socket_type::xpub);
  events_.set(zmq::sockopt::linger, 0);
  events_.set(zmq::sockopt::sndhwm, kEventsHwm);
  try {
    http_sock_.bind(http::kRequestsEndpoint);
    events_.bind(http::kEventsEndpoint);
  } catch (const zmq::error_t& e) {
    return Status::error(std::string("cannot bind the HTTP side's inproc sockets: ") + e.what());
  }
  http::Config cfg;
  cfg.listen = opts_.http;
  cfg.tls_cert = opts_.tls_cert;
  cfg.tls_key = opts_.tls_key;
  cfg.event_clients = static_cast<std::size_t>(opts_.http_event_clients);
  auto server = http::Server::start(ctx_, cfg);
  if (!server) return Status::error(server.error());
  http_server_ = *server;
  link_log()->info("http_listening listen={} tls={} event_clients={}", (*server)->url(), !opts_.tls_cert.empty(),
                   opts_.http_event_clients);
  return Status::ok();
}

void Controller::stop_http() {
  http_server_.reset();  // joins its threads and closes their sockets
  if (events_) events_.close();
  if (http_sock_) http_sock_.close();
}

void Controller::on_event_subscriptions() {
  if (!events_) return;
  for (;;) {
    auto frames = zio::try_recv(events_);
    if (!frames) break;
    // XPUB: byte 1 subscribe, 0 unsubscribe, then the topic.
    if (frames->empty() || (*frames)[0].empty()) continue;
    event_subscribers_ += (*frames)[0][0] == 1 ? 1 : -1;
    if (event_subscribers_ < 0) event_subscribers_ = 0;
    link_log()->debug("events_subscribers count={}", event_subscribers_);
  }
}

bool Controller::publish_event(const std::vector<std::string>& frames) {
  if (!events_) return false;
  if (Status s = zio::send(events_, frames); !s) {
    ++events_dropped_;
    return false;
  }
  return true;
}

void Controller::emit(std::string_view name, const nlohmann::json& data) {
  outbox_.push_back(
      {channel::kEvents, {std::string(name), data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)}, 0});
}

void Controller::emit_stream(const StreamRow& s) {
  if (!events_wanted()) return;
  // As `stream ls` shows everyone: no inputs or outputs.
  emit("stream", views::stream_json(view(s, false, 0, false), false));
}

void Controller::emit_stream_removed(std::int64_t id) {
  if (events_wanted()) emit("stream_removed", {{"id", id}});
}

void Controller::emit_agent(const registry::Agent& a) {
  if (!events_wanted()) return;
  std::map<std::string, std::int64_t> active{{a.name, store_.streams().active_on(a.name)}};
  emit("agent", views::agent_json(agent_view(a, active)));
}

void Controller::emit_figures(const registry::Agent& a) {
  if (!events_wanted() || a.runs.empty()) return;
  auto streams = nlohmann::json::array();
  for (const auto& r : a.runs) {
    // The current run of a stream placed here: a stale run's figures are not the stream's.
    const StreamRow* s = store_.streams().get(r.stream_id);
    if (s == nullptr || s->agent != a.name || s->attempt != r.attempt) continue;
    proto::StreamView v;
    v.id = s->id;
    v.cpu_percent = r.cpu_percent;
    v.rss_bytes = r.rss_bytes;
    v.fps = r.fps;
    v.speed = r.speed;
    v.bitrate_kbps = r.bitrate_kbps;
    v.drop_frames = r.drop_frames;
    v.dup_frames = r.dup_frames;
    v.progress = r.progress;
    v.eta_s = r.eta_s;
    streams.push_back(views::figures_json(v));
  }
  if (!streams.empty()) emit("figures", {{"agent", a.name}, {"streams", std::move(streams)}});
}

void Controller::emit_fleet(std::int64_t now) {
  if (!events_ || now < next_fleet_event_ms_) return;
  next_fleet_event_ms_ = now + kFleetEventMs;
  const std::int64_t lag = lag_since_fleet_event_ms_;
  lag_since_fleet_event_ms_ = 0;
  if (!events_wanted()) return;
  std::int64_t agents = 0;
  for (const auto* a : registry_.all()) agents += a->connected ? 1 : 0;
  emit("fleet", {{"loop_lag_ms", lag}, {"agents", agents}, {"streams", store_.streams().rows().size()}});
}

}  // namespace ffleet::controller
