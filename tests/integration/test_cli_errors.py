"""CLI failures are a non-zero exit and one line on stderr naming the cause."""
import os
import re
import subprocess
import time
import unittest

from ffleet_fixture import BIN_DIR, Cluster, free_port


class CliErrors(unittest.TestCase):
    def test_unreachable_controller(self):
        port = free_port()  # nothing listens here
        t0 = time.monotonic()
        r = subprocess.run([os.path.join(BIN_DIR, "ffleet"), "--controller", f"tcp://127.0.0.1:{port}",
                            "--timeout-ms", "500", "stream", "ls"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        took = time.monotonic() - t0
        self.assertNotEqual(r.returncode, 0)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertRegex(lines[0], re.compile("unreachable|controller", re.I))
        self.assertLess(took, 3.0)
        print(f"measure unreachable_exit_ms={took * 1000:.0f}")

    def test_unknown_stream_and_missing_output(self):
        with Cluster() as c:
            c.start_controller()
            r = c.cli("stream", "show", "nosuch", json=False, check=False)
            self.assertNotEqual(r.returncode, 0)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("nosuch", r.stderr)

            r = c.cli("stream", "add", "x1", "--input", c.path("in.mp4"), json=False, check=False)
            self.assertNotEqual(r.returncode, 0)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("--output", r.stderr)
            # A refused add must not leave a half-made stream behind.
            self.assertEqual(c.streams(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
