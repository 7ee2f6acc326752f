// CLI requests: each answered with one Reply after its change is stored.
#include <limits>
#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/text.hpp"
#include "loop/controller.hpp"
#include "loop/replies.hpp"
#include "schedule/schedule.hpp"
#include "streams/suggest.hpp"
#include "streams/validate.hpp"

namespace ffleet::controller {
namespace {
auto cli_requests_log() {
  static auto l = log::get("controller.cli");
  return l;
}

}  // namespace

void Controller::on_client_frames(const wire::Envelope& env) {
  using proto::MsgType;
  auto answer = [&](const proto::Reply& r) { reply(env, r); };
  // Decodes the request and finds who is asking (auth/caller.hpp); a request
  // that cannot be read or whose key may not act is answered and logged.
  auto decode = [&]<class M>() -> std::optional<std::pair<M, auth::Caller>> {
    auto m = wire::decode<M>(env);
    if (!m) metrics_.decode_error(proto::type_name(env.type()));
    Result<auth::Caller> c = m ? caller_of(env, m->user) : Result<auth::Caller>(m.status());
    if (m && c) return std::make_pair(std::move(*m), std::move(*c));
    const std::string e = text::for_people(c.error());
    // Loud a few times per period: a flood of bad tokens must not flood the log.
    ++stats_.refused_requests;
    cli_requests_log()->log(stats_.refused_requests <= 20 ? spdlog::level::warn : spdlog::level::debug,
                   "request_refused peer={} key={} type={} error=\"{}\"", wire::peer_label(env.peer),
                   env.key.empty() ? "-" : curve::fingerprint(env.key), proto::type_name(env.type()), e);
    answer(fail(m ? proto::code::kUnauthenticated : proto::code::kInvalid, e));
    return std::nullopt;
  };
  auto handle = [&]<class M>(auto&& fn) {
    auto req = decode.template operator()<M>();
    if (!req) return;
    // A refusal changes nothing: what the handler wrote or queued before it
    // refused is undone.
    const std::size_t mark = outbox_.size();
    const std::size_t counted = metrics_.pending_mark();
    store::Transaction tx(store_.db());
    proto::Reply r = fn(req->first, req->second);
    Status st = r.ok ? tx.commit() : Status::error(r.error);
    if (!st) {
      tx.rollback();
      outbox_.resize(mark);
      metrics_.drop_pending(counted);
      reload_directory();  // a user or key change undone
      if (r.ok) r = fail(proto::code::kStore, "cannot store the change: " + st.message());
    }
    if (r.ok) {
      r.user = req->second.user;
      r.role = std::string(auth::role_name(req->second.role));
    }
    answer(r);
  };
  using C = auth::Caller;
  switch (env.type()) {
    case MsgType::StreamAdd:
      return handle.template operator()<proto::StreamAdd>([&](const proto::StreamAdd& m, const C& c) { return stream_add(c, m); });
    case MsgType::StreamAction:
      return handle.template operator()<proto::StreamAction>(
          [&](const proto::StreamAction& m, const C& c) { return stream_action(c, m); });
    case MsgType::StreamList:
      return handle.template operator()<proto::StreamList>([&](const proto::StreamList& m, const C& c) { return stream_list(c, m); });
    case MsgType::StreamShow:
      return handle.template operator()<proto::StreamShow>([&](const proto::StreamShow& m, const C& c) { return stream_show(c, m); });
    case MsgType::StreamLogs: {
      auto req = decode.template operator()<proto::StreamLogs>();
      if (!req) return;
      if (auto r = stream_logs(env, req->second, req->first)) answer(*r);
      return;  // else answered when the agent replies
    }
    case MsgType::StreamThumb: {
      auto req = decode.template operator()<proto::StreamThumb>();
      if (!req) return;
      if (auto r = stream_thumb(env, req->second, req->first)) answer(*r);
      return;  // else answered when the agent replies (thumbnails.cpp)
    }
    case MsgType::AgentList:
      return handle.template operator()<proto::AgentList>([&](const proto::AgentList&, const C&) {
        proto::Reply r;
        const auto active = store_.streams().active_per_agent();
        for (const auto* a : registry_.all()) r.agents.push_back(agent_view(*a, active));
        return r;
      });
    case MsgType::AgentAction:
      return handle.template operator()<proto::AgentAction>([&](const proto::AgentAction& m, const C& c) { return agent_action(c, m); });
    case MsgType::LimitsShow:
      return handle.template operator()<proto::LimitsShow>([&](const proto::LimitsShow&, const C&) { return limits_show(); });
    case MsgType::StreamSchedule:
      return handle.template operator()<proto::StreamSchedule>(
          [&](const proto::StreamSchedule& m, const C& c) { return stream_schedule(c, m); });
    case MsgType::LimitsSet:
      return handle.template operator()<proto::LimitsSet>([&](const proto::LimitsSet& m, const C& c) { return limits_set(c, m); });
    case MsgType::UserAdd:
      return handle.template operator()<proto::UserAdd>([&](const proto::UserAdd& m, const C& c) { return user_add(c, m); });
    case MsgType::UserRemove:
      return handle.template operator()<proto::UserRemove>([&](const proto::UserRemove& m, const C& c) { return user_remove(c, m); });
    case MsgType::UserList:
      return handle.template operator()<proto::UserList>([&](const proto::UserList&, const C& c) { return user_list(c); });
    case MsgType::AgentAllow:
      return handle.template operator()<proto::AgentAllow>([&](const proto::AgentAllow& m, const C& c) { return agent_allow(c, m); });
    case MsgType::TokenCreate:
      return handle.template operator()<proto::TokenCreate>([&](const proto::TokenCreate& m, const C& c) { return token_create(c, m); });
    case MsgType::TokenRevoke:
      return handle.template operator()<proto::TokenRevoke>([&](const proto::TokenRevoke& m, const C& c) { return token_revoke(c, m); });
    case MsgType::TokenList:
      return handle.template operator()<proto::TokenList>([&](const proto::TokenList&, const C& c) { return token_list(c); });
    case MsgType::Whoami:
      return handle.template operator()<proto::Whoami>([&](const proto::Whoami&, const C& c) { return whoami(c); });
    default: {
      cli_requests_log()->warn("message_dropped peer={} type={} error=\"unknown type\"", wire::peer_label(env.peer), env.header.type);
      proto::Unsupported u;
      u.type = env.header.type;
      send_to(env.peer, u, env.header.msg_id);
    }
  }
}

proto::Reply Controller::no_stream(const std::string& ref) {
  std::string msg = "no stream " + text::for_people(ref);
  // Every caller sees every stream's name in `stream ls`: suggesting one
  // tells nothing new.
  if (!ref.empty() && ref.find_first_not_of("0123456789") != std::string::npos) {
    std::vector<std::string> names;
    for (const auto& [id, s] : store_.streams().rows()) names.push_back(s.name);
    if (auto near = streams::closest_name(ref, names); !near.empty())
      msg += "; did you mean " + text::for_people(near) + "?";
    else msg += " (`ffleet stream ls` lists them)";
  }
  return fail(proto::code::kNotFound, msg);
}

proto::Reply Controller::stream_list(const auth::Caller& c, const proto::StreamList& m) {
  // Pages keep every answer far under the frame limit whatever the number
  // of streams; the CLI asks for the next page until `more` is false.
  constexpr std::int64_t kPageStreams = 500;
  constexpr std::size_t kPageBytes = 256u << 10;
  const std::int64_t limit = m.limit > 0 ? std::min(m.limit, kPageStreams) : kPageStreams;
  auto rows = store_.streams_page(m.after_id, limit + 1);
  proto::Reply r;
  std::size_t bytes = 0;
  for (const auto& s : rows) {
    if (static_cast<std::int64_t>(r.streams.size()) == limit || bytes > kPageBytes) {
      r.more = true;
      break;
    }
    // Everyone sees every stream; inputs and outputs only where they may.
    r.streams.push_back(view(s, false, 0, auth::sees_details(c, s.owner)));
    bytes += wire::encode_body(r.streams.back()).size();
  }
  return r;
}

proto::Reply Controller::stream_show(const auth::Caller& c, const proto::StreamShow& m) {
  // The latest runs only (`runs` says how many; the total is in runs_total),
  // so a stream that restarted a thousand times is still one answer.
  constexpr std::int64_t kDefaultRuns = 20;
  constexpr std::int64_t kMaxRuns = 200;
  auto s = store_.find_stream(m.ref);
  if (!s) return no_stream(m.ref);
  if (m.reveal) {
    if (Status st = auth::may(c, auth::Act::kStreamReveal, s->owner); !st)
      return refuse(c, "stream show --reveal " + s->name, st);
    cli_requests_log()->info("stream_revealed stream={} by={}", s->id, c.user);
  }
  proto::Reply r;
  r.streams.push_back(view(*s, true, m.runs > 0 ? std::min(m.runs, kMaxRuns) : kDefaultRuns,
                           auth::sees_details(c, s->owner), m.reveal));
  return r;
}

proto::Reply Controller::stream_add(const auth::Caller& c, const proto::StreamAdd& m) {
  if (Status s = auth::may(c, auth::Act::kStreamAdd); !s) return refuse(c, "stream add " + m.name, s);
  if (Status s = streams::validate_name(m.name); !s) return fail(proto::code::kInvalid, s.message());
  if (Status s = streams::validate_spec(m.spec); !s) return fail(proto::code::kInvalid, s.message());
  const std::int64_t now = clock::wall_ms();
  if (Status s = schedule::validate(m.spec, now); !s) return fail(proto::code::kInvalid, s.message());
  if (Status s = streams::validate_confinement(m.spec, agent_policies()); !s) return fail(proto::code::kInvalid, s.message());
  StreamRow row;
  row.name = m.name;
  row.owner = c.user;
  row.spec = m.spec;
  row.created_at_ms = row.updated_at_ms = now;
  row.priority = m.spec.priority;
  if (m.spec.start_at_ms > 0) {
    row.state = State::kScheduled;
    row.next_start_ms = schedule::first_start(m.spec, now);
  }
  auto id = store_.insert_stream(row);
  if (!id) return fail(proto::code::kConflict, id.error());
  cli_requests_log()->info("stream_added stream={} name={} owner={}", *id, m.name, c.user);
  row.id = *id;
  emit_stream(row);
  proto::Reply r;
  r.id = *id;
  return r;
}

proto::Reply Controller::stream_action(const auth::Caller& c, const proto::StreamAction& m) {
  auto s = store_.find_stream(m.ref);
  if (!s) return no_stream(m.ref);
  if (Status st = auth::may(c, auth::Act::kStreamChange, s->owner); !st)
    return refuse(c, "stream " + m.action + " " + s->name, st);
  cli_requests_log()->info("stream_{} stream={} by={}", text::for_people(m.action), s->id, c.user);
  lifecycle::Event e;
  if (m.action == "start") {
    e.kind = lifecycle::EventKind::kStart;
    // What blocks a start now (a limit, a destination in use) refuses it.
    if (Status blocked = start_blocker(*s); !blocked) e.reason = blocked.message();
  } else if (m.action == "stop") {
    e.kind = lifecycle::EventKind::kStop;
  } else if (m.action == "rm") {
    e.kind = lifecycle::EventKind::kRemove;
  } else {
    return fail(proto::code::kInvalid, "unknown action " + text::for_people(m.action) + " (start, stop, rm)");
  }
  const auto o = apply(*s, e);
  if (!o.refusal.empty()) {
    if (e.kind == lifecycle::EventKind::kStart) cli_requests_log()->warn("start_refused stream={} why=\"{}\"", s->id, o.refusal);
    return fail(proto::code::kConflict, o.refusal);
  }
  if (!o.note.empty()) return ok_line(s->name + " is " + o.note);
  switch (e.kind) {
    case lifecycle::EventKind::kRemove: return ok_line(s->name + " removed");
    case lifecycle::EventKind::kStop:
      return ok_line(s->state == State::kStopping ? s->name + " stopping"
                                                  : s->name + " is " + std::string(to_string(s->state)));
    default:
      if (s->state == State::kPending) return ok_line(s->name + " pending: waiting for " + s->waiting_for);
      return ok_line(s->name + " starting on " + s->agent + " (run " + std::to_string(s->attempt) + ")");
  }
}

std::optional<proto::Reply> Controller::stream_logs(const wire::Envelope& env, const auth::Caller& c,
                                                    const proto::StreamLogs& m) {
  auto s = store_.find_stream(m.ref);
  if (!s) return no_stream(m.ref);
  if (Status st = auth::may(c, auth::Act::kStreamLogs, s->owner); !st) return refuse(c, "stream logs " + s->name, st);
  const std::int64_t tail = std::clamp<std::int64_t>(m.tail, 1, 10000);
  const auto* a = registry_.find(s->agent);
  if (s->holds_process() && a && a->connected) {
    proto::LogsRequest req;
    req.stream_id = s->id;
    req.attempt = s->attempt;
    req.tail = tail;
    req.after = std::clamp<std::int64_t>(m.after, -1, std::numeric_limits<std::int64_t>::max() - 1);
    const std::uint64_t id = next_id_;
    send_to(a->peer, req);
    // Two heartbeats: an agent that cannot answer by then is in trouble.
    pending_logs_[id] = {env.peer, env.header.msg_id, clock::steady_ms() + 2 * opts_.heartbeat_ms + 500, s->agent};
    return std::nullopt;
  }
  // Not running: the stderr tail its last run left in the history.
  auto runs = store_.latest_runs(s->id, 1);
  proto::Reply r;
  if (!runs.empty()) {
    r.log_attempt = runs.back().attempt;
    const auto& t = runs.back().stderr_tail;
    const auto n = std::min<std::size_t>(t.size(), static_cast<std::size_t>(tail));
    r.lines.assign(t.end() - static_cast<std::ptrdiff_t>(n), t.end());
  }
  return r;
}

void Controller::on_logs_reply(const registry::Agent& a, const wire::Envelope& env, const proto::LogsReply& m) {
  auto it = pending_logs_.find(env.header.in_reply_to);
  if (it == pending_logs_.end()) return;  // too late: the CLI has had its answer
  // Only the agent that was asked may answer: another could guess the id.
  if (it->second.agent != a.name) {
    cli_requests_log()->warn("logs_reply_dropped agent={} asked={} why=not_asked", a.name, it->second.agent);
    return;
  }
  proto::Reply r;
  if (m.found) {
    r.lines = m.lines;
    r.log_live = true;
    r.log_attempt = m.attempt;
    r.log_first_seq = std::max<std::int64_t>(0, m.first_seq);
    r.log_last_seq = m.last_seq >= 0 ? m.last_seq : -1;
  } else r = fail(proto::code::kUnavailable, "the run ended before its log could be fetched; try again");
  send_to(it->second.peer, r, it->second.msg_id);
  pending_logs_.erase(it);
}

void Controller::expire_log_requests(std::int64_t now) {
  for (auto it = pending_logs_.begin(); it != pending_logs_.end();) {
    if (now < it->second.deadline_ms) {
      ++it;
      continue;
    }
    send_to(it->second.peer, fail(proto::code::kUnavailable, "agent " + it->second.agent + " did not send the log in time"), it->second.msg_id);
    it = pending_logs_.erase(it);
  }
}

proto::Reply Controller::agent_action(const auth::Caller& caller, const proto::AgentAction& m) {
  if (Status st = auth::may(caller, auth::Act::kAgentManage); !st)
    return refuse(caller, "agent " + m.action + " " + m.name, st);
  if (m.action == "revoke") return agent_revoke(caller, m.name);
  auto* a = registry_.find(m.name);
  if (a == nullptr) return fail(proto::code::kNotFound, "no agent " + text::for_people(m.name));
  if (m.action == "stop-unknown") return stop_unknown_runs(*a);
  if (m.action == "detect") {
    if (!a->connected) return fail(proto::code::kUnavailable, "agent " + m.name + " is not connected");
    proto::AgentControl c;
    c.action = "detect";
    send_to(a->peer, c);
    return ok_line(m.name + " is testing its encoders again; `ffleet agent ls` shows the result");
  }
  if (m.action != "drain" && m.action != "resume")
    return fail(proto::code::kInvalid, "unknown action " + text::for_people(m.action) + " (drain, resume, detect, stop-unknown, revoke)");
  const bool drain = m.action == "drain";
  if (Status st = store_.set_agent_draining(m.name, drain); !st) return fail(proto::code::kStore, "cannot store the change: " + st.message());
  a->drain_requested = drain;
  cli_requests_log()->info("agent_{} agent={}", m.action, m.name);
  emit_agent(*a);
  if (a->connected) {
    proto::AgentControl c;
    c.action = m.action;
    send_to(a->peer, c);
  }
  if (!drain) {
    placement_due_ = true;
    return ok_line(m.name + " resumed");
  }
  // Move its live streams (the lifecycle decides which: not those that wait
  // for their host).
  int moving = 0;
  for (auto& s : store_.streams_on_agent(m.name)) {
    lifecycle::Event e;
    e.kind = lifecycle::EventKind::kDrain;
    e.agent = m.name;
    if (!apply(s, e).ignored) ++moving;
  }
  return ok_line(m.name + " draining: it takes no new streams; moving " + std::to_string(moving) + " stream(s)");
}

proto::Reply Controller::stop_unknown_runs(registry::Agent& a) {
  if (!a.connected) return fail(proto::code::kUnavailable, "agent " + a.name + " is not connected");
  int n = 0;
  for (const auto& r : a.runs) {
    if (!foreign(r.store_id)) continue;
    cli_requests_log()->warn("run_unknown_stopped agent={} stream={} run={} pid={} placed_by_store={}", a.name, r.stream_id,
                   r.attempt, r.pid, r.store_id);
    send_stop(a.name, r.stream_id, r.attempt, "unknown_to_controller");
    ++n;
  }
  return ok_line("stopping " + std::to_string(n) + " run(s) on " + a.name + " that this controller's database never placed");
}

proto::Reply Controller::limits_show() {
  const auto l = current_limits();
  proto::Reply r;
  r.limits.global = l.global;
  r.limits.per_user = l.per_user;
  r.limits.user_overrides = l.user_overrides;
  r.limits.running = store_.streams().running_total();
  return r;
}

proto::Reply Controller::limits_set(const auth::Caller& c, const proto::LimitsSet& m) {
  if (Status st = auth::may(c, auth::Act::kLimitsSet); !st) return refuse(c, "limits set", st);
  if (m.global < -1 || m.per_user < -1 || m.target_max < -1) return fail(proto::code::kInvalid, "limits must be 0 or more");
  if (!m.target_user.empty() && m.target_max < 0) return fail(proto::code::kInvalid, "--user needs --max");
  if (m.target_max >= 0 && m.target_user.empty()) return fail(proto::code::kInvalid, "--max needs --user");
  if (!m.target_user.empty())
    if (Status st = auth::check_user_name(m.target_user); !st) return fail(proto::code::kInvalid, st.message());
  store::Transaction tx(store_.db());
  Status st = Status::ok();
  if (m.global >= 0) st = store_.set_limit("global", m.global);
  if (st && m.per_user >= 0) st = store_.set_limit("per_user", m.per_user);
  if (st && !m.target_user.empty()) st = store_.set_limit("user:" + m.target_user, m.target_max);
  if (st) st = tx.commit();
  if (!st) return fail(proto::code::kStore, "cannot store the change: " + st.message());
  cli_requests_log()->info("limits_set global={} per_user={} user={} max={}", m.global, m.per_user, m.target_user, m.target_max);
  placement_due_ = true;
  return limits_show();
}

}  // namespace ffleet::controller
