// The loop turn: reading the socket, serving agents before clients and
// clients in turns, one transaction per turn, and sending only after it
// commits. Also what happens after a pause.
#include <exception>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/text.hpp"
#include "loop/channels.hpp"
#include "loop/controller.hpp"
#include "loop/replies.hpp"

namespace ffleet::controller {
namespace {
auto turn_log() {
  static auto l = log::get("controller.loop");
  return l;
}

// Reading is cheap and bounded per turn so that a flood cannot starve the
// timers; whatever is left is read next turn (the poll returns at once).
constexpr int kMaxReadPerTurn = 5000;
// A client may have this many requests waiting; beyond it each new one is
// answered "busy" at once. The CLI sends one at a time; this is for scripts
// that pipeline.
constexpr std::size_t kMaxQueuedPerClient = 64;
// All clients' waiting requests together (bytes), so many clients at once
// cost a bounded amount of memory too.
constexpr std::size_t kMaxQueuedBytes = 64u << 20;
// Answers kept for peers that do not read yet (a pipelining script): far
// more than a CLI needs, small enough that a client that never reads costs
// little. Beyond it, answers to that peer are dropped and logged.
constexpr std::size_t kMaxDeferredPerPeer = 4096;
constexpr std::size_t kMaxDeferredBytes = 32u << 20;
// Refusals and failed sends are logged at warn this many times per stats
// period (10 s), then at debug: a flood must not flood the log too.
constexpr std::int64_t kLoudPerPeriod = 20;

bool from_agent(proto::MsgType t) {
  using proto::MsgType;
  switch (t) {
    case MsgType::Register:
    case MsgType::Heartbeat:
    case MsgType::RunStarted:
    case MsgType::RunExited:
    case MsgType::LogsReply:
    case MsgType::ThumbReply:
    case MsgType::Ack:
    case MsgType::Unsupported:
    case MsgType::Error: return true;
    default: return false;
  }
}
}  // namespace

void Controller::receive(std::int64_t now) {
  int read = 0;
  for (; read < kMaxReadPerTurn; ++read) {
    std::string key;
    auto frames = zio::try_recv(sock_, &key);
    if (!frames) break;
    auto parsed = wire::parse(std::move(*frames), true);
    if (auto* fe = std::get_if<wire::FrameError>(&parsed)) {
      // Garbage is logged, a few times per period (a flood of it must not
      // flood the log), and answered only when it is an ffleet peer of
      // another version, which can use the answer.
      ++stats_.bad_frames;
      metrics_.decode_error("frame");
      turn_log()->log(stats_.bad_frames <= kLoudPerPeriod ? spdlog::level::warn : spdlog::level::trace,
                    "message_dropped peer={} code={} error=\"{}\"", wire::peer_label(fe->peer), fe->code,
                    text::for_people(fe->message));
      if (!fe->peer.empty() && fe->code == proto::err::kVersion)
        send_to(channel::tcp(fe->peer), proto::ErrorMsg{fe->code, fe->message});
      continue;
    }
    auto& env = std::get<wire::Envelope>(parsed);
    env.key = std::move(key);
    env.peer = channel::tcp(std::move(env.peer));
    metrics_.message(proto::type_name(env.type()));
    if (from_agent(env.type())) {
      // A flood from one peer is dropped here, before it costs any work.
      // With keys, one bucket per key: a peer cannot get a fresh allowance by
      // reconnecting under another routing id.
      if (!agent_rate_ok(secure() && !env.key.empty() ? env.key : env.peer, now, env.body.size())) continue;
      // Liveness counts when a message arrives, not when it is handled; only
      // a message with the agent's own key is a sign of its life.
      if (auto* a = registry_.by_peer(env.peer); a && agent_key_allows(env, a->name)) {
        a->last_heard_ms = now;
        a->last_seen_wall_ms = clock::wall_ms();
      }
      agent_inbox_.push_back(std::move(env));
      continue;
    }
    enqueue_request(std::move(env));
  }
  if (http_sock_) receive_http(kMaxReadPerTurn - read);
}

void Controller::receive_http(int budget) {
  for (int i = 0; i < budget; ++i) {
    auto frames = zio::try_recv(http_sock_);
    if (!frames) break;
    // [routing id, bearer digest, tag, header, body]: the HTTP side puts the
    // SHA-256 of the request's token (or "") before the message.
    if (frames->size() < 2) continue;
    std::string bearer = std::move((*frames)[1]);
    frames->erase(frames->begin() + 1);
    auto parsed = wire::parse(std::move(*frames), true);
    if (auto* fe = std::get_if<wire::FrameError>(&parsed)) {
      turn_log()->error("message_dropped channel=http code={} error=\"{}\"", fe->code, text::for_people(fe->message));
      continue;
    }
    auto& env = std::get<wire::Envelope>(parsed);
    env.peer = channel::http(env.peer);
    env.bearer = std::move(bearer);
    metrics_.message(proto::type_name(env.type()));
    if (from_agent(env.type())) {
      turn_log()->error("message_dropped channel=http type={} error=\"an agent's message\"", proto::type_name(env.type()));
      continue;
    }
    enqueue_request(std::move(env));
  }
}

void Controller::enqueue_request(wire::Envelope env) {
  auto& q = client_queues_[env.peer];
  const std::size_t size = env.body.size();
  if (q.size() >= kMaxQueuedPerClient || client_queued_bytes_ + size > kMaxQueuedBytes) {
    ++stats_.busy_replies;
    turn_log()->log(stats_.busy_replies <= kLoudPerPeriod ? spdlog::level::warn : spdlog::level::debug,
                    "request_refused peer={} type={} why=busy queued={} queued_bytes={}", wire::peer_label(env.peer),
                    proto::type_name(env.type()), q.size(), client_queued_bytes_);
    proto::Reply r = fail(proto::code::kBusy, "controller busy: " + std::to_string(q.size()) +
                                                  " requests from this client are waiting; send fewer at once and retry");
    outbox_.push_back({env.peer, wire::message(r, next_id_++, env.header.msg_id), env.header.msg_id});
    if (q.empty()) client_queues_.erase(env.peer);
    return;
  }
  if (q.empty()) client_order_.push_back(env.peer);
  client_queued_bytes_ += size;
  q.push_back(std::move(env));
}

void Controller::serve_agents() {
  for (auto& env : agent_inbox_) {
    std::string unavailable;
    const std::string what = std::string("agent message ") + std::string(proto::type_name(env.type())) + " from " +
                             wire::peer_label(env.peer);
    if (guarded(what, [&] { on_agent_frames(env); }, &unavailable) || !unavailable.empty()) continue;
    // A report whose handling fails for a reason other than the database
    // would fail again on every resend: recorded once (the error above),
    // acknowledged and dropped, so one bad input cannot become a crash loop.
    const auto t = env.type();
    if (t == proto::MsgType::RunStarted || t == proto::MsgType::RunExited) {
      turn_log()->error("report_dropped peer={} type={} msg_id={}", wire::peer_label(env.peer), proto::type_name(t),
                      env.header.msg_id);
      send_to(env.peer, proto::Ack{}, env.header.msg_id);
    }
  }
  agent_inbox_.clear();
}

void Controller::serve_clients(std::int64_t budget_ms) {
  const std::int64_t until = clock::steady_ms() + budget_ms;
  while (!client_order_.empty() && clock::steady_ms() < until) {
    const std::string peer = client_order_.front();
    client_order_.pop_front();
    auto it = client_queues_.find(peer);
    if (it == client_queues_.end() || it->second.empty()) continue;
    wire::Envelope env = std::move(it->second.front());
    it->second.pop_front();
    client_queued_bytes_ -= env.body.size();
    if (it->second.empty()) client_queues_.erase(it);
    else client_order_.push_back(peer);  // one request per client per round
    std::string unavailable;
    const std::string what = std::string("request ") + std::string(proto::type_name(env.type())) + " from " +
                             wire::peer_label(env.peer);
    if (!guarded(what, [&] { on_client_frames(env); }, &unavailable))
      reply(env, fail(!unavailable.empty() ? proto::code::kStore : proto::code::kInternal,
                     !unavailable.empty() ? "cannot store the change: " + unavailable + "; nothing was changed"
                                          : "internal error handling this request; nothing was changed (see the "
                                             "controller log)"));
  }
}

void Controller::reply(const wire::Envelope& env, const proto::Reply& r) {
  auto frames = wire::message(r, next_id_++, env.header.msg_id);
  // Never more than a peer accepts: the handlers page and cut their answers;
  // this is the last guard.
  if (frames[1].size() + frames[2].size() > proto::kMaxMessageBytes) {
    turn_log()->error("reply_too_large peer={} type={} bytes={}", wire::peer_label(env.peer), proto::type_name(env.type()),
                    frames[2].size());
    frames = wire::message(fail(proto::code::kTooLarge, "the answer is too large to send; ask for less (fewer runs, a page of streams)"),
                           next_id_++, env.header.msg_id);
  }
  outbox_.push_back({env.peer, std::move(frames), env.header.msg_id});
}

bool Controller::guarded(const std::string& what, const std::function<void()>& fn, std::string* store_error) {
  const std::size_t mark = outbox_.size();
  const std::size_t counted = metrics_.pending_mark();
  store::Transaction sp(store_.db());
  try {
    fn();
    if (Status st = sp.commit(); !st) throw store::Unavailable(st.message());
    return true;
  } catch (const store::Unavailable& e) {
    if (store_error) *store_error = e.what();
    turn_log()->error("store_failed during=\"{}\" error=\"{}\" action=rolled_back", what, text::for_people(e.what()));
  } catch (const std::exception& e) {
    turn_log()->error("handler_failed during=\"{}\" error=\"{}\" action=rolled_back", what, text::for_people(e.what()));
  }
  sp.rollback();
  outbox_.resize(mark);
  metrics_.drop_pending(counted);
  return false;
}

void Controller::begin_turn() {
  // Issued to SQLite only if a handler runs a statement (store/sqlite.hpp).
  turn_tx_ = std::make_unique<store::Transaction>(store_.db());
}

void Controller::end_turn() {
  const auto began = LoopMetrics::Clock::now();
  const bool wrote = turn_tx_ && turn_tx_->issued();
  Status committed = turn_tx_ ? turn_tx_->commit() : Status::ok();
  if (wrote) metrics_.commit(began);
  if (committed) metrics_.count_pending();
  else metrics_.drop_pending(0);
  turn_tx_.reset();
  if (!committed) turn_log()->error("store_failed op=commit error=\"{}\" action=answer_errors", committed.message());
  flush(committed);
}

void Controller::flush(const Status& committed) {
  retry_deferred();
  for (auto& o : outbox_) {
    if (!committed) {
      // Nothing of this turn was stored: a client hears that; everything
      // else (acks, commands) is dropped and happens again from what is
      // stored (agents resend reports, commands are resent).
      if (o.client_msg_id == 0) continue;
      o.frames = wire::message(fail(proto::code::kStore, "cannot store the change: " + committed.message() + "; nothing was changed"),
                               next_id_++, o.client_msg_id);
    }
    send_or_defer(std::move(o));
  }
  outbox_.clear();
}

zmq::socket_ref Controller::socket_for(channel::Kind k) { return k == channel::Kind::kHttp ? http_sock_ : sock_; }

bool Controller::send_or_defer(Outgoing o) {
  const auto to = channel::route(o.peer);
  if (to.kind == channel::Kind::kEvents) return publish_event(o.frames);
  auto waiting = deferred_.find(o.peer);
  Status s = waiting == deferred_.end() ? zio::send(socket_for(to.kind), o.frames, to.id) : Status::error(zio::kWouldBlock);
  if (s) return true;
  const std::size_t bytes = o.frames[1].size() + o.frames[2].size();
  if (s.message() == zio::kWouldBlock && deferred_bytes_ + bytes <= kMaxDeferredBytes &&
      (waiting == deferred_.end() || waiting->second.size() < kMaxDeferredPerPeer)) {
    deferred_bytes_ += bytes;
    deferred_[o.peer].push_back(std::move(o));
    return false;
  }
  ++stats_.send_failures;
  // A client that went away, or one that reads nothing while asking more.
  turn_log()->log(stats_.send_failures <= kLoudPerPeriod ? spdlog::level::warn : spdlog::level::trace,
                "send_failed peer={} answer={} error=\"{}\"", wire::peer_label(o.peer), o.client_msg_id != 0,
                s.message() == zio::kWouldBlock ? "the peer reads nothing and its backlog is full" : s.message());
  return false;
}

void Controller::retry_deferred() {
  for (auto it = deferred_.begin(); it != deferred_.end();) {
    auto& q = it->second;
    const auto to = channel::route(it->first);
    while (!q.empty()) {
      Status s = zio::send(socket_for(to.kind), q.front().frames, to.id);
      if (!s && s.message() == zio::kWouldBlock) break;
      if (!s) {
        ++stats_.send_failures;
        turn_log()->debug("send_failed peer={} error=\"{}\"", wire::peer_label(it->first), s.message());
      }
      deferred_bytes_ -= q.front().frames[1].size() + q.front().frames[2].size();
      q.pop_front();
    }
    it = q.empty() ? deferred_.erase(it) : std::next(it);
  }
}

void Controller::on_pause(std::int64_t paused_ms, std::int64_t now) {
  turn_log()->warn("loop_paused ms={} action=hear_agents_out lost_after_ms={}", paused_ms, opts_.lost_after_ms);
  registry_.forgive(paused_ms, now);
}

}  // namespace ffleet::controller
