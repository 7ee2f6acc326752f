#include "output.hpp"

#include <cstdio>
#include <sstream>

#include "ffleet/common/timeparse.hpp"

namespace ffleet::cli {
namespace {

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
