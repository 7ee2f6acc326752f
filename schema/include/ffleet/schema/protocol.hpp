// Wire protocol v1: every message exchanged by controller, agent and CLI.
//
// This header is the single definition of the protocol; PROTOCOL.md beside it
// explains who sends what and what the receiver does. Each message is a plain
// struct plus one `describe` function that lists its fields in order, saying
// which are required. common/wire walks `describe` to encode and to decode
// strictly, so a field is named exactly once.
//
// Rules that keep v1 compatible: type numbers are append-only and never reused;
// a new field must be optional (`opt`) with a default; removing a field or
// changing its meaning is protocol v2 (a new kTag).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ffleet::proto {

// First frame of every message. A peer with another tag is refused.
inline constexpr std::string_view kTag = "FFLEET/1";
inline constexpr int kMajorVersion = 1;
// Header and body together; larger messages are dropped unread.
inline constexpr std::size_t kMaxMessageBytes = 1u << 20;

enum class MsgType : std::uint32_t {
  // both directions
  Error = 1,
  Ack = 2,
  Unsupported = 3,
  Heartbeat = 4,
  // agent <-> controller
  Register = 10,
  Registered = 11,
  StartRun = 20,
  StopRun = 21,
  RunStarted = 22,
  RunExited = 23,
  LogsRequest = 24,
  LogsReply = 25,
  AgentControl = 26,
  // CLI -> controller; the controller answers each with Reply
  StreamAdd = 40,
  StreamAction = 41,
  StreamList = 42,
  StreamShow = 43,
  StreamLogs = 44,
  AgentList = 45,
  AgentAction = 46,
  LimitsShow = 47,
  LimitsSet = 48,
  StreamSchedule = 49,
  UserAdd = 50,
  UserRemove = 51,
  UserList = 52,
  AgentAllow = 53,
  Reply = 60,
};

std::string_view type_name(MsgType t);

// Error codes carried by ErrorMsg.code.
namespace err {
inline constexpr std::string_view kVersion = "version";
inline constexpr std::string_view kMalformed = "malformed";
inline constexpr std::string_view kNotRegistered = "not_registered";
inline constexpr std::string_view kUnsupported = "unsupported";
// Another live agent process holds this name; the newcomer is refused.
inline constexpr std::string_view kDuplicateName = "duplicate_name";
// The controller could not store a change; nothing was changed.
inline constexpr std::string_view kStore = "store";
// The connection's key may not do this (an agent's name not bound to its key,
// a revoked key, a person's key sending an agent's messages).
inline constexpr std::string_view kDenied = "denied";
}  // namespace err

struct Header {
  std::uint32_t type = 0;
  std::uint64_t msg_id = 0;
  std::int64_t sent_at_ms = 0;
  std::uint64_t in_reply_to = 0;  // 0: not a reply
};
template <class V> void describe(V& v, Header& m) {
  v.req("type", m.type);
  v.req("msg_id", m.msg_id);
  v.req("sent_at_ms", m.sent_at_ms);
  v.opt("in_reply_to", m.in_reply_to);
}

struct ErrorMsg {
  static constexpr MsgType kType = MsgType::Error;
  std::string code;
  std::string message;
};
template <class V> void describe(V& v, ErrorMsg& m) {
  v.req("code", m.code);
  v.req("message", m.message);
}

struct Ack {
  static constexpr MsgType kType = MsgType::Ack;
};
template <class V> void describe(V&, Ack&) {}

struct Unsupported {
  static constexpr MsgType kType = MsgType::Unsupported;
  std::uint32_t type = 0;  // the type the receiver did not know
};
template <class V> void describe(V& v, Unsupported& m) { v.req("type", m.type); }

// Figures of one live run, as the agent last sampled them.
struct RunReport {
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  std::int64_t pid = 0;
  std::string encoder;
  std::int64_t started_at_ms = 0;
  double cpu_percent = 0;  // of one core, pidusage-style, whole process group
  std::int64_t rss_bytes = 0;
  double fps = 0;
  double speed = 0;
  std::int64_t frames = 0;
  std::int64_t drop_frames = 0;
  std::int64_t dup_frames = 0;
  double bitrate_kbps = 0;
  std::int64_t out_time_ms = 0;
  bool stopping = false;
  std::string warning;  // "" or why the run needs attention (cpu, memory, behind)
  bool behind = false;  // a live run whose speed stays under 1.0x
  // The database that placed this run (StartRun.store_id), "" from agents
  // that predate it. A controller never adopts or stops a run placed by
  // another database.
  std::string store_id;
};
template <class V> void describe(V& v, RunReport& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
  v.req("pid", m.pid);
  v.opt("encoder", m.encoder);
  v.opt("started_at_ms", m.started_at_ms);
  v.opt("cpu_percent", m.cpu_percent);
  v.opt("rss_bytes", m.rss_bytes);
  v.opt("fps", m.fps);
  v.opt("speed", m.speed);
  v.opt("frames", m.frames);
  v.opt("drop_frames", m.drop_frames);
  v.opt("dup_frames", m.dup_frames);
  v.opt("bitrate_kbps", m.bitrate_kbps);
  v.opt("out_time_ms", m.out_time_ms);
  v.opt("stopping", m.stopping);
  v.opt("warning", m.warning);
  v.opt("behind", m.behind);
  v.opt("store_id", m.store_id);
}

struct HostStats {
  double cpu_percent = 0;  // of the whole host, 0-100
  std::int64_t mem_total_bytes = 0;
  std::int64_t mem_used_bytes = 0;
  double load1 = 0;
};
template <class V> void describe(V& v, HostStats& m) {
  v.opt("cpu_percent", m.cpu_percent);
  v.opt("mem_total_bytes", m.mem_total_bytes);
  v.opt("mem_used_bytes", m.mem_used_bytes);
  v.opt("load1", m.load1);
}

// Agent -> controller, first message of a session and after every reconnect.
// `runs` lists what the agent is running now, so a restarted controller can
// adopt those runs instead of starting them again.
struct Register {
  static constexpr MsgType kType = MsgType::Register;
  std::string name;
  std::string hostname;
  std::int64_t cpus = 0;
  std::int64_t mem_bytes = 0;
  std::string ffmpeg_version;
  std::int64_t max_streams = 0;
  std::vector<std::string> encoders;
  bool draining = false;
  std::vector<RunReport> runs;
  std::string agent_version;
  // Concurrent hardware encoder sessions this host allows, by vendor ("nvenc" -> 3).
  std::map<std::string, std::int64_t> session_limits;
  // Random per agent process: two live processes under one name are told
  // apart, and the second is refused.
  std::string instance;
  // What ffmpeg may touch on this host (--media-root, --output-root, the
  // protocols its configuration allows): the controller refuses a stream no
  // agent may run, and places a stream only where it may run.
  std::vector<std::string> media_roots;
  std::vector<std::string> output_roots;
  std::vector<std::string> protocols;
};
template <class V> void describe(V& v, Register& m) {
  v.req("name", m.name);
  v.req("hostname", m.hostname);
  v.req("cpus", m.cpus);
  v.req("mem_bytes", m.mem_bytes);
  v.req("ffmpeg_version", m.ffmpeg_version);
  v.req("max_streams", m.max_streams);
  v.req("encoders", m.encoders);
  v.opt("draining", m.draining);
  v.req("runs", m.runs);
  v.opt("agent_version", m.agent_version);
  v.opt("session_limits", m.session_limits);
  v.opt("instance", m.instance);
  v.opt("media_roots", m.media_roots);
  v.opt("output_roots", m.output_roots);
  v.opt("protocols", m.protocols);
}

// Controller -> agent, reply to Register: the session's liveness settings.
struct Registered {
  static constexpr MsgType kType = MsgType::Registered;
  std::int64_t heartbeat_ms = 0;
  std::int64_t lost_after_ms = 0;
};
template <class V> void describe(V& v, Registered& m) {
  v.req("heartbeat_ms", m.heartbeat_ms);
  v.req("lost_after_ms", m.lost_after_ms);
}

// Both ways every heartbeat_ms. From the agent it carries the host figures and
// every live run, which is also how the controller reconciles (fencing).
struct Heartbeat {
  static constexpr MsgType kType = MsgType::Heartbeat;
  HostStats host;
  std::vector<RunReport> runs;
  bool draining = false;
};
template <class V> void describe(V& v, Heartbeat& m) {
  v.opt("host", m.host);
  v.opt("runs", m.runs);
  v.opt("draining", m.draining);
}

// The whole definition of a stream, as `ffleet stream add` gave it.
struct StreamSpec {
  std::vector<std::string> inputs;
  std::string input_format;
  bool loop = false;
  bool shuffle = false;
  std::vector<std::string> outputs;
  std::string mode = "auto";     // auto | copy | transcode
  std::string encoder = "auto";  // auto | an ffmpeg encoder name
  std::int64_t video_bitrate_kbps = 0;  // 0: encoder default
  std::string resolution;               // WxH, empty: as input
  std::int64_t fps = 0;                 // 0: as input
  bool batch = false;
  std::int64_t start_at_ms = 0;  // 0: none
  std::int64_t end_at_ms = 0;
  std::int64_t duration_ms = 0;
  std::string repeat;
  std::string on_host_lost = "failover";
  std::int64_t priority = 0;  // pending streams start higher first, then first come
  bool overwrite = false;     // an output file that exists may be replaced (else the run fails)
};
template <class V> void describe(V& v, StreamSpec& m) {
  v.req("inputs", m.inputs);
  v.opt("input_format", m.input_format);
  v.opt("loop", m.loop);
  v.opt("shuffle", m.shuffle);
  v.req("outputs", m.outputs);
  v.opt("mode", m.mode);
  v.opt("encoder", m.encoder);
  v.opt("video_bitrate_kbps", m.video_bitrate_kbps);
  v.opt("resolution", m.resolution);
  v.opt("fps", m.fps);
  v.opt("batch", m.batch);
  v.opt("start_at_ms", m.start_at_ms);
  v.opt("end_at_ms", m.end_at_ms);
  v.opt("duration_ms", m.duration_ms);
  v.opt("repeat", m.repeat);
  v.opt("on_host_lost", m.on_host_lost);
  v.opt("priority", m.priority);
  v.opt("overwrite", m.overwrite);
}

// Controller -> agent. Idempotent: a second StartRun for the same stream and
// attempt is answered with RunStarted for the run already there.
struct StartRun {
  static constexpr MsgType kType = MsgType::StartRun;
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  std::string name;
  StreamSpec spec;
  std::string store_id;  // the placing database; echoed in every report of the run
};
template <class V> void describe(V& v, StartRun& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
  v.req("name", m.name);
  v.req("spec", m.spec);
  v.opt("store_id", m.store_id);
}

// Controller -> agent. Idempotent; a stop for a run the agent does not have is
// acknowledged with RunExited(reason "unknown_run").
struct StopRun {
  static constexpr MsgType kType = MsgType::StopRun;
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  std::string reason;  // user_stop | stale_attempt | drained | ...
};
template <class V> void describe(V& v, StopRun& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
  v.opt("reason", m.reason);
}

// Agent -> controller, resent until acknowledged (Ack with in_reply_to).
struct RunStarted {
  static constexpr MsgType kType = MsgType::RunStarted;
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  std::int64_t pid = 0;
  std::string encoder;
  std::int64_t started_at_ms = 0;
  // Why the run is not what was asked for, e.g. a hardware encoder that
  // failed at start and was replaced by libx264 (same attempt, new pid).
  std::string note;
  std::string store_id;  // StartRun.store_id
};
template <class V> void describe(V& v, RunStarted& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
  v.req("pid", m.pid);
  v.opt("encoder", m.encoder);
  v.req("started_at_ms", m.started_at_ms);
  v.opt("note", m.note);
  v.opt("store_id", m.store_id);
}

// Agent -> controller, resent until acknowledged. `reason` says how the run
// ended: exited (by itself), stopped (asked to), force_killed (SIGKILL after
// the timeout), spawn_failed, refused (never started), unknown_run.
struct RunExited {
  static constexpr MsgType kType = MsgType::RunExited;
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  std::int64_t exit_code = -1;  // -1 when ended by a signal or never started
  std::int64_t signal = 0;
  std::string reason;
  std::string error;  // one line for people; empty when all went well
  std::vector<std::string> stderr_tail;
  std::int64_t ended_at_ms = 0;
  std::string store_id;  // StartRun.store_id
};
template <class V> void describe(V& v, RunExited& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
  v.req("exit_code", m.exit_code);
  v.req("signal", m.signal);
  v.req("reason", m.reason);
  v.opt("error", m.error);
  v.opt("stderr_tail", m.stderr_tail);
  v.req("ended_at_ms", m.ended_at_ms);
  v.opt("store_id", m.store_id);
}

// Controller -> agent: the last `tail` stderr lines of a live run.
struct LogsRequest {
  static constexpr MsgType kType = MsgType::LogsRequest;
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  std::int64_t tail = 50;
};
template <class V> void describe(V& v, LogsRequest& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
  v.opt("tail", m.tail);
}

struct LogsReply {
  static constexpr MsgType kType = MsgType::LogsReply;
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  bool found = false;
  std::vector<std::string> lines;
};
template <class V> void describe(V& v, LogsReply& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
  v.req("found", m.found);
  v.opt("lines", m.lines);
}

// Controller -> agent: drain (take nothing new) or resume.
struct AgentControl {
  static constexpr MsgType kType = MsgType::AgentControl;
  std::string action;  // drain | resume | detect (test the encoders again)
};
template <class V> void describe(V& v, AgentControl& m) { v.req("action", m.action); }

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
};
template <class V> void describe(V& v, StreamLogs& m) {
  v.req("user", m.user);
  v.req("ref", m.ref);
  v.opt("tail", m.tail);
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

// ---- Views the controller sends back to the CLI ----

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
  std::int64_t id = 0;
  std::vector<StreamView> streams;
  std::vector<AgentView> agents;
  std::vector<std::string> lines;
  LimitsView limits;
  bool more = false;  // StreamList: another page follows
  std::vector<UserView> users;  // UserList
  std::string user;             // who the controller took the caller for
  std::string role;
};
template <class V> void describe(V& v, Reply& m) {
  v.req("ok", m.ok);
  v.opt("error", m.error);
  v.opt("id", m.id);
  v.opt("streams", m.streams);
  v.opt("agents", m.agents);
  v.opt("lines", m.lines);
  v.opt("limits", m.limits);
  v.opt("more", m.more);
  v.opt("users", m.users);
  v.opt("user", m.user);
  v.opt("role", m.role);
}

}  // namespace ffleet::proto
