// The schedule, driven from the database: each tick starts the scheduled
// streams whose time has come and stops those whose occurrence has ended.
// There are no in-memory timers, so none can outlive its stream: removing,
// rescheduling or stopping a stream changes its row, and that is all.
#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/timeparse.hpp"
#include "loop/controller.hpp"
#include "loop/replies.hpp"
#include "schedule/schedule.hpp"

namespace ffleet::controller {
namespace {
auto logger() {
  static auto l = log::get("controller.schedule");
  return l;
}
}  // namespace

void Controller::fire_schedules(std::int64_t now) {
  for (auto& s : store_.streams_due_to_start(now)) {
    const std::int64_t occ = s.next_start_ms;
    const std::int64_t end = schedule::occurrence_end(s.spec, occ);
    auto rule = schedule::parse_repeat(s.spec.repeat);
    s.next_start_ms = rule ? schedule::next_occurrence(s.spec.start_at_ms, *rule, std::max(occ, now)) : 0;
    if (end > 0 && end <= now) {
      // Its whole window passed while we were down: record it, never run it late.
      const std::string detail = "window " + timeparse::iso_utc(occ) + " to " + timeparse::iso_utc(end) +
                                 " passed while the controller was down";
      (void)store_.log_schedule({s.id, occ, "missed", detail, now});
      logger()->warn("start_missed stream={} occurrence={} {}", s.id, timeparse::iso_utc(occ), detail);
      rest(s);
      s.last_error = "missed start at " + timeparse::iso_utc(occ);
      if (Status st = save(s); !st) logger()->error("store_failed op=schedule stream={} error=\"{}\"", s.id, st.message());
      continue;
    }
    if (now - occ > opts_.late_start_ms)
      (void)store_.log_schedule({s.id, occ, "started_late", "started " + std::to_string((now - occ) / 1000) + " s late", now});
    s.stop_at_ms = end;
    s.retries = 0;
    logger()->info("scheduled_start stream={} occurrence={} delay_ms={} ends={} next={}", s.id, timeparse::iso_utc(occ),
                   now - occ, end > 0 ? timeparse::iso_utc(end) : "-",
                   s.next_start_ms > 0 ? timeparse::iso_utc(s.next_start_ms) : "-");
    std::string unused;
    if (Status st = want_running(s, /*manual=*/false, unused); !st)
      logger()->error("store_failed op=schedule stream={} error=\"{}\"", s.id, st.message());
  }
  for (auto& s : store_.streams_due_to_stop(now)) {
    logger()->info("scheduled_stop stream={} end={}", s.id, timeparse::iso_utc(s.stop_at_ms));
    if (Status st = stop_wanted(s, "end_time"); !st) throw store::Unavailable(st.message());
  }
}

proto::Reply Controller::stream_schedule(const proto::StreamSchedule& m) {
  auto s = store_.find_stream(m.ref);
  if (!s) return fail("no stream " + m.ref);
  const std::int64_t now = clock::wall_ms();
  proto::StreamSpec spec = s->spec;
  spec.start_at_ms = m.clear ? 0 : m.start_at_ms;
  spec.end_at_ms = m.clear ? 0 : m.end_at_ms;
  spec.duration_ms = m.clear ? 0 : m.duration_ms;
  spec.repeat = m.clear ? "" : m.repeat;
  if (Status st = schedule::validate(spec, now); !st) return fail(st.message());
  s->spec = spec;
  auto rule = schedule::parse_repeat(spec.repeat);
  const bool live = s->desired == "running";
  // The next start: the new start time if it is still ahead, else the next
  // repetition after now.
  s->next_start_ms = 0;
  if (spec.start_at_ms > now) s->next_start_ms = spec.start_at_ms;
  else if (rule) s->next_start_ms = schedule::next_occurrence(spec.start_at_ms, *rule, now);
  if (live) {
    // The live occurrence ends by the new rule; past that, it stops now.
    const auto run = store_.run(s->id, s->attempt);
    const std::int64_t began = run && run->started_at_ms > 0 ? run->started_at_ms : now;
    const std::int64_t end = spec.duration_ms > 0 ? began + spec.duration_ms : spec.end_at_ms;
    s->stop_at_ms = end;
  } else if (s->state == state::kStopped || s->state == state::kScheduled || s->state == state::kCompleted ||
             s->state == state::kFailed) {
    s->state = s->next_start_ms > 0 ? state::kScheduled : state::kStopped;
  }
  if (Status st = save(*s); !st) return fail("cannot store the change: " + st.message());
  logger()->info("schedule_changed stream={} next_start={} stop_at={}", s->id,
                 s->next_start_ms > 0 ? timeparse::iso_utc(s->next_start_ms) : "-",
                 s->stop_at_ms > 0 ? timeparse::iso_utc(s->stop_at_ms) : "-");
  proto::Reply r;
  r.streams.push_back(view(*s, false));
  return r;
}

}  // namespace ffleet::controller
