// Wire protocol v1, agent <-> controller: registration, heartbeats, runs.
// Part of protocol.hpp (include that); the rules are written there.
#pragma once

#include "ffleet/schema/protocol.hpp"

namespace ffleet::proto {

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
  // A batch run's progress: percent of the input's duration done (0-100) and
  // seconds left at the current speed; -1 when unknown (a live run, an input
  // of unknown duration, speed not yet known).
  double progress = -1;
  double eta_s = -1;
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
  v.opt("progress", m.progress);
  v.opt("eta_s", m.eta_s);
}

struct HostStats {
  double cpu_percent = 0;  // of the whole host, 0-100
  std::int64_t mem_total_bytes = 0;
  std::int64_t mem_used_bytes = 0;
  double load1 = 0;
  std::int64_t loop_lag_ms = 0;  // the agent's event loop: its worst lag since the last heartbeat
};
template <class V> void describe(V& v, HostStats& m) {
  v.opt("cpu_percent", m.cpu_percent);
  v.opt("mem_total_bytes", m.mem_total_bytes);
  v.opt("mem_used_bytes", m.mem_used_bytes);
  v.opt("load1", m.load1);
  v.opt("loop_lag_ms", m.loop_lag_ms);
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
  bool operator==(const StreamSpec&) const = default;
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
// Lines of a run are numbered from 1 as ffmpeg writes them; `after` >= 0
// asks for the kept lines numbered above it instead (at most `tail` of the
// oldest), which is how `stream logs --follow` reads each line once.
struct LogsRequest {
  static constexpr MsgType kType = MsgType::LogsRequest;
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  std::int64_t tail = 50;
  std::int64_t after = -1;
};
template <class V> void describe(V& v, LogsRequest& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
  v.opt("tail", m.tail);
  v.opt("after", m.after);
}

struct LogsReply {
  static constexpr MsgType kType = MsgType::LogsReply;
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  bool found = false;
  std::vector<std::string> lines;
  std::int64_t first_seq = 0;  // the number of lines[0] (0: an agent that predates numbering)
  std::int64_t last_seq = -1;  // lines the run has written so far (-1: unknown)
};
template <class V> void describe(V& v, LogsReply& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
  v.req("found", m.found);
  v.opt("lines", m.lines);
  v.opt("first_seq", m.first_seq);
  v.opt("last_seq", m.last_seq);
}

// The largest thumbnail an agent sends (a 320-pixel-wide JPEG is ~10-30 KB);
// a larger file is not sent (found=false), and the controller refuses one.
inline constexpr std::size_t kMaxThumbnailBytes = 256u << 10;

// Controller -> agent: the latest thumbnail of a live run (STREAM_THUMB).
struct ThumbRequest {
  static constexpr MsgType kType = MsgType::ThumbRequest;
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
};
template <class V> void describe(V& v, ThumbRequest& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
}

// found=false: no such run, a run without thumbnails (copy mode, thumbnails
// off) or none written yet.
struct ThumbReply {
  static constexpr MsgType kType = MsgType::ThumbReply;
  std::int64_t stream_id = 0;
  std::int64_t attempt = 0;
  bool found = false;
  Bytes jpeg;
  std::string why;  // found=false: one line for people ("copy mode", "none yet")
};
template <class V> void describe(V& v, ThumbReply& m) {
  v.req("stream_id", m.stream_id);
  v.req("attempt", m.attempt);
  v.req("found", m.found);
  v.opt("jpeg", m.jpeg);
  v.opt("why", m.why);
}

// Controller -> agent: drain (take nothing new) or resume.
struct AgentControl {
  static constexpr MsgType kType = MsgType::AgentControl;
  std::string action;  // drain | resume | detect (test the encoders again)
};
template <class V> void describe(V& v, AgentControl& m) { v.req("action", m.action); }

}  // namespace ffleet::proto
