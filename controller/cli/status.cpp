#include "status.hpp"

#include <map>
#include <sstream>

#include "output.hpp"

namespace ffleet::cli {
namespace {

// States in the order people read them (the contract's lists).
const std::vector<std::string> kAgentStates = {"ready", "draining", "lost"};
const std::vector<std::string> kStreamStates = {"running", "starting", "pending", "scheduled", "stopping",
                                                "failed", "completed", "stopped"};

bool failed_recently(const proto::StreamView& s, std::int64_t now_ms) {
  const bool failing = s.state == "failed" || s.retries > 0;
  return failing && s.updated_at_ms >= now_ms - kFailureWindowMs;
}

std::string names(const std::vector<std::string>& v, std::size_t most) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < most; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > most) out += ", … (" + std::to_string(v.size() - most) + " more)";
  return out;
}

}  // namespace

nlohmann::json status_json(const std::vector<proto::AgentView>& agents, const std::vector<proto::StreamView>& streams,
                           std::int64_t now_ms) {
  nlohmann::json a = nlohmann::json::object();
  for (const auto& s : kAgentStates) a[s] = nlohmann::json::array();
  std::int64_t slots = 0, used = 0;
  for (const auto& x : agents) {
    a[x.state].push_back(x.name);
    if (x.state == "ready") {
      slots += x.max_streams;
      used += x.streams;
    }
  }
  nlohmann::json st = nlohmann::json::object();
  for (const auto& s : kStreamStates) st[s] = 0;
  auto failures = nlohmann::json::array();
  auto pending = nlohmann::json::array();
  auto batches = nlohmann::json::array();
  for (const auto& s : streams) {
    st[s.state] = st.value(s.state, 0) + 1;
    if (failed_recently(s, now_ms))
      failures.push_back({{"id", s.id}, {"name", s.name}, {"state", s.state}, {"retries", s.retries},
                          {"last_error", s.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_error)},
                          {"at_ms", s.updated_at_ms}});
    if (s.state == "pending")
      pending.push_back({{"id", s.id}, {"name", s.name}, {"waiting_for", s.waiting_for}});
    if (s.progress >= 0 && s.state != "completed")
      batches.push_back({{"id", s.id}, {"name", s.name}, {"progress", s.progress},
                         {"eta_s", s.eta_s >= 0 ? nlohmann::json(s.eta_s) : nlohmann::json(nullptr)}});
  }
  return {{"agents", {{"total", agents.size()}, {"by_state", a}, {"slots", slots}, {"slots_used", used}}},
          {"streams", {{"total", streams.size()}, {"by_state", st}}},
          {"failures_last_hour", failures},
          {"pending", pending},
          {"batches", batches}};
}

std::string status_text(const std::vector<proto::AgentView>& agents, const std::vector<proto::StreamView>& streams,
                        std::int64_t now_ms) {
  const auto j = status_json(agents, streams, now_ms);
  std::ostringstream o;
  o << "agents:   " << agents.size() << " (" << j["agents"]["slots_used"].get<std::int64_t>() << " of "
    << j["agents"]["slots"].get<std::int64_t>() << " slots in use on ready agents)\n";
  for (const auto& s : kAgentStates) {
    const auto v = j["agents"]["by_state"][s].get<std::vector<std::string>>();
    if (!v.empty()) o << "  " << s << " " << v.size() << ": " << names(v, 10) << "\n";
  }
  o << "streams:  " << streams.size() << "\n";
  std::map<std::string, std::vector<std::string>> by_state;
  for (const auto& s : streams) by_state[s.state].push_back(s.name);
  for (const auto& s : kStreamStates)
    if (auto it = by_state.find(s); it != by_state.end())
      o << "  " << s << " " << it->second.size() << ": " << names(it->second, 10) << "\n";
  const auto& f = j["failures_last_hour"];
  o << "failures in the last hour: " << f.size() << "\n";
  for (const auto& x : f)
    o << "  " << x["name"].get<std::string>() << " (" << x["state"].get<std::string>()
      << (x["retries"].get<std::int64_t>() > 0 ? ", " + std::to_string(x["retries"].get<std::int64_t>()) + " in a row" : "")
      << "): " << (x["last_error"].is_null() ? "-" : x["last_error"].get<std::string>()) << "\n";
  const auto& p = j["pending"];
  if (!p.empty()) {
    o << "pending:  " << p.size() << "\n";
    for (const auto& x : p)
      o << "  " << x["name"].get<std::string>() << ": waiting for "
        << (x["waiting_for"].get<std::string>().empty() ? "capacity" : x["waiting_for"].get<std::string>()) << "\n";
  }
  const auto& b = j["batches"];
  if (!b.empty()) {
    o << "batches:  " << b.size() << "\n";
    for (const auto& x : b) {
      proto::StreamView v;
      v.progress = x["progress"].get<double>();
      v.eta_s = x["eta_s"].is_null() ? -1 : x["eta_s"].get<double>();
      o << "  " << x["name"].get<std::string>() << ": " << progress_text(v) << "\n";
    }
  }
  return o.str();
}

}  // namespace ffleet::cli
