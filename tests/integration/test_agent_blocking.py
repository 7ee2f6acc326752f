"""Nothing blocks the agent's event loop. An encoder re-detection whose test
encodes hang, and an ffprobe that never answers, run beside the loop under
deadlines: meanwhile the agent stays ready, its heartbeats keep coming, the
controller never calls it lost, other streams still start, and once the
deadlines pass no hung child is left (each is killed with its process group).

The stand-ins live in a bin dir of the test's own, so every process they leave
names that dir: tests/standins/slow-detect-ffmpeg (the real ffmpeg, except
that test encodes hang while a marker file exists) and tests/standins/
hung-ffprobe (found beside --ffmpeg, as the agent looks there first)."""
import datetime
import os
import signal
import time
import unittest

from harness import STANDINS, Cluster, main, pids_matching, wait_until
from test_agent_supervision import make_clip

# Heartbeats come every second and the controller calls an agent lost after
# 4 s; `last_seen` (whole seconds) may lag a beat by up to a second more.
MAX_SILENCE_S = 3.0


def make_bin(c, hung_ffprobe=False):
    d = c.path("bin")
    os.makedirs(d)
    os.symlink(os.path.join(STANDINS, "slow-detect-ffmpeg"), os.path.join(d, "ffmpeg"))
    if hung_ffprobe:
        os.symlink(os.path.join(STANDINS, "hung-ffprobe"), os.path.join(d, "ffprobe"))
    return d


def strays(c, bindir):
    """Processes naming the stand-ins' dir, other than our daemons."""
    daemons = {p.pid for p in c.procs}
    return [pid for pid in pids_matching(bindir) if pid not in daemons]


class Watch:
    """What the agent looks like to the controller while something slow runs:
    each `agent ls` poll records its state and how long ago the controller
    last heard from it (any message: heartbeats come every second)."""

    def __init__(self, c):
        self.c, self.states, self.silences = c, [], []

    def poll(self):
        a = [a for a in self.c.agent_list() if a["name"] == "a1"][0]
        self.states.append(a["state"])
        self.silences.append(time.time() - datetime.datetime.fromisoformat(a["last_seen"]).timestamp())
        return a

    def check(self, test):
        test.assertGreaterEqual(len(self.states), 5)  # polled all through the slow part
        test.assertEqual(set(self.states), {"ready"}, "the agent left ready while a child was slow")
        test.assertLess(max(self.silences), MAX_SILENCE_S, f"the agent was silent for {max(self.silences):.1f}s")
        test.assertNotIn("agent_lost", self.c.controller.text())
        test.assertNotIn("loop_lag ms=", self.c.agents["a1"].text())  # no turn of the loop took a second


class AgentBlocking(unittest.TestCase):
    def test_slow_redetect_does_not_block_the_loop(self):
        with Cluster("slowdetect") as c:
            bindir = make_bin(c)
            c.start_controller()
            a = c.start_agent("a1", ffmpeg=os.path.join(bindir, "ffmpeg"))
            before = c.wait_agent("a1")["encoders"]
            self.assertIn("libx264", before)
            with open(os.path.join(bindir, "hang-test-encodes"), "w"):
                pass
            watch = Watch(c)
            registered = c.controller.text().count("agent_registered agent=a1")
            c.cli("agent", "detect", "a1")
            # The test encodes hang (each a wrapper and its child).
            wait_until(lambda: watch.poll() and len(strays(c, bindir)) >= 2, 10, "the test encodes to hang")
            # A second request while one runs is not a second detection.
            a.send_signal(signal.SIGHUP)
            # The loop still serves the controller: a stream starts meanwhile.
            c.add_lavfi("live", c.path("live.ts"))
            c.cli("stream", "start", "live")
            wait_until(lambda: watch.poll() and c.stream("live")["state"] == "running", 15,
                       "a stream to start during the detection")
            # At the deadline (10 s) the hung tests are killed, their groups with them.
            wait_until(lambda: watch.poll() and "redetect_timed_out" in a.text(), 20, "the detection's deadline")
            watch.check(self)
            self.assertIn("redetect_requested by=SIGHUP action=none why=already_running", a.text())
            wait_until(lambda: not strays(c, bindir), 5, "no hung test encode left")
            # What timed out kept its verdict: libx264 is still offered.
            wait_until(lambda: c.controller.text().count("agent_registered agent=a1") > registered, 10,
                       "the agent to register with the result")
            self.assertEqual(c.wait_agent("a1")["encoders"], before)
            self.assertEqual(c.stream("live")["state"], "running")

            # Once the hang is gone, SIGHUP re-detects for real, and as quickly as before.
            os.unlink(os.path.join(bindir, "hang-test-encodes"))
            detected = a.text().count("encoders_detected")
            a.send_signal(signal.SIGHUP)
            wait_until(lambda: a.text().count("encoders_detected") > detected, 15, "a re-detection after SIGHUP")
            self.assertEqual(a.text().count("redetect_timed_out"), 1)
            self.assertIn("encoder name=libx264 usable=true why=\"test encode ok\"", a.text().split("SIGHUP")[-1])
            self.assertEqual(strays(c, bindir), [])

    def test_hung_ffprobe_does_not_block_the_loop(self):
        with Cluster("hungprobe") as c:
            bindir = make_bin(c, hung_ffprobe=True)
            clip = c.path("clip.mp4")
            make_clip(clip)
            c.start_controller()
            a = c.start_agent("a1", ffmpeg=os.path.join(bindir, "ffmpeg"))
            c.wait_agent("a1")
            watch = Watch(c)
            # H.264/AAC into FLV would be copied, if ffprobe answered.
            c.add_stream("probed", "--input", clip, "--loop", "--output", c.path("p.flv"))
            c.cli("stream", "start", "probed")
            wait_until(lambda: watch.poll() and strays(c, bindir), 10, "ffprobe to hang")
            self.assertEqual(c.stream("probed")["state"], "starting")
            # A stop during the probe ends the run at once, ffprobe's group with it.
            c.cli("stream", "stop", "probed")
            c.wait_state("probed", "stopped")
            wait_until(lambda: not strays(c, bindir), 5, "the stopped probe's ffprobe to be gone")
            self.assertIn("reason=stopped while=probing", a.text())

            # This time let the deadline pass: the stream runs, as a transcode.
            c.cli("stream", "start", "probed")
            wait_until(lambda: watch.poll() and strays(c, bindir), 10, "ffprobe to hang again")
            s = wait_until(lambda: watch.poll() and (lambda v: v if v["state"] == "running" else None)(
                c.stream("probed")), 15, "the stream to run after the probe's deadline")
            self.assertEqual(s["encoder"], "libx264")
            self.assertIn('error="ffprobe timed out after 3000 ms" action=transcode', a.text())
            self.assertRegex(a.text(), r"warning agent.runner probe_failed stream=\d+ run=2 ")
            watch.check(self)
            wait_until(lambda: not strays(c, bindir), 5, "no hung ffprobe left")
            self.assertEqual([f for f in os.listdir(c.path("work-a1")) if f.startswith(".probe-")], [])


if __name__ == "__main__":
    main()
