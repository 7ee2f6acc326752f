"""Retries with exponential backoff, completion, and a user's stop that is
never retried whatever ffmpeg's exit code."""
import os
import sqlite3
import unittest

from harness import STANDINS, Cluster, main, pid_alive, wait_until

FAST_RETRIES = {"FFLEET_RETRY_BASE_MS": "300", "FFLEET_RETRY_CAP_MS": "1000", "FFLEET_RETRY_MAX": "3"}


def retry_state_rows(db):
    """Streams that keep retry bookkeeping although they are not waiting to run."""
    with sqlite3.connect(db) as con:
        return con.execute("SELECT id, state, retries, retry_at_ms FROM streams WHERE (retries > 0 OR "
                           "retry_at_ms > 0 OR avoid_agent != '') AND state != 'pending'").fetchall()


class Retries(unittest.TestCase):
    def test_failing_run_is_retried_with_backoff_then_failed(self):
        with Cluster("retry") as c:
            c.start_controller(env=FAST_RETRIES)
            c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "failing-ffmpeg"))
            c.wait_agent("a1")
            c.add_stream("f1", "--input", "in.mp4", "--output", c.path("o.ts"), "--mode", "copy")
            c.cli("stream", "start", "f1")
            s = c.wait_state("f1", "failed", timeout=30)
            runs = s["runs"]
            self.assertEqual(len(runs), 4)  # the first run and 3 retries
            self.assertEqual(s["last_error"], "standin: Connection refused")
            for r in runs:
                self.assertEqual(r["exit_code"], 1)
                self.assertEqual(r["reason"], "exited")
            # `stream show` carries the stderr tail of the latest run only.
            self.assertIn("standin: Connection refused", runs[-1]["stderr_tail"])
            # Placed again 300 ms, 600 ms, 1000 ms (capped) after each failure:
            # the delays themselves, from the run history's millisecond times
            # (the agent's end of one run to the controller's placement of the
            # next; the pending queue is looked at every 250 ms).
            log = c.controller.text()
            self.assertEqual(log.count("run_placed stream=1 "), 4)
            with sqlite3.connect(c.db) as con:
                times = con.execute("SELECT requested_at_ms, ended_at_ms FROM runs WHERE stream_id=1 "
                                    "ORDER BY attempt").fetchall()
            delays = [times[i + 1][0] - times[i][1] for i in range(3)]
            for got, want in zip(delays, (300, 600, 1000)):
                self.assertGreaterEqual(got, want - 20, delays)
                self.assertLess(got, want + 800, delays)
            self.assertEqual(retry_state_rows(c.db), [])

    def test_exit_zero_completes_and_is_not_retried(self):
        with Cluster("complete") as c:
            c.start_controller(env=FAST_RETRIES)
            c.start_agent("a1")
            c.wait_agent("a1")
            c.add_stream("job", "--input-format", "lavfi", "--input", "testsrc2=size=320x240:rate=25:duration=2",
                         "--output", c.path("job.mp4"), "--batch")
            c.cli("stream", "start", "job")
            s = c.wait_state("job", "completed", timeout=30)
            self.assertEqual(len(s["runs"]), 1)
            self.assertEqual(s["runs"][0]["exit_code"], 0)
            self.assertGreater(os.path.getsize(c.path("job.mp4")), 1000)

    def test_user_stop_is_never_retried_even_with_a_late_nonzero_exit(self):
        with Cluster("userstop") as c:
            c.start_controller(env=FAST_RETRIES)
            # Exits 1 (not 255) on SIGTERM, 700 ms late: still a stop, not a failure.
            c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "exits-on-term-ffmpeg"),
                          env={"STANDIN_TERM_DELAY": "0.7"})
            c.wait_agent("a1")
            c.add_stream("s1", "--input", "in.mp4", "--output", c.path("o.ts"), "--mode", "copy")
            for cycle in range(1, 6):
                c.cli("stream", "start", "s1")
                pid = c.wait_state("s1", "running")["pid"]
                c.cli("stream", "stop", "s1")
                wait_until(lambda: not pid_alive(pid), 10, "the stand-in to exit")
                s = c.wait_state("s1", "stopped")
                self.assertEqual(s["attempt"], cycle)
                self.assertEqual(s["runs"][-1]["exit_code"], 1)
                self.assertEqual(s["runs"][-1]["reason"], "stopped")
            self.assertEqual(len(c.stream("s1")["runs"]), 5)
            self.assertEqual(retry_state_rows(c.db), [])
            self.assertNotIn("run_placed stream=1 run=6", c.controller.text())


if __name__ == "__main__":
    main()
