"""An encoder that ignores SIGTERM (the stuck-ffmpeg stand-in) outlives the stop's
SIGTERMs and is SIGKILLed at FORCE_KILL_TIMEOUT_MS; the stream still ends stopped."""
import os
import time
import unittest

from ffleet_fixture import STANDINS_DIR, Cluster, pid_alive, stays_true, wait_until

FORCE_KILL_MS = 1500


class StuckEncoder(unittest.TestCase):
    def test_sigkill_at_the_force_kill_timeout(self):
        with Cluster() as c:
            c.start_controller()
            c.start_agent("a1", ffmpeg=os.path.join(STANDINS_DIR, "stuck-ffmpeg"),
                          env={"FORCE_KILL_TIMEOUT_MS": str(FORCE_KILL_MS)})
            c.wait_agent("a1")
            # Copy mode: the stand-in fails the agent's encoder probes, so no encoder is needed.
            c.stream_add("s1", "--input", c.path("in.mp4"), "--output", c.path("out.ts"), "--mode", "copy")
            c.cli("stream", "start", "s1")
            pid = c.wait_state("s1", "running")["pid"]
            self.assertTrue(pid_alive(pid))

            c.cli("stream", "stop", "s1")
            t_stopped = time.monotonic()
            stays_true(lambda: pid_alive(pid), 0.5, what=f"stand-in pid {pid} alive after SIGTERM")
            wait_until(lambda: not pid_alive(pid), FORCE_KILL_MS / 1000 + 5, what=f"SIGKILL to end pid {pid}")
            stop_to_gone_ms = (time.monotonic() - t_stopped) * 1000
            # Measured from the CLI's return, which is a little after the agent's clock starts.
            self.assertGreaterEqual(stop_to_gone_ms, FORCE_KILL_MS - 200)
            c.wait_state("s1", "stopped")
            self.assertIn("force", c.log_text("a1").lower())
            print(f"measure stop_to_gone_ms={stop_to_gone_ms:.0f}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
