"""Careless input is refused where it is typed, not at run time: `ffleet stream
add` and `ffleet stream schedule` answer one line on stderr naming the field and
what it allows, exit non-zero, and change nothing (`stream ls` is the same
afterwards). No agent is started: nothing here may get as far as running."""
import datetime
import os
import unittest

from harness import Cluster, main, secret
from wire import Dealer, pack, unpack


def iso(delta_s):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def add(name, *extra, inputs=("a.mp4",), outputs=("out.ts",)):
    args = ["stream", "add", name]
    for i in inputs:
        args += ["--input", i]
    for o in outputs:
        args += ["--output", o]
    return (*args, *extra)


# Not UTF-8: a byte the CLI passes through as it is (surrogateescape).
NOT_UTF8 = os.fsdecode(b"caf\xe9")


class CarelessInput(unittest.TestCase):
    def refused(self, c, args, needles, absent=()):
        r = c.cli(*args, check=False, json_out=False)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr[:2000])
        self.assertLess(len(lines[0]), 500, lines[0])
        for n in needles:
            self.assertIn(n, lines[0])
        for n in absent:
            self.assertNotIn(n, r.stderr)
        self.assertEqual(r.stdout, "")

    def test_careless_stream_add_gets_one_line_and_changes_nothing(self):
        with Cluster("careless") as c:
            c.start_controller()
            c.add_stream("keep", "--input", "a.mp4", "--output", c.path("keep.ts"))
            before = c.cli("stream", "ls", json_out=False).stdout
            long_path = "/media/" + "p" * 4000
            key_url = "rtmp://127.0.0.1/live/" + secret("SECRETKEY")
            cases = [
                # --resolution
                (add("r1", "--resolution", "0x0"), ["--resolution", "16 to 8192"]),
                (add("r2", "--resolution", "1x1"), ["--resolution", "16 to 8192"]),
                (add("r3", "--resolution", "99999x99999"), ["--resolution", "16 to 8192"]),
                (add("r4", "--resolution", "abc"), ["--resolution", "'abc'", "WxH"]),
                (add("r5", "--resolution", "1280x"), ["--resolution", "WxH"]),
                (add("r6", "--resolution", "1281x720"), ["--resolution", "even"]),
                # --fps and --video-bitrate (0 means "as the input" / "the encoder's default")
                (add("f2", "--fps", "241"), ["--fps"]),
                (add("b1", "--video-bitrate", "300000"), ["--video-bitrate", "200000"]),
                (add("b2", "--video-bitrate", "6"), ["--video-bitrate", "6000"]),
                # times
                (add("t1", "--start-at", "2001-01-01T00:00:00Z"), ["--start-at", "past"]),
                (add("t2", "--start-at", iso(-600)), ["--start-at", "past"]),
                (add("t3", "--start-at", "+2h", "--end-at", "+1h"), ["--end-at", "after --start-at"]),
                (add("t4", "--start-at", "+1h", "--end-at", "+1h"), ["--end-at", "after --start-at"]),
                (add("t5", "--end-at", iso(-300)), ["--end-at", "past"]),
                (add("t6", "--duration", "0s"), ["--duration"]),
                (add("t7", "--end-at", "+2h", "--duration", "1h"), ["--duration"]),
                (add("t8", "--start-at", "+1h", "--repeat", "hourly"), ["--repeat", "'hourly'"]),
                (add("t9", "--start-at", "+1h", "--repeat", "weekly:"), ["--repeat", "at least one day"]),
                (add("t10", "--repeat", "daily"), ["--repeat needs --start-at"]),
                (add("t11", "--start-at", "2062-11-24T18:00:00Z"), ["--start-at", "366 days"]),
                (add("t12", "--start-at", "+1h", "--duration", "25h", "--repeat", "daily"), ["shorter than a day"]),
                # sizes
                (add("n" * 65), ["stream name", "1 to 64"]),
                (add("o1", outputs=[c.path(f"o{i}.ts") for i in range(17)]), ["--output", "at most 16"]),
                (add("i1", inputs=["a.mp4"] * 10001), ["--input", "10000"]),
                (add("i2", inputs=["/" + "x" * 5000]), ["--input #1", "4096"]),
                (add("i3", inputs=[long_path] * 200), ["too large", "--input"]),
                # bytes, line breaks, secrets
                (add("bad" + NOT_UTF8), ["stream name", "\\xe9"]),
                (add("i4", inputs=["a.mp4", "/media/b.mp4\r"]), ["--input #2", "line break", "b.mp4\\r"]),
                (add("o2", outputs=["rtmp://127.0.0.1/live/SECRETKEY\n"]), ["--output #1", "line break"],
                 ["SECRETKEY"]),
                (add("o3", outputs=[key_url, c.path("x.ts"), key_url]), ["--output #3", "--output #1"], ["SECRETKEY"]),
            ]
            for case in cases:
                args, needles = case[0], case[1]
                absent = case[2] if len(case) > 2 else ()
                with self.subTest(args=[a[:60] for a in args[:8]]):
                    self.refused(c, args, needles, absent)
            self.assertEqual(c.cli("stream", "ls", json_out=False).stdout, before)
            self.assertEqual([s["name"] for s in c.streams()], ["keep"])
            self.assertTrue(c.controller.alive())

    def test_careless_stream_schedule_gets_one_line_and_changes_nothing(self):
        with Cluster("careless-sched") as c:
            c.start_controller()
            c.add_stream("keep", "--input", "a.mp4", "--output", c.path("keep.ts"), "--start-at", "+2h",
                         "--duration", "30m")
            before_ls = c.cli("stream", "ls", json_out=False).stdout
            before_show = c.stream("keep")
            cases = [
                (("--start-at", "2001-01-01T00:00:00Z"), ["--start-at", "past"]),
                (("--start-at", iso(-600), "--duration", "5m"), ["--start-at", "past"]),
                (("--start-at", "+1h", "--repeat", "hourly"), ["--repeat", "'hourly'"]),
                (("--start-at", "+1h", "--repeat", "weekly:Mon"), ["--repeat", "'Mon'"]),
                (("--repeat", "daily"), ["--repeat needs --start-at"]),
                (("--start-at", "+2h", "--end-at", "+1h"), ["--end-at", "after --start-at"]),
                (("--end-at", iso(-300)), ["--end-at", "past"]),
                (("--duration", "0s"), ["--duration"]),
                (("--end-at", "+2h", "--duration", "1h"), ["--duration"]),
                (("--start-at", "2062-01-01T00:00:00Z"), ["--start-at", "366 days"]),
            ]
            for extra, needles in cases:
                with self.subTest(args=extra):
                    self.refused(c, ("stream", "schedule", "keep", *extra), needles)
            self.assertEqual(c.cli("stream", "ls", json_out=False).stdout, before_ls)
            self.assertEqual(c.stream("keep"), before_show)

    def test_a_script_speaking_the_protocol_is_refused_the_same_way(self):
        """A NUL cannot pass through argv, but a script can send one."""
        with Cluster("careless-wire") as c:
            c.start_controller()
            self.assertEqual(c.streams(), [])  # the controller is up
            s = Dealer(c.port)
            header = pack({"type": 40, "msg_id": 7, "sent_at_ms": 1})
            body = pack({"user": "tester", "name": "nul",
                         "spec": {"inputs": ["a.mp4", "b\0c.mp4"], "outputs": ["out.ts"]}})
            s.send([b"FFLEET/1", header, body])
            reply = s.recv(timeout=5)
            s.close()
            r = unpack(reply[2])
            self.assertFalse(r["ok"])
            self.assertIn("--input #2", r["error"])
            self.assertIn("NUL", r["error"])
            self.assertEqual(c.streams(), [])

    def test_file_names_that_are_not_utf8_are_accepted(self):
        """Paths are bytes: a name that is not UTF-8 is a valid file name."""
        with Cluster("careless-bytes") as c:
            c.start_controller()
            r = c.cli("stream", "add", "latin1", "--input", "/media/" + NOT_UTF8 + ".mp4", "--input",
                      "/media/tab\there.mp4", "--output", c.path("o.ts"), check=False, json_out=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            c.cli("stream", "rm", "latin1")
            self.assertEqual(c.streams(), [])


if __name__ == "__main__":
    main()
