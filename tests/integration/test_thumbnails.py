"""Stream thumbnails (issue 12): a run that transcodes keeps a small JPEG in its
agent's work dir, written by a second output of the same ffmpeg, and
`ffleet stream thumbnail` fetches it through the controller like a live log.
A copy-mode run has none (it would cost a decode), the file goes with its run
(and, as an orphan, at agent start), and who may not read a stream's logs may
not see its picture either. Real controller, agent, ffmpeg (lavfi) and ffprobe."""
import os
import signal
import subprocess
import time
import unittest

from harness import BIN_DIR, Cluster, main, wait_until
from test_security import Secure

JPEG_START = b"\xff\xd8"


def thumbs_in(work):
    return sorted(f for f in os.listdir(work) if f.startswith("thumb_")) if os.path.isdir(work) else []


def fetch(c, ref, out, env=None):
    """`ffleet stream thumbnail REF --output OUT`: (the JPEG's bytes or None, the run)."""
    r = c.cli("stream", "thumbnail", ref, "--output", out, check=False, json_out=True, env=env)
    if r.returncode != 0:
        return None, r
    with open(out, "rb") as f:
        return f.read(), r


def width_of(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,codec_name",
                        "-of", "csv=p=0", path], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    codec, width = r.stdout.strip().split(",")
    return codec, int(width)


class Thumbnails(unittest.TestCase):
    def test_a_transcoding_run_has_a_fresh_thumbnail_and_it_goes_with_the_run(self):
        with Cluster("thumbs") as c:
            work = c.path("work-a1")
            # An orphan of a crashed agent (and its temporary file) is removed at start.
            os.makedirs(work, mode=0o700)
            for orphan in ("thumb_9_9.jpg", "thumb_9_9.jpg.tmp"):
                with open(os.path.join(work, orphan), "wb") as f:
                    f.write(JPEG_START)
            c.start_controller()
            c.start_agent("a1", extra=["--thumbnail-interval-s", "1"])
            c.wait_agent("a1")
            self.assertEqual(thumbs_in(work), [])
            c.add_lavfi("cam", "null", size="640x360")
            c.cli("stream", "start", "cam")
            run = c.wait_state("cam", "running")

            first, _ = wait_until(lambda: (lambda got: got if got[0] else None)(fetch(c, "cam", c.path("a.jpg"))), 30,
                                  "a first thumbnail")
            self.assertTrue(first.startswith(JPEG_START))
            self.assertLess(len(first), 256 * 1024)
            self.assertEqual(width_of(c.path("a.jpg")), ("mjpeg", 320))  # scaled from 640x360
            self.assertEqual(thumbs_in(work), [f"thumb_{run['id']}_{run['attempt']}.jpg"])
            # A newer picture later: testsrc2 moves, so a fresh JPEG differs.
            wait_until(lambda: (lambda got: got[0] and got[0] != first)(fetch(c, "cam", c.path("b.jpg"))), 30,
                       "a newer thumbnail")
            # To stdout with `-`, the bytes as they are.
            argv = [os.path.join(BIN_DIR, "ffleet"), "--controller", c.endpoint, "stream", "thumbnail", "cam", "-o", "-"]
            out = subprocess.run(argv, capture_output=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertTrue(out.stdout.startswith(JPEG_START))
            # The stream's own output is untouched by the second one.
            self.assertEqual(c.stream("cam")["state"], "running")

            c.cli("stream", "stop", "cam")
            c.wait_state("cam", "stopped")
            wait_until(lambda: thumbs_in(work) == [], 10, "the thumbnail to go with its run")
            r = c.cli("stream", "thumbnail", "cam", "--output", c.path("c.jpg"), check=False, json_out=False)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr.strip(), "ffleet: cam has no thumbnail: it is stopped, not running")
            self.assertFalse(os.path.exists(c.path("c.jpg")))

    def test_a_copy_mode_run_has_none(self):
        with Cluster("thumbs-copy") as c:
            src = c.path("in.ts")
            subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                            "testsrc2=size=320x240:rate=25", "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", src],
                           check=True, timeout=60)
            c.start_controller()
            c.start_agent("a1", extra=["--thumbnail-interval-s", "1"])
            c.wait_agent("a1")
            c.add_stream("relay", "--input", src, "--loop", "--mode", "copy", "--output", "null")
            c.cli("stream", "start", "relay")
            c.wait_state("relay", "running")
            r = c.cli("stream", "thumbnail", "relay", "--output", c.path("r.jpg"), check=False, json_out=False)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("relay has no thumbnail: it copies its input (copy mode)", r.stderr)
            self.assertFalse(os.path.exists(c.path("r.jpg")))
            # Nor does its ffmpeg write one: nothing is decoded.
            self.assertEqual(thumbs_in(c.path("work-a1")), [])
            c.cli("stream", "stop", "relay")
            c.wait_state("relay", "stopped")


class Permissions(unittest.TestCase):
    def test_someone_elses_thumbnail_is_refused_like_their_logs(self):
        with Cluster("thumbs-secure") as c:
            s = Secure(c, agents=())
            s.allow_agent("a1")
            c.start_agent("a1", extra=["--key", s.keys["a1"], "--controller-key", s.ctl_key + ".pub",
                                       "--thumbnail-interval-s", "1"])
            wait_until(lambda: any(x["name"] == "a1" and x["state"] == "ready" for x in s.agents()), 30,
                       "agent a1 to register with its key")
            s.add_user("alice", "user")
            s.add_user("bob", "user")
            s.cli("alice", "stream", "add", "cam", "--input-format", "lavfi", "--input",
                  "testsrc2=size=320x240:rate=15", "--output", "null")
            s.cli("alice", "stream", "start", "cam", json_out=False)
            s.wait_state("cam", "running")
            got, _ = wait_until(lambda: (lambda g: g if g[0] else None)(fetch(c, "cam", c.path("a.jpg"), s.env("alice"))),
                                30, "alice's thumbnail")
            self.assertTrue(got.startswith(JPEG_START))
            for verb in ("logs", "thumbnail"):
                args = ("stream", verb, "cam") + (("--output", c.path("b.jpg")) if verb == "thumbnail" else ())
                r = s.cli("bob", *args, check=False, json_out=False)
                self.assertEqual(r.returncode, 1, verb)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertIn("user bob (role user) may not", r.stderr)
                self.assertIn("alice's", r.stderr)
            self.assertFalse(os.path.exists(c.path("b.jpg")))
            self.assertIn('what="stream thumbnail cam"', s.ctl.text())
            s.cli("alice", "stream", "stop", "cam", json_out=False)
            s.wait_state("cam", "stopped")


class LoopLag(unittest.TestCase):
    def test_the_agents_worst_loop_lag_rides_on_its_next_heartbeat(self):
        with Cluster("looplag") as c:
            c.start_controller(env={"FFLEET_LOST_AFTER_MS": "10000"})  # the stall below is no loss
            a = c.start_agent("a1")
            c.wait_agent("a1")
            # A loop held up 2 s: it wakes at least 1 s after it meant to (it
            # sleeps at most 1 s), and the next heartbeat says so; `agent ls`
            # shows it until the one after.
            os.kill(a.pid, signal.SIGSTOP)
            time.sleep(2)  # the stall itself, not a wait for something
            os.kill(a.pid, signal.SIGCONT)
            seen = wait_until(lambda: [x["loop_lag_ms"] for x in c.agent_list()
                                       if x["name"] == "a1" and x["loop_lag_ms"] >= 900], 10,
                              "agent ls to show the stall as loop_lag_ms", interval=0.02)
            self.assertLess(seen[0], 5000)
            # And back to a small figure at the following heartbeats.
            wait_until(lambda: [x for x in c.agent_list() if x["name"] == "a1" and x["loop_lag_ms"] < 900], 10,
                       "loop_lag_ms to fall back")

if __name__ == "__main__":
    main()
