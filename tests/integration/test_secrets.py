"""Stream keys, passwords and tokens never show: not in `stream ls`/`show`/`logs`
(plain or --json), not in the controller's or the agent's log, not in the error
of a bad `stream add` that echoes what was typed; and the database and its WAL
are mode 0600. Streams run for real against nginx-rtmp where a server exists,
and fail for real (ffmpeg printing their URLs) where none does.

Every secret is registered with the harness, which fails the test at the end if
any shows in any file of the cluster's temp dir or any CLI output.
"""
import json
import os
import stat
import unittest

from harness import Cluster, NginxRtmp, free_port, main, secret, wait_until


def token(name):
    """A distinct secret per run (so a leak is found, not an old log line)."""
    return secret(f"{name}{os.urandom(5).hex()}")


def proc_hides_pids():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 4 and parts[4] == "/proc" and "hidepid=" in line:
                return not any(o in line for o in ("hidepid=0", "hidepid=off"))
    return False


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class Secrets(unittest.TestCase):
    def assert_hidden(self, text, where, secrets):
        for s in secrets:
            self.assertNotIn(s, text, f"a secret shows in {where}")

    def test_no_key_of_any_kind_shows_anywhere(self):
        with NginxRtmp() as ingest, Cluster("secrets") as c:
            c.start_controller(env={"MAX_CONCURRENT_STREAMS_PER_USER": "10"})
            c.start_agent("a1", max_streams=10)
            c.wait_agent("a1")
            rtmp = f"127.0.0.1:{ingest.rtmp_port}"
            http = f"127.0.0.1:{ingest.http_port}"
            k_rtmp, fb_sig, fb_a = token("rtmpkey"), token("fbsig"), token("fbsecret")
            fb2_sig, fb2_a = token("fbsig2"), token("fbsecret2")
            srt_id, srt_pass = token("srtstream"), token("srtpassphrase")
            k_http, k_hls, cid, pw, tok = token("httpkey"), token("hlskey"), token("cidkey"), token("pw"), token("tok")
            secrets = [k_rtmp, fb_sig, fb_a, fb2_sig, fb2_a, srt_id, srt_pass, k_http, k_hls, cid, pw, tok]
            outputs = {
                # Real pushes to nginx-rtmp: a plain key, a Facebook-style key
                # with a query (nginx takes it as name and arguments), a password.
                "rtmp-path": ingest.url(k_rtmp),
                "fb-query": f"rtmp://{rtmp}/live/FB-1234567890-0-{fb_sig}?s_bl=1&s_sc=123&a={fb_a}",
                "userinfo": f"rtmp://publisher:{pw}@{rtmp}/live/withpassword",
                # Failing for real, with ffmpeg naming the URL in its errors:
                # rtmps to a plain RTMP port, SRT with no listener, http(s)
                # paths and queries that nginx refuses.
                "fb-rtmps": f"rtmps://{rtmp}/rtmp/FB-1234567890-0-{fb2_sig}?s_bl=1&s_sc=123&a={fb2_a}",
                "srt": f"srt://127.0.0.1:{free_port()}?streamid=publish:live/{srt_id}&passphrase={srt_pass}",
                "http-path": f"http://{http}/live2/{k_http}",
                "hls-push": f"http://{http}/hls/{k_hls}/index.m3u8",
                "youtube-cid": f"http://{http}/http_upload_hls?cid={cid}&copy=0&file=index.m3u8",
            }
            for name, url in outputs.items():
                c.add_lavfi(name, url)
            # A token in an input URL.
            c.add_stream("input-token", "--input", f"http://{http}/media/in.mp4?token={tok}", "--output",
                         c.path("tok.ts"), "--mode", "copy")
            names = list(outputs) + ["input-token"]
            for n in names:
                c.cli("stream", "start", n)

            wait_until(lambda: {k_rtmp, "withpassword"} <= ingest.publishing() and
                       any(p.startswith("FB-1234567890-0-") for p in ingest.publishing()), 30,
                       "nginx to see the three RTMP pushes publishing")
            def printed_url(n):
                r = c.cli("stream", "logs", n, "--tail", "500", check=False, json_out=False)
                return "://" in r.stdout
            for n in names:
                wait_until(lambda n=n: printed_url(n), 40, f"ffmpeg of {n} to print its URL")
            c.wait_state("rtmp-path", "running")

            # Every view of every stream, plain and --json. (A failing stream
            # may be between runs: its `logs` can answer "try again".)
            for fmt in (False, True):
                calls = [("stream", "ls")] + [("stream", "show", n) for n in names] + \
                        [("stream", "logs", n, "--tail", "500") for n in names]
                for args in calls:
                    r = c.cli(*args, check=False, json_out=fmt)
                    self.assertIn(r.returncode, (0, 1), args)
                    self.assert_hidden(r.stdout + r.stderr, f"{' '.join(args)} json={fmt}", secrets)
            # Masked, yet recognisable: scheme, host and application shown.
            views = json.dumps([c.stream(n) for n in names])
            for masked in (f"rtmp://{rtmp}/live/****", f"rtmp://publisher:****@{rtmp}/live/****",
                           f"http://{http}/live2/****", f"http://{http}/hls/****", "?cid=****&copy=0",
                           "streamid=****&passphrase=****", f"http://{http}/media/****"):
                self.assertIn(masked, views)
            self.assertEqual(len(c.streams()), len(names))
            # ffmpeg's own lines are there, masked.
            logs = "\n".join(c.cli("stream", "logs", "http-path", "--tail", "500")["lines"])
            self.assertIn(f"http://{http}/live2/****", logs)

            # A bad add that echoes what was typed: the CLI's parser, the
            # controller's checks, a name taken.
            k_bad = token("badaddkey")
            bad_url = f"https://{http}/live2/{k_bad}"
            for args in (
                    ("stream", "add", "b1", "--input", "x.mp4", "--output", "a.ts", "--mode", "copy", bad_url),
                    ("stream", "start", "rtmp-path", bad_url),
                    ("stream", "add", "b2", "--input", "x.mp4", "--mode", bad_url, "--output", "a.ts"),
                    ("stream", "add", "b3", "--input", "x.mp4", "--output", bad_url, "--output", bad_url),
                    ("stream", "add", "b4", "--input", "x.mp4", "--output", bad_url + "\n"),
                    ("stream", "add", "rtmp-path", "--input", "x.mp4", "--output", bad_url),
                    ("stream", "add", "b5", "--input", "x.mp4", "--output", bad_url, "--resolution", bad_url)):
                for fmt in (False, True):
                    r = c.cli(*args, check=False, json_out=fmt)
                    self.assertNotEqual(r.returncode, 0, args)
                    self.assert_hidden(r.stdout + r.stderr, f"the error of {args[2]}", [k_bad])

            # The files: every log of the controller and the agent.
            for p in c.procs:
                self.assert_hidden(p.text(), f"{p.name}'s log", secrets + [k_bad])
            # ffmpeg's command line holds the keys: the agent says so when
            # /proc shows it to every user.
            self.assertEqual("proc_not_hidden" in c.agents["a1"].text(), not proc_hides_pids())
            # The database and its WAL hold them in clear: the owner's only.
            for suffix in ("", "-wal", "-shm"):
                self.assertEqual(mode(c.db + suffix), 0o600, f"mode of {os.path.basename(c.db)}{suffix}")

    def test_a_world_readable_database_is_made_private_at_start(self):
        with Cluster("dbmode") as c:
            # Restored from a backup, made by hand or by an older version.
            old = os.umask(0o022)
            try:
                with open(c.db, "wb"):
                    pass
                os.chmod(c.db, 0o644)
                with open(c.db + "-wal", "wb"):
                    pass
                os.chmod(c.db + "-wal", 0o644)
                c.start_controller()
                k = token("dbkey")
                c.add_lavfi("s1", f"rtmp://127.0.0.1:1/live/{k}")
            finally:
                os.umask(old)
            for suffix in ("", "-wal", "-shm"):
                self.assertEqual(mode(c.db + suffix), 0o600, f"mode of {os.path.basename(c.db)}{suffix}")
            log = c.controller.text()
            self.assertIn("database_mode_fixed", log)
            self.assertIn("0644", log)

    def test_the_harness_finds_a_registered_secret(self):
        # The check at close is what guards every other test: it must see a
        # secret in a log file and in a CLI output, and not in the database.
        with Cluster("scan") as c:
            k = token("scankey")
            with open(c.path("agent-x.log"), "w") as f:
                f.write(f"line one\nffmpeg | Output #0, flv, to 'rtmp://h/live/{k}':\n")
            with open(c.db, "w") as f:
                f.write(k)
            c.cli_outputs.append((["stream", "show", "s"], f"outputs: rtmp://h/live/{k}\n", ""))
            found = c.secret_leaks()
            self.assertEqual(len(found), 2, found)
            self.assertTrue(found[0].startswith("agent-x.log:2: "), found)
            self.assertIn("ffleet stream show s (stdout line 1)", found[1])
            self.assertFalse(any(k in x for x in found), "the report shows the secret itself")
            os.unlink(c.path("agent-x.log"))
            c.cli_outputs.clear()


if __name__ == "__main__":
    main()
