#include "output.hpp"

#include <cstdio>
#include <sstream>

#include "ffleet/common/timeparse.hpp"

namespace ffleet::cli {
namespace {

nlohmann::json str_or_null(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }
nlohmann::json pid_or_null(std::int64_t p) { return p > 0 ? nlohmann::json(p) : nlohmann::json(nullptr); }
nlohmann::json time_or_null(std::int64_t ms) { return ms > 0 ? nlohmann::json(timeparse::iso_local(ms)) : nlohmann::json(nullptr); }

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string mib(std::int64_t bytes) { return bytes > 0 ? std::to_string(bytes / (1024 * 1024)) + "M" : "-"; }
std::string dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}

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
                      {"warning", str_or_null(s.warning)}};
  // Contract names: percent 0-100 and seconds left, null when unknown or live.
  j["progress"] = s.progress >= 0 ? nlohmann::json(s.progress) : nlohmann::json(nullptr);
  j["eta_s"] = s.eta_s >= 0 ? nlohmann::json(s.eta_s) : nlohmann::json(nullptr);
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
          {"last_seen", time_or_null(a.last_seen_ms)}};
}

nlohmann::json limits_json(const proto::LimitsView& l) {
  return {{"global", l.global}, {"per_user", l.per_user}, {"user_overrides", l.user_overrides}, {"running", l.running}};
}

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> w;
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (w.size() <= i) w.push_back(0);
      w[i] = std::max(w[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(w[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string duration_text(double seconds) {
  const auto t = static_cast<std::int64_t>(seconds + 0.5);
  if (t < 60) return std::to_string(t) + "s";
  if (t < 3600) return std::to_string(t / 60) + "m" + (t % 60 ? std::to_string(t % 60) + "s" : "");
  return std::to_string(t / 3600) + "h" + (t % 3600 / 60 ? std::to_string(t % 3600 / 60) + "m" : "");
}

std::string progress_text(const proto::StreamView& s) {
  if (s.progress < 0) return "-";
  std::string out = fixed(s.progress, 1) + "%";
  if (s.eta_s >= 0 && s.progress < 100) out += " eta " + duration_text(s.eta_s);
  return out;
}

std::string stream_table(const std::vector<proto::StreamView>& streams) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "OWNER", "STATE", "AGENT", "PID", "ENCODER", "RUN", "CPU%", "RSS", "FPS", "SPEED", "PROGRESS"}};
  for (const auto& s : streams)
    rows.push_back({std::to_string(s.id), s.name, s.owner, s.state, dash(s.agent),
                    s.pid > 0 ? std::to_string(s.pid) : "-", dash(s.encoder), std::to_string(s.attempt),
                    fixed(s.cpu_percent, 1), mib(s.rss_bytes), fixed(s.fps, 1), fixed(s.speed, 2) + "x",
                    progress_text(s)});
  return table(rows);
}

std::string stream_details(const proto::StreamView& s) {
  std::ostringstream o;
  o << "id:          " << s.id << "\n"
    << "name:        " << s.name << "\n"
    << "owner:       " << s.owner << "\n"
    << "state:       " << s.state << (s.waiting_for.empty() ? "" : " (waiting for " + s.waiting_for + ")") << "\n"
    << "agent:       " << dash(s.agent) << "\n"
    << "pid:         " << (s.pid > 0 ? std::to_string(s.pid) : "-") << "\n"
    << "run:         " << s.attempt << "\n"
    << "encoder:     " << dash(s.encoder) << "\n"
    << "cpu / rss:   " << fixed(s.cpu_percent, 1) << "% / " << mib(s.rss_bytes) << "\n"
    << "fps / speed: " << fixed(s.fps, 1) << " / " << fixed(s.speed, 2) << "x\n"
    << "progress:    " << progress_text(s) << "\n"
    << "inputs:      " << join(s.spec.inputs, " ") << (s.spec.input_format.empty() ? "" : " (" + s.spec.input_format + ")") << "\n"
    << "outputs:     " << join(s.spec.outputs, " ") << "\n"
    << "mode:        " << s.spec.mode << (s.spec.batch ? ", batch" : ", live") << (s.spec.loop ? ", loop" : "") << "\n";
  o << "schedule:    " << schedule_line(s) << "\n";
  if (s.retries > 0) o << "retries:     " << s.retries << " in a row" << "\n";
  if (!s.warning.empty()) o << "WARNING:     " << s.warning << "\n";
  if (!s.last_error.empty()) o << "last error:  " << s.last_error << "\n";
  for (const auto& n : s.schedule_notes) o << "note:        " << n << "\n";
  if (!s.runs.empty()) {
    std::vector<std::vector<std::string>> rows = {{"RUN", "AGENT", "PID", "STARTED", "ENDED", "EXIT", "REASON", "ERROR"}};
    for (const auto& r : s.runs)
      rows.push_back({std::to_string(r.attempt), r.agent, r.pid > 0 ? std::to_string(r.pid) : "-",
                      r.started_at_ms > 0 ? timeparse::iso_local(r.started_at_ms) : "-",
                      r.ended_at_ms > 0 ? timeparse::iso_local(r.ended_at_ms) : "-",
                      r.signal > 0 ? "signal " + std::to_string(r.signal)
                                   : (r.exit_code >= 0 ? std::to_string(r.exit_code) : "-"),
                      dash(r.reason), dash(r.error)});
    o << "\nruns:\n" << table(rows);
    if (s.runs_total > static_cast<std::int64_t>(s.runs.size()))
      o << "(the latest " << s.runs.size() << " of " << s.runs_total << " runs kept; --runs N shows more)\n";
  }
  return o.str();
}

std::string agent_state(const proto::AgentView& a) {
  std::string s = a.reconnecting ? a.state + " (reconnecting)" : a.state;
  if (a.unknown_runs > 0) s += " (" + std::to_string(a.unknown_runs) + " unknown runs: see docs/failures.md)";
  if (!a.duplicate.empty()) s += " (name also used by " + a.duplicate + ")";
  return s;
}

std::string agent_table(const std::vector<proto::AgentView>& agents) {
  std::vector<std::vector<std::string>> rows = {{"NAME", "STATE", "STREAMS", "MAX", "CPU%", "MEM", "ENCODERS", "LAST SEEN"}};
  for (const auto& a : agents)
    rows.push_back({a.name, agent_state(a), std::to_string(a.streams), std::to_string(a.max_streams), fixed(a.cpu_percent, 1),
                    mib(a.mem_used_bytes) + "/" + mib(a.mem_total_bytes), dash(join(a.encoders, ",")),
                    a.last_seen_ms > 0 ? timeparse::iso_local(a.last_seen_ms) : "-"});
  return table(rows);
}

nlohmann::json user_json(const proto::UserView& u) {
  return {{"name", u.name}, {"kind", u.kind}, {"role", u.role}, {"key", u.key}, {"source", u.source},
          {"created_at_ms", u.created_at_ms}};
}

std::string user_table(const std::vector<proto::UserView>& users) {
  std::vector<std::vector<std::string>> rows = {{"NAME", "KIND", "ROLE", "KEY", "FROM"}};
  for (const auto& u : users) rows.push_back({u.name, u.kind, dash(u.role), u.key + "…", u.source});
  return table(rows);
}

std::string schedule_line(const proto::StreamView& s) {
  std::vector<std::string> parts;
  if (s.next_start_ms > 0) parts.push_back("next start " + timeparse::iso_local(s.next_start_ms));
  if (s.stop_at_ms > 0) parts.push_back("this run ends " + timeparse::iso_local(s.stop_at_ms));
  if (s.spec.duration_ms > 0) parts.push_back("runs for " + std::to_string(s.spec.duration_ms / 1000) + " s");
  if (!s.spec.repeat.empty()) parts.push_back("repeats " + s.spec.repeat);
  return parts.empty() ? "none" : join(parts, ", ");
}

std::string limits_text(const proto::LimitsView& l) {
  std::ostringstream o;
  o << "global:   " << l.global << " (" << l.running << " running)\n"
    << "per user: " << l.per_user << "\n";
  for (const auto& [u, n] : l.user_overrides) o << "user " << u << ": " << n << "\n";
  return o.str();
}

}  // namespace ffleet::cli
