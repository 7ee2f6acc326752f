"""The pending queue: a slot freed by a run that ends goes to the next stream in
the queue in the same loop turn, not at the next timer tick (the controller's
timers run every 250 ms: short batch jobs lost up to that much per job)."""
import datetime
import re
import unittest

from harness import Cluster, main, wait_until

JOBS = 8
LINE = re.compile(r"^(\S+) \S+\s+\S+ (run_placed|run_ended) stream=(\d+)")


def events(log):
    """(time in s, kind, stream id) of run_placed and run_ended lines, in order."""
    out = []
    for line in log.splitlines():
        m = LINE.match(line)
        if m:
            t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
            out.append((t, m.group(2), int(m.group(3))))
    return out


class Queue(unittest.TestCase):
    def test_a_freed_slot_is_filled_in_the_same_turn(self):
        with Cluster("queue") as c:
            c.start_controller()
            c.start_agent("a1", max_streams=1)
            c.wait_agent("a1")
            for i in range(JOBS):
                c.add_stream(f"b{i}", "--batch", "--mode", "transcode", "--input-format", "lavfi", "--input",
                             "testsrc2=size=160x120:rate=25:duration=0.4", "--output", c.path(f"b{i}.mp4"))
            for i in range(JOBS):
                c.cli("stream", "start", f"b{i}")
            # One slot: one job runs, the others wait their turn, in order.
            wait_until(lambda: all(s["state"] == "completed" for s in c.streams()), 120,
                       "every job to complete, one after the other")
            ev = events(c.controller.text())
            placed = [(t, sid) for t, kind, sid in ev if kind == "run_placed"]
            self.assertEqual([sid for _, sid in placed], list(range(1, JOBS + 1)), "first come, first served")
            gaps = []
            for t, sid in placed[1:]:
                ended = [te for te, kind, _ in ev if kind == "run_ended" and te <= t]
                self.assertTrue(ended, f"stream {sid} placed before any run ended: the slot was not free")
                gaps.append(t - ended[-1])
            print(f"measure freed_slot_to_placed_ms={[round(g * 1000) for g in gaps]}")
            # In the same turn, the two log lines are a few ms apart (the
            # turn's other work between them is bounded by its 50 ms budget for
            # clients); waiting for the tick puts 0-250 ms between them, and
            # seven gaps all under 120 ms by chance is a 0.6% event.
            self.assertLess(max(gaps), 0.120, f"a freed slot waited for the timer: gaps {gaps}")


if __name__ == "__main__":
    main()
