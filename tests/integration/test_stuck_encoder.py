"""An ffmpeg that ignores SIGTERM is killed with SIGKILL after FORCE_KILL_TIMEOUT_MS."""
import os
import time
import unittest

from harness import STANDINS, Cluster, main, pid_alive, wait_until


class StuckEncoder(unittest.TestCase):
    def test_sigkill_after_the_force_kill_timeout(self):
        with Cluster("stuck") as c:
            c.start_controller()
            c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "stuck-ffmpeg"),
                          env={"FORCE_KILL_TIMEOUT_MS": "1500"})
            c.wait_agent("a1")
            c.add_stream("s1", "--input", "in.mp4", "--output", c.path("out.ts"), "--mode", "copy")
            c.cli("stream", "start", "s1")
            pid = c.wait_state("s1", "running")["pid"]
            wait_until(lambda: pid_alive(pid), 5, "stand-in alive")
            t0 = time.monotonic()
            c.cli("stream", "stop", "s1")
            self.assertEqual(c.stream("s1")["state"], "stopping")
            # It ignores both SIGTERMs: still alive well past the second one.
            time.sleep(1.0)  # a negative check: nothing to poll for
            self.assertTrue(pid_alive(pid), "the stand-in died before SIGKILL")
            wait_until(lambda: not pid_alive(pid), 6, "SIGKILL to end the stand-in")
            took = time.monotonic() - t0
            self.assertGreaterEqual(took, 1.4)
            s = c.wait_state("s1", "stopped")
            run = s["runs"][-1]
            self.assertEqual(run["reason"], "force_killed")
            self.assertEqual(run["signal"], 9)
            self.assertIn("run_force_kill", c.agents["a1"].text())
            # The whole process group went: the stand-in's sleep children too.
            wait_until(lambda: not [p for p in os.listdir("/proc") if p.isdigit() and _pgid(p) == pid], 5,
                       "no process left in the stand-in's group")
            print(f"measure stop_to_sigkill_ms={took * 1000:.0f}")


def _pgid(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None


if __name__ == "__main__":
    main()
