"""Bytes from outside cannot crash the controller: a Latin-1 title in ffmpeg's
stderr, a file name that is not UTF-8, control characters, a garbage report.

Regression: a Latin-1 metadata title printed by ffmpeg made the controller
abort with a JSON encoding exception when the run ended, and the agent's resend
made it abort again after every restart; a non-UTF-8 file name aborted it too.
"""
import json
import os
import subprocess
import unittest

from harness import BIN_DIR, Cluster, main, wait_until
import wire

LATIN1_NAME = b"caf\xe9 \x1b[31m.mkv"  # Latin-1 e-acute and a terminal escape


def make_latin1_file(directory):
    """A real one-second video whose file name and title are Latin-1 bytes."""
    path = os.path.join(os.fsencode(directory), LATIN1_NAME)
    subprocess.run([b"ffmpeg", b"-v", b"error", b"-f", b"lavfi", b"-i", b"testsrc2=size=160x120:rate=10", b"-t", b"1",
                    b"-metadata", b"title=caf\xe9 \x1b[31mred", b"-y", path], check=True, timeout=60)
    return path


def cli_bytes(c, *args):
    """The CLI with raw byte arguments (a path that is not UTF-8)."""
    argv = [os.fsencode(os.path.join(BIN_DIR, "ffleet")), b"--controller", c.endpoint.encode(), b"--json"]
    argv += [a if isinstance(a, bytes) else a.encode() for a in args]
    return subprocess.run(argv, capture_output=True, timeout=60)


class UntrustedBytes(unittest.TestCase):
    def test_latin1_stderr_and_file_name_keep_the_controller_up(self):
        with Cluster("latin1") as c:
            ctl = c.start_controller(env={"FFLEET_RETRY_MAX": "0"})
            c.start_agent("a1")
            c.wait_agent("a1")
            src = make_latin1_file(c.dir)
            r = cli_bytes(c, "stream", "add", "latin1", "--input", src, "--output", "null", "--batch",
                          "--mode", "transcode")
            self.assertEqual(r.returncode, 0, r.stderr)
            c.cli("stream", "start", "latin1")
            done = c.wait_state("latin1", "completed", timeout=60)
            self.assertTrue(ctl.alive(), "the controller died on Latin-1 bytes")
            # The path went to ffmpeg byte for byte (it opened the file) and is
            # shown escaped; the title in the stderr tail is valid UTF-8.
            self.assertEqual(done["runs"][-1]["exit_code"], 0)
            self.assertEqual(len(done["inputs"]), 1)
            self.assertTrue(done["inputs"][0].endswith("/caf\\xe9 \\x1b[31m.mkv"), done["inputs"])
            self.assertNotIn("\x1b", json.dumps(done, ensure_ascii=False))
            # A run that fails right after ffmpeg printed the input's Latin-1
            # title: the title is in the stored tail, made valid UTF-8.
            r = cli_bytes(c, "stream", "add", "latin1-fail", "--input", src, "--output",
                          c.path("no-such-dir", "out.mkv"), "--batch", "--mode", "transcode")
            self.assertEqual(r.returncode, 0, r.stderr)
            c.cli("stream", "start", "latin1-fail")
            failed = c.wait_state("latin1-fail", "failed", timeout=60)
            tail = "\n".join(failed["runs"][-1]["stderr_tail"])
            self.assertIn("caf\\xe9", tail)
            self.assertTrue(ctl.alive(), "the controller died on Latin-1 bytes")
            # The text table too.
            table = c.cli("stream", "ls", json_out=False).stdout
            self.assertIn("latin1", table)
            # A restart (the agent resends nothing now, but the stored rows
            # are read again) keeps it up.
            ctl.stop()
            ctl = c.start_controller(env={"FFLEET_RETRY_MAX": "0"})
            c.wait_agent("a1")
            self.assertEqual(c.stream("latin1")["state"], "completed")
            self.assertTrue(ctl.alive())

    def test_a_garbage_report_is_acknowledged_once_and_dropped(self):
        with Cluster("garbage-report") as c:
            ctl = c.start_controller()
            c.cli("limits", "show")  # listening
            fake = wire.FakeAgent(c.port, "fake1")
            fake.register()
            # A RunExited without its required fields, then one with bytes that
            # are not UTF-8 in every text field, for a stream that does not exist.
            mid = fake.send(23, {"stream_id": 7})
            h, _ = fake.recv_type(2)
            self.assertEqual(h["in_reply_to"], mid, "a malformed report must be acknowledged, not resent forever")
            body = wire.pack({"stream_id": 7, "attempt": 1, "exit_code": 1, "signal": 0, "reason": "exited",
                              "error": "x", "stderr_tail": ["y"], "ended_at_ms": 1})
            body = body.replace(b"\xa1x", b"\xa1\xff").replace(b"\xa1y", b"\xa1\xe9")
            fake.d.send([b"FFLEET/1", wire.pack({"type": 23, "msg_id": 99, "sent_at_ms": 1, "in_reply_to": 0}), body])
            h, _ = fake.recv_type(2)
            self.assertEqual(h["in_reply_to"], 99)
            self.assertTrue(ctl.alive())
            self.assertIsInstance(c.agent_list(), list)
            fake.d.close()


if __name__ == "__main__":
    main()
