// What the agent does with each message from the controller. Text from the
// controller (errors, names) is made fit for people before it is logged.
#include <algorithm>

#include "agent.hpp"
#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/text.hpp"
#include "runner/thumbnail.hpp"

namespace ffleet::agent {
namespace {
auto messages_log() {
  static auto l = log::get("agent");
  return l;
}

// A refusal's text with every run of digits as '#': the controller's message
// may say how long ago it heard the other process, which changes each time
// without being news.
std::string refusal_key(const std::string& message) {
  std::string out;
  for (char c : message) {
    const bool digit = c >= '0' && c <= '9';
    if (!digit) out.push_back(c);
    else if (out.empty() || out.back() != '#') out.push_back('#');
  }
  return out;
}
}  // namespace

void Agent::on_message(const wire::Envelope& env, std::int64_t now) {
  using proto::MsgType;
  link_->heard(now);
  auto bad = [&](const std::string& e) {
    messages_log()->warn("message_dropped from=controller error=\"{}\"", text::for_people(e));
  };
  switch (env.type()) {
    case MsgType::Registered: {
      auto m = wire::decode<proto::Registered>(env);
      if (!m) return bad(m.error());
      last_refusal_.clear();  // a later refusal is news again
      link_->on_registered(*m, now);
      return;
    }
    case MsgType::Heartbeat: return;
    case MsgType::Ack: link_->on_ack(env.header.in_reply_to); return;
    case MsgType::StartRun: {
      auto m = wire::decode<proto::StartRun>(env);
      if (!m) return bad(m.error());
      return on_start_run(*m);
    }
    case MsgType::StopRun: {
      auto m = wire::decode<proto::StopRun>(env);
      if (!m) return bad(m.error());
      runner_->stop(m->stream_id, m->attempt, m->reason.empty() ? "stop" : m->reason, now);
      return;
    }
    case MsgType::LogsRequest: {
      auto m = wire::decode<proto::LogsRequest>(env);
      if (!m) return bad(m.error());
      proto::LogsReply r;
      r.stream_id = m->stream_id;
      r.attempt = m->attempt;
      if (const auto* run = runner_->find(m->stream_id); run && run->attempt() == m->attempt) {
        r.found = true;
        const auto n = static_cast<std::size_t>(std::clamp<std::int64_t>(m->tail, 0, 10000));
        if (m->after >= 0) {
          r.lines = run->log().after(m->after, n, r.first_seq);
        } else {
          r.lines = run->log().last(n);
          r.first_seq = run->log().written() - static_cast<std::int64_t>(r.lines.size()) + 1;
        }
        r.last_seq = r.first_seq + static_cast<std::int64_t>(r.lines.size()) - 1;
      }
      link_->send(r, env.header.msg_id);
      return;
    }
    case MsgType::ThumbRequest: {
      auto m = wire::decode<proto::ThumbRequest>(env);
      if (!m) return bad(m.error());
      return on_thumb_request(*m, env.header.msg_id);
    }
    case MsgType::AgentControl: {
      auto m = wire::decode<proto::AgentControl>(env);
      if (!m) return bad(m.error());
      on_agent_control(*m, now);
      link_->send(proto::Ack{}, env.header.msg_id);
      return;
    }
    case MsgType::Error: {
      auto m = wire::decode<proto::ErrorMsg>(env);
      if (!m) return bad(m.error());
      return on_error(*m, now);
    }
    case MsgType::Unsupported: messages_log()->warn("controller_unsupported_message"); return;
    default: {
      messages_log()->warn("message_dropped from=controller type={} error=\"unknown type\"", env.header.type);
      proto::Unsupported u;
      u.type = env.header.type;
      link_->send(u, env.header.msg_id);
    }
  }
}

void Agent::on_start_run(const proto::StartRun& m) {
  if (draining_ && !runner_->holds(m.stream_id)) {
    proto::RunExited r;
    r.stream_id = m.stream_id;
    r.attempt = m.attempt;
    r.store_id = m.store_id;
    r.reason = "refused";
    r.error = text::for_people("agent " + opts_.name + " is draining");
    r.ended_at_ms = clock::wall_ms();
    link_->send_reliable(r);
    return;
  }
  runner_->start(m, clock::wall_ms());
}

void Agent::on_thumb_request(const proto::ThumbRequest& m, std::uint64_t msg_id) {
  proto::ThumbReply r;
  r.stream_id = m.stream_id;
  r.attempt = m.attempt;
  const auto* run = runner_->find(m.stream_id);
  if (run == nullptr || run->attempt() != m.attempt) {
    r.why = "the run is not running on agent " + opts_.name;
  } else if (run->thumbnail().empty()) {
    r.why = run->encoder() == "copy" ? "the run copies its input (copy mode): a thumbnail would cost a decode"
                                     : "thumbnails are off on agent " + opts_.name;
  } else {
    // Small and local: read here, in the loop (runner/thumbnail.hpp).
    auto f = runner::read_thumbnail(run->thumbnail(), proto::kMaxThumbnailBytes);
    r.found = f.found;
    r.jpeg.data = std::move(f.jpeg);
    r.why = std::move(f.why);
  }
  link_->send(r, msg_id);
}

void Agent::on_agent_control(const proto::AgentControl& m, std::int64_t now) {
  if (m.action == "drain") {
    begin_drain(now, false);
  } else if (m.action == "resume" && !exit_when_drained_) {
    draining_ = false;
    messages_log()->info("drain_cancelled");
    send_heartbeat();
  } else if (m.action == "detect") {
    start_redetect("controller", now);
  }
}

void Agent::on_error(const proto::ErrorMsg& m, std::int64_t now) {
  const std::string message = text::for_people(m.message);
  if (m.code == proto::err::kNotRegistered) {
    messages_log()->info("controller_forgot_us action=reregister");
    link_->reregister();
  } else if (m.code == proto::err::kDuplicateName) {
    // Another live process holds our name. Keep asking, slowly: when it goes
    // away, this one takes over. Said once per distinct refusal (numbers aside).
    if (refusal_key(message) != last_refusal_)
      messages_log()->error("register_refused error=\"{}\" name={} instance={} action=retry_every_ms={}", message,
                      opts_.name, instance_, link_->timing().refused_retry_ms);
    last_refusal_ = refusal_key(message);
    link_->refused(now);
  } else if (m.code == proto::err::kDenied) {
    // Our key may not do this: revoked, or bound to another name. Stop what
    // we run (the controller moves it elsewhere) and ask again slowly, in
    // case an admin allows us again.
    if (refusal_key(message) != last_refusal_)
      messages_log()->error("controller_denied error=\"{}\" name={} action=stop_runs_and_retry_every_ms={}", message,
                      opts_.name, link_->timing().refused_retry_ms);
    last_refusal_ = refusal_key(message);
    runner_->stop_all("revoked", now);
    link_->refused(now);
  } else if (m.code == proto::err::kVersion) {
    messages_log()->error("controller_refused_version error=\"{}\"", message);
    exit_code_ = kExitVersion;
  } else {
    messages_log()->warn("controller_error code={} error=\"{}\"", text::for_people(m.code), message);
  }
}

}  // namespace ffleet::agent
