"""The CLI people enjoy: `status`, `stream ls --watch`, `stream logs --follow`,
batch progress and ETA, errors that suggest the fix, and the generated
completion scripts and man page."""
import os
import pty
import re
import signal
import subprocess
import threading
import time
import unittest
import urllib.request

from harness import BIN_DIR, STANDINS, Cluster, free_port, main, wait_until


class Reader:
    """Collects a child's stdout (bytes) in a thread, so a test can wait on it."""

    def __init__(self, stream):
        self.data = b""
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self.thread.start()

    def _run(self, stream):
        while True:
            try:
                chunk = os.read(stream, 4096)
            except OSError:  # a pty whose other end is closed
                return
            if not chunk:
                return
            with self.lock:
                self.data += chunk

    def text(self):
        with self.lock:
            return self.data.decode(errors="replace")


def spawn_cli(c, *args, tty=False):
    argv = [os.path.join(BIN_DIR, "ffleet"), "--controller", c.endpoint, "--timeout-ms", "1000", *args]
    if tty:
        master, slave = pty.openpty()
        p = subprocess.Popen(argv, stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        os.close(slave)
        return p, Reader(master)
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    return p, Reader(p.stdout.fileno())


def stop_cli(p, sig=signal.SIGINT):
    try:
        if p.poll() is None:
            p.send_signal(sig)
        try:
            return p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise AssertionError("the CLI did not exit within 10 s of the signal")
    finally:
        for f in (p.stdout, p.stderr):
            if f:
                f.close()


class Cli(unittest.TestCase):
    def test_batch_progress_rises_and_eta_falls_then_100(self):
        with Cluster("cli-progress") as c:
            c.start_controller()
            port = free_port()
            c.start_agent("a1", max_streams=2, extra=["--metrics", f"127.0.0.1:{port}"])
            c.wait_agent("a1")
            # A live stream never has progress.
            c.add_lavfi("live", c.path("live.ts"), "--mode", "transcode")
            c.cli("stream", "start", "live")
            c.wait_state("live", "running")
            # 20 s of 720p through libx264: seconds of work, not instant.
            first = c.path("first.mp4")
            c.add_stream("b1", "--batch", "--mode", "transcode", "--input-format", "lavfi", "--input",
                         "testsrc2=size=1280x720:rate=30:duration=20", "--output", first)
            c.cli("stream", "start", "b1")
            seen = []
            human = {}
            ratio_re = r'^ffleet_agent_stream_progress_ratio\{stream="b1",stream_id="\d+"\} (\S+)$'

            def inside_ratio(text):
                m = re.search(ratio_re, text, re.M)
                return m is not None and 0 < float(m.group(1)) < 1

            def done():
                for s in c.streams():
                    if s["name"] == "live":
                        self.assertIsNone(s["progress"])
                        self.assertIsNone(s["eta_s"])
                    if s["name"] != "b1":
                        continue
                    if s["state"] == "running" and s["progress"] is not None:
                        seen.append((s["progress"], s["eta_s"]))
                        if 0 < s["progress"] < 100 and "ls" not in human:
                            human["ls"] = c.cli("stream", "ls", json_out=False).stdout
                            human["show"] = c.cli("stream", "show", "b1", json_out=False).stdout
                        # The agent's metrics are rendered apart from its heartbeats:
                        # read until they show the batch under way.
                        if 0 < s["progress"] < 100 and not inside_ratio(human.get("metrics", "")):
                            human["metrics"] = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                                                      timeout=5).read().decode()
                    if s["state"] in ("completed", "failed"):
                        return s
                time.sleep(0.2)
                return None
            end = wait_until(done, 180, "batch b1 to end")
            self.assertEqual(end["state"], "completed", end)
            self.assertEqual(end["progress"], 100)
            self.assertIsNone(end["eta_s"])
            self.assertEqual(c.stream("b1")["progress"], 100)
            progress = [p for p, _ in seen]
            inside = [p for p in progress if 0 < p < 100]
            self.assertGreaterEqual(len(set(inside)), 2, f"progress seen: {seen}")
            self.assertEqual(progress, sorted(progress), "progress never goes back")
            # The agent's metrics carry it too (a ratio), for the batch only.
            m = re.search(ratio_re, human["metrics"], re.M)
            self.assertIsNotNone(m, human["metrics"][-3000:])
            self.assertTrue(0 < float(m.group(1)) < 1, m.group(0))
            self.assertRegex(human["metrics"], r'(?m)^ffleet_agent_stream_eta_seconds\{stream="b1",')
            self.assertNotRegex(human["metrics"], r'(?m)^ffleet_agent_stream_progress_ratio\{stream="live"')
            etas = [e for p, e in seen if e is not None and 0 < p < 100]
            self.assertGreaterEqual(len(etas), 2, f"eta seen: {seen}")
            self.assertLess(etas[-1], etas[0], f"eta falls: {seen}")
            self.assertRegex(human["ls"], r"PROGRESS")
            self.assertRegex(human["ls"], r"b1 .* \d+\.\d% eta \d+")
            self.assertRegex(human["show"], r"progress: +\d+\.\d% eta \d+")

            # A playlist of local files: the durations come from ffprobe.
            c.add_stream("b2", "--batch", "--mode", "transcode", "--input", first, "--input", first,
                         "--resolution", "320x180", "--output", c.path("second.mp4"))
            c.cli("stream", "start", "b2")
            seen2 = []

            def done2():
                s = c.stream("b2")
                if s["state"] == "running" and s["progress"] is not None:
                    seen2.append(s["progress"])
                if s["state"] in ("completed", "failed"):
                    return s
                time.sleep(0.2)
                return None
            end2 = wait_until(done2, 240, "batch b2 to end")
            self.assertEqual(end2["state"], "completed", end2)
            self.assertTrue(any(0 < p < 100 for p in seen2), f"progress of a file playlist: {seen2}")
            self.assertEqual(end2["progress"], 100)

    def test_status_and_errors_that_suggest_the_fix(self):
        with Cluster("cli-status") as c:
            c.start_controller()
            c.start_agent("a1", max_streams=2)
            c.wait_agent("a1")
            c.add_stream("cam1", "--input-format", "lavfi", "--input", "testsrc2=size=320x240:rate=25",
                         "--output", c.path("cam1.ts"), "--encoder", "h264_nvenc")
            c.cli("stream", "start", "cam1")
            s = c.wait_state("cam1", "pending")
            self.assertEqual(s["waiting_for"], "no ready agent has h264_nvenc; agents with it: none; try --encoder auto")
            # A typo in a stream name gets the close one.
            r = c.cli("stream", "show", "cam-1", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("no stream cam-1; did you mean cam1?", r.stderr)
            r = c.cli("stream", "logs", "zzzz", check=False)
            self.assertIn("no stream zzzz (`ffleet stream ls` lists them)", r.stderr)
            # A run that fails shows in the last hour's failures.
            c.add_stream("bad", "--batch", "--input", c.path("missing.mp4"), "--output", c.path("bad.mp4"))
            c.cli("stream", "start", "bad")
            wait_until(lambda: c.stream("bad")["retries"] > 0 or c.stream("bad")["state"] == "failed", 30,
                       "stream bad to fail")
            st = c.cli("status")
            self.assertEqual(st["agents"]["by_state"]["ready"], ["a1"])
            self.assertEqual(st["streams"]["total"], 2)
            self.assertIn("bad", [f["name"] for f in st["failures_last_hour"]])
            # cam1 waits for an encoder; bad (retrying) waits for its retry.
            self.assertIn(("cam1", s["waiting_for"]), [(p["name"], p["waiting_for"]) for p in st["pending"]])
            text = c.cli("status", json_out=False).stdout
            self.assertIn("ready 1: a1", text)
            self.assertIn("cam1: waiting for no ready agent has h264_nvenc", text)
            self.assertRegex(text, r"failures in the last hour: 1\n  bad \(")
            # An unreachable controller: the endpoint and the variable to set.
            r = subprocess.run([os.path.join(BIN_DIR, "ffleet"), "--timeout-ms", "300", "status"],
                               capture_output=True, text=True, timeout=30,
                               env={**os.environ, "FFLEET_CONTROLLER": "tcp://127.0.0.1:9"})
            self.assertEqual(r.returncode, 3)
            self.assertIn("controller at tcp://127.0.0.1:9 unreachable", r.stderr)
            self.assertIn("FFLEET_CONTROLLER", r.stderr)

    def test_watch_redraws_survives_a_lost_controller_and_exits_0(self):
        with Cluster("cli-watch") as c:
            c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            c.add_lavfi("w1", c.path("w1.ts"), "--mode", "transcode")
            # Not a tty: one block per interval, separated by a blank line.
            p, out = spawn_cli(c, "stream", "ls", "--watch", "--interval", "300ms")
            try:
                wait_until(lambda: out.text().count("ID  NAME") >= 3, 20, "three blocks")
                blocks = out.text().split("\n\n")
                self.assertGreaterEqual(len(blocks), 3)
                self.assertTrue(all(b.startswith("ID  NAME") for b in blocks if b.strip()), blocks[:3])
                self.assertNotIn("\x1b[", out.text())
                # The controller goes: a line says so, and the watch keeps trying.
                c.controller.stop()
                wait_until(lambda: "unreachable" in out.text(), 20, "the watch to say the controller is away")
                self.assertIsNone(p.poll(), "the watch must not exit when the controller is away")
                mark = len(out.text())
                c.start_controller()
                wait_until(lambda: "w1" in out.text()[mark:], 30, "the table again after the controller is back")
            finally:
                code = stop_cli(p, signal.SIGINT)
            self.assertEqual(code, 0)
            # A tty: redrawn in place, the cursor hidden and given back at the end.
            p, out = spawn_cli(c, "stream", "ls", "--watch", "--interval", "200ms", tty=True)
            try:
                wait_until(lambda: out.text().count("\x1b[H\x1b[2J") >= 2, 20, "two redraws")
                self.assertTrue(out.text().startswith("\x1b[?25l"))
            finally:
                code = stop_cli(p, signal.SIGTERM)
            self.assertEqual(code, 0)
            wait_until(lambda: out.text().endswith("\x1b[?25h"), 5, "the cursor shown again")

    def test_follow_prints_every_line_once_until_the_run_ends(self):
        with Cluster("cli-follow") as c:
            c.start_controller()
            c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "numbered-lines-ffmpeg"))
            c.wait_agent("a1")
            c.add_stream("f1", "--batch", "--mode", "transcode", "--input-format", "lavfi", "--input",
                         "testsrc2=duration=5", "--output", c.path("numbered-lines.mp4"))
            c.cli("stream", "start", "f1")
            c.wait_state("f1", "running")
            p, out = spawn_cli(c, "stream", "logs", "f1", "--follow", "--tail", "1000", "--interval", "500ms")
            try:
                code = p.wait(timeout=60)
                out.thread.join(5)
                err = p.stderr.read().decode(errors="replace")
            finally:
                stop_cli(p)
            self.assertEqual(code, 0, err)
            lines = [l for l in out.text().splitlines() if l.startswith("standin line ")]
            numbers = [int(l.rsplit(" ", 1)[1]) for l in lines]
            self.assertEqual(numbers, list(range(1, 151)), "every line once, in order")
            self.assertEqual(c.wait_state("f1", "completed")["state"], "completed")

    def test_follow_stops_on_sigint_with_0(self):
        with Cluster("cli-follow-int") as c:
            c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            c.add_lavfi("f2", c.path("f2.ts"), "--mode", "transcode")
            c.cli("stream", "start", "f2")
            c.wait_state("f2", "running")
            p, out = spawn_cli(c, "stream", "logs", "f2", "--follow", "--interval", "200ms")
            wait_until(lambda: "Output #0" in out.text() or "Stream mapping" in out.text(), 20, "ffmpeg's lines")
            self.assertIsNone(p.poll())
            self.assertEqual(stop_cli(p, signal.SIGINT), 0)

    def test_completion_and_man_page_come_from_the_binary(self):
        bash = subprocess.run([os.path.join(BIN_DIR, "ffleet"), "__complete", "bash"], capture_output=True,
                              text=True, check=True).stdout
        zsh = subprocess.run([os.path.join(BIN_DIR, "ffleet"), "__complete", "zsh"], capture_output=True,
                             text=True, check=True).stdout
        man = subprocess.run([os.path.join(BIN_DIR, "ffleet"), "__man"], capture_output=True, text=True,
                             check=True).stdout
        # bash really completes with it.
        script = bash + '\nCOMP_WORDS=(ffleet stream l); COMP_CWORD=2; _ffleet; echo "${COMPREPLY[@]}"\n'
        r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
        self.assertEqual(r.stdout.split(), ["logs", "ls"])
        script = bash + '\nCOMP_WORDS=(ffleet stream ls --w); COMP_CWORD=3; _ffleet; echo "${COMPREPLY[@]}"\n'
        r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
        self.assertEqual(r.stdout.split(), ["--watch"])
        self.assertTrue(zsh.startswith("#compdef ffleet"))
        # zsh (in the Makefile's packages) completes with it: _describe and
        # _files stubbed to print what would be offered.
        stubs = '_describe() { print -l -- "${cands[@]}"; return 0 }; _files() {}; '
        r = subprocess.run(["zsh", "-f", "-c", stubs + "words=(ffleet stream l); CURRENT=3; " + zsh],
                           capture_output=True, text=True, check=True)
        offered = [l.split(":", 1)[0] for l in r.stdout.splitlines()]
        self.assertIn("logs", offered)
        self.assertIn("ls", offered)
        self.assertIn("add", offered)
        r = subprocess.run(["zsh", "-f", "-c", stubs + "words=(ffleet stream ls --w); CURRENT=4; " + zsh],
                           capture_output=True, text=True, check=True)
        self.assertIn("--watch", [l.split(":", 1)[0] for l in r.stdout.splitlines()])
        # man (man-db, in the Makefile's packages) renders it without a warning.
        r = subprocess.run(["man", "--warnings", "-l", "-"], input=man, capture_output=True, text=True,
                           env={**os.environ, "MANWIDTH": "100", "MANPAGER": "cat"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("stream logs", r.stdout)
        self.assertEqual(r.stderr.strip(), "", r.stderr)
        # --help of a command ends with its example.
        h = subprocess.run([os.path.join(BIN_DIR, "ffleet"), "stream", "ls", "--help"], capture_output=True,
                           text=True)
        self.assertEqual(h.returncode, 0)
        self.assertIn("Example:\n  ffleet stream ls --watch", h.stdout)


if __name__ == "__main__":
    main()
