#include "ffleet/common/views_json.hpp"

#include "ffleet/common/timeparse.hpp"

namespace ffleet::views {
namespace {

nlohmann::json str_or_null(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }
nlohmann::json pid_or_null(std::int64_t p) { return p > 0 ? nlohmann::json(p) : nlohmann::json(nullptr); }
nlohmann::json time_or_null(std::int64_t ms) { return ms > 0 ? nlohmann::json(timeparse::iso_local(ms)) : nlohmann::json(nullptr); }
nlohmann::json unknown_or(double v) { return v >= 0 ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

nlohmann::json stream_json(const proto::StreamView& s, bool with_detail) {
  nlohmann::json j = {{"id", s.id},
                      {"name", s.name},
                      {"owner", s.owner},
                      {"state", s.state},
                      {"agent", str_or_null(s.agent)},
                      {"pid", pid_or_null(s.pid)},
                      {"encoder", str_or_null(s.encoder)},
                      {"attempt", s.attempt},
                      {"cpu_percent", s.cpu_percent},
                      {"rss_bytes", s.rss_bytes},
                      {"fps", s.fps},
                      {"speed", s.speed},
                      {"last_error", str_or_null(s.last_error)},
                      {"waiting_for", str_or_null(s.waiting_for)},
                      {"warning", str_or_null(s.warning)},
                      {"bitrate_kbps", s.bitrate_kbps},
                      {"drop_frames", s.drop_frames},
                      {"dup_frames", s.dup_frames},
                      {"run_started_at", time_or_null(s.run_started_at_ms)}};
  // Contract names: percent 0-100 and seconds left, null when unknown or live.
  j["progress"] = unknown_or(s.progress);
  j["eta_s"] = unknown_or(s.eta_s);
  j["next_start"] = time_or_null(s.next_start_ms);
  j["ends_at"] = time_or_null(s.stop_at_ms);
  j["retries"] = s.retries;
  j["retry_at"] = time_or_null(s.retry_at_ms);
  if (!with_detail) return j;
  j["start_at"] = time_or_null(s.spec.start_at_ms);
  j["end_at"] = time_or_null(s.spec.end_at_ms);
  j["duration_ms"] = s.spec.duration_ms > 0 ? nlohmann::json(s.spec.duration_ms) : nlohmann::json(nullptr);
  j["repeat"] = str_or_null(s.spec.repeat);
  j["schedule_notes"] = s.schedule_notes;
  j["inputs"] = s.spec.inputs;
  j["input_format"] = str_or_null(s.spec.input_format);
  j["outputs"] = s.spec.outputs;  // masked by the controller
  j["mode"] = s.spec.mode;
  j["batch"] = s.spec.batch;
  j["loop"] = s.spec.loop;
  j["on_host_lost"] = s.spec.on_host_lost;
  j["priority"] = s.spec.priority;
  j["created_at"] = time_or_null(s.created_at_ms);
  j["updated_at"] = time_or_null(s.updated_at_ms);
  auto runs = nlohmann::json::array();
  for (const auto& r : s.runs) {
    runs.push_back({{"attempt", r.attempt},
                    {"agent", r.agent},
                    {"pid", pid_or_null(r.pid)},
                    {"encoder", str_or_null(r.encoder)},
                    {"started_at", time_or_null(r.started_at_ms)},
                    {"ended_at", time_or_null(r.ended_at_ms)},
                    {"exit_code", r.exit_code >= 0 ? nlohmann::json(r.exit_code) : nlohmann::json(nullptr)},
                    {"signal", r.signal > 0 ? nlohmann::json(r.signal) : nlohmann::json(nullptr)},
                    {"reason", str_or_null(r.reason)},
                    {"error", str_or_null(r.error)},
                    {"stderr_tail", r.stderr_tail}});
  }
  j["runs"] = runs;
  j["runs_total"] = s.runs_total;
  return j;
}

nlohmann::json agent_json(const proto::AgentView& a) {
  return {{"name", a.name},
          {"hostname", a.hostname},
          {"state", a.state},
          {"streams", a.streams},
          {"max_streams", a.max_streams},
          {"encoders", a.encoders},
          {"cpu_percent", a.cpu_percent},
          {"mem_used_bytes", a.mem_used_bytes},
          {"mem_total_bytes", a.mem_total_bytes},
          {"cpus", a.cpus},
          {"reconnecting", a.reconnecting},
          {"unknown_runs", a.unknown_runs},
          {"duplicate", str_or_null(a.duplicate)},
          {"ffmpeg_version", a.ffmpeg_version},
          {"last_seen", time_or_null(a.last_seen_ms)},
          {"free_sessions", a.free_sessions},
          {"loop_lag_ms", a.loop_lag_ms}};
}

nlohmann::json limits_json(const proto::LimitsView& l) {
  return {{"global", l.global}, {"per_user", l.per_user}, {"user_overrides", l.user_overrides}, {"running", l.running}};
}

nlohmann::json user_json(const proto::UserView& u) {
  return {{"name", u.name}, {"kind", u.kind}, {"role", u.role}, {"key", u.key}, {"source", u.source},
          {"created_at_ms", u.created_at_ms}};
}

nlohmann::json figures_json(const proto::StreamView& s) {
  return {{"id", s.id},
          {"fps", s.fps},
          {"speed", s.speed},
          {"bitrate_kbps", s.bitrate_kbps},
          {"drop_frames", s.drop_frames},
          {"dup_frames", s.dup_frames},
          {"cpu_percent", s.cpu_percent},
          {"rss_bytes", s.rss_bytes},
          {"progress", unknown_or(s.progress)},
          {"eta_s", unknown_or(s.eta_s)}};
}

}  // namespace ffleet::views
