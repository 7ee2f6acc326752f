// The stream lifecycle as a table: one row per (state, event) that does
// something, and a sweep of every state against every event that checks the
// rules every row keeps (an impossible event changes nothing; a refusal
// changes nothing; no transition leaves two runs alive or forgets a run).
#include "lifecycle/lifecycle.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ffleet::controller::lifecycle {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

StreamRow stream(State st, Desired d = Desired::kRunning) {
  StreamRow s;
  s.id = 7;
  s.name = "cam";
  s.owner = "alice";
  s.spec.inputs = {"in.mp4"};
  s.spec.outputs = {"null"};
  s.state = st;
  s.desired = d;
  if (st == State::kStarting || st == State::kRunning || st == State::kStopping) {
    s.agent = "a1";
    s.attempt = 3;
    s.pid = st == State::kStarting ? 0 : 4242;
  }
  return s;
}

Event ev(EventKind k, std::string agent = "a1", std::int64_t attempt = 3) {
  Event e;
  e.kind = k;
  e.agent = std::move(agent);
  e.attempt = attempt;
  return e;
}

bool has(const Outcome& o, CommandKind k) {
  return std::any_of(o.commands.begin(), o.commands.end(), [&](const Command& c) { return c.kind == k; });
}

Outcome step(const StreamRow& s, const Event& e) { return transition(s, e, kNow, Policy{}); }

struct Row {
  const char* what;
  StreamRow before;
  Event event;
  State after;
  std::vector<CommandKind> commands;  // in order
};

std::vector<Row> table() {
  auto exited = [](const char* reason, std::int64_t code, std::int64_t ran_ms) {
    Event e = ev(EventKind::kRunExited);
    e.reason = reason;
    e.exit_code = code;
    e.ran_ms = ran_ms;
    return e;
  };
  auto reported = [](std::string agent, std::int64_t attempt, bool stopping = false) {
    Event e = ev(EventKind::kRunReported, std::move(agent), attempt);
    e.pid = 4242;
    e.stopping = stopping;
    return e;
  };
  Event blocked = ev(EventKind::kStart);
  blocked.reason = "the global limit of 0 is reached";
  Event placed = ev(EventKind::kPlaced, "a2");
  Event full = ev(EventKind::kNoCapacity, "");
  full.reason = "a free agent";
  StreamRow scheduled = stream(State::kScheduled, Desired::kStopped);
  scheduled.next_start_ms = kNow - 1000;
  StreamRow ending = stream(State::kRunning);
  ending.stop_at_ms = kNow - 1;
  StreamRow held = stream(State::kPending);
  held.agent = "a1";
  held.attempt = 3;
  held.spec.on_host_lost = "fence";
  held.retry_at_ms = kNow - 1;
  StreamRow backing_off = stream(State::kPending);
  backing_off.retry_at_ms = kNow - 1;
  StreamRow waiting = stream(State::kRunning);
  waiting.spec.on_host_lost = "wait";
  StreamRow batch = stream(State::kRunning);
  batch.spec.batch = true;
  using C = CommandKind;
  return {
      {"start a stopped stream asks for a placement", stream(State::kStopped, Desired::kStopped), ev(EventKind::kStart),
       State::kStopped, {C::kPlace}},
      {"start a completed one too", stream(State::kCompleted, Desired::kStopped), ev(EventKind::kStart),
       State::kCompleted, {C::kPlace}},
      {"start while blocked by a limit is refused", stream(State::kStopped, Desired::kStopped), blocked,
       State::kStopped, {}},
      {"start a running stream changes nothing", stream(State::kRunning), ev(EventKind::kStart), State::kRunning, {}},
      {"start while stopping is refused", stream(State::kStopping, Desired::kStopped), ev(EventKind::kStart),
       State::kStopping, {}},
      {"placed: a new attempt starts there", stream(State::kStopped), placed, State::kStarting,
       {C::kNewRun, C::kStartRun}},
      {"no capacity: pending with the reason", stream(State::kStopped), full, State::kPending, {}},
      {"the agent says it started", stream(State::kStarting), [] {
         Event e = ev(EventKind::kRunStarted);
         e.pid = 99;
         return e;
       }(), State::kRunning, {C::kRunStarted}},
      {"a start report of another attempt is checked for fencing", stream(State::kRunning),
       ev(EventKind::kRunStarted, "a1", 2), State::kRunning, {C::kFenceCheck}},
      {"stop a running stream sends StopRun", stream(State::kRunning), ev(EventKind::kStop), State::kStopping,
       {C::kStopRun}},
      {"stop a starting stream sends StopRun", stream(State::kStarting), ev(EventKind::kStop), State::kStopping,
       {C::kStopRun}},
      {"stop a pending stream rests it", stream(State::kPending), ev(EventKind::kStop), State::kStopped, {}},
      {"stop a failed stream keeps the verdict", stream(State::kFailed, Desired::kStopped), ev(EventKind::kStop),
       State::kFailed, {}},
      {"remove a stopped stream", stream(State::kStopped, Desired::kStopped), ev(EventKind::kRemove), State::kStopped,
       {C::kDelete}},
      {"remove a running stream is refused", stream(State::kRunning), ev(EventKind::kRemove), State::kRunning, {}},
      {"exit 0 of a batch run completes it", batch, exited("exited", 0, 5000), State::kCompleted, {}},
      {"a live run that exits is retried later", stream(State::kRunning), exited("exited", 1, 100), State::kPending,
       {}},
      {"a run stopped by a person rests", stream(State::kStopping, Desired::kStopped), exited("stopped", 255, 100),
       State::kStopped, {}},
      {"a drained run moves at once, elsewhere", stream(State::kStopping), exited("drained", 255, 100),
       State::kPending, {C::kPlace}},
      {"an exit of another attempt is ignored", stream(State::kRunning), [] {
         Event e = ev(EventKind::kRunExited, "a1", 2);
         e.reason = "exited";
         return e;
       }(), State::kRunning, {}},
      {"agent lost: the run is recorded gone and placed elsewhere", stream(State::kRunning),
       ev(EventKind::kAgentLost), State::kPending, {C::kEndRun, C::kPlace}},
      {"agent lost, --on-host-lost wait: held for its host", waiting, ev(EventKind::kAgentLost), State::kPending, {}},
      {"lease expired: a fenced stream moves", held, ev(EventKind::kLeaseExpired), State::kPending,
       {C::kEndRun, C::kPlace}},
      {"the agent came back without a running run", stream(State::kRunning), ev(EventKind::kRunMissing),
       State::kPending, {C::kEndRun, C::kPlace}},
      {"the agent came back without a starting run: StartRun again", stream(State::kStarting),
       ev(EventKind::kRunMissing), State::kStarting, {C::kStartRun}},
      {"a reported run we lost sight of is adopted", [] {
         StreamRow s = stream(State::kPending);
         s.agent = "a1";
         s.attempt = 3;
         return s;
       }(), reported("a1", 3), State::kRunning, {C::kRunAdopted}},
      {"a reported stale attempt is fenced", stream(State::kRunning), reported("a1", 2), State::kRunning,
       {C::kStopRun}},
      {"a reported run of a stopped stream is fenced", stream(State::kStopped, Desired::kStopped), reported("a1", 3),
       State::kStopped, {C::kStopRun}},
      {"a run on its way out while held is left alone", held, reported("a1", 3, true), State::kPending, {}},
      {"drain moves a running stream", stream(State::kRunning), ev(EventKind::kDrain), State::kStopping,
       {C::kStopRun}},
      {"drain leaves a --on-host-lost wait stream", waiting, ev(EventKind::kDrain), State::kRunning, {}},
      {"a schedule that is due asks for a placement", scheduled, ev(EventKind::kScheduleDue), State::kScheduled,
       {C::kPlace}},
      {"the end time stops a running stream", ending, ev(EventKind::kEndTime), State::kStopping, {C::kStopRun}},
      {"a backoff that is over asks for a placement", backing_off, ev(EventKind::kRetryDue), State::kPending,
       {C::kPlace}},
  };
}

TEST(Lifecycle, Table) {
  for (const auto& r : table()) {
    SCOPED_TRACE(r.what);
    const auto o = step(r.before, r.event);
    EXPECT_EQ(o.row.state, r.after) << to_string(o.row.state);
    std::vector<CommandKind> got;
    for (const auto& c : o.commands) got.push_back(c.kind);
    EXPECT_EQ(got, r.commands);
  }
}

TEST(Lifecycle, RefusalsChangeNothing) {
  for (const auto& r : table()) {
    const auto o = step(r.before, r.event);
    if (o.refusal.empty()) continue;
    SCOPED_TRACE(r.what);
    EXPECT_FALSE(o.changed);
    EXPECT_TRUE(o.commands.empty());
    EXPECT_EQ(o.row.state, r.before.state);
  }
}

// Every state against every event: the rules no transition may break.
TEST(Lifecycle, EveryStateAgainstEveryEvent) {
  for (State st : kAllStates) {
    for (Desired d : {Desired::kStopped, Desired::kRunning}) {
      for (EventKind k : kAllEvents) {
        const StreamRow before = stream(st, d);
        Event e = ev(k, k == EventKind::kPlaced ? "a2" : "a1");
        if (k == EventKind::kNoCapacity) e.reason = "a free agent";
        const auto o = step(before, e);
        SCOPED_TRACE(std::string(to_string(st)) + "/" + std::string(to_string(d)) + " + " + std::string(to_string(k)));
        if (o.ignored || !o.refusal.empty()) {
          // An impossible or refused event changes nothing at all.
          EXPECT_FALSE(o.changed);
          EXPECT_TRUE(o.commands.empty());
          EXPECT_EQ(o.row.state, before.state);
          EXPECT_EQ(o.row.attempt, before.attempt);
          continue;
        }
        // A new attempt only from kPlaced, and only when no process is held:
        // never two runs of one stream.
        if (o.row.attempt != before.attempt) {
          EXPECT_EQ(k, EventKind::kPlaced);
          EXPECT_FALSE(before.holds_process());
          EXPECT_EQ(o.row.attempt, before.attempt + 1);
        }
        // A run that held a process and no longer does was stopped, ended
        // (its exit recorded by the loop), or recorded as gone.
        if (before.holds_process() && !o.row.holds_process() && o.row.agent != before.agent) {
          const bool accounted = k == EventKind::kRunExited || has(o, CommandKind::kEndRun);
          EXPECT_TRUE(accounted);
        }
        // A stream nobody wants running never asks for a placement.
        if (o.row.desired == Desired::kStopped) {
          EXPECT_FALSE(has(o, CommandKind::kPlace));
        }
        // A row that changed says when.
        if (o.changed) {
          EXPECT_EQ(o.row.updated_at_ms, kNow);
        }
        // Every state name round-trips (the database and the CLI use them).
        EXPECT_EQ(parse_state(to_string(o.row.state)), o.row.state);
      }
    }
  }
}

// The loop skips a heartbeat's report without calling transition() when
// report_changes_nothing says so: it must say so only where transition()
// indeed changes and commands nothing.
TEST(Lifecycle, AReportSkippedByTheLoopIsOneTransitionIgnores) {
  int skipped = 0;
  for (State st : kAllStates) {
    for (Desired d : {Desired::kStopped, Desired::kRunning}) {
      for (const char* agent : {"a1", "a2"}) {
        for (std::int64_t attempt : {2, 3}) {
          for (std::int64_t pid : {0, 4242, 99}) {
            for (bool stopping : {false, true}) {
              const StreamRow before = stream(st, d);
              Event e = ev(EventKind::kRunReported, agent, attempt);
              e.pid = pid;
              e.stopping = stopping;
              if (!report_changes_nothing(before, e)) continue;
              ++skipped;
              SCOPED_TRACE(std::string(to_string(st)) + " " + agent + " " + std::to_string(attempt));
              const auto o = step(before, e);
              EXPECT_FALSE(o.changed);
              EXPECT_TRUE(o.commands.empty());
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(skipped, 2);  // running, wanted, same agent, attempt and pid; stopping or not
}

TEST(Lifecycle, RetryDelayGrowsAndIsBounded) {
  Policy p;
  StreamRow s = stream(State::kRunning);
  std::vector<std::int64_t> delays;
  for (int i = 0; i < 4; ++i) {
    Event e = ev(EventKind::kRunExited, "a1", s.attempt);
    e.reason = "exited";
    e.exit_code = 1;
    e.ran_ms = 100;
    s.agent = "a1";
    s.state = State::kRunning;
    const auto o = transition(s, e, kNow, p);
    ASSERT_EQ(o.row.state, State::kPending);
    delays.push_back(o.row.retry_at_ms - kNow);
    s = o.row;
  }
  EXPECT_EQ(delays, (std::vector<std::int64_t>{2000, 4000, 8000, 16000}));
}

TEST(Lifecycle, FencedStreamWaitsForTheLeaseBeforeMoving) {
  StreamRow s = stream(State::kRunning);
  s.spec.on_host_lost = "fence";
  Policy p;
  p.fence_margin_ms = 7000;
  auto lost = transition(s, ev(EventKind::kAgentLost), kNow, p);
  EXPECT_EQ(lost.row.state, State::kPending);
  EXPECT_EQ(lost.row.agent, "a1");  // still held: same agent, same attempt
  EXPECT_EQ(lost.row.retry_at_ms, kNow + 7000);
  EXPECT_TRUE(transition(lost.row, ev(EventKind::kLeaseExpired), kNow + 6999, p).ignored);
  auto moved = transition(lost.row, ev(EventKind::kLeaseExpired), kNow + 7000, p);
  EXPECT_EQ(moved.row.agent, "");
  EXPECT_EQ(moved.row.avoid_agent, "a1");
}

}  // namespace
}  // namespace ffleet::controller::lifecycle
