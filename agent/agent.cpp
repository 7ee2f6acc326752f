#include "agent.hpp"

#include <unistd.h>

#include <csignal>
#include <optional>
#include <thread>

#include <boost/process/search_path.hpp>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/signals.hpp"
#include "ffleet/common/text.hpp"
#include "host/paths.hpp"
#include "host/proc_mounts.hpp"
#include "runner/confine_host.hpp"

namespace ffleet::agent {
namespace {

auto agent_log() {
  static auto l = log::get("agent");
  return l;
}

// How long a drained agent waits for the controller to acknowledge its last
// reports before exiting anyway: long enough for a live link, short enough
// that a host shutdown is never held up by a dead controller.
constexpr std::int64_t kFlushAfterDrainMs = 2000;
}  // namespace

Agent::Agent(Options opts) : opts_(std::move(opts)) {}
Agent::~Agent() = default;

Status Agent::init() {
  // Keys first: a bad key file is said at once, not after encoder detection.
  std::optional<link::LinkKeys> keys;
  if (!opts_.key.empty()) {
    auto own = curve::load_secret(opts_.key);
    if (!own) return Status::error("--key: " + own.error());
    auto ctl = curve::load_public(opts_.controller_key);
    if (!ctl) return Status::error("--controller-key: " + ctl.error());
    keys = link::LinkKeys{*own, *ctl};
    agent_log()->info("keys=curve public_key={} controller_key={}", curve::fingerprint(own->public_z85),
                   curve::fingerprint(*ctl));
  } else if (!curve::loopback_endpoint(opts_.controller)) {
    agent_log()->warn("keys=none controller={}: the link is neither encrypted nor authenticated; give --key and "
                   "--controller-key (docs/security.md)",
                   opts_.controller);
  }
  configured_ffmpeg_ = opts_.ffmpeg;
  if (opts_.ffmpeg.find('/') == std::string::npos) {
    const auto p = boost::process::search_path(opts_.ffmpeg);
    if (p.empty()) return Status::error("ffmpeg not found on PATH (" + opts_.ffmpeg + "); install it or pass --ffmpeg");
    opts_.ffmpeg = p.string();
  } else if (::access(opts_.ffmpeg.c_str(), X_OK) != 0) {
    return Status::error("ffmpeg " + opts_.ffmpeg + " is not an executable file");
  }
  if (Status s = host::prepare_work_dir(opts_.work_dir); !s) return s;
  if (Status s = metrics_.start(opts_.metrics); !s) return s;  // before the slow encoder detection: fail fast
  // ffmpeg's command line holds the stream's URLs, keys included.
  if (const std::string w = host::hidepid_warning(); !w.empty()) agent_log()->warn("proc_not_hidden why=\"{}\"", w);
  auto policy = resolve_policy(opts_);
  if (!policy) return policy.status();
  auto work = host::resolve_roots({opts_.work_dir}, "--work-dir");
  if (!work) return work.status();
  policy_ = *policy;
  agent_log()->info("confinement media_roots={} output_roots={} protocols={}", fmt::join(policy_.media_roots, ":"),
                 fmt::join(policy_.output_roots, ":"), fmt::join(policy_.protocols, ","));

  // Before the loop: nothing waits on us yet, and the deadlines bound it.
  const auto t0 = clock::steady_ms();
  auto det = encoders::detect(opts_.ffmpeg, opts_.work_dir, detect_deadlines());
  if (!det) {
    // A stand-in ffmpeg (tests) or a broken one: run with no encoders, so
    // only copy-mode streams can be placed here; say so loudly.
    agent_log()->warn("encoder_detection_failed error=\"{}\"", det.error());
  } else {
    detection_ = *det;
    log_detection(detection_);
  }
  agent_log()->info("encoders_detected usable={} ms={}", fmt::join(detection_.usable(), ","), clock::steady_ms() - t0);

  runner::RunConfig rc;
  rc.ffmpeg = opts_.ffmpeg;
  rc.work_dir = work->front();
  // ffprobe beside the ffmpeg we run, else on PATH; without it --mode auto transcodes.
  const auto dir = opts_.ffmpeg.substr(0, opts_.ffmpeg.rfind('/') + 1);
  if (::access((dir + "ffprobe").c_str(), X_OK) == 0) rc.ffprobe = dir + "ffprobe";
  else if (auto p = boost::process::search_path("ffprobe"); !p.empty()) rc.ffprobe = p.string();
  rc.host.encoders = detection_.usable();
  rc = with_settings(std::move(rc));

  link_ = std::make_unique<link::Link>(ctx_, opts_.controller, link::routing_id(opts_.name, instance_),
                                       keys ? &*keys : nullptr);
  link_->set_register_source([this] { return make_register(); });
  runner_ = std::make_unique<runner::Runner>(
      rc, proc_,
      [this](const proto::RunStarted& m) {
        metrics_.run_started(m.stream_id, m.attempt);
        link_->send_reliable(m);
      },
      [this](const proto::RunExited& m) {
        metrics_.run_ended(m.stream_id, m.attempt, m.reason);
        link_->send_reliable(m);
      });
  return Status::ok();
}

Result<confine::Policy> Agent::resolve_policy(const Options& o) const {
  auto media = host::resolve_roots(o.media_roots, "--media-root");
  if (!media) return media.status();
  auto output = host::resolve_roots(o.output_roots, "--output-root");
  if (!output) return output.status();
  confine::Policy p;
  p.media_roots = *media;
  p.output_roots = *output;
  p.protocols = o.protocols;
  return p;
}

encoders::Deadlines Agent::detect_deadlines() const {
  encoders::Deadlines d;
  d.test_ms = opts_.detect_timeout_ms;
  return d;
}

void Agent::log_detection(const encoders::Detection& d) const {
  for (const auto& c : d.candidates)
    if (c.listed) agent_log()->info("encoder name={} usable={} why=\"{}\"", c.name, c.works, c.why);
}

void Agent::start_redetect(const char* by, std::int64_t now) {
  if (redetect_) {
    agent_log()->info("redetect_requested by={} action=none why=already_running", by);
    return;
  }
  agent_log()->info("redetect_requested by={}", by);
  const std::string prefix = opts_.work_dir + "/.detect-" + std::to_string(::getpid()) + "-";
  redetect_ = std::make_unique<encoders::Detector>(opts_.ffmpeg, prefix, detect_deadlines());
  redetect_->start(now);
  redetect_started_ms_ = now;
  poll_redetect(now);  // a start that failed at once is done at once
}

void Agent::poll_redetect(std::int64_t now) {
  if (!redetect_ || !redetect_->poll(now)) return;
  const auto ms = now - redetect_started_ms_;
  auto det = redetect_->result();
  redetect_.reset();
  if (!det) {
    agent_log()->warn("redetect_failed error=\"{}\" action=keep_previous usable={} ms={}", det.error(),
                   fmt::join(detection_.usable(), ","), ms);
    return;
  }
  std::vector<std::string> late;
  for (const auto& c : det->candidates)
    if (c.timed_out) late.push_back(c.name);
  if (!late.empty())
    agent_log()->warn("redetect_timed_out encoders={} action=keep_previous_verdicts", fmt::join(late, ","));
  detection_ = encoders::keep_previous_when_timed_out(std::move(*det), detection_);
  log_detection(detection_);
  agent_log()->info("encoders_detected usable={} ms={}", fmt::join(detection_.usable(), ","), ms);
  runner_->set_encoders(detection_.usable());
  // A fresh Register carries the new list; the controller reconciles as usual.
  link_->reregister();
}

proto::Register Agent::make_register() const {
  proto::Register r;
  r.name = opts_.name;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  r.hostname = host;
  r.cpus = std::max(1u, std::thread::hardware_concurrency());
  r.mem_bytes = proc_.host().mem_total_bytes;
  r.ffmpeg_version = detection_.ffmpeg_version;
  r.max_streams = opts_.max_streams;
  r.encoders = detection_.usable();
  r.draining = draining_;
  r.runs = runner_->reports();
  r.agent_version = "0.1.0";
  r.instance = instance_;
  for (const auto& [vendor, n] : opts_.encoder_sessions) r.session_limits[vendor] = n;
  r.media_roots = policy_.media_roots;
  r.output_roots = policy_.output_roots;
  r.protocols = policy_.protocols;
  return r;
}

void Agent::log_state_counts() {
  const auto counts = std::make_pair(runner_->size(), link_->outbox_size());
  if (counts == last_counts_) return;
  last_counts_ = counts;
  // Per-stream state the agent holds; leak tests read this line.
  agent_log()->debug("state_counts runs={} outbox={}", counts.first, counts.second);
}

void Agent::send_heartbeat() {
  // The worst lag since the last heartbeat: the heartbeat is what it delays.
  const auto worst = lag_.take_worst();
  if (worst > 0) agent_log()->debug("loop_lag_worst ms={}", worst);
  proto::Heartbeat hb;
  hb.host = host_stats_;
  hb.host.loop_lag_ms = worst;  // `ffleet agent ls`, the dashboard
  hb.runs = runner_->reports();
  hb.draining = draining_;
  link_->send(hb);
}

void Agent::sample(std::int64_t now) {
  runner_->sample(now);
  const auto h = proc_.host();
  if (last_host_.total_ticks > 0 && h.total_ticks > last_host_.total_ticks)
    host_stats_.cpu_percent = 100.0 * static_cast<double>(h.busy_ticks - last_host_.busy_ticks) /
                              static_cast<double>(h.total_ticks - last_host_.total_ticks);
  last_host_ = h;
  host_stats_.mem_total_bytes = h.mem_total_bytes;
  host_stats_.mem_used_bytes = h.mem_total_bytes - h.mem_available_bytes;
  host_stats_.load1 = h.load1;
}

void Agent::begin_drain(std::int64_t now, bool exit_after) {
  exit_when_drained_ = exit_when_drained_ || exit_after;
  if (!draining_) agent_log()->info("drain_started streams={} exit_after={}", runner_->size(), exit_after);
  draining_ = true;
  if (exit_after) runner_->stop_all("drained", now);
  if (exit_after) notify_.stopping(service_status());
  if (link_->registered()) send_heartbeat();  // tell the controller at once
}

void Agent::on_signal(int sig, std::int64_t now) {
  if (sig == SIGHUP) {
    agent_log()->info("signal_received signal=SIGHUP action=reload_config,redetect_encoders");
    reload_config();
    start_redetect("SIGHUP", now);
  } else if (sig == SIGCHLD) {
    runner_->reap(clock::wall_ms());
  } else if (sig == SIGTERM || sig == SIGINT) {
    ++term_signals_;
    if (term_signals_ == 1) {
      agent_log()->info("signal_received signal={} action=drain", strsignal(sig));
      begin_drain(now, true);
    } else {
      agent_log()->warn("signal_received signal={} action=kill_remaining streams={}", strsignal(sig), runner_->size());
      runner_->kill_all();
    }
  }
}

std::int64_t Agent::next_deadline(std::int64_t now) const {
  std::int64_t d = now + 1000;  // never sleep longer than a second
  const std::int64_t redetect = redetect_ ? redetect_->next_deadline() : -1;
  for (std::int64_t x : {link_->next_deadline(), runner_->next_deadline(), next_sample_ms_, redetect,
                         notify_.next_deadline()})
    if (x >= 0) d = std::min(d, x);
  return d;
}

void Agent::one_turn(std::vector<zmq::pollitem_t>& items) {
  std::int64_t now = clock::steady_ms();
  items.clear();
  items.push_back({link_->socket().handle(), 0, ZMQ_POLLIN, 0});
  items.push_back({nullptr, signals::fd(), ZMQ_POLLIN, 0});
  runner_->add_poll_items(items);
  // A deadline already passed means "now": lag counts from when we asked.
  const std::int64_t wake_at = std::max(now, next_deadline(now));
  try {
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(wake_at - now));
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;
  }
  now = clock::steady_ms();
  const std::int64_t woke = now;
  metrics_.loop_lag_ms(woke - wake_at);
  if (lag_.note(woke - wake_at, woke))
    agent_log()->warn("loop_lag ms={} where=wake suppressed={}", woke - wake_at, lag_.take_suppressed());
  runner_->on_poll(items, 2, now);
  if (items[1].revents & ZMQ_POLLIN)
    for (int sig : signals::drain()) on_signal(sig, now);
  while (auto frames = zio::try_recv(link_->socket())) {
    auto parsed = wire::parse(std::move(*frames), false);
    if (auto* fe = std::get_if<wire::FrameError>(&parsed)) {
      agent_log()->warn("message_dropped from=controller error=\"{}\"", text::for_people(fe->message));
      if (fe->code == proto::err::kVersion) {
        agent_log()->error("protocol_mismatch error=\"{}\"", text::for_people(fe->message));
        exit_code_ = kExitVersion;
      }
      continue;
    }
    on_message(std::get<wire::Envelope>(parsed), now);
  }
  runner_->reap(clock::wall_ms());
  runner::reap_abandoned();
  poll_redetect(now);
  runner_->tick(now);
  if (now >= next_sample_ms_) {
    sample(now);
    next_sample_ms_ = now + opts_.resource_monitor_interval_ms;
  }
  link_->tick(now, [this] { send_heartbeat(); });
  log_state_counts();
  check_lease(now);
  check_drained(now);
  metrics_.publish(now, *runner_, host_stats_, {link_->registered(), draining_});
  const std::int64_t done = clock::steady_ms();
  notify_.tick(done, [this] { return service_status(); });
  if (lag_.note(done - woke, done))
    agent_log()->warn("loop_lag ms={} where=turn suppressed={}", done - woke, lag_.take_suppressed());
}

void Agent::check_lease(std::int64_t now) {
  // The lease: cut off from the controller for as long as it takes to call
  // us lost, the runs that must never run twice stop themselves, before the
  // controller may start them elsewhere (after the lease plus a margin).
  if (link_->silent_ms(now) > link_->timing().lost_after_ms) {
    if (!lease_expired_) {
      lease_expired_ = true;
      const int n = runner_->stop_fenced(now);
      agent_log()->warn("lease_expired silent_ms={} fenced_streams_stopped={}", link_->silent_ms(now), n);
    }
  } else {
    lease_expired_ = false;
  }
}

void Agent::check_drained(std::int64_t now) {
  if (!exit_when_drained_ || runner_->size() != 0) return;
  if (drained_at_ < 0) {
    drained_at_ = now;
    agent_log()->info("drain_done pending_reports={}", link_->outbox_size());
  }
  if (link_->outbox_size() == 0 || now - drained_at_ > kFlushAfterDrainMs) exit_code_ = kExitOk;
}

int Agent::run() {
  signals::install({SIGTERM, SIGINT, SIGCHLD, SIGHUP});
  agent_log()->info("agent_started name={} instance={} controller={} work_dir={} max_streams={} ffmpeg={}", opts_.name,
                 instance_, opts_.controller, opts_.work_dir, opts_.max_streams, opts_.ffmpeg);
  sample(clock::steady_ms());
  notify_.ready(service_status(), clock::steady_ms());  // encoders detected, the link connecting
  std::vector<zmq::pollitem_t> items;
  while (exit_code_ < 0) one_turn(items);
  // A re-detection still running dies with its Detector: no child is left.
  redetect_.reset();
  runner::reap_abandoned();
  agent_log()->info("agent_exit code={} unacknowledged_reports={}", exit_code_, link_->outbox_size());
  return exit_code_;
}

}  // namespace ffleet::agent
