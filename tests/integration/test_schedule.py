"""The schedule: start and end at their times, survive a controller SIGKILL,
and record a start whose window passed while the controller was down."""
import os
import re
import signal
import sqlite3
import time
import unittest

from harness import STANDINS, Cluster, main, pid_alive, wait_until


class Schedule(unittest.TestCase):
    def test_scheduled_stream_starts_and_stops_on_time(self):
        with Cluster("sched") as c:
            c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            c.add_lavfi("news", c.path("news.ts"), "--start-at", "+3s", "--duration", "3s")
            s = c.stream("news")
            self.assertEqual(s["state"], "scheduled")
            self.assertIsNotNone(s["next_start"])
            s = c.wait_state("news", "running", timeout=15)
            pid = s["pid"]
            self.assertIsNotNone(s["ends_at"])
            c.wait_state("news", "stopped", timeout=15)
            self.assertFalse(pid_alive(pid))
            m = re.search(r"scheduled_start stream=1 occurrence=\S+ delay_ms=(\d+)", c.controller.text())
            self.assertIsNotNone(m)
            print(f"measure scheduled_to_start_decision_ms={m.group(1)}")

    def test_schedule_survives_controller_sigkill_and_missed_windows_are_recorded(self):
        with Cluster("sched-kill") as c:
            c.start_controller()
            c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "exits-on-term-ffmpeg"))
            c.wait_agent("a1")
            # Due while the controller is down, window still open: fires at once.
            c.add_stream("late", "--input", "a", "--output", c.path("late.ts"), "--mode", "copy",
                         "--start-at", "+2s", "--duration", "60s")
            # Whole window passes while the controller is down: recorded as missed.
            c.add_stream("gone", "--input", "b", "--output", c.path("gone.ts"), "--mode", "copy",
                         "--start-at", "+1s", "--duration", "1s")
            c.controller.stop(signal.SIGKILL)
            time.sleep(3.5)  # the controller is down across both start times
            c.start_controller()
            s = c.wait_state("late", "running", timeout=15)
            self.assertIsNotNone(s["ends_at"])
            g = c.wait_state("gone", "stopped", timeout=15)
            self.assertIn("missed start", g["last_error"])
            self.assertTrue(any(n.startswith("missed") for n in g["schedule_notes"]))
            self.assertEqual(g["runs"], [])
            # It started as soon as the controller was back, late by the outage.
            m = re.search(r"scheduled_start stream=1 occurrence=\S+ delay_ms=(\d+)", c.controller.text())
            self.assertIsNotNone(m)
            self.assertGreater(int(m.group(1)), 1000)

    def test_stop_and_rm_leave_no_schedule_behind(self):
        with Cluster("sched-cancel") as c:
            c.start_controller()
            for i in range(20):
                c.add_stream(f"s{i}", "--input", "a", "--output", c.path(f"{i}.ts"), "--mode", "copy",
                             "--start-at", "+1h", "--duration", "10m", "--repeat", "daily")
            for i in range(0, 20, 2):
                c.cli("stream", "stop", f"s{i}")
            for i in range(1, 20, 2):
                c.cli("stream", "rm", f"s{i}")
            with sqlite3.connect(c.db) as con:
                left = con.execute("SELECT COUNT(*) FROM streams WHERE next_start_ms > 0 OR stop_at_ms > 0").fetchone()[0]
            self.assertEqual(left, 0)
            self.assertEqual({s["state"] for s in c.streams()}, {"stopped"})

    def test_editing_the_schedule_of_a_live_run(self):
        with Cluster("sched-edit") as c:
            c.start_controller()
            c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "exits-on-term-ffmpeg"))
            c.wait_agent("a1")
            c.add_stream("s1", "--input", "a", "--output", c.path("o.ts"), "--mode", "copy")
            c.cli("stream", "start", "s1")
            pid = c.wait_state("s1", "running")["pid"]
            # A new end time applies to the live run: it stops then.
            c.cli("stream", "schedule", "s1", "--end-at", "+2s")
            self.assertEqual(c.stream("s1")["state"], "running")
            c.wait_state("s1", "stopped", timeout=10)
            self.assertFalse(pid_alive(pid))
            # Clearing a schedule of a live run leaves the run alone.
            c.cli("stream", "schedule", "s1", "--start-at", "+1h", "--duration", "5m", "--repeat", "daily")
            self.assertEqual(c.stream("s1")["state"], "scheduled")
            c.cli("stream", "schedule", "s1", "--clear")
            self.assertEqual(c.stream("s1")["state"], "stopped")


if __name__ == "__main__":
    main()
