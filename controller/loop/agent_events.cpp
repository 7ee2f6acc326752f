// What the controller does with each message from an agent: checked and
// cleaned once here, then a registration, or reports about runs
// (loop/runs.cpp).
#include <algorithm>
#include <cmath>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/redact.hpp"
#include "ffleet/common/text.hpp"
#include "loop/controller.hpp"

namespace ffleet::controller {
namespace {
auto agent_events_log() {
  static auto l = log::get("controller.agents");
  return l;
}

// What an agent reports is checked once, here: text made fit for people,
// figures kept in range, so nothing downstream trusts a peer's bytes.
constexpr std::size_t kMaxLineBytes = 1024;
constexpr std::size_t kMaxTailLines = 1000;
// Runs one report may list: far above what a host runs (max_streams is at
// most 1024), so only a broken or hostile peer sends more; the rest are
// dropped and counted.
constexpr std::size_t kMaxRunsPerReport = 1024;
// A report of that many runs is a few hundred KiB; a larger one is dropped
// unread, before decoding it costs the loop anything.
constexpr std::size_t kMaxReportBytes = 512u << 10;

double figure(double v, double max) { return std::isfinite(v) && v > 0 ? std::min(v, max) : 0.0; }
std::int64_t figure(std::int64_t v) { return v > 0 ? v : 0; }
// The agent made its text fit for people where it entered and masked its
// secrets; here it is only guarded (valid UTF-8, no raw controls, any URL
// masked once more: an older agent), not escaped a second time.
std::string relayed_masked(const std::string& s) { return text::relayed(redact::for_error(s)); }
std::string short_text(const std::string& s) { return text::truncate_utf8(relayed_masked(s), 256); }

void clean(proto::RunReport& r) {
  r.encoder = short_text(r.encoder);
  r.warning = short_text(r.warning);
  r.cpu_percent = figure(r.cpu_percent, 100.0 * 4096);  // % of one core, a big host's worth
  r.rss_bytes = figure(r.rss_bytes);
  r.fps = figure(r.fps, 10000);
  r.speed = figure(r.speed, 10000);
  r.bitrate_kbps = figure(r.bitrate_kbps, 1e7);
  r.frames = figure(r.frames);
  r.drop_frames = figure(r.drop_frames);
  r.dup_frames = figure(r.dup_frames);
  r.out_time_ms = figure(r.out_time_ms);
  r.pid = figure(r.pid);
  // -1 (or anything out of range) is "unknown".
  r.progress = std::isfinite(r.progress) && r.progress >= 0 ? std::min(r.progress, 100.0) : -1;
  r.eta_s = std::isfinite(r.eta_s) && r.eta_s >= 0 ? std::min(r.eta_s, 1e9) : -1;
}

void clean(proto::HostStats& h) {
  h.cpu_percent = figure(h.cpu_percent, 100);
  h.mem_total_bytes = figure(h.mem_total_bytes);
  h.mem_used_bytes = std::min(figure(h.mem_used_bytes), h.mem_total_bytes);
  h.load1 = figure(h.load1, 1e6);
  h.loop_lag_ms = std::min<std::int64_t>(figure(h.loop_lag_ms), 86400000);  // kept in Agent::host (agent ls)
}

std::vector<std::string> clean_lines(const std::vector<std::string>& lines) {
  const auto first = lines.size() > kMaxTailLines ? lines.end() - static_cast<std::ptrdiff_t>(kMaxTailLines) : lines.begin();
  std::vector<std::string> kept(first, lines.end());
  for (auto& l : kept) l = redact::for_error(l);
  return text::relayed(kept, kMaxLineBytes);
}

// A name is a key in the database and a word in every log line.
Status check_agent_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return Status::error("agent name must be 1 to 64 bytes");
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.'))
      return Status::error("agent name " + text::for_people(name) + " may hold only letters, digits, '-', '_' and '.'");
  return Status::ok();
}
}  // namespace

void Controller::on_agent_frames(const wire::Envelope& env) {
  using proto::MsgType;
  auto trim = [&](std::vector<proto::RunReport>& runs) {
    if (runs.size() <= kMaxRunsPerReport) return;
    const bool loud = security_stats_.runs_trimmed == 0;  // once per period; security_stats has the count
    security_stats_.runs_trimmed += static_cast<std::int64_t>(runs.size() - kMaxRunsPerReport);
    agent_events_log()->log(loud ? spdlog::level::warn : spdlog::level::trace, "report_trimmed peer={} runs={} kept={}",
                  wire::peer_label(env.peer), runs.size(), kMaxRunsPerReport);
    runs.resize(kMaxRunsPerReport);
  };
  if ((env.type() == MsgType::Register || env.type() == MsgType::Heartbeat) && env.body.size() > kMaxReportBytes) {
    const bool loud = security_stats_.runs_trimmed == 0;
    ++security_stats_.runs_trimmed;
    agent_events_log()->log(loud ? spdlog::level::warn : spdlog::level::trace,
                  "report_dropped peer={} type={} bytes={} why=over_{}_bytes", wire::peer_label(env.peer),
                  proto::type_name(env.type()), env.body.size(), kMaxReportBytes);
    return;
  }
  if (env.type() == MsgType::Register) {
    auto m = wire::decode<proto::Register>(env);
    if (!m) metrics_.decode_error(proto::type_name(env.type()));
    Status ok = m ? check_agent_name(m->name) : m.status();
    if (ok) {
      // The name an agent registers under is bound to its key.
      if (Status k = agent_key_allows(env, m->name); !k) return deny_agent(env, k.message());
      trim(m->runs);
    }
    if (!ok) {
      agent_events_log()->warn("register_refused peer={} error=\"{}\"", wire::peer_label(env.peer), text::for_people(ok.message()));
      send_to(env.peer, proto::ErrorMsg{std::string(proto::err::kMalformed), text::for_people(ok.message())},
              env.header.msg_id);
      return;
    }
    on_register(env, std::move(*m));
    return;
  }
  registry::Agent* a = registry_.by_peer(env.peer);
  if (a == nullptr) {
    // We restarted, or declared it lost: it must register (with its runs) first.
    send_to(env.peer, proto::ErrorMsg{std::string(proto::err::kNotRegistered), "register first"}, env.header.msg_id);
    return;
  }
  // Checked at every message, so a key revoked since the handshake stops at once.
  if (Status k = agent_key_allows(env, a->name); !k) return deny_agent(env, k.message());
  auto bad = [&](const std::string& e) {
    metrics_.decode_error(proto::type_name(env.type()));
    agent_events_log()->warn("message_dropped agent={} error=\"{}\"", a->name, text::for_people(e));
  };
  switch (env.type()) {
    case MsgType::Heartbeat: {
      auto m = wire::decode<proto::Heartbeat>(env);
      if (!m) return bad(m.error());
      trim(m->runs);
      clean(m->host);
      for (auto& r : m->runs) clean(r);
      a->host = m->host;
      a->set_runs(m->runs);
      emit_figures(*a);
      emit_agent(*a);
      if (a->draining_self != m->draining) agent_events_log()->info("agent_draining agent={} draining={}", a->name, m->draining);
      a->draining_self = m->draining;
      // Reconciling costs a lookup per run: at most twice an interval per
      // agent, however often one sends.
      const std::int64_t now = clock::steady_ms();
      if (now - a->last_reconciled_ms < opts_.heartbeat_ms / 2) return;
      a->last_reconciled_ms = now;
      reconcile(*a, m->runs, false);
      return;
    }
    case MsgType::RunStarted: {
      auto m = wire::decode<proto::RunStarted>(env);
      // A report that cannot be read never will be: acknowledged and dropped,
      // so the agent's resends cannot loop on it.
      if (!m) {
        bad(m.error());
        send_to(a->peer, proto::Ack{}, env.header.msg_id);
        return;
      }
      m->encoder = short_text(m->encoder);
      m->note = short_text(m->note);
      on_run_started(*a, env, *m);
      return;
    }
    case MsgType::RunExited: {
      auto m = wire::decode<proto::RunExited>(env);
      if (!m) {
        bad(m.error());
        send_to(a->peer, proto::Ack{}, env.header.msg_id);
        return;
      }
      m->reason = short_text(m->reason);
      m->error = text::truncate_utf8(relayed_masked(m->error), kMaxLineBytes);
      m->stderr_tail = clean_lines(m->stderr_tail);
      on_run_exited(*a, env, *m);
      return;
    }
    case MsgType::LogsReply: {
      auto m = wire::decode<proto::LogsReply>(env);
      if (!m) return bad(m.error());
      m->lines = clean_lines(m->lines);
      on_logs_reply(*a, env, *m);
      return;
    }
    case MsgType::ThumbReply: {
      auto m = wire::decode<proto::ThumbReply>(env);
      if (!m) return bad(m.error());
      on_thumb_reply(*a, env, *m);
      return;
    }
    case MsgType::Ack: return;
    case MsgType::Unsupported: agent_events_log()->warn("agent_unsupported agent={} our_message={}", a->name, env.header.in_reply_to); return;
    case MsgType::Error: {
      auto m = wire::decode<proto::ErrorMsg>(env);
      agent_events_log()->warn("agent_error agent={} error=\"{}\"", a->name, text::for_people(m ? m->message : m.error()));
      return;
    }
    default: bad("unexpected type"); return;
  }
}

const registry::Agent* Controller::duplicate_of(const wire::Envelope& env, const proto::Register& m,
                                               std::int64_t now) const {
  const registry::Agent* live = registry_.find(m.name);
  if (live == nullptr || !live->connected || live->peer == env.peer || live->instance == m.instance) return nullptr;
  // A process that is draining to exit is being replaced (a restart).
  if (live->draining_self) return nullptr;
  return now - live->last_heard_ms <= opts_.lost_after_ms ? live : nullptr;
}

void Controller::on_register(const wire::Envelope& env, proto::Register m) {
  const std::int64_t now = clock::steady_ms();
  const std::int64_t wall = clock::wall_ms();
  m.hostname = short_text(m.hostname);
  m.ffmpeg_version = short_text(m.ffmpeg_version);
  m.agent_version = short_text(m.agent_version);
  m.instance = short_text(m.instance);
  for (auto& e : m.encoders) e = short_text(e);
  for (auto& r : m.runs) clean(r);
  const registry::Agent* live = duplicate_of(env, m, now);
  // After a restart, whoever registered first under a name holds it only
  // provisionally: a process that reports more of the runs this database
  // placed there is the real agent, and the first one is the duplicate.
  std::string displaced_peer;
  if (live != nullptr && live->provisional_until_ms > 0 &&
      placed_runs_in(m.name, m.runs).first > placed_runs_in(m.name, live->runs).first) {
    agent_events_log()->warn("register_displaced agent={} why=reports_the_runs_placed_here held_by_host={} held_by_instance={} "
                   "new_host={} new_instance={}",
                   m.name, live->info.hostname, live->instance, m.hostname, m.instance);
    auto* held = registry_.find(m.name);
    held->duplicate_instance = live->instance;
    // The instance (part of the routing id) is never shown: with it, a peer
    // could claim an agent's route.
    held->duplicate = "host " + live->info.hostname +
                      " held the name after a restart without its runs and was refused at " +
                      std::to_string(wall / 1000);
    displaced_peer = live->peer;
    live = nullptr;
  }
  if (live != nullptr) {
    const std::string e = "agent name " + m.name + " is in use by another live agent process (host " +
                          live->info.hostname + ", heard " +
                          std::to_string(now - live->last_heard_ms) + " ms ago); give this one another --name";
    auto* held = registry_.find(m.name);
    if (held->duplicate_instance != m.instance) {
      agent_events_log()->warn("register_refused agent={} why=duplicate_name live_host={} live_instance={} new_host={} "
                     "new_instance={}",
                     m.name, live->info.hostname, live->instance, m.hostname, m.instance);
      held->duplicate_instance = m.instance;
      held->duplicate = "host " + m.hostname + " tried to register at " +
                        std::to_string(wall / 1000) + " and was refused";
    }
    send_to(env.peer, proto::ErrorMsg{std::string(proto::err::kDuplicateName), e}, env.header.msg_id);
    return;
  }
  const registry::Agent* before = registry_.find(m.name);
  const bool first_since_restart = before != nullptr && before->loss_pending;
  AgentRow row;
  row.name = m.name;
  row.hostname = m.hostname;
  row.cpus = m.cpus;
  row.mem_bytes = m.mem_bytes;
  row.ffmpeg_version = m.ffmpeg_version;
  row.max_streams = m.max_streams;
  row.encoders = m.encoders;
  row.draining = before && before->drain_requested;
  row.first_seen_ms = wall;
  row.last_seen_ms = wall;
  if (Status s = store_.upsert_agent(row); !s) {
    // Unanswered, the agent registers again shortly.
    agent_events_log()->error("store_failed op=register agent={} error=\"{}\"", m.name, s.message());
    return;
  }
  if (!displaced_peer.empty()) {
    const std::string e = "agent name " + m.name + " belongs to the process on host " + m.hostname +
                          " that reports its runs; give this one another --name";
    send_to(displaced_peer, proto::ErrorMsg{std::string(proto::err::kDuplicateName), e});
  }
  registry::Agent& a = registry_.on_register(m, env.peer, now, wall, env.key);
  agent_events_log()->info("agent_registered agent={} host={} cpus={} max_streams={} encoders={} runs={} ffmpeg={}", m.name,
                 m.hostname, m.cpus, m.max_streams, fmt::join(m.encoders, ","), m.runs.size(), m.ffmpeg_version);
  send_to(env.peer, proto::Registered{opts_.heartbeat_ms, opts_.lost_after_ms}, env.header.msg_id);
  emit_agent(a);
  placement_due_ = true;  // its free slots, at once
  if (a.drain_requested) {
    proto::AgentControl c;
    c.action = "drain";
    send_to(a.peer, c);
  }
  const auto [reported, placed] = placed_runs_in(m.name, m.runs);
  if (first_since_restart && reported < placed) {
    // Not yet known whether this is the process that runs them: judged when
    // the provisional time ends (Controller::tick), well inside the time an
    // agent's loss takes to fail over.
    a.provisional_until_ms = now + opts_.lost_after_ms;
    agent_events_log()->warn("agent_provisional agent={} host={} instance={} reports={} of_runs_placed_here={} for_ms={}", m.name,
                   m.hostname, m.instance, reported, placed, opts_.lost_after_ms);
    reconcile(a, m.runs, false);
    return;
  }
  reconcile(a, m.runs, true);
}

}  // namespace ffleet::controller
