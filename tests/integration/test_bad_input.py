"""Bad input gets one clear line and changes nothing: unreachable controller,
unknown stream, bad definitions, bad times, and peers of another protocol."""
import os
import time
import unittest

from harness import BIN_DIR, Cluster, free_port, main, wait_until
from wire import Dealer, pack


def mp_map(d):
    return pack(d)


class BadInput(unittest.TestCase):
    def test_unreachable_controller_is_reported_after_the_timeout(self):
        port = free_port()
        t0 = time.monotonic()
        import subprocess
        r = subprocess.run([os.path.join(BIN_DIR, "ffleet"), "--controller", f"tcp://127.0.0.1:{port}",
                            "--timeout-ms", "500", "stream", "ls"], capture_output=True, text=True, timeout=30)
        took = time.monotonic() - t0
        self.assertEqual(r.returncode, 3)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertIn("unreachable", r.stderr)
        self.assertLess(took, 5)

    def test_bad_requests_get_one_line_and_change_nothing(self):
        with Cluster("bad") as c:
            c.start_controller()
            c.add_lavfi("good", c.path("g.ts"))
            cases = [
                (("stream", "show", "nosuch"), "no stream nosuch"),
                (("stream", "start", "nosuch"), "no stream nosuch"),
                (("stream", "add", "x1", "--input", "a.mp4"), "--output"),
                (("stream", "add", "123", "--input", "a", "--output", "b.ts"), "all digits"),
                (("stream", "add", "good", "--input", "a", "--output", "b.ts"), "exists already"),
                (("stream", "add", "x2", "--input", "a", "--output", "b.ts", "--start-at", "tomorrow"), "bad time"),
                (("stream", "add", "x3", "--input", "a", "--output", "b.ts", "--duration", "5 minutes"),
                 "bad duration"),
                (("stream", "add", "x4", "--input", "a", "--output", "b.ts", "--resolution", "big"), "resolution"),
                (("stream", "add", "x5", "--input", "a", "--output", "b.ts", "--repeat", "weekly:funday",
                  "--start-at", "+1h"), "funday"),
                (("stream", "add", "x6", "--input", "a", "--output", "b.ts", "--end-at", "2001-01-01T00:00:00Z"),
                 "past"),
                (("agent", "drain", "nosuch"), "no agent nosuch"),
                (("limits", "set", "--max", "3"), "--user"),
            ]
            for args, needle in cases:
                with self.subTest(args=args):
                    r = c.cli(*args, check=False, json_out=False)
                    self.assertNotEqual(r.returncode, 0)
                    lines = r.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, r.stderr)
                    self.assertIn(needle, lines[0])
            self.assertEqual([s["name"] for s in c.streams()], ["good"])

    def test_foreign_protocol_and_garbage_are_refused_and_the_controller_goes_on(self):
        with Cluster("peers") as c:
            c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            s = Dealer(c.port)
            header = mp_map({"type": 42, "msg_id": 7, "sent_at_ms": 1})
            s.send([b"FFLEET/2", header, b"\x80"])
            reply = s.recv()
            self.assertEqual(reply[0], b"FFLEET/1")
            self.assertIn(b"version", reply[2])
            self.assertIn(b"FFLEET/2", reply[2])
            # Garbage of every kind: each is answered or dropped, none is fatal.
            for frames in ([b"FFLEET/1", b"\xc1\xc1", b"\x80"],
                           [b"FFLEET/1", header, b"\xde\xad\xbe\xef"],
                           [b"FFLEET/1", mp_map({"type": 40, "msg_id": 8, "sent_at_ms": 1}), mp_map({"user": "x"})],
                           [b"hello"],
                           [b"FFLEET/1", mp_map({"type": 999, "msg_id": 9, "sent_at_ms": 1}), b"\x80"]):
                s.send(frames)
            s.close()
            text = c.controller.text()
            self.assertIn("peer speaks protocol FFLEET/2, this side speaks FFLEET/1", text)
            wait_until(lambda: "missing field 'name'" in c.controller.text(), 5, "the bad STREAM_ADD to be logged")
            wait_until(lambda: "type=999" in c.controller.text(), 5, "the unknown type to be logged")
            self.assertTrue(c.controller.alive())
            self.assertEqual(c.agent_list()[0]["state"], "ready")


if __name__ == "__main__":
    main()
