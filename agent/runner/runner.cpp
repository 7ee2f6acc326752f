#include "runner/runner.hpp"

#include "ffleet/common/clock.hpp"
#include "ffleet/common/encoders.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/redact.hpp"
#include "ffleet/common/text.hpp"
#include "runner/confine_host.hpp"

namespace ffleet::agent::runner {
namespace {
auto runner_log() {
  static auto l = log::get("agent.runner");
  return l;
}

// A run that ended without a process: refused, failed to spawn, stopped
// while probing, or unknown. `error` may hold bytes from outside (an encoder
// name from the controller, an exec error): made fit for people here.
proto::RunExited ended_without_process(const proto::StartRun& cmd, std::string reason, const std::string& error,
                                       std::int64_t now_ms) {
  proto::RunExited m;
  m.stream_id = cmd.stream_id;
  m.attempt = cmd.attempt;
  m.store_id = cmd.store_id;
  m.reason = std::move(reason);
  m.error = text::for_people(error);
  m.ended_at_ms = now_ms;
  return m;
}

// How a stop reason reads in RunExited (as Run::exit_report says it).
std::string stopped_reason(const std::string& why) {
  return why == "drained" || why == "lease_expired" ? why : "stopped";
}
}  // namespace

Runner::Runner(RunConfig cfg, host::ProcReader proc, StartedFn on_started, ExitedFn on_exited)
    : cfg_(std::move(cfg)), proc_(std::move(proc)), on_started_(std::move(on_started)), on_exited_(std::move(on_exited)) {}

void Runner::start(const proto::StartRun& cmd, std::int64_t now_ms) {
  std::int64_t alive = -1;  // the attempt of this stream held here, if any
  if (auto it = runs_.find(cmd.stream_id); it != runs_.end()) {
    if (it->second->attempt() == cmd.attempt) {
      on_started_(it->second->started_report());
      return;
    }
    alive = it->second->attempt();
  } else if (auto p = probing_.find(cmd.stream_id); p != probing_.end()) {
    // The controller repeats StartRun until RunStarted: that comes when the probe is done.
    if (p->second->command().attempt == cmd.attempt) return;
    alive = p->second->command().attempt;
  }
  if (alive >= 0) {
    // Never two runs of one stream here: the controller stops the old attempt
    // first and starts the new one once it has ended.
    runner_log()->warn("start_refused stream={} run={} why=attempt_{}_alive", cmd.stream_id, cmd.attempt, alive);
    on_exited_(ended_without_process(
        cmd, "refused", "attempt " + std::to_string(alive) + " of this stream is still running", now_ms));
    return;
  }
  // Judged before ffprobe opens anything, and again at spawn (Run::spawn).
  if (auto check = check_on_host(cmd.spec, cfg_.host.policy, cfg_.work_dir, cmd.store_id, cmd.stream_id); !check) {
    runner_log()->warn("run_refused stream={} run={} why=\"{}\"", cmd.stream_id, cmd.attempt, text::for_people(check.error()));
    on_exited_(ended_without_process(cmd, "spawn_failed", check.error(), now_ms));
    return;
  }
  auto probe = std::make_unique<ModeProbe>(cmd, cfg_.ffprobe, cfg_.work_dir, clock::steady_ms());
  if (probe->done()) spawn(probe->resolved(), now_ms, "");
  else probing_[cmd.stream_id] = std::move(probe);
}

void Runner::poll_probes(std::int64_t now_ms) {
  const std::int64_t steady = clock::steady_ms();
  for (auto it = probing_.begin(); it != probing_.end();) {
    if (!it->second->poll(steady)) {
      ++it;
      continue;
    }
    const proto::StartRun cmd = it->second->resolved();
    it = probing_.erase(it);
    spawn(cmd, now_ms, "");
  }
}

void Runner::cancel_probe(std::int64_t stream_id, const std::string& reason) {
  auto it = probing_.find(stream_id);
  if (it == probing_.end()) return;
  const proto::StartRun cmd = it->second->command();
  probing_.erase(it);  // kills ffprobe's group, removes its file
  runner_log()->info("run_exited stream={} run={} pid=0 reason={} while=probing", cmd.stream_id, cmd.attempt, reason);
  on_exited_(ended_without_process(cmd, reason, "", clock::wall_ms()));
}

ffmpeg::HostOffer Runner::offer(std::int64_t now_steady) {
  ffmpeg::HostOffer o = cfg_.host;
  for (auto it = unhealthy_until_.begin(); it != unhealthy_until_.end();) {
    if (it->second <= now_steady) {
      runner_log()->info("encoder_healthy_again encoder={}", it->first);
      it = unhealthy_until_.erase(it);
      continue;
    }
    o.unhealthy.insert(it->first);
    ++it;
  }
  for (const auto& [vendor, limit] : cfg_.session_limits) o.free_sessions[vendor] = limit;
  for (const auto& [id, r] : runs_) {
    auto it = o.free_sessions.find(ffmpeg::vendor_of(r->encoder()));
    if (it != o.free_sessions.end()) --it->second;
  }
  return o;
}

void Runner::spawn(const proto::StartRun& cmd, std::int64_t now_ms, const std::string& note) {
  RunConfig cfg = cfg_;
  cfg.host = offer(clock::steady_ms());
  auto run = Run::spawn(cmd, cfg, now_ms, clock::steady_ms());
  if (!run && run.error().rfind("rule ", 0) == 0) {
    runner_log()->warn("run_refused stream={} run={} why=\"{}\"", cmd.stream_id, cmd.attempt, text::for_people(run.error()));
    on_exited_(ended_without_process(cmd, "spawn_failed", run.error(), now_ms));
    return;
  }
  if (!run) {
    // A refusal may quote an input or output: masked before it is logged or sent.
    const std::string error = redact::for_error(redact::scrub(run.error(), secrets_of_spec(cmd.spec)));
    runner_log()->error("run_spawn_failed stream={} run={} error=\"{}\"", cmd.stream_id, cmd.attempt,
                    text::for_people(error));
    on_exited_(ended_without_process(cmd, "spawn_failed", error, now_ms));
    return;
  }
  auto& r = runs_[cmd.stream_id];
  r = std::move(run.value());
  if (cmd.spec.batch)
    r->watch_duration(std::make_unique<DurationProbe>(cmd, cfg_.ffprobe, cfg_.work_dir, clock::steady_ms()));
  auto report = r->started_report();
  report.note = note;
  on_started_(report);
}

std::string Runner::hardware_failure(const Run& r) const {
  if (!cfg_.fallback || r.stopping() || r.made_progress()) return "";
  // The failure signs of the encoder's vendor, from the encoder table; "" for software.
  return ffleet::encoders::failure_line(r.encoder(), r.tail(20));
}

void Runner::stop(std::int64_t stream_id, std::int64_t attempt, const std::string& reason, std::int64_t now_ms) {
  if (auto p = probing_.find(stream_id); p != probing_.end() && p->second->command().attempt == attempt)
    return cancel_probe(stream_id, stopped_reason(reason));
  auto it = runs_.find(stream_id);
  if (it == runs_.end() || it->second->attempt() != attempt) {
    proto::StartRun unknown;  // a StopRun names no database: no store_id to echo
    unknown.stream_id = stream_id;
    unknown.attempt = attempt;
    on_exited_(ended_without_process(unknown, "unknown_run", "", clock::wall_ms()));
    return;
  }
  it->second->request_stop(now_ms, reason);
}

void Runner::stop_all(const std::string& reason, std::int64_t now_ms) {
  while (!probing_.empty()) cancel_probe(probing_.begin()->first, stopped_reason(reason));
  for (auto& [id, r] : runs_) r->request_stop(now_ms, reason);
}

int Runner::stop_fenced(std::int64_t now_ms) {
  int n = 0;
  std::vector<std::int64_t> fenced_probes;
  for (const auto& [id, p] : probing_)
    if (p->command().spec.on_host_lost == "fence") fenced_probes.push_back(id);
  for (auto id : fenced_probes) {
    cancel_probe(id, "lease_expired");
    ++n;
  }
  for (auto& [id, r] : runs_) {
    if (r->command().spec.on_host_lost != "fence" || r->stopping()) continue;
    r->request_stop(now_ms, "lease_expired");
    ++n;
  }
  return n;
}

void Runner::kill_all() {
  while (!probing_.empty()) cancel_probe(probing_.begin()->first, "drained");
  for (auto& [id, r] : runs_) r->kill_now();
}

void Runner::reap(std::int64_t now_ms) {
  poll_probes(now_ms);
  for (auto& [id, r] : runs_) r->poll_duration(clock::steady_ms());
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (!it->second->reap()) {
      ++it;
      continue;
    }
    if (const std::string why = hardware_failure(*it->second); !why.empty()) {
      const std::string enc = it->second->encoder();
      proto::StartRun again = it->second->command();
      again.spec.mode = "transcode";
      again.spec.encoder = "libx264";
      unhealthy_until_[enc] = clock::steady_ms() + cfg_.unhealthy_ms;
      runner_log()->warn("encoder_fallback stream={} run={} from={} to=libx264 resting_s={} why=\"{}\"", again.stream_id,
                     again.attempt, enc, cfg_.unhealthy_ms / 1000, why);
      it = runs_.erase(it);
      spawn(again, now_ms, "fell back from " + enc + " to libx264: " + why);
      it = runs_.upper_bound(again.stream_id);
      continue;
    }
    auto report = it->second->exit_report(now_ms);
    runner_log()->info("run_exited stream={} run={} pid={} reason={} exit_code={} signal={}", report.stream_id,
                   report.attempt, it->second->pid(), report.reason, report.exit_code, report.signal);
    it = runs_.erase(it);  // drops the pipes, the playlist and the timers with it
    on_exited_(report);
  }
}

void Runner::tick(std::int64_t now_ms) {
  for (auto& [id, r] : runs_) r->tick(now_ms);
}

std::int64_t Runner::next_deadline() const {
  std::int64_t d = -1;
  auto consider = [&d](std::int64_t x) {
    if (x >= 0 && (d < 0 || x < d)) d = x;
  };
  for (const auto& [id, r] : runs_) {
    consider(r->next_deadline());
    consider(r->duration_deadline());
  }
  for (const auto& [id, p] : probing_) consider(p->next_deadline());
  return d;
}

void Runner::sample(std::int64_t now_ms) {
  if (runs_.empty()) return;
  const auto groups = proc_.groups();  // one /proc scan for every run
  for (auto& [id, r] : runs_) {
    auto it = groups.find(r->pid());
    if (it != groups.end()) r->sample(it->second.cpu_ticks, it->second.rss_bytes, now_ms);
  }
}

void Runner::add_poll_items(std::vector<zmq::pollitem_t>& items) const {
  for (const auto& [id, r] : runs_) {
    // Closed pipes stay in the list (fd -1, no events) so positions match on_poll.
    for (int fd : {r->stdout_fd(), r->stderr_fd()})
      items.push_back({nullptr, fd, static_cast<short>(fd >= 0 ? ZMQ_POLLIN : 0), 0});
  }
}

void Runner::on_poll(const std::vector<zmq::pollitem_t>& items, std::size_t first, std::int64_t now_ms) {
  // Items were added in map order and nothing changed the map since.
  std::size_t i = first;
  for (auto& [id, r] : runs_) {
    for (int k = 0; k < 2; ++k, ++i) {
      if (i < items.size() && (items[i].revents & (ZMQ_POLLIN | ZMQ_POLLERR)) && items[i].fd >= 0)
        r->on_readable(items[i].fd, now_ms);
    }
  }
}

std::vector<proto::RunReport> Runner::reports() const {
  std::vector<proto::RunReport> out;
  out.reserve(runs_.size());
  for (const auto& [id, r] : runs_) out.push_back(r->report());
  return out;
}

const Run* Runner::find(std::int64_t stream_id) const {
  auto it = runs_.find(stream_id);
  return it == runs_.end() ? nullptr : it->second.get();
}

}  // namespace ffleet::agent::runner
