#include "metrics.hpp"

#include <algorithm>
#include <map>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/encoders.hpp"
#include "ffleet/common/log.hpp"
#include "runner/runner.hpp"

namespace ffleet::agent {
namespace {
using metrics::Def;
using metrics::Type;

auto metrics_log() {
  static auto l = log::get("agent.metrics");
  return l;
}

// Gauges are read and the text rendered this often at most (and at once
// after a run starts or ends, so a stream's series go with its run).
constexpr std::int64_t kPublishEveryMs = 1000;

const std::vector<std::string> kStream = {"stream", "stream_id"};

// The families rebuilt from the live runs each time.
const char* const kPerStream[] = {
    "ffleet_agent_stream_fps",
    "ffleet_agent_stream_speed_ratio",
    "ffleet_agent_stream_bitrate_bytes_per_second",
    "ffleet_agent_stream_frames_total",
    "ffleet_agent_stream_dropped_frames_total",
    "ffleet_agent_stream_duplicated_frames_total",
    "ffleet_agent_stream_cpu_ratio",
    "ffleet_agent_stream_resident_memory_bytes",
    "ffleet_agent_stream_uptime_seconds",
    "ffleet_agent_stream_progress_ratio",
    "ffleet_agent_stream_eta_seconds",
};
}  // namespace

const std::vector<Def>& AgentMetrics::table() {
  static const std::vector<Def> t = {
      {"ffleet_agent_stream_fps", Type::kGauge, "Frames per second ffmpeg reports for the stream's run.", "", kStream, {}},
      {"ffleet_agent_stream_speed_ratio", Type::kGauge,
       "Encoding speed as a multiple of real time (below 1 a live stream falls behind).", "ratio", kStream, {}},
      {"ffleet_agent_stream_bitrate_bytes_per_second", Type::kGauge, "Output bitrate ffmpeg reports, in bytes per second (x8 for bits).",
       "bytes_per_second", kStream, {}},
      {"ffleet_agent_stream_frames_total", Type::kCounter, "Frames written by the stream's current run.", "", kStream, {}},
      {"ffleet_agent_stream_dropped_frames_total", Type::kCounter, "Frames dropped by the stream's current run.", "",
       kStream, {}},
      {"ffleet_agent_stream_duplicated_frames_total", Type::kCounter, "Frames duplicated by the stream's current run.",
       "", kStream, {}},
      {"ffleet_agent_stream_cpu_ratio", Type::kGauge,
       "CPU used by the run's process group, in cores (1 = one core busy).", "ratio", kStream, {}},
      {"ffleet_agent_stream_resident_memory_bytes", Type::kGauge, "Resident memory of the run's process group.", "bytes",
       kStream, {}},
      {"ffleet_agent_stream_uptime_seconds", Type::kGauge, "Time since the stream's current run started.", "seconds",
       kStream, {}},
      {"ffleet_agent_stream_progress_ratio", Type::kGauge,
       "A batch run's share done (0 to 1), from its input's duration and ffmpeg's out_time; absent when unknown or live.",
       "ratio", kStream, {}},
      {"ffleet_agent_stream_eta_seconds", Type::kGauge,
       "A batch run's estimated time to completion at its current speed; absent when unknown or live.", "seconds",
       kStream, {}},
      {"ffleet_agent_streams", Type::kGauge, "Runs held by this agent (probing ones included).", "", {}, {}},
      {"ffleet_agent_connected", Type::kGauge, "1 while the agent is registered with its controller.", "", {}, {}},
      {"ffleet_agent_draining", Type::kGauge, "1 while the agent drains (takes no new work).", "", {}, {}},
      {"ffleet_agent_host_cpu_ratio", Type::kGauge, "Busy share of all of the host's CPUs (0 to 1).", "ratio", {}, {}},
      {"ffleet_agent_host_memory_total_bytes", Type::kGauge, "The host's memory.", "bytes", {}, {}},
      {"ffleet_agent_host_memory_used_bytes", Type::kGauge, "The host's memory in use (total less available).", "bytes",
       {}, {}},
      {"ffleet_agent_host_load1", Type::kGauge, "The host's one-minute load average.", "", {}, {}},
      {"ffleet_agent_encoder_sessions_used", Type::kGauge,
       "Hardware encoder sessions in use, by vendor (h264_nvenc and hevc_nvenc share nvenc's).", "", {"vendor"}, {}},
      {"ffleet_agent_encoder_sessions_free", Type::kGauge, "Hardware encoder sessions still free, by vendor.", "",
       {"vendor"}, {}},
      {"ffleet_agent_runs_started_total", Type::kCounter, "Runs started on this agent.", "", {}, {}},
      {"ffleet_agent_runs_ended_total", Type::kCounter,
       "Runs ended on this agent, by reason (exited, stopped, drained, lease_expired, force_killed, stalled, ...).", "",
       {"reason"}, {}},
      {"ffleet_agent_loop_lag_seconds", Type::kHistogram,
       "How late the agent's event loop ran (wake-ups and turns); a lag delays heartbeats.", "seconds", {},
       metrics::latency_buckets()},
  };
  return t;
}

AgentMetrics::AgentMetrics() : reg_(table()) {}
AgentMetrics::~AgentMetrics() = default;

Status AgentMetrics::start(const std::string& addr) {
  if (addr.empty()) return Status::ok();
  auto s = metrics::Server::start(addr);
  if (!s) return s.status();
  server_ = std::move(*s);
  if (!metrics::is_loopback(metrics::parse_address(addr)->host))
    metrics_log()->warn("metrics_unprotected listen={} why=\"metrics have no authentication: keep them on loopback or a "
                   "private network\"",
                   server_->endpoint());
  metrics_log()->info("metrics_listening listen={} path=/metrics", server_->endpoint());
  return Status::ok();
}

void AgentMetrics::run_started(std::int64_t stream_id, std::int64_t attempt) {
  if (!started_.emplace(stream_id, attempt).second) return;
  reg_.add("ffleet_agent_runs_started_total");
  next_publish_ms_ = 0;
}

void AgentMetrics::run_ended(std::int64_t stream_id, std::int64_t attempt, const std::string& reason) {
  started_.erase({stream_id, attempt});
  if (reason == "unknown_run") return;
  reg_.add("ffleet_agent_runs_ended_total", {reason});
  next_publish_ms_ = 0;
}

void AgentMetrics::loop_lag_ms(std::int64_t ms) {
  reg_.observe("ffleet_agent_loop_lag_seconds", static_cast<double>(std::max<std::int64_t>(ms, 0)) / 1000.0);
}

void AgentMetrics::collect(std::int64_t now_wall, const runner::Runner& runs, const proto::HostStats& host,
                           AgentState state) {
  for (const char* name : kPerStream) reg_.clear(name);
  std::map<std::string, int> used;
  for (const auto& r : runs.reports()) {
    const runner::Run* run = runs.find(r.stream_id);
    const metrics::Labels l = {run ? run->command().name : "", std::to_string(r.stream_id)};
    reg_.set("ffleet_agent_stream_fps", l, r.fps);
    reg_.set("ffleet_agent_stream_speed_ratio", l, r.speed);
    reg_.set("ffleet_agent_stream_bitrate_bytes_per_second", l, r.bitrate_kbps * 1000.0 / 8.0);
    reg_.set("ffleet_agent_stream_frames_total", l, static_cast<double>(r.frames));
    reg_.set("ffleet_agent_stream_dropped_frames_total", l, static_cast<double>(r.drop_frames));
    reg_.set("ffleet_agent_stream_duplicated_frames_total", l, static_cast<double>(r.dup_frames));
    // CPU and memory once sampled (every RESOURCE_MONITOR_INTERVAL_MS): a 0
    // before that would read as a figure.
    if (r.rss_bytes > 0) {
      reg_.set("ffleet_agent_stream_cpu_ratio", l, r.cpu_percent / 100.0);
      reg_.set("ffleet_agent_stream_resident_memory_bytes", l, static_cast<double>(r.rss_bytes));
    }
    reg_.set("ffleet_agent_stream_uptime_seconds", l,
             r.started_at_ms > 0 ? static_cast<double>(std::max<std::int64_t>(now_wall - r.started_at_ms, 0)) / 1000.0
                                 : 0.0);
    if (r.progress >= 0) reg_.set("ffleet_agent_stream_progress_ratio", l, r.progress / 100.0);
    if (r.eta_s >= 0) reg_.set("ffleet_agent_stream_eta_seconds", l, r.eta_s);
    if (const auto v = ffleet::encoders::vendor_of(r.encoder); !v.empty()) ++used[v];
  }
  reg_.set("ffleet_agent_streams", static_cast<double>(runs.size()));
  reg_.set("ffleet_agent_connected", state.connected ? 1 : 0);
  reg_.set("ffleet_agent_draining", state.draining ? 1 : 0);
  reg_.set("ffleet_agent_host_cpu_ratio", host.cpu_percent / 100.0);
  reg_.set("ffleet_agent_host_memory_total_bytes", static_cast<double>(host.mem_total_bytes));
  reg_.set("ffleet_agent_host_memory_used_bytes", static_cast<double>(host.mem_used_bytes));
  reg_.set("ffleet_agent_host_load1", host.load1);
  // Only the vendors this host can use: a host without NVIDIA shows no nvenc.
  reg_.clear("ffleet_agent_encoder_sessions_used");
  reg_.clear("ffleet_agent_encoder_sessions_free");
  std::map<std::string, int> vendors;
  for (const auto& e : runs.config().host.encoders)
    if (const auto v = ffleet::encoders::vendor_of(e); !v.empty()) vendors[v] = 0;
  for (auto& [vendor, limit] : vendors) {
    const auto it = runs.config().session_limits.find(vendor);
    limit = it == runs.config().session_limits.end() ? 0 : it->second;
    const int u = used.count(vendor) ? used[vendor] : 0;
    reg_.set("ffleet_agent_encoder_sessions_used", {vendor}, u);
    reg_.set("ffleet_agent_encoder_sessions_free", {vendor}, std::max(limit - u, 0));
  }
}

void AgentMetrics::publish(std::int64_t now, const runner::Runner& runs, const proto::HostStats& host,
                           AgentState state) {
  if (!server_ || now < next_publish_ms_) return;
  next_publish_ms_ = now + kPublishEveryMs;
  collect(clock::wall_ms(), runs, host, state);
  server_->publish(reg_.render());
}

}  // namespace ffleet::agent
