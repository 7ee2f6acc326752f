#include "loop/controller.hpp"

#include <malloc.h>

#include <csignal>
#include <cstdlib>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/signals.hpp"
#include "http/server.hpp"

namespace ffleet::controller {
namespace {
auto controller_log() {
  static auto l = log::get("controller");
  return l;
}

// How often the database file is checked for deletion or replacement: cheap
// (two stat calls), and a second of writes into a deleted file is all that
// can be lost to someone else's mistake.
constexpr std::int64_t kFileCheckMs = 1000;
// Timers run every kTickMs; the poll never sleeps longer.
constexpr std::int64_t kTickMs = 250;
// Client requests are served for at most this long per turn, so agents'
// messages and the timers wait no longer than that behind a burst.
constexpr std::int64_t kClientBudgetMs = 50;
constexpr std::int64_t kDeferredRetryMs = 20;
constexpr std::int64_t kIndexCheckMs = 200;
}  // namespace

Controller::Controller(Options opts, store::Store store)
    : opts_(std::move(opts)), store_(std::move(store)), sock_(ctx_, zmq::socket_type::router) {
  sock_.set(zmq::sockopt::linger, 0);
  // An agent process that reconnects (new TCP connection, same routing id)
  // takes over its identity at once instead of being ignored until the old
  // connection times out. Two processes under one name have different ids
  // (name/instance) and are told apart by the registry.
  sock_.set(zmq::sockopt::router_handover, 1);
  sock_.set(zmq::sockopt::router_mandatory, 1);
  zio::watch_tcp_peer(sock_);
  // A peer that does not read its replies costs at most this many queued
  // messages; then sends to it fail (logged) instead of growing memory.
  sock_.set(zmq::sockopt::sndhwm, 200);
  // zmq drops the connection of a peer that sends more; the codec checks the
  // tighter protocol limit and answers with an error.
  sock_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(proto::kMaxMessageBytes) * 2);
}

Result<std::string> Controller::bind() {
  if (Status s = setup_security(); !s) return Result<std::string>::failure(s.message());
  try {
    sock_.bind(opts_.listen);
  } catch (const zmq::error_t& e) {
    return Result<std::string>::failure("cannot listen on " + opts_.listen + ": " + e.what());
  }
  if (Status s = metrics_.start(opts_.metrics); !s) return Result<std::string>::failure(s.message());
  if (Status s = start_http(); !s) return Result<std::string>::failure(s.message());
  return sock_.get(zmq::sockopt::last_endpoint);
}

void Controller::tick(std::int64_t now) {
  guarded("tick.expire", [&] {
    for (const auto& name : registry_.expire(now, opts_.lost_after_ms)) agent_lost(name);
  });
  guarded("tick.settle", [&] {
    for (auto* a : registry_.settle(now)) {
      controller_log()->info("agent_settled agent={} instance={} runs={}", a->name, a->instance, a->runs.size());
      reconcile(*a, a->runs, true);
    }
  });
  if (now >= next_heartbeat_ms_) {
    for (auto* a : registry_.connected()) send_to(a->peer, proto::Heartbeat{});
    next_heartbeat_ms_ = now + opts_.heartbeat_ms;
  }
  guarded("tick.resend", [&] { resend_commands(now); });
  guarded("tick.schedule", [&] { fire_schedules(clock::wall_ms()); });
  guarded("tick.pending", [&] { place_pending(); });
  guarded("tick.tokens", [&] { store_token_uses(clock::wall_ms()); });
  expire_log_requests(now);
  expire_thumb_requests(now);
  for (auto it = stale_stops_.begin(); it != stale_stops_.end();)
    it = now - it->second > opts_.resend_ms ? stale_stops_.erase(it) : std::next(it);
}

void Controller::check_index(std::int64_t now) {
  // Five times a second at most: a wrong index stays wrong until its row is
  // written again, and reading every row after every turn would slow the
  // tests that add big streams to a crawl.
  if (now < next_index_check_ms_) return;
  next_index_check_ms_ = now + kIndexCheckMs;
  std::string diff = store_.verify_index();
  // And placement's copy of the slots in use, kept up by the index's changes.
  for (const auto& c : candidates())
    if (diff.empty() && c.active != store_.streams().active_on(c.name))
      diff = "candidate " + c.name + " has " + std::to_string(c.active) + " active streams, the index " +
             std::to_string(store_.streams().active_on(c.name));
  if (diff.empty()) return;
  if (diff.rfind(store::kCannotReadStreams, 0) == 0) {  // not a difference: a read that failed (a full disk)
    controller_log()->warn("index_check_skipped error=\"{}\"", diff);
    return;
  }
  controller_log()->critical("index_mismatch error=\"{}\" action=abort", diff);
  std::abort();
}

int Controller::run() {
  signals::install({SIGTERM, SIGINT, SIGHUP});
  started_ms_ = clock::steady_ms();
  load_tokens();
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
  // The ZAP handler answers handshakes (with --key), between turns.
  items.push_back({monitor_.handle(), 0, ZMQ_POLLIN, 0});
  if (secure()) items.push_back({zap_.handle(), 0, ZMQ_POLLIN, 0});
  if (http_sock_) {
    items.push_back({http_sock_.handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({events_.handle(), 0, ZMQ_POLLIN, 0});
  }
  std::int64_t planned_wake = clock::steady_ms();
  notify_.ready(service_status(), planned_wake);
  while (exit_code_ < 0) {
    const std::int64_t before = clock::steady_ms();
    // Work in hand: do not sleep. Answers waiting for a slow reader: look
    // again soon.
    const std::int64_t cap = deferred_.empty() ? kTickMs : kDeferredRetryMs;
    const std::int64_t timeout = clients_waiting() ? 0 : std::clamp<std::int64_t>(next_tick_ms_ - before, 0, cap);
    planned_wake = before + timeout;
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(timeout));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    const std::int64_t now = clock::steady_ms();
    // Lag: how much later than planned the loop woke. Beyond a heartbeat the
    // process was not running (SIGSTOP, a VM paused, swapped out).
    const std::int64_t lag = now - planned_wake;
    stats_.max_lag_ms = std::max(stats_.max_lag_ms, lag);
    lag_since_fleet_event_ms_ = std::max(lag_since_fleet_event_ms_, lag);
    metrics_.loop_lag_ms(lag);
    if (lag > opts_.heartbeat_ms) on_pause(lag, now);
    if (items[1].revents & ZMQ_POLLIN) {
      for (int sig : signals::drain()) {
        if (sig == SIGHUP) {
          reload_config();
          continue;
        }
        controller_log()->info("signal_received signal={} action=exit streams_keep_running=true", strsignal(sig));
        exit_code_ = kExitOk;
      }
    }
    on_monitor();
    if (secure()) on_zap();
    on_event_subscriptions();
    receive(now);
    begin_turn();
    serve_agents();
    // A slot an agent's report freed goes to the streams already waiting,
    // before a start in this turn's requests can take it (first come, first served).
    if (placement_due_) guarded("turn.pending", [&] { place_pending(); });
    serve_clients(kClientBudgetMs);
    const std::int64_t after = clock::steady_ms();
    // Stopped (SIGSTOP, a VM paused) in the middle of the turn: the agents are
    // heard out before the timers below may judge them.
    if (after - now > opts_.heartbeat_ms) on_pause(after - now, after);
    if (after >= next_tick_ms_) {
      tick(after);
      next_tick_ms_ = after + kTickMs;
    }
    // A run that ended in this turn frees its slot for the next in the queue now.
    if (placement_due_) guarded("turn.pending", [&] { place_pending(); });
    emit_fleet(after);
    end_turn();
    if (opts_.debug_check_index) check_index(clock::steady_ms());
    const std::int64_t done = clock::steady_ms();
    stats_.max_turn_ms = std::max(stats_.max_turn_ms, done - now);
    // The rest of the turn this long (a disk stalled in fsync) kept us from listening too.
    if (done - after > opts_.heartbeat_ms) on_pause(done - after, done);
    ++stats_.turns;
    if (done >= next_file_check_ms_) {
      next_file_check_ms_ = done + kFileCheckMs;
      if (Status st = store_.check_file(); !st) {
        controller_log()->error("store_lost error=\"{}\" action=exit streams_keep_running=true", st.message());
        exit_code_ = kExitStoreLost;
      }
    }
    security_housekeeping(done);
    metrics_.publish(done, store_, registry_);
    notify_.tick(done, [this] { return service_status(); });
    if (done >= stats_.next_log_ms) {
      if (stats_.turns > 0)
        controller_log()->debug("loop_stats turns={} max_lag_ms={} max_turn_ms={} busy_replies={} send_failures={} bad_frames={}",
                        stats_.turns, stats_.max_lag_ms, stats_.max_turn_ms, stats_.busy_replies, stats_.send_failures,
                        stats_.bad_frames);
      stats_ = LoopStats{};
      stats_.next_log_ms = done + 10000;
      // A burst (thousands of starts, a flood of messages) leaves the heap
      // full of freed pages that glibc keeps; give them back to the system.
      ::malloc_trim(0);
    }
  }
  notify_.stopping("exiting (code " + std::to_string(exit_code_) + "); streams keep running on the agents");
  stop_http();
  controller_log()->info("controller_exit code={}", exit_code_);
  return exit_code_;
}

}  // namespace ffleet::controller
