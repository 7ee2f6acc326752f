"""The end-to-end path: a real ffmpeg started on an agent by `ffleet stream start`,
seen running with a live pid, stopped, and gone."""
import os
import time
import unittest

from harness import Cluster, main, pid_alive, cmdline, wait_until

CONTRACT_STREAM_FIELDS = {"id", "name", "owner", "state", "agent", "pid", "encoder", "attempt", "cpu_percent",
                          "rss_bytes", "fps", "speed", "last_error"}
CONTRACT_AGENT_FIELDS = {"name", "state", "streams", "max_streams", "encoders", "cpu_percent", "last_seen"}


class Foundation(unittest.TestCase):
    def test_lavfi_stream_runs_on_agent_and_stops(self):
        with Cluster("foundation") as c:
            c.start_controller()
            c.start_agent("a1", env={"RESOURCE_MONITOR_INTERVAL_MS": "500"})
            agent = c.wait_agent("a1")
            self.assertIn("libx264", agent["encoders"])
            self.assertEqual(agent["streams"], 0)

            out = c.path("s1.ts")
            sid = c.add_lavfi("s1", out, "--mode", "transcode", user="alice")
            self.assertIsInstance(sid, int)
            self.assertEqual(c.stream("s1")["state"], "stopped")

            t0 = time.monotonic()
            c.cli("stream", "start", "s1")
            s = c.wait_state("s1", "running")
            pid = s["pid"]
            wait_until(lambda: pid_alive(pid), 10, "ffmpeg pid to be alive")
            start_ms = (time.monotonic() - t0) * 1000
            self.assertIn("ffmpeg", cmdline(pid))
            self.assertEqual(s["agent"], "a1")
            self.assertEqual(s["owner"], "alice")
            self.assertEqual(s["attempt"], 1)
            self.assertEqual(s["encoder"], "libx264")
            # The output really grows: ffmpeg is working, not just alive.
            wait_until(lambda: os.path.exists(out) and os.path.getsize(out) > 10000, 10, "output to grow")
            # ffmpeg's progress and the /proc sample reach the CLI.
            s = wait_until(lambda: (lambda v: v if v["fps"] > 0 and v["rss_bytes"] > 0 else None)(c.stream("s1")),
                           15, "fps and rss in stream show")
            self.assertGreater(s["speed"], 0)

            listed = c.streams()
            self.assertEqual(len(listed), 1)
            self.assertTrue(CONTRACT_STREAM_FIELDS <= set(listed[0]), set(listed[0]))
            agents = c.agent_list()
            self.assertTrue(CONTRACT_AGENT_FIELDS <= set(agents[0]), set(agents[0]))
            self.assertEqual(agents[0]["streams"], 1)

            t1 = time.monotonic()
            c.cli("stream", "stop", "s1")
            wait_until(lambda: not pid_alive(pid), 10, "ffmpeg to exit after stop")
            stop_ms = (time.monotonic() - t1) * 1000
            s = c.wait_state("s1", "stopped")
            self.assertIsNone(s["pid"])
            self.assertEqual(s["runs"][0]["reason"], "stopped")
            self.assertEqual(s["runs"][0]["pid"], pid)
            print(f"measure start_to_pid_ms={start_ms:.0f} stop_to_gone_ms={stop_ms:.0f}")

            c.cli("stream", "rm", "s1")
            r = c.cli("stream", "show", "s1", check=False)
            self.assertNotEqual(r.returncode, 0)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("no stream s1", r.stderr)
            self.assertEqual(c.streams(), [])

    def test_logs_come_from_the_agent(self):
        with Cluster("logs") as c:
            c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            c.add_lavfi("s1", c.path("s1.ts"))
            c.cli("stream", "start", "s1")
            c.wait_state("s1", "running")
            # ffmpeg's banner-free info output names the encoder it opened.
            lines = wait_until(lambda: (lambda r: r["lines"] if any("libx264" in l for l in r["lines"]) else None)(
                c.cli("stream", "logs", "s1", "--tail", "100")), 10, "stderr lines from the agent")
            self.assertLessEqual(len(c.cli("stream", "logs", "s1", "--tail", "2")["lines"]), 2)
            self.assertTrue(lines)
            c.cli("stream", "stop", "s1")
            c.wait_state("s1", "stopped")
            # After the run, its stored tail is served.
            self.assertTrue(c.cli("stream", "logs", "s1")["lines"])

    def test_rm_of_a_live_stream_is_refused_and_changes_nothing(self):
        with Cluster("rm") as c:
            c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            c.add_lavfi("s1", c.path("s1.ts"))
            c.cli("stream", "start", "s1")
            pid = c.wait_state("s1", "running")["pid"]
            r = c.cli("stream", "rm", "s1", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("stop it before removing it", r.stderr)
            self.assertEqual(c.stream("s1")["state"], "running")
            self.assertTrue(pid_alive(pid))


if __name__ == "__main__":
    main()
