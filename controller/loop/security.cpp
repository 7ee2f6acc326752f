// Who may connect and who may do what: CURVE keys and the ZAP handler, the
// check that an agent's messages come with its own key, per-peer rate caps,
// and the admin's commands that change who may connect (users, agent keys).
// Policy (which role may do what) is auth/policy.hpp; this is the plumbing.
#include <sys/resource.h>

#include <cstring>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/curve.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/text.hpp"
#include "loop/controller.hpp"
#include "loop/replies.hpp"

namespace ffleet::controller {
namespace {
auto security_log() {
  static auto l = log::get("controller.security");
  return l;
}

// Messages per second an agent may send, and the burst it may save up: far
// above what a real agent sends (a heartbeat a second plus one message per
// run event), so only a broken or hostile peer meets it.
constexpr double kAgentMsgsPerSecond = 200;
constexpr double kAgentBurst = 1000;
// And bytes: a heartbeat of a busy host is tens of KiB; decoding costs the
// loop time, so one peer may not make it decode more than this.
constexpr double kAgentBytesPerSecond = 2.0 * (1 << 20);
constexpr double kAgentByteBurst = 8.0 * (1 << 20);
// Denials and rate drops are logged at warn this many times per period.
constexpr std::int64_t kLoudPerPeriod = 20;
constexpr std::int64_t kPeriodMs = 10000;

// A connection that has not finished its handshake after this long is
// dropped (libzmq's default is 30 s): idle connections cost little, but not
// nothing.
constexpr int kHandshakeMs = 5000;

std::string_view zap_frame(const std::vector<std::string>& f, std::size_t i) {
  return i < f.size() ? std::string_view(f[i]) : std::string_view();
}
}  // namespace

Status Controller::setup_security() {
  // Each connection costs a file descriptor: allow as many as the system lets
  // us, so a crowd of idle connections cannot lock agents out.
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  sock_.set(zmq::sockopt::handshake_ivl, kHandshakeMs);
  // libzmq drops a connection that sends a frame over ZMQ_MAXMSGSIZE or fails
  // its handshake without telling the socket's user: its monitor counts them.
  zmq_socket_monitor(sock_.handle(), "inproc://ffleet-controller-monitor",
                     ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                         ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
  monitor_ = zmq::socket_t(ctx_, zmq::socket_type::pair);
  monitor_.set(zmq::sockopt::linger, 0);
  monitor_.connect("inproc://ffleet-controller-monitor");
  if (opts_.key.empty()) {
    if (!curve::loopback_endpoint(opts_.listen) && !opts_.insecure)
      return Status::error("refusing to listen on " + opts_.listen +
                           " without keys: anyone who reaches it could run anything on every agent. Give --key "
                           "(see docs/security.md), listen on loopback, or say --insecure");
    if (!curve::loopback_endpoint(opts_.listen))
      security_log()->warn("insecure listen={} keys=none: anyone who reaches this port is an admin of the fleet and can "
                     "run ffmpeg on every agent host (--insecure)",
                     opts_.listen);
    else
      security_log()->info("keys=none listen={}: any local user can act as any user (a first try; see docs/security.md)",
                     opts_.listen);
    return Status::ok();
  }
  auto keys = curve::load_secret(opts_.key);
  if (!keys) return Status::error("--key: " + keys.error());
  if (Status s = set_admin_keys(opts_.admin_keys); !s) return s;
  reload_directory();
  // The ZAP handler must be bound before the first handshake.
  zap_ = zmq::socket_t(ctx_, zmq::socket_type::rep);
  zap_.set(zmq::sockopt::linger, 0);
  zap_.bind("inproc://zeromq.zap.01");
  curve::make_server(sock_, *keys);
  keys_ = std::move(*keys);
  security_log()->info("keys=curve public_key={} admins={} users_and_agents={}", curve::fingerprint(keys_->public_z85),
                 directory_.admins().size(), directory_.size() - directory_.admins().size());
  if (directory_.size() == 0)
    security_log()->warn("no admin key and no users: nobody can run commands; give --admin-key PUBFILE");
  return Status::ok();
}

Status Controller::set_admin_keys(const std::vector<std::string>& pub_paths) {
  auto admins = auth::admins_from_files(pub_paths);
  if (!admins) return admins.status();
  for (const auto& u : store_.users())
    for (const auto& a : *admins)
      if (a.name == u.name)
        return Status::error("--admin-key names admin " + u.name + ", and a user " + u.name +
                             " is in the database: `ffleet user rm " + u.name + "` first, or rename the key file");
  directory_.set_admins(std::move(*admins));
  return Status::ok();
}

void Controller::reload_directory() {
  if (!secure()) return;
  directory_.load(store_.users(), store_.agent_keys());
}

// One ZAP request (RFC 27): version, request id, domain, address, identity,
// mechanism, then the client's public key (32 bytes) for CURVE. The User-Id
// we answer is the key itself: each message is checked against the
// directory as it is then, so a revoked key stops working at once.
void Controller::on_zap() {
  for (int i = 0; i < 1000; ++i) {
    auto f = zio::try_recv(zap_);
    if (!f) return;
    const std::string_view mechanism = zap_frame(*f, 5);
    const std::string key = mechanism == "CURVE" ? curve::z85_of(std::string(zap_frame(*f, 6))) : std::string();
    const auth::Principal* p = key.empty() ? nullptr : directory_.by_key(key);
    const bool ok = p != nullptr;
    if (!ok) {
      ++security_stats_.denied;
      security_log()->log(security_stats_.denied <= kLoudPerPeriod ? spdlog::level::warn : spdlog::level::trace,
                    "connection_refused address={} mechanism={} key={} why=unknown_key",
                    text::for_people(std::string(zap_frame(*f, 3))), text::for_people(std::string(mechanism)),
                    key.empty() ? "-" : curve::fingerprint(key));
    }
    std::vector<std::string> reply = {"1.0", std::string(zap_frame(*f, 1)), ok ? "200" : "400",
                                      ok ? "OK" : "key not allowed", ok ? key : "", ""};
    if (Status s = zio::send(zap_, reply); !s) security_log()->error("zap_reply_failed error=\"{}\"", s.message());
  }
}

void Controller::on_monitor() {
  for (int i = 0; i < 10000; ++i) {
    auto f = zio::try_recv(monitor_);
    if (!f) return;
    if (f->empty() || (*f)[0].size() < 2) continue;
    std::uint16_t event = 0;
    std::memcpy(&event, (*f)[0].data(), sizeof event);
    switch (event) {
      case ZMQ_EVENT_ACCEPTED: ++security_stats_.accepted; break;
      case ZMQ_EVENT_DISCONNECTED: ++security_stats_.disconnected; break;
      default: ++security_stats_.handshakes_failed; break;
    }
  }
}

bool Controller::agent_rate_ok(const std::string& peer, std::int64_t now, std::size_t bytes) {
  auto& b = buckets_[peer];
  if (b.last_ms == 0) {
    b.messages = kAgentBurst;
    b.bytes = kAgentByteBurst;
  }
  const double secs = static_cast<double>(now - b.last_ms) / 1000.0;
  b.messages = std::min(kAgentBurst, b.messages + secs * kAgentMsgsPerSecond);
  b.bytes = std::min(kAgentByteBurst, b.bytes + secs * kAgentBytesPerSecond);
  b.last_ms = now;
  const auto size = static_cast<double>(bytes);
  if (b.messages >= 1 && b.bytes >= size) {
    b.messages -= 1;
    b.bytes -= size;
    return true;
  }
  ++security_stats_.rate_dropped;
  security_log()->log(security_stats_.rate_dropped <= kLoudPerPeriod ? spdlog::level::warn : spdlog::level::trace,
                "message_dropped peer={} why=rate bytes={} limits=\"{} messages and {} MiB a second\"",
                wire::peer_label(peer), bytes, kAgentMsgsPerSecond, kAgentBytesPerSecond / (1 << 20));
  return false;
}

void Controller::security_housekeeping(std::int64_t now) {
  if (now < security_stats_.next_log_ms) return;
  const auto& st = security_stats_;
  if (st.denied + st.rate_dropped + st.runs_trimmed + st.handshakes_failed > 0)
    security_log()->info("security_stats connections_accepted={} connections_dropped={} handshakes_failed={} "
                   "refused_keys={} denied_messages={} rate_dropped={} reports_trimmed_or_dropped={}",
                   st.accepted, st.disconnected, st.handshakes_failed, st.denied, st.denied_messages, st.rate_dropped,
                   st.runs_trimmed);
  // Buckets of peers silent for a period are forgotten: the map stays as
  // small as the set of live peers.
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = now - it->second.last_ms > kPeriodMs ? buckets_.erase(it) : std::next(it);
  security_stats_ = SecurityStats{};
  security_stats_.next_log_ms = now + kPeriodMs;
}

Status Controller::agent_key_allows(const wire::Envelope& env, const std::string& name) {
  if (!secure()) return Status::ok();
  const auth::Principal* p = directory_.by_key(env.key);
  if (p == nullptr) return Status::error("this key is not allowed (any more); ask an admin to `ffleet agent allow` it");
  if (p->kind != auth::Principal::Kind::kAgent)
    return Status::error("this is " + p->name + "'s key, a person's: an agent needs its own key");
  if (p->name != name)
    return Status::error("this key is allowed as agent " + p->name + ", not " + text::for_people(name));
  return Status::ok();
}

void Controller::deny_agent(const wire::Envelope& env, const std::string& why) {
  ++security_stats_.denied_messages;
  security_log()->log(security_stats_.denied_messages <= kLoudPerPeriod ? spdlog::level::warn : spdlog::level::trace,
                "agent_message_denied peer={} key={} type={} why=\"{}\"", wire::peer_label(env.peer),
                env.key.empty() ? "-" : curve::fingerprint(env.key), proto::type_name(env.type()), why);
  send_to(env.peer, proto::ErrorMsg{std::string(proto::err::kDenied), why}, env.header.msg_id);
}

Result<auth::Caller> Controller::caller_of(const wire::Envelope& env, const std::string& claimed) {
  // From the HTTP side: the token decides, whatever the request claims.
  if (channel::is_http(env.peer)) return token_caller(env.bearer);
  return auth::identify(claimed, env.key, directory_, secure());
}

// ---- the admin's commands --------------------------------------------------

proto::Reply Controller::user_add(const auth::Caller& c, const proto::UserAdd& m) {
  if (Status s = auth::may(c, auth::Act::kUsersManage); !s) return refuse(c, "user add " + m.name, s);
  if (!secure()) return fail(proto::code::kConflict, "users need keys: start the controller with --key (see docs/security.md)");
  if (Status s = auth::check_user_name(m.name); !s) return fail(proto::code::kInvalid, s.message());
  if (!auth::parse_role(m.role)) return fail(proto::code::kInvalid, "bad role " + text::for_people(m.role) + ": admin, operator or user");
  if (!curve::valid_z85(m.public_key)) return fail(proto::code::kInvalid, "bad public key: expected 40 Z85 characters (a .pub file)");
  if (directory_.admin_file_user(m.name)) return fail(proto::code::kConflict, "user " + m.name + " is an admin by --admin-key already");
  if (const auth::Principal* p = directory_.by_key(m.public_key))
    return fail(proto::code::kConflict, "that key is " + std::string(p->kind == auth::Principal::Kind::kAgent ? "agent " : "user ") +
                p->name + "'s already");
  if (Status s = store_.add_user({m.name, m.role, m.public_key, clock::wall_ms()}); !s) return fail(proto::code::kConflict, s.message());
  reload_directory();
  security_log()->info("user_added name={} role={} key={} by={}", m.name, m.role, curve::fingerprint(m.public_key), c.user);
  proto::Reply r;
  r.lines.push_back("user " + m.name + " added (" + m.role + ", key " + curve::fingerprint(m.public_key) + "…)");
  return r;
}

proto::Reply Controller::user_remove(const auth::Caller& c, const proto::UserRemove& m) {
  if (Status s = auth::may(c, auth::Act::kUsersManage); !s) return refuse(c, "user rm " + m.name, s);
  if (directory_.admin_file_user(m.name))
    return fail(proto::code::kConflict, "user " + m.name + " is an admin by --admin-key: remove the flag and restart the controller");
  auto removed = store_.remove_user(m.name);
  if (!removed) return fail(proto::code::kStore, removed.error());
  if (!*removed) return fail(proto::code::kNotFound, "no user " + text::for_people(m.name));
  reload_directory();
  security_log()->info("user_removed name={} by={}", m.name, c.user);
  proto::Reply r;
  r.lines.push_back("user " + m.name + " removed; their key no longer works (their streams stay)");
  return r;
}

proto::Reply Controller::user_list(const auth::Caller& c) {
  if (Status s = auth::may(c, auth::Act::kUsersManage); !s) return refuse(c, "user ls", s);
  proto::Reply r;
  for (const auto& a : directory_.admins())
    r.users.push_back({a.name, "user", "admin", curve::fingerprint(a.public_key), a.source, 0});
  for (const auto& u : store_.users())
    r.users.push_back({u.name, "user", u.role, curve::fingerprint(u.public_key), "database", u.created_at_ms});
  for (const auto& a : store_.agent_keys())
    r.users.push_back({a.name, "agent", "", curve::fingerprint(a.public_key), "database", a.created_at_ms});
  return r;
}

proto::Reply Controller::agent_allow(const auth::Caller& c, const proto::AgentAllow& m) {
  if (Status s = auth::may(c, auth::Act::kAgentManage); !s) return refuse(c, "agent allow " + m.name, s);
  if (!secure()) return fail(proto::code::kConflict, "agent keys need keys: start the controller with --key (see docs/security.md)");
  if (!curve::valid_z85(m.public_key)) return fail(proto::code::kInvalid, "bad public key: expected 40 Z85 characters (a .pub file)");
  if (const auth::Principal* p = directory_.by_key(m.public_key); p && !(p->kind == auth::Principal::Kind::kAgent &&
                                                                        p->name == m.name))
    return fail(proto::code::kConflict, "that key is " + std::string(p->kind == auth::Principal::Kind::kAgent ? "agent " : "user ") + p->name +
                "'s already");
  if (Status s = store_.allow_agent({m.name, m.public_key, clock::wall_ms()}); !s) return fail(proto::code::kConflict, s.message());
  reload_directory();
  // A rotation: the session of the old key ends now, like a revocation.
  if (const auto* a = registry_.find(m.name); a && a->connected && a->key != m.public_key) {
    send_to(a->peer, proto::ErrorMsg{std::string(proto::err::kDenied), "this agent's key was replaced"});
    registry_.disconnect(m.name);
    agent_lost(m.name);
  }
  security_log()->info("agent_allowed agent={} key={} by={}", m.name, curve::fingerprint(m.public_key), c.user);
  proto::Reply r;
  r.lines.push_back("agent " + m.name + " may connect with key " + curve::fingerprint(m.public_key) + "…");
  return r;
}

proto::Reply Controller::agent_revoke(const auth::Caller& c, const std::string& name) {
  if (Status s = auth::may(c, auth::Act::kAgentManage); !s) return refuse(c, "agent revoke " + name, s);
  auto removed = store_.revoke_agent(name);
  if (!removed) return fail(proto::code::kStore, removed.error());
  if (!*removed) return fail(proto::code::kNotFound, "agent " + text::for_people(name) + " has no key allowed");
  reload_directory();
  // Its session ends now: told so (it stops its runs), and lost here, so its
  // streams run elsewhere.
  if (const auto* a = registry_.find(name); a && a->connected) {
    send_to(a->peer, proto::ErrorMsg{std::string(proto::err::kDenied), "this agent's key was revoked"});
    registry_.disconnect(name);
    agent_lost(name);
  }
  security_log()->warn("agent_revoked agent={} by={}", name, c.user);
  proto::Reply r;
  r.lines.push_back("agent " + name + " revoked: its key no longer works and its streams move elsewhere");
  return r;
}

proto::Reply Controller::refuse(const auth::Caller& c, const std::string& what, const Status& why) {
  security_log()->warn("request_refused who={} role={} what=\"{}\" why=\"{}\"", c.user, auth::role_name(c.role),
                 text::for_people(what), why.message());
  return fail(proto::code::kDenied, why.message());
}

}  // namespace ffleet::controller
