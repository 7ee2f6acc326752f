"""What the agent does by itself: stalled runs, hardware encoder fallback,
playlist files on every exit path, --mode auto, and no zombies."""
import os
import signal
import stat
import subprocess
import time
import unittest

from harness import STANDINS, Cluster, main, pid_alive, wait_until


def zombie_children(ppid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == ppid and fields[0] == "Z":
            out.append(int(d))
    return out


def make_clip(path, seconds=2):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=320x240:rate=25:duration={seconds}", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path], check=True, timeout=60)


class Supervision(unittest.TestCase):
    def test_stalled_run_is_killed_and_retried(self):
        with Cluster("stall") as c:
            c.start_controller(env={"FFLEET_RETRY_BASE_MS": "200"})
            c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "stalling-ffmpeg"),
                          env={"FFLEET_STALL_TIMEOUT_MS": "1500"})
            c.wait_agent("a1")
            c.add_stream("s1", "--input", "in.mp4", "--output", c.path("o.ts"), "--mode", "copy")
            c.cli("stream", "start", "s1")
            first = c.wait_state("s1", "running")["pid"]
            s = wait_until(lambda: (lambda v: v if v["attempt"] >= 2 else None)(c.stream("s1")), 15,
                           "a second attempt after the stall")
            self.assertFalse(pid_alive(first))
            self.assertEqual(s["runs"][0]["reason"], "stalled")
            self.assertIn("no progress", s["runs"][0]["error"])
            self.assertIn("run_stalled", c.agents["a1"].text())

    def test_failing_hardware_encoder_falls_back_to_libx264(self):
        with Cluster("fallback") as c:
            c.start_controller()
            c.start_agent("gpu", ffmpeg=os.path.join(STANDINS, "nvenc-fails-ffmpeg"))
            agent = c.wait_agent("gpu")
            self.assertIn("h264_nvenc", agent["encoders"])  # passed its (stand-in) test encode
            c.add_lavfi("s1", c.path("s1.ts"))
            c.cli("stream", "start", "s1")
            s = wait_until(lambda: (lambda v: v if v["state"] == "running" and v["encoder"] == "libx264" else None)(
                c.stream("s1")), 20, "the stream running on libx264")
            self.assertEqual(s["attempt"], 1)  # the same run, not a retry
            self.assertIn("fell back from h264_nvenc to libx264", s["runs"][0]["error"])
            self.assertIn("OpenEncodeSessionEx failed", s["runs"][0]["error"])
            self.assertTrue(pid_alive(s["pid"]))
            self.assertIn("encoder_fallback", c.agents["gpu"].text())
            # While it rests, a new stream goes straight to libx264.
            c.add_lavfi("s2", c.path("s2.ts"))
            c.cli("stream", "start", "s2")
            s2 = c.wait_state("s2", "running")
            self.assertEqual(s2["encoder"], "libx264")
            self.assertIsNone(c.stream("s2")["runs"][0]["error"])
            # `ffleet agent detect` makes the agent test its encoders again and
            # register with the result; its runs are untouched.
            registered = c.controller.text().count("agent_registered agent=gpu")
            c.cli("agent", "detect", "gpu")
            wait_until(lambda: c.controller.text().count("agent_registered agent=gpu") > registered, 15,
                       "the agent to register again after detection")
            self.assertIn("redetect_requested", c.agents["gpu"].text())
            self.assertEqual(c.stream("s2")["pid"], s2["pid"])

    def test_playlist_file_is_private_and_removed_on_every_exit_path(self):
        with Cluster("playlist") as c:
            clips = [c.path("clip one.mp4"), c.path("it's two.mp4")]
            for p in clips:
                make_clip(p)
            work = c.path("work-a1")
            os.makedirs(work, mode=0o700)
            orphan = os.path.join(work, "playlist_99_1.txt")
            with open(orphan, "w") as f:
                f.write("left by a crash")
            c.start_controller(env={"FFLEET_RETRY_BASE_MS": "60000"})
            c.start_agent("a1")
            c.wait_agent("a1")
            self.assertFalse(os.path.exists(orphan), "orphan playlist not removed at start-up")

            c.add_stream("pl", "--input", clips[0], "--input", clips[1], "--loop", "--output", c.path("pl.ts"))
            c.cli("stream", "start", "pl")
            s = c.wait_state("pl", "running")
            listing = [f for f in os.listdir(work) if f.startswith("playlist_")]
            self.assertEqual(listing, [f"playlist_{s['id']}_1.txt"])
            path = os.path.join(work, listing[0])
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            with open(path) as f:
                text = f.read()
            # -safe 1 takes plain relative names: the list names links to the
            # clips (resolved and checked under the media roots).
            links = f"links_{s['id']}_1"
            self.assertIn(f"file '{links}/00000.mp4'", text)
            self.assertIn(f"file '{links}/00001.mp4'", text)
            self.assertEqual(os.readlink(os.path.join(work, links, "00001.mp4")), os.path.realpath(clips[1]))
            # Both clips really play through the concat list.
            wait_until(lambda: c.stream("pl")["fps"] > 0, 15, "the playlist to play")
            # --mode auto copied: H.264/AAC into MPEG-TS needs no transcode.
            self.assertEqual(c.stream("pl")["encoder"], "copy")
            self.assertIn("mode_chosen", c.agents["a1"].text())

            # Exit path 1: a stop.
            c.cli("stream", "stop", "pl")
            c.wait_state("pl", "stopped")
            self.assertEqual([f for f in os.listdir(work) if f.startswith("playlist_")], [])
            # Exit path 2: ffmpeg dies under us.
            c.cli("stream", "start", "pl")
            pid = c.wait_state("pl", "running")["pid"]
            self.assertTrue(any(f.startswith("playlist_") for f in os.listdir(work)))
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not [f for f in os.listdir(work) if f.startswith("playlist_")], 10,
                       "the playlist of the crashed run to be removed")
            wait_until(lambda: c.stream("pl")["state"] == "pending", 10, "the crash to be seen")
            # Exit path 3: the agent drains.
            c.cli("stream", "stop", "pl")
            c.wait_state("pl", "stopped")
            c.cli("stream", "start", "pl")
            c.wait_state("pl", "running")
            c.agents["a1"].send_signal(signal.SIGTERM)
            self.assertEqual(c.agents["a1"].wait(15), 0)
            self.assertEqual(os.listdir(work), [])

    def test_auto_mode_transcodes_what_does_not_fit(self):
        with Cluster("auto") as c:
            c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            clip = c.path("c.mp4")
            make_clip(clip)
            # An H.264 file into FLV copies; a lavfi source always transcodes.
            c.add_stream("copyme", "--input", clip, "--loop", "--output", c.path("x.flv"))
            c.add_lavfi("raw", c.path("raw.ts"))
            c.cli("stream", "start", "copyme")
            c.cli("stream", "start", "raw")
            self.assertEqual(c.wait_state("copyme", "running")["encoder"], "copy")
            self.assertEqual(c.wait_state("raw", "running")["encoder"], "libx264")

    def test_resource_warning_once_per_crossing(self):
        with Cluster("warn") as c:
            c.start_controller()
            # Any transcode is over 1% of a core: the threshold is crossed at once and stays crossed.
            a = c.start_agent("a1", env={"RESOURCE_MONITOR_INTERVAL_MS": "500", "RESOURCE_WARNING_CPU_PERCENT": "1"})
            c.wait_agent("a1")
            c.add_lavfi("hot", c.path("hot.ts"))
            c.cli("stream", "start", "hot")
            c.wait_state("hot", "running")
            s = wait_until(lambda: (lambda v: v if v["warning"] else None)(c.stream("hot")), 15,
                           "a warning in stream show")
            self.assertIn("cpu", s["warning"])
            # Six more samples: a warning is logged per crossing, not per sample.
            time.sleep(3)  # a negative check: nothing to poll for
            warnings = a.text().count("resource_warning stream=1 run=1 ")
            back_to_normal = a.text().count("resource_ok stream=1 run=1 ")
            self.assertGreaterEqual(warnings, 1)
            self.assertLessEqual(warnings, back_to_normal + 1)
            # A 500 ms sample of a light transcode can read 0 ticks (0.0%) now and
            # then, which ends the crossing: read until the warning is shown.
            wait_until(lambda: "WARNING:" in c.cli("stream", "show", "hot", json_out=False).stdout, 15,
                       "WARNING: in the human stream show")

    def test_no_zombies_after_many_runs(self):
        with Cluster("zombies") as c:
            c.start_controller()
            a = c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "instant-ffmpeg"))
            c.wait_agent("a1")
            c.add_stream("j", "--input", "in.mp4", "--output", c.path("o.ts"), "--mode", "copy", "--batch")
            for _ in range(10):
                c.cli("stream", "start", "j")
                c.wait_state("j", "completed")
            self.assertEqual(zombie_children(a.pid), [])


if __name__ == "__main__":
    main()
