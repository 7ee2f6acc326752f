"""What ffmpeg may touch (security issue 9, item 3): each attack is refused at
`stream add` with one line naming the rule, and again by the agent before it
spawns (driven directly by a fake controller where the real one refuses
first). Real binaries, real ffmpeg; every path an attack aims at lies in the
test's temp dir, outside the agent's roots, and is checked to stay untouched."""
import http.server
import os
import subprocess
import threading
import unittest

from harness import Cluster, main, wait_until
from wire import FakeController

NO_HTTP = "file,rtmp,rtmps,srt,udp,hls"


def make_clip(path, seconds=1):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=160x120:rate=10:duration={seconds}", "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", "-f", "mpegts", path], check=True, timeout=60)


class Setup:
    """media/ and out/ are the roots; secret/ and victim/ are outside them."""

    def __init__(self, c):
        self.c = c
        for d in ("media", "out", "secret", "victim", "cron.d"):
            os.makedirs(c.path(d))
        make_clip(c.path("secret", "secret.ts"))
        make_clip(c.path("media", "a.ts"))
        with open(c.path("out", "existing.ts"), "w") as f:
            f.write("someone else's file")
        with open(c.path("media", "list.txt"), "w") as f:
            f.write(f"ffconcat version 1.0\nfile '{c.path('secret', 'secret.ts')}'\n")
        with open(c.path("media", "evil.m3u8"), "w") as f:
            f.write("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1,\n"
                    f"file:{c.path('secret', 'secret.ts')}\n#EXT-X-ENDLIST\n")
        os.symlink(c.path("secret", "secret.ts"), c.path("media", "link.ts"))

    def agent_args(self, protocols=NO_HTTP):
        return ["--media-root", self.c.path("media"), "--output-root", self.c.path("out"), "--protocols", protocols]

    def attacks(self):
        """(name, spec, rule the controller names at add or None if only the agent can judge, rule at spawn)."""
        c = self.c
        lav = {"input_format": "lavfi"}
        src = "testsrc2=size=160x120:rate=10"
        return [
            ("metadata-file", dict(lav, inputs=[f"{src},metadata=mode=print:file={c.path('victim', 'x')}"],
                                   outputs=["null"]), "rule lavfi", "rule lavfi"),
            ("output-dotdot", dict(lav, inputs=[src], outputs=["../x.ts"]), "rule output-roots", "rule output-roots"),
            ("output-cron", dict(lav, inputs=[src], outputs=[c.path("cron.d", "x")]), "rule output-roots",
             "rule output-roots"),
            ("overwrite", dict(lav, inputs=[src], outputs=[c.path("out", "existing.ts")]), None, "rule overwrite"),
            ("tty", {"input_format": "tty", "inputs": [c.path("secret", "secret.ts")], "outputs": ["null"]},
             "rule input-format", "rule input-format"),
            ("drawtext-textfile", dict(lav, inputs=[f"{src},drawtext=textfile={c.path('secret', 'secret.ts')}"],
                                       outputs=["null"]), "rule lavfi", "rule lavfi"),
            ("movie", dict(lav, inputs=[f"movie={c.path('secret', 'secret.ts')}"], outputs=["null"]), "rule lavfi",
             "rule lavfi"),
            ("http-internal", {"inputs": ["http://127.0.0.1:1/internal"], "outputs": ["null"]}, "rule protocol",
             "rule protocol"),
            ("concat-list", {"inputs": [c.path("media", "list.txt")], "outputs": ["null"]}, None, "rule playlist"),
            ("playlist-outside", {"inputs": [c.path("media", "a.ts"), c.path("secret", "secret.ts")],
                                  "outputs": ["null"]}, "rule media-roots", "rule media-roots"),
            ("hls-file", {"inputs": [c.path("media", "evil.m3u8")], "outputs": ["null"]}, None, "rule playlist"),
            ("symlink-out", {"inputs": [c.path("media", "link.ts")], "outputs": ["null"]}, None, "rule media-roots"),
            ("option-output", dict(lav, inputs=[src], outputs=["-report"]), "rule option-injection",
             "rule option-injection"),
            ("option-input", {"inputs": ["-i"], "outputs": ["null"]}, "rule option-injection",
             "rule option-injection"),
            ("option-encoder", dict(lav, inputs=[src], outputs=["null"], encoder="-report"), "--encoder",
             "rule option-injection"),
        ]

    def untouched(self, test):
        c = self.c
        test.assertEqual(os.listdir(c.path("victim")), [])
        test.assertEqual(os.listdir(c.path("cron.d")), [])
        with open(c.path("out", "existing.ts")) as f:
            test.assertEqual(f.read(), "someone else's file")
        test.assertFalse([f for f in os.listdir(c.dir) if f.startswith("ffmpeg-") and f.endswith(".log")])


def cli_args(spec):
    args = []
    if spec.get("input_format"):
        args += ["--input-format", spec["input_format"]]
    for i in spec["inputs"]:
        args.append(f"--input={i}")
    for o in spec["outputs"]:
        args.append(f"--output={o}")
    if spec.get("encoder"):
        args.append(f"--encoder={spec['encoder']}")
    return args


class Confinement(unittest.TestCase):
    def test_each_attack_is_refused_at_add_naming_the_rule(self):
        with Cluster("confine-add") as c:
            s = Setup(c)
            c.start_controller(env={"FFLEET_RETRY_MAX": "0"})
            c.start_agent("a1", roots=False, extra=s.agent_args())
            agent = c.wait_agent("a1")
            for name, spec, at_add, at_spawn in s.attacks():
                r = c.cli("stream", "add", name, *cli_args(spec), check=False, json_out=False)
                if at_add is None:
                    continue
                self.assertNotEqual(r.returncode, 0, f"{name} was accepted")
                self.assertIn(at_add, r.stderr, name)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, f"{name}: {r.stderr}")
            names = {x["name"] for x in c.streams()}
            self.assertEqual(names, {"overwrite", "concat-list", "hls-file", "symlink-out"})
            # What only the agent can judge (a file's contents, a symlink, a
            # file that exists) fails as a run, naming the rule.
            for name, spec, at_add, at_spawn in s.attacks():
                if at_add is None:
                    c.cli("stream", "start", name)
            for name, spec, at_add, at_spawn in s.attacks():
                if at_add is None:
                    st = c.wait_state(name, "failed", timeout=30)
                    self.assertEqual(st["runs"][0]["reason"], "spawn_failed", name)
                    self.assertIn(at_spawn, st["last_error"], name)
            self.assertIn("run_refused", c.agents["a1"].text())
            s.untouched(self)
            self.assertIsNotNone(agent)

    def test_a_stream_in_its_roots_runs_and_may_replace_only_its_own_output(self):
        with Cluster("confine-ok") as c:
            s = Setup(c)
            c.start_controller(env={"FFLEET_RETRY_MAX": "0"})
            c.start_agent("a1", roots=False, extra=s.agent_args())
            c.wait_agent("a1")
            out = c.path("out", "ok.ts")
            c.add_lavfi("ok", out)
            c.cli("stream", "start", "ok")
            c.wait_state("ok", "running")
            wait_until(lambda: os.path.exists(out), 10, "the output to be written")
            c.cli("stream", "stop", "ok")
            c.wait_state("ok", "stopped")
            # Its own file from the run before: replaced.
            c.cli("stream", "start", "ok")
            self.assertEqual(c.wait_state("ok", "running")["attempt"], 2)
            # Another stream's file: only with --overwrite.
            c.add_lavfi("other", out)
            c.cli("stream", "stop", "ok")
            c.wait_state("ok", "stopped")
            c.cli("stream", "start", "other")
            self.assertIn("rule overwrite", c.wait_state("other", "failed", timeout=30)["last_error"])
            c.add_lavfi("forced", out, "--overwrite")
            c.cli("stream", "start", "forced")
            c.wait_state("forced", "running")
            # A playlist of files in the roots plays under -safe 1.
            c.add_stream("pl", "--input", c.path("media", "a.ts"), "--input", c.path("media", "a.ts"), "--loop",
                         "--output", c.path("out", "pl.ts"))
            c.cli("stream", "start", "pl")
            c.wait_state("pl", "running")
            wait_until(lambda: c.stream("pl")["fps"] > 0, 20, "the playlist to play")

    def test_each_attack_is_refused_by_the_agent_before_it_spawns(self):
        with Cluster("confine-spawn") as c:
            s = Setup(c)
            fake = FakeController()
            c.on_close.append(fake.close)
            c.start_agent("a1", roots=False, extra=s.agent_args(), controller=fake.endpoint)
            reg = fake.welcome()
            self.assertEqual(reg["media_roots"], [os.path.realpath(c.path("media"))])
            self.assertEqual(reg["output_roots"], [os.path.realpath(c.path("out"))])
            self.assertEqual(reg["protocols"], NO_HTTP.split(","))
            for i, (name, spec, at_add, at_spawn) in enumerate(s.attacks(), start=1):
                fake.send(20, {"stream_id": i, "attempt": 1, "name": name, "spec": spec, "store_id": "fake"})
                h, ended = fake.recv_type(23)
                fake.send(2, {}, in_reply_to=h["msg_id"])
                self.assertEqual(ended["stream_id"], i)
                self.assertEqual(ended["reason"], "spawn_failed", f"{name}: {ended}")
                self.assertIn(at_spawn, ended["error"], name)
            # Nothing ran: no ffmpeg was ever started for them.
            self.assertNotIn("run_spawned", c.agents["a1"].text())
            s.untouched(self)

    def test_an_hls_manifest_over_http_cannot_reach_a_local_file(self):
        with Cluster("confine-hls") as c:
            s = Setup(c)
            served = c.path("served")
            os.makedirs(served)
            with open(os.path.join(served, "evil.m3u8"), "w") as f:
                f.write("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1,\n"
                        f"file:{c.path('secret', 'secret.ts')}\n#EXT-X-ENDLIST\n")
            handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=served, **k)  # noqa: E731
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            c.on_close.append(httpd.shutdown)
            c.start_controller(env={"FFLEET_RETRY_MAX": "0"})
            c.start_agent("a1", roots=False, extra=s.agent_args(protocols="file,http,hls"))
            c.wait_agent("a1")
            url = f"http://127.0.0.1:{httpd.server_address[1]}/evil.m3u8"
            c.add_stream("hls", "--input", url, "--output", c.path("out", "hls.ts"), "--batch")
            c.cli("stream", "start", "hls")
            st = wait_until(lambda: (lambda v: v if v["state"] in ("failed", "completed") else None)(
                c.stream("hls")), 60, "the run to end")
            tail = "\n".join(st["runs"][0].get("stderr_tail") or [])
            self.assertIn("not on whitelist", tail)
            self.assertEqual(st["state"], "failed")


if __name__ == "__main__":
    main()
