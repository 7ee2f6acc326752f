"""One lavfi stream end to end: added, started on the one agent as a real ffmpeg
that writes a growing file, listed with the Contract's fields, stopped, removed."""
import os
import time
import unittest

from ffleet_fixture import Cluster, cmdline, lavfi, pid_alive, wait_until

STREAM_FIELDS = {"id", "name", "owner", "state", "agent", "pid", "encoder", "attempt",
                 "cpu_percent", "rss_bytes", "fps", "speed", "last_error"}
AGENT_FIELDS = {"name", "state", "streams", "max_streams", "encoders", "cpu_percent", "last_seen"}


class LavfiStream(unittest.TestCase):
    def test_start_run_stop_remove(self):
        with Cluster() as c:
            c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            out = c.path("out-s1.ts")
            sid = c.stream_add("s1", *lavfi(), "--output", out, "--mode", "transcode")
            self.assertIsInstance(sid, int)

            c.cli("stream", "start", "s1")
            t_started = time.monotonic()
            # `stream show` may lag the real start: poll until it names a live pid.
            s = wait_until(lambda: (lambda s: s if s["state"] == "running" and pid_alive(s["pid"]) else None)(
                c.stream("s1")), 20, what="s1 running with a live pid")
            start_to_pid_ms = (time.monotonic() - t_started) * 1000
            pid = s["pid"]
            self.assertIn("ffmpeg", cmdline(pid))
            self.assertEqual(s["agent"], "a1")

            # Alive is not enough: ffmpeg must be writing.
            size0 = wait_until(lambda: os.path.exists(out) and os.path.getsize(out), 10, what="output file to appear")
            wait_until(lambda: os.path.getsize(out) > size0, 10, what="output file to grow")

            listed = c.streams()
            self.assertEqual([x["name"] for x in listed], ["s1"])
            self.assertLessEqual(STREAM_FIELDS, set(listed[0]), listed[0])
            agents = c.agents()
            self.assertEqual(len(agents), 1, agents)
            self.assertLessEqual(AGENT_FIELDS, set(agents[0]), agents[0])
            self.assertEqual(agents[0]["name"], "a1")
            self.assertEqual(agents[0]["state"], "ready")
            self.assertEqual(agents[0]["streams"], 1)

            c.cli("stream", "stop", "s1")
            t_stopped = time.monotonic()
            wait_until(lambda: not pid_alive(pid), 10, what=f"ffmpeg pid {pid} to exit after stop")
            stop_to_gone_ms = (time.monotonic() - t_stopped) * 1000
            c.wait_state("s1", "stopped")
            print(f"measure start_to_pid_ms={start_to_pid_ms:.0f} stop_to_gone_ms={stop_to_gone_ms:.0f}")

            c.cli("stream", "rm", "s1")
            r = c.cli("stream", "show", "s1", json=False, check=False)
            self.assertNotEqual(r.returncode, 0)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
