#include "runner/runner.hpp"

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"

namespace ffleet::agent::runner {
namespace {
auto logger() {
  static auto l = log::get("agent.runner");
  return l;
}

proto::RunExited ended_without_process(std::int64_t stream_id, std::int64_t attempt, std::string reason,
                                       std::string error, std::int64_t now_ms) {
  proto::RunExited m;
  m.stream_id = stream_id;
  m.attempt = attempt;
  m.reason = std::move(reason);
  m.error = std::move(error);
  m.ended_at_ms = now_ms;
  return m;
}
}  // namespace

Runner::Runner(RunConfig cfg, host::ProcReader proc, StartedFn on_started, ExitedFn on_exited)
    : cfg_(std::move(cfg)), proc_(std::move(proc)), on_started_(std::move(on_started)), on_exited_(std::move(on_exited)) {}

void Runner::start(const proto::StartRun& cmd, std::int64_t now_ms) {
  if (auto it = runs_.find(cmd.stream_id); it != runs_.end()) {
    const Run& r = *it->second;
    if (r.attempt() == cmd.attempt) {
      on_started_(r.started_report());
      return;
    }
    // Never two runs of one stream here: the controller stops the old attempt
    // first and starts the new one once it has ended.
    logger()->warn("start_refused stream={} run={} why=attempt_{}_alive", cmd.stream_id, cmd.attempt, r.attempt());
    on_exited_(ended_without_process(cmd.stream_id, cmd.attempt, "refused",
                                     "attempt " + std::to_string(r.attempt()) + " of this stream is still running",
                                     now_ms));
    return;
  }
  auto run = Run::spawn(cmd, cfg_, now_ms, clock::steady_ms());
  if (!run) {
    logger()->error("run_spawn_failed stream={} run={} error=\"{}\"", cmd.stream_id, cmd.attempt, run.error());
    on_exited_(ended_without_process(cmd.stream_id, cmd.attempt, "spawn_failed", run.error(), now_ms));
    return;
  }
  auto& r = runs_[cmd.stream_id];
  r = std::move(run.value());
  on_started_(r->started_report());
}

void Runner::stop(std::int64_t stream_id, std::int64_t attempt, const std::string& reason, std::int64_t now_ms) {
  auto it = runs_.find(stream_id);
  if (it == runs_.end() || it->second->attempt() != attempt) {
    on_exited_(ended_without_process(stream_id, attempt, "unknown_run", "", now_ms));
    return;
  }
  it->second->request_stop(now_ms, reason);
}

void Runner::stop_all(const std::string& reason, std::int64_t now_ms) {
  for (auto& [id, r] : runs_) r->request_stop(now_ms, reason);
}

void Runner::kill_all() {
  for (auto& [id, r] : runs_) r->kill_now();
}

void Runner::reap(std::int64_t now_ms) {
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (!it->second->reap()) {
      ++it;
      continue;
    }
    auto report = it->second->exit_report(now_ms);
    logger()->info("run_exited stream={} run={} pid={} reason={} exit_code={} signal={}", report.stream_id,
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
  for (const auto& [id, r] : runs_) {
    const auto x = r->next_deadline();
    if (x >= 0 && (d < 0 || x < d)) d = x;
  }
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
