// The schedule, driven from the database: each tick starts the scheduled
// streams whose time has come and stops those whose occurrence has ended.
// There are no in-memory timers, so none can outlive its stream: removing,
// rescheduling or stopping a stream changes its row, and that is all.
#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/timeparse.hpp"
#include "ffleet/common/text.hpp"
#include "loop/controller.hpp"
#include "loop/replies.hpp"
#include "schedule/schedule.hpp"

namespace ffleet::controller {
namespace {
auto scheduling_log() {
  static auto l = log::get("controller.schedule");
  return l;
}
}  // namespace

void Controller::fire_schedules(std::int64_t now) {
  for (auto& s : store_.streams_due_to_start(now)) {
    lifecycle::Event e;
    e.kind = lifecycle::EventKind::kScheduleDue;
    if (Status blocked = start_blocker(s); !blocked) e.reason = blocked.message();
    scheduling_log()->info("scheduled_start stream={} occurrence={} delay_ms={}", s.id, timeparse::iso_utc(s.next_start_ms),
                   now - s.next_start_ms);
    metrics_.schedule_delay_ms(now - s.next_start_ms);
    apply(s, e);
  }
  for (auto& s : store_.streams_due_to_stop(now)) {
    scheduling_log()->info("scheduled_stop stream={} end={}", s.id, timeparse::iso_utc(s.stop_at_ms));
    lifecycle::Event e;
    e.kind = lifecycle::EventKind::kEndTime;
    apply(s, e);
  }
}

proto::Reply Controller::stream_schedule(const auth::Caller& c, const proto::StreamSchedule& m) {
  auto s = store_.find_stream(m.ref);
  if (!s) return no_stream(m.ref);
  if (Status st = auth::may(c, auth::Act::kStreamChange, s->owner); !st)
    return refuse(c, "stream schedule " + s->name, st);
  const std::int64_t now = clock::wall_ms();
  proto::StreamSpec spec = s->spec;
  spec.start_at_ms = m.clear ? 0 : m.start_at_ms;
  spec.end_at_ms = m.clear ? 0 : m.end_at_ms;
  spec.duration_ms = m.clear ? 0 : m.duration_ms;
  spec.repeat = m.clear ? "" : m.repeat;
  if (Status st = schedule::validate(spec, now); !st) return fail(proto::code::kInvalid, st.message());
  s->spec = spec;
  auto rule = schedule::parse_repeat(spec.repeat);
  const bool live = s->desired == Desired::kRunning;
  // The next start: the new start time if it is still ahead, else the next
  // repetition after now.
  s->next_start_ms = schedule::first_start(spec, now);
  // A live occurrence is this one: the next start comes after it.
  if (live && s->next_start_ms > 0 && s->next_start_ms <= now)
    s->next_start_ms = rule ? schedule::next_occurrence(spec.start_at_ms, *rule, now) : 0;
  if (live) {
    // The live occurrence ends by the new rule; past that, it stops now.
    const auto run = store_.run(s->id, s->attempt);
    const std::int64_t began = run && run->started_at_ms > 0 ? run->started_at_ms : now;
    const std::int64_t end = spec.duration_ms > 0 ? began + spec.duration_ms : spec.end_at_ms;
    s->stop_at_ms = end;
  } else if (s->state == State::kStopped || s->state == State::kScheduled || s->state == State::kCompleted ||
             s->state == State::kFailed) {
    s->state = s->next_start_ms > 0 ? State::kScheduled : State::kStopped;
  }
  s->updated_at_ms = now;
  if (Status st = store_.update_stream(*s); !st) return fail(proto::code::kStore, "cannot store the change: " + st.message());
  scheduling_log()->info("schedule_changed stream={} next_start={} stop_at={}", s->id,
                 s->next_start_ms > 0 ? timeparse::iso_utc(s->next_start_ms) : "-",
                 s->stop_at_ms > 0 ? timeparse::iso_utc(s->stop_at_ms) : "-");
  proto::Reply r;
  emit_stream(*s);
  r.streams.push_back(view(*s, false));
  return r;
}

}  // namespace ffleet::controller
