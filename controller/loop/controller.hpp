// The controller daemon: one event loop that owns the ROUTER socket (agents
// and CLI clients), the SQLite store and the registry of agents. Every state
// change is written to the store before it is acknowledged or acted on.
//
// A loop turn (turn.cpp) reads everything waiting on the socket, serves
// agents first and then clients in turns (a bounded queue per client), runs
// the timers, and commits all of the turn's writes in one transaction before
// it sends anything: no answer leaves before its change is stored, and a
// burst of requests costs one fsync. Each message runs in its own savepoint;
// a handler that throws is rolled back, logged and answered, and the loop
// goes on.
//
// The handlers are split by who talks: agent_events.cpp (agents),
// cli_requests.cpp (the CLI), placing.cpp (starting and stopping runs),
// views.cpp (what the CLI is shown).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "auth/caller.hpp"
#include "auth/directory.hpp"
#include "auth/policy.hpp"
#include "auth/tokens.hpp"
#include "ffleet/common/curve.hpp"
#include "ffleet/common/sd_notify.hpp"
#include "ffleet/common/codec.hpp"
#include "ffleet/common/zmq_io.hpp"
#include "lifecycle/lifecycle.hpp"
#include "loop/channels.hpp"
#include "loop/metrics.hpp"
#include "model.hpp"
#include "options.hpp"
#include "placement/placement.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"
#include "streams/validate.hpp"

namespace ffleet::controller {

namespace http {
class Server;
}

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitStartup = 3;
// The database file was deleted or replaced under the running controller.
inline constexpr int kExitStoreLost = 5;

class Controller {
 public:
  Controller(Options opts, store::Store store);
  // Binds the socket; returns the endpoint actually bound (port 0 resolved).
  Result<std::string> bind();
  // Runs until SIGTERM/SIGINT. Never stops a stream on the way out: agents
  // keep them running and this controller's successor adopts them.
  int run();

  // What SIGHUP runs to read the configuration again: the same command line
  // parsed anew (config file, environment, flags). Without it SIGHUP only logs.
  void set_reparse(std::function<ParseOutcome()> reparse) { reparse_ = std::move(reparse); }

  // Counts of per-stream bookkeeping, for leak tests and debug logs.
  std::size_t tracked_commands() const { return last_command_ms_.size(); }

 private:
  // turn.cpp: the loop turn, its transaction and outbox, fairness
  struct Outgoing {
    std::string peer;
    std::vector<std::string> frames;
    std::uint64_t client_msg_id = 0;  // != 0: the answer to a client's request
  };
  void receive(std::int64_t now);
  // The HTTP side's requests (inproc), read after the TCP socket's: at most `budget`.
  void receive_http(int budget);
  // A client's request (CLI or HTTP) into its queue, or answered busy.
  void enqueue_request(wire::Envelope env);
  zmq::socket_ref socket_for(channel::Kind k);
  void serve_agents();
  void serve_clients(std::int64_t budget_ms);
  bool clients_waiting() const { return !client_order_.empty(); }
  void begin_turn();
  void end_turn();
  // Runs `fn` in a savepoint; an exception rolls it back (and what it queued
  // to send) and is logged with `what`. Returns false if it threw.
  // `store_error`, if given, receives a store failure's message.
  bool guarded(const std::string& what, const std::function<void()>& fn, std::string* store_error = nullptr);
  void on_pause(std::int64_t paused_ms, std::int64_t now);
  // debug_check_index: the store's index against its table after each turn;
  // a difference is a bug in how the index is kept, and ends the process.
  void check_index(std::int64_t now);
  std::int64_t next_index_check_ms_ = 0;
  void tick(std::int64_t now);
  template <class M> void send_to(const std::string& peer, const M& m, std::uint64_t in_reply_to = 0) {
    outbox_.push_back({peer, wire::message(m, next_id_++, in_reply_to), 0});
  }
  // Queues a message to an agent by name; dropped if it is not connected.
  template <class M> void send_to_agent(const std::string& name, const M& m) {
    const auto* a = registry_.find(name);
    if (a && a->connected) send_to(a->peer, m);
  }
  void reply(const wire::Envelope& env, const proto::Reply& r);
  void flush(const Status& committed);

  void on_agent_frames(const wire::Envelope& env);
  void on_client_frames(const wire::Envelope& env);

  // agent_events.cpp
  void on_agent_message(const wire::Envelope& env);
  void on_register(const wire::Envelope& env, proto::Register m);
  // The named agent's live process, if `env` comes from another live one.
  const registry::Agent* duplicate_of(const wire::Envelope& env, const proto::Register& m, std::int64_t now) const;
  bool foreign(const std::string& store_id) const { return !store_id.empty() && store_id != store_.id(); }
  void on_run_started(registry::Agent& a, const wire::Envelope& env, const proto::RunStarted& m);
  void on_run_exited(registry::Agent& a, const wire::Envelope& env, const proto::RunExited& m);
  void on_logs_reply(const registry::Agent& a, const wire::Envelope& env, const proto::LogsReply& m);
  void reconcile(registry::Agent& a, const std::vector<proto::RunReport>& runs, bool complete);
  // How many of the live runs the store placed on `agent` are in `runs`, and how many there are.
  std::pair<std::size_t, std::size_t> placed_runs_in(const std::string& agent, const std::vector<proto::RunReport>& runs);
  void reconcile_one(registry::Agent& a, const proto::RunReport& r);
  void agent_lost(const std::string& name);

  // apply.cpp: the one way a stream's state changes. Calls
  // lifecycle::transition, stores the row, carries out the commands (a
  // placement among them: then once more with kPlaced or kNoCapacity).
  // A store failure throws store::Unavailable: the unit of work is rolled back.
  lifecycle::Outcome apply(StreamRow& s, const lifecycle::Event& e);
  void carry_out(StreamRow& s, const lifecycle::Command& c, const lifecycle::Event& e);
  lifecycle::Policy policy() const;

  // placing.cpp
  // The agents as placement sees them, refreshed for each decision: the
  // counts and loads each time, what an agent registered with only when it
  // registers again (cost per decision: a few lookups per agent, no copies).
  const std::vector<placement::Candidate>& candidates();
  // The same key for equal policies (placement judges each distinct one once).
  std::uint64_t policy_key(const confine::Policy& p);
  // Chooses an agent for `s` (not `avoid` if another will do) and applies
  // kPlaced, or kNoCapacity with what it waits for.
  void place(StreamRow& s, const std::string& avoid = {});
  // What each known agent reported about what ffmpeg may touch there.
  const std::vector<streams::AgentPolicy>& agent_policies();
  // Tries the pending queue in order (the tick, and at once in the turn in
  // which a slot was freed: placement_due_).
  void place_pending();
  // Slots free on agents that take work (not counting what each stream needs).
  std::int64_t free_slots();
  void send_start(const StreamRow& s);
  void send_stop(const std::string& agent, std::int64_t stream_id, std::int64_t attempt, const std::string& reason);
  void resend_commands(std::int64_t now);
  limits::Limits current_limits();
  // Why `s` may not start now (a limit, a destination in use), or ok: from
  // the counts the store's index keeps, at no cost per stream known.
  Status start_blocker(const StreamRow& s);

  // scheduling.cpp
  void fire_schedules(std::int64_t now_wall);
  proto::Reply stream_schedule(const auth::Caller& c, const proto::StreamSchedule& m);

  // cli_requests.cpp
  proto::Reply stream_add(const auth::Caller& c, const proto::StreamAdd& m);
  proto::Reply stream_action(const auth::Caller& c, const proto::StreamAction& m);
  std::optional<proto::Reply> stream_logs(const wire::Envelope& env, const auth::Caller& c, const proto::StreamLogs& m);
  proto::Reply agent_action(const auth::Caller& c, const proto::AgentAction& m);
  proto::Reply stream_list(const auth::Caller& c, const proto::StreamList& m);
  // "no stream X", with the closest stream name when X looks like a typo of one.
  proto::Reply no_stream(const std::string& ref);
  proto::Reply stream_show(const auth::Caller& c, const proto::StreamShow& m);
  proto::Reply stop_unknown_runs(registry::Agent& a);
  proto::Reply limits_set(const auth::Caller& c, const proto::LimitsSet& m);
  proto::Reply limits_show();
  void expire_log_requests(std::int64_t now);

  // thumbnails.cpp: STREAM_THUMB, fetched from the agent like live logs
  std::optional<proto::Reply> stream_thumb(const wire::Envelope& env, const auth::Caller& c, const proto::StreamThumb& m);
  void on_thumb_reply(const registry::Agent& a, const wire::Envelope& env, const proto::ThumbReply& m);
  void expire_thumb_requests(std::int64_t now);

  // reload.cpp: SIGHUP applies what may change without a restart.
  void reload_config();

  // security.cpp: keys, the ZAP handler, rate caps, who may connect
  Status setup_security();
  // Admins from these key files (at start, and on SIGHUP), unless one is
  // unreadable or clashes with a stored user: then nothing changes.
  Status set_admin_keys(const std::vector<std::string>& pub_paths);
  bool secure() const { return keys_.has_value(); }
  void reload_directory();
  void on_zap();
  // Connection events of the ROUTER (accepted, dropped, failed handshakes), counted.
  void on_monitor();
  // False (and counted) when `peer` sends agent messages faster than allowed.
  bool agent_rate_ok(const std::string& peer, std::int64_t now, std::size_t bytes);
  void security_housekeeping(std::int64_t now);
  // Whether the connection's key is agent `name`'s (always, without keys).
  Status agent_key_allows(const wire::Envelope& env, const std::string& name);
  void deny_agent(const wire::Envelope& env, const std::string& why);
  Result<auth::Caller> caller_of(const wire::Envelope& env, const std::string& claimed);
  proto::Reply refuse(const auth::Caller& c, const std::string& what, const Status& why);
  proto::Reply user_add(const auth::Caller& c, const proto::UserAdd& m);
  proto::Reply user_remove(const auth::Caller& c, const proto::UserRemove& m);
  proto::Reply user_list(const auth::Caller& c);
  proto::Reply agent_allow(const auth::Caller& c, const proto::AgentAllow& m);
  proto::Reply agent_revoke(const auth::Caller& c, const std::string& name);

  // http_link.cpp: the HTTP side (controller/http) and the events it relays.
  // Binds the inproc sockets and starts the server (with --http).
  Status start_http();
  void stop_http();
  // Reads the events socket's subscriptions: events are built only while
  // the HTTP side has a browser listening.
  void on_event_subscriptions();
  bool publish_event(const std::vector<std::string>& frames);
  // Queued in the outbox like answers: a change rolled back sends none.
  void emit(std::string_view name, const nlohmann::json& data);
  void emit_stream(const StreamRow& s);
  void emit_stream_removed(std::int64_t id);
  void emit_agent(const registry::Agent& a);
  void emit_figures(const registry::Agent& a);
  void emit_fleet(std::int64_t now);
  // The HTTP channel's caller: the user and role of the bearer token whose
  // digest it sent (loop/tokens.cpp, auth/tokens.hpp).
  Result<auth::Caller> token_caller(const std::string& sha256_hex);

  // tokens.cpp: HTTP bearer tokens and whoami
  proto::Reply token_create(const auth::Caller& c, const proto::TokenCreate& m);
  proto::Reply token_revoke(const auth::Caller& c, const proto::TokenRevoke& m);
  proto::Reply token_list(const auth::Caller& c);
  proto::Reply whoami(const auth::Caller& c);
  // The table from the store (at start).
  void load_tokens();
  // The same after a change, undone with the transaction that made it.
  void reload_tokens();
  // Writes the tokens' last uses to the store, at most once a minute (the tick).
  void store_token_uses(std::int64_t now_wall_ms);

  // service.cpp: the STATUS= line for the service manager (sd_notify).
  std::string service_status();

  // views.cpp
  // `details`: inputs and outputs shown (masked unless `reveal`); without,
  // they are left out (another user's stream).
  proto::StreamView view(const StreamRow& s, bool with_runs, std::int64_t max_runs = 0, bool details = true,
                         bool reveal = false);
  proto::AgentView agent_view(const registry::Agent& a, const std::map<std::string, std::int64_t>& active);

  Options opts_;
  std::function<ParseOutcome()> reparse_;
  store::Store store_;
  registry::Registry registry_;
  // sd_notify (READY, STATUS, WATCHDOG from the loop, STOPPING); built before
  // ctx_ starts threads, as it unsets NOTIFY_SOCKET. The loop's poll wakes
  // every kTickMs at the latest, so keep-alives are on time for WatchdogSec >= 1s.
  sdnotify::Notifier notify_;
  zmq::context_t ctx_;
  zmq::socket_t sock_;
  // With --key: our key pair, the ZAP handler's socket, who may connect.
  std::optional<curve::KeyPair> keys_;
  zmq::socket_t zap_;
  zmq::socket_t monitor_;
  auth::Directory directory_;
  auth::TokenTable tokens_;  // HTTP bearer tokens (loop/tokens.cpp)
  struct Bucket {
    double messages = 0;
    double bytes = 0;
    std::int64_t last_ms = 0;
  };
  std::map<std::string, Bucket> buckets_;  // agent messages per peer
  struct SecurityStats {
    std::int64_t denied = 0;           // connections refused by the ZAP handler
    std::int64_t denied_messages = 0;  // messages whose key may not send them
    std::int64_t rate_dropped = 0;
    std::int64_t runs_trimmed = 0;     // run reports beyond the cap per message
    std::int64_t accepted = 0;         // connections, from the socket monitor
    std::int64_t disconnected = 0;     // closed by a peer or by libzmq (a frame over ZMQ_MAXMSGSIZE)
    std::int64_t handshakes_failed = 0;
    std::int64_t next_log_ms = 0;
  } security_stats_;
  std::uint64_t next_id_ = 1;
  std::int64_t started_ms_ = 0;
  std::int64_t next_tick_ms_ = 0;
  std::int64_t next_heartbeat_ms_ = 0;
  std::int64_t next_file_check_ms_ = 0;
  int exit_code_ = -1;

  // The turn: its transaction and what it will send once that commits.
  std::unique_ptr<store::Transaction> turn_tx_;
  std::vector<Outgoing> outbox_;
  // Messages to peers whose queue was full (a client pipelining without
  // reading yet), sent in order as the peer reads; bounded per peer and in all.
  std::map<std::string, std::deque<Outgoing>> deferred_;
  std::size_t deferred_bytes_ = 0;
  bool send_or_defer(Outgoing o);
  void retry_deferred();
  // Received, not yet handled: agents' messages (all handled every turn) and
  // each client's requests (served in turns, bounded per client and in all).
  std::vector<wire::Envelope> agent_inbox_;
  std::map<std::string, std::deque<wire::Envelope>> client_queues_;
  std::deque<std::string> client_order_;  // clients with queued requests, round-robin
  std::size_t client_queued_bytes_ = 0;
  // Loop figures, logged by loop_stats.
  struct LoopStats {
    std::int64_t max_lag_ms = 0;
    std::int64_t max_turn_ms = 0;
    std::int64_t turns = 0;
    std::int64_t busy_replies = 0;
    std::int64_t send_failures = 0;
    std::int64_t bad_frames = 0;
    std::int64_t refused_requests = 0;  // no valid key or token, or unreadable
    std::int64_t next_log_ms = 0;
  } stats_;
  // When StartRun/StopRun was last sent per stream; only streams in starting
  // or stopping are kept (rebuilt every tick, so nothing outlives its stream).
  std::map<std::int64_t, std::int64_t> last_command_ms_;
  // Stale runs told to stop, so a heartbeat does not repeat it every beat.
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> stale_stops_;
  struct PendingLogs {
    std::string peer;
    std::uint64_t msg_id;
    std::int64_t deadline_ms;
    std::string agent;
  };
  std::map<std::uint64_t, PendingLogs> pending_logs_;  // by LogsRequest msg id
  struct PendingThumb {
    std::string peer;
    std::uint64_t msg_id;
    std::int64_t deadline_ms;
    std::string agent;
    std::string stream;  // its name, for the answer
  };
  std::map<std::uint64_t, PendingThumb> pending_thumbs_;  // by ThumbRequest msg id
  LoopMetrics metrics_;  // --metrics (loop/metrics.hpp)
  // --http: the ROUTER the HTTP side's workers send requests to, the XPUB
  // its event hub listens on, and the server (threads that never touch the
  // loop's state). Unset without --http.
  zmq::socket_t http_sock_;
  zmq::socket_t events_;
  std::int64_t event_subscribers_ = 0;
  std::int64_t events_dropped_ = 0;
  std::int64_t next_fleet_event_ms_ = 0;
  std::int64_t lag_since_fleet_event_ms_ = 0;
  std::shared_ptr<http::Server> http_server_;
  bool events_wanted() const { return event_subscribers_ > 0; }
  // candidates(): one per agent in registry order, and the info_epoch each
  // was copied from.
  std::vector<placement::Candidate> candidates_;
  // A slot or an agent became free in this turn: the pending queue is tried
  // before the turn ends, not at the next tick.
  bool placement_due_ = false;
  std::vector<std::uint64_t> candidate_epochs_;
  std::vector<std::uint64_t> candidate_runs_epochs_;  // Agent::runs_epoch each candidate's run figures are from
  std::unordered_map<std::string, std::size_t> candidate_slot_;  // agent name -> its place in candidates_
  // The distinct policies candidates have (Candidate::policy_key is 1 + the place here).
  std::vector<confine::Policy> distinct_policies_;
  std::uint64_t candidates_epoch_ = 0;  // bumped when any candidate's registration was copied
  // agent_policies(): the candidates' policies, as of policies_epoch_.
  std::vector<streams::AgentPolicy> policies_;
  std::uint64_t policies_epoch_ = ~std::uint64_t{0};
};

}  // namespace ffleet::controller
