// Wire protocol v1, CLI <-> controller: requests, and the views and Reply
// the controller answers with. Part of protocol.hpp (include that).
#pragma once

#include "ffleet/schema/protocol.hpp"

namespace ffleet::proto {

// ---- CLI -> controller. `user` is who the CLI claims to act for; the
// controller decides who is asking in one place (controller/auth). ----

struct StreamAdd {
  static constexpr MsgType kType = MsgType::StreamAdd;
  std::string user;
  std::string name;
  StreamSpec spec;
};
template <class V> void describe(V& v, StreamAdd& m) {
  v.req("user", m.user);
  v.req("name", m.name);
  v.req("spec", m.spec);
}

struct StreamAction {
  static constexpr MsgType kType = MsgType::StreamAction;
  std::string user;
  std::string ref;     // id or name
  std::string action;  // start | stop | rm
};
template <class V> void describe(V& v, StreamAction& m) {
  v.req("user", m.user);
  v.req("ref", m.ref);
  v.req("action", m.action);
}

// One page of streams in id order: those with an id above `after_id`, at
// most `limit` (0: the controller's page size). Reply.more says whether
// another page follows; the CLI asks until it does not.
struct StreamList {
  static constexpr MsgType kType = MsgType::StreamList;
  std::string user;
  std::int64_t after_id = 0;
  std::int64_t limit = 0;
};
template <class V> void describe(V& v, StreamList& m) {
  v.req("user", m.user);
  v.opt("after_id", m.after_id);
  v.opt("limit", m.limit);
}

struct StreamShow {
  static constexpr MsgType kType = MsgType::StreamShow;
  std::string user;
  std::string ref;
  std::int64_t runs = 0;  // the latest N runs (0: the controller's default)
  bool reveal = false;    // inputs and outputs unmasked (the owner or an admin only)
};
template <class V> void describe(V& v, StreamShow& m) {
  v.req("user", m.user);
  v.req("ref", m.ref);
  v.opt("runs", m.runs);
  v.opt("reveal", m.reveal);
}

struct StreamLogs {
  static constexpr MsgType kType = MsgType::StreamLogs;
  std::string user;
  std::string ref;
  std::int64_t tail = 50;
  // >= 0: only the live run's lines numbered above this (LogsRequest.after).
  std::int64_t after = -1;
};
template <class V> void describe(V& v, StreamLogs& m) {
  v.req("user", m.user);
  v.req("ref", m.ref);
  v.opt("tail", m.tail);
  v.opt("after", m.after);
}

struct AgentList {
  static constexpr MsgType kType = MsgType::AgentList;
  std::string user;
};
template <class V> void describe(V& v, AgentList& m) { v.req("user", m.user); }

struct AgentAction {
  static constexpr MsgType kType = MsgType::AgentAction;
  std::string user;
  std::string name;
  std::string action;  // drain | resume | detect | stop-unknown
};
template <class V> void describe(V& v, AgentAction& m) {
  v.req("user", m.user);
  v.req("name", m.name);
  v.req("action", m.action);
}

struct LimitsShow {
  static constexpr MsgType kType = MsgType::LimitsShow;
  std::string user;
};
template <class V> void describe(V& v, LimitsShow& m) { v.req("user", m.user); }

// Replaces the schedule of a stream (all four fields together; all zero or
// empty with clear=true removes it). A live run keeps running; a new end time
// applies to it at once.
struct StreamSchedule {
  static constexpr MsgType kType = MsgType::StreamSchedule;
  std::string user;
  std::string ref;
  std::int64_t start_at_ms = 0;
  std::int64_t end_at_ms = 0;
  std::int64_t duration_ms = 0;
  std::string repeat;
  bool clear = false;
};
template <class V> void describe(V& v, StreamSchedule& m) {
  v.req("user", m.user);
  v.req("ref", m.ref);
  v.opt("start_at_ms", m.start_at_ms);
  v.opt("end_at_ms", m.end_at_ms);
  v.opt("duration_ms", m.duration_ms);
  v.opt("repeat", m.repeat);
  v.opt("clear", m.clear);
}

// A negative number leaves that limit as it is.
struct LimitsSet {
  static constexpr MsgType kType = MsgType::LimitsSet;
  std::string user;
  std::int64_t global = -1;
  std::int64_t per_user = -1;
  std::string target_user;
  std::int64_t target_max = -1;
};
template <class V> void describe(V& v, LimitsSet& m) {
  v.req("user", m.user);
  v.opt("global", m.global);
  v.opt("per_user", m.per_user);
  v.opt("target_user", m.target_user);
  v.opt("target_max", m.target_max);
}

// Admins only: who may connect when links are CURVE. Keys are public keys
// (Z85); no secret ever crosses the wire.
struct UserAdd {
  static constexpr MsgType kType = MsgType::UserAdd;
  std::string user;
  std::string name;
  std::string role;  // admin | operator | user
  std::string public_key;
};
template <class V> void describe(V& v, UserAdd& m) {
  v.req("user", m.user);
  v.req("name", m.name);
  v.req("role", m.role);
  v.req("public_key", m.public_key);
}

struct UserRemove {
  static constexpr MsgType kType = MsgType::UserRemove;
  std::string user;
  std::string name;
};
template <class V> void describe(V& v, UserRemove& m) {
  v.req("user", m.user);
  v.req("name", m.name);
}

struct UserList {
  static constexpr MsgType kType = MsgType::UserList;
  std::string user;
};
template <class V> void describe(V& v, UserList& m) { v.req("user", m.user); }

// Lets the agent of this name connect with this key (replacing a key it had);
// `agent revoke` is AgentAction "revoke".
struct AgentAllow {
  static constexpr MsgType kType = MsgType::AgentAllow;
  std::string user;
  std::string name;
  std::string public_key;
};
template <class V> void describe(V& v, AgentAllow& m) {
  v.req("user", m.user);
  v.req("name", m.name);
  v.req("public_key", m.public_key);
}

// HTTP bearer tokens. The CLI makes the secret and sends only its SHA-256
// (as for keys, no secret crosses the wire): `sha256` is the hex digest of
// the whole token, `prefix` its first characters, shown to tell tokens apart.
// `name` is the user the token acts for ("": the caller), `role` at most
// that user's ("": the user's own).
struct TokenCreate {
  static constexpr MsgType kType = MsgType::TokenCreate;
  std::string user;
  std::string name;
  std::string role;
  std::string sha256;
  std::string prefix;
  std::string label;
  std::int64_t expires_at_ms = 0;  // 0: never
};
template <class V> void describe(V& v, TokenCreate& m) {
  v.req("user", m.user);
  v.opt("name", m.name);
  v.opt("role", m.role);
  v.req("sha256", m.sha256);
  v.req("prefix", m.prefix);
  v.opt("label", m.label);
  v.opt("expires_at_ms", m.expires_at_ms);
}

struct TokenRevoke {
  static constexpr MsgType kType = MsgType::TokenRevoke;
  std::string user;
  std::int64_t id = 0;
};
template <class V> void describe(V& v, TokenRevoke& m) {
  v.req("user", m.user);
  v.req("id", m.id);
}

// An admin sees every token; anyone else their own.
struct TokenList {
  static constexpr MsgType kType = MsgType::TokenList;
  std::string user;
};
template <class V> void describe(V& v, TokenList& m) { v.req("user", m.user); }

// The latest thumbnail (JPEG) of a stream's live run, fetched from its agent:
// Reply.thumbnail. Who may see it: who may see the stream's logs.
struct StreamThumb {
  static constexpr MsgType kType = MsgType::StreamThumb;
  std::string user;
  std::string ref;
};
template <class V> void describe(V& v, StreamThumb& m) {
  v.req("user", m.user);
  v.req("ref", m.ref);
}

// Answered with Reply.user and Reply.role.
struct Whoami {
  static constexpr MsgType kType = MsgType::Whoami;
  std::string user;
};
template <class V> void describe(V& v, Whoami& m) { v.req("user", m.user); }

// ---- Views the controller sends back to the CLI ----

// A token as listed: never the token, only what tells it apart.
struct TokenView {
  std::int64_t id = 0;
  std::string user;
  std::string role;
  std::string prefix;
  std::string label;
  std::string created_by;
  std::int64_t created_at_ms = 0;
  std::int64_t expires_at_ms = 0;  // 0: never
  std::int64_t last_used_ms = 0;   // 0: never used
};
template <class V> void describe(V& v, TokenView& m) {
  v.req("id", m.id);
  v.req("user", m.user);
  v.req("role", m.role);
  v.opt("prefix", m.prefix);
  v.opt("label", m.label);
  v.opt("created_by", m.created_by);
  v.opt("created_at_ms", m.created_at_ms);
  v.opt("expires_at_ms", m.expires_at_ms);
  v.opt("last_used_ms", m.last_used_ms);
}

struct UserView {
  std::string name;
  std::string kind;  // user | agent
  std::string role;  // admin | operator | user ("" for agents)
  std::string key;   // the public key's first characters
  std::string source;  // "database" or "admin key file PATH"
  std::int64_t created_at_ms = 0;
};
template <class V> void describe(V& v, UserView& m) {
  v.req("name", m.name);
  v.req("kind", m.kind);
  v.opt("role", m.role);
  v.opt("key", m.key);
  v.opt("source", m.source);
  v.opt("created_at_ms", m.created_at_ms);
}

struct RunView {
  std::int64_t attempt = 0;
  std::string agent;
  std::int64_t pid = 0;
  std::string encoder;
  std::int64_t started_at_ms = 0;
  std::int64_t ended_at_ms = 0;
  std::int64_t exit_code = -1;
  std::int64_t signal = 0;
  std::string reason;
  std::string error;
  std::vector<std::string> stderr_tail;
};
template <class V> void describe(V& v, RunView& m) {
  v.req("attempt", m.attempt);
  v.req("agent", m.agent);
  v.opt("pid", m.pid);
  v.opt("encoder", m.encoder);
  v.opt("started_at_ms", m.started_at_ms);
  v.opt("ended_at_ms", m.ended_at_ms);
  v.opt("exit_code", m.exit_code);
  v.opt("signal", m.signal);
  v.opt("reason", m.reason);
  v.opt("error", m.error);
  v.opt("stderr_tail", m.stderr_tail);
}

struct StreamView {
  std::int64_t id = 0;
  std::string name;
  std::string owner;
  std::string state;
  std::string agent;
  std::int64_t pid = 0;
  std::string encoder;
  std::int64_t attempt = 0;
  double cpu_percent = 0;
  std::int64_t rss_bytes = 0;
  double fps = 0;
  double speed = 0;
  std::string last_error;
  std::string waiting_for;
  std::string warning;
  StreamSpec spec;  // outputs already masked: no stream key leaves the controller
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::vector<RunView> runs;  // filled by StreamShow only
  std::int64_t next_start_ms = 0;  // next scheduled start, 0: none
  std::int64_t stop_at_ms = 0;     // end of the current occurrence, 0: none
  std::int64_t retries = 0;        // consecutive failed runs
  std::int64_t retry_at_ms = 0;    // next retry, 0: none
  std::vector<std::string> schedule_notes;  // missed or late starts (StreamShow)
  std::int64_t runs_total = 0;  // runs kept in the history; `runs` holds the latest
  // A batch stream's progress (percent 0-100) and seconds left; -1: unknown
  // (a live stream, an input of unknown duration). A completed batch is 100.
  double progress = -1;
  double eta_s = -1;
  // The live run's figures beyond fps and speed, and when it started.
  double bitrate_kbps = 0;
  std::int64_t drop_frames = 0;
  std::int64_t dup_frames = 0;
  std::int64_t run_started_at_ms = 0;
};
template <class V> void describe(V& v, StreamView& m) {
  v.req("id", m.id);
  v.req("name", m.name);
  v.req("owner", m.owner);
  v.req("state", m.state);
  v.opt("agent", m.agent);
  v.opt("pid", m.pid);
  v.opt("encoder", m.encoder);
  v.opt("attempt", m.attempt);
  v.opt("cpu_percent", m.cpu_percent);
  v.opt("rss_bytes", m.rss_bytes);
  v.opt("fps", m.fps);
  v.opt("speed", m.speed);
  v.opt("last_error", m.last_error);
  v.opt("waiting_for", m.waiting_for);
  v.opt("warning", m.warning);
  v.req("spec", m.spec);
  v.opt("created_at_ms", m.created_at_ms);
  v.opt("updated_at_ms", m.updated_at_ms);
  v.opt("runs", m.runs);
  v.opt("next_start_ms", m.next_start_ms);
  v.opt("stop_at_ms", m.stop_at_ms);
  v.opt("retries", m.retries);
  v.opt("retry_at_ms", m.retry_at_ms);
  v.opt("schedule_notes", m.schedule_notes);
  v.opt("runs_total", m.runs_total);
  v.opt("progress", m.progress);
  v.opt("eta_s", m.eta_s);
  v.opt("bitrate_kbps", m.bitrate_kbps);
  v.opt("drop_frames", m.drop_frames);
  v.opt("dup_frames", m.dup_frames);
  v.opt("run_started_at_ms", m.run_started_at_ms);
}

struct AgentView {
  std::string name;
  std::string hostname;
  std::string state;
  std::int64_t streams = 0;
  std::int64_t max_streams = 0;
  std::vector<std::string> encoders;
  double cpu_percent = 0;
  std::int64_t mem_used_bytes = 0;
  std::int64_t mem_total_bytes = 0;
  std::int64_t last_seen_ms = 0;
  std::string ffmpeg_version;
  std::int64_t cpus = 0;
  bool reconnecting = false;  // lost, but still within the grace after a controller restart
  // Runs this agent reports that this controller's database never placed (an
  // empty or replaced database): neither adopted nor stopped until an
  // operator runs `ffleet agent stop-unknown NAME`.
  std::int64_t unknown_runs = 0;
  // Another process that tried to register under this name, refused: "" or
  // "host H (instance I) at T".
  std::string duplicate;
  // Hardware encoder sessions free now, per encoder that has a limit.
  std::map<std::string, std::int64_t> free_sessions;
  std::int64_t loop_lag_ms = 0;  // the agent's own loop (HostStats.loop_lag_ms)
};
template <class V> void describe(V& v, AgentView& m) {
  v.req("name", m.name);
  v.opt("hostname", m.hostname);
  v.req("state", m.state);
  v.req("streams", m.streams);
  v.req("max_streams", m.max_streams);
  v.opt("encoders", m.encoders);
  v.opt("cpu_percent", m.cpu_percent);
  v.opt("mem_used_bytes", m.mem_used_bytes);
  v.opt("mem_total_bytes", m.mem_total_bytes);
  v.opt("last_seen_ms", m.last_seen_ms);
  v.opt("ffmpeg_version", m.ffmpeg_version);
  v.opt("cpus", m.cpus);
  v.opt("reconnecting", m.reconnecting);
  v.opt("unknown_runs", m.unknown_runs);
  v.opt("duplicate", m.duplicate);
  v.opt("free_sessions", m.free_sessions);
  v.opt("loop_lag_ms", m.loop_lag_ms);
}

struct LimitsView {
  std::int64_t global = 0;
  std::int64_t per_user = 0;
  std::map<std::string, std::int64_t> user_overrides;
  std::int64_t running = 0;
};
template <class V> void describe(V& v, LimitsView& m) {
  v.req("global", m.global);
  v.req("per_user", m.per_user);
  v.opt("user_overrides", m.user_overrides);
  v.opt("running", m.running);
}

// Controller -> CLI, answer to every CLI request. ok=false carries `error`,
// one line for people.
struct Reply {
  static constexpr MsgType kType = MsgType::Reply;
  bool ok = true;
  std::string error;
  std::string code;  // ok=false: one of proto::code (protocol.hpp)
  std::int64_t id = 0;
  std::vector<StreamView> streams;
  std::vector<AgentView> agents;
  std::vector<std::string> lines;
  LimitsView limits;
  bool more = false;  // StreamList: another page follows
  std::vector<UserView> users;  // UserList
  std::string user;             // who the controller took the caller for
  std::string role;
  // StreamLogs: whether `lines` came from a live run (else the stored tail
  // of the latest run), which attempt, the number of lines[0] and the last
  // line's number (the cursor for the next StreamLogs.after; -1 unknown).
  bool log_live = false;
  std::int64_t log_attempt = 0;
  std::int64_t log_first_seq = 0;
  std::int64_t log_last_seq = -1;
  std::vector<TokenView> tokens;  // TokenList
  Bytes thumbnail;                // StreamThumb: a JPEG
};
template <class V> void describe(V& v, Reply& m) {
  v.req("ok", m.ok);
  v.opt("error", m.error);
  v.opt("code", m.code);
  v.opt("id", m.id);
  v.opt("streams", m.streams);
  v.opt("agents", m.agents);
  v.opt("lines", m.lines);
  v.opt("limits", m.limits);
  v.opt("more", m.more);
  v.opt("users", m.users);
  v.opt("user", m.user);
  v.opt("role", m.role);
  v.opt("log_live", m.log_live);
  v.opt("log_attempt", m.log_attempt);
  v.opt("log_first_seq", m.log_first_seq);
  v.opt("log_last_seq", m.log_last_seq);
  v.opt("tokens", m.tokens);
  v.opt("thumbnail", m.thumbnail);
}

}  // namespace ffleet::proto
