"""The HTTP API (controller --http) against real controllers and agents: every
route needs a token, answers what the CLI answers with --json, fails with the
code and status the description gives, and decides by the same roles; tokens
stop working when revoked; HTTPS with a real certificate; plain HTTP beyond
loopback only when told."""
import os
import re
import sqlite3
import ssl
import subprocess
import unittest
import urllib.error
import urllib.request

from harness import BIN_DIR, Cluster, main, secret, wait_until
from test_security import Secure

# Figures that move between two reads of a live stream.
MOVING = {"cpu_percent", "rss_bytes", "fps", "speed", "bitrate_kbps", "drop_frames", "dup_frames", "progress", "eta_s",
          "warning", "pid", "run_started_at", "retry_at", "next_start", "ends_at",
          # an agent's, from its heartbeats
          "mem_used_bytes", "loop_lag_ms", "last_seen"}


def steady(rows):
    return [{k: v for k, v in r.items() if k not in MOVING} for r in rows]


def described_routes(yaml_text):
    """(METHOD, path) under `paths:` of openapi.yaml (paths at 2 spaces, methods at 4)."""
    out, path, inside = [], None, False
    for line in yaml_text.splitlines():
        if line == "paths:":
            inside = True
            continue
        if not inside:
            continue
        if line and not line.startswith((" ", "#")):
            break
        m = re.match(r"^  (/[^:]*):\s*$", line)
        if m:
            path = m.group(1)
        m = re.match(r"^    (get|post|put|delete):", line)
        if m:
            out.append((m.group(1).upper(), path))
    return out


class Api(unittest.TestCase):
    def test_every_route_needs_a_valid_token(self):
        with Cluster("http-auth") as c:
            c.start_controller(http=True)
            status, _, text = c.http("GET", "/openapi.yaml", raw=True)
            self.assertEqual(status, 200)
            routes = described_routes(text.decode())
            self.assertGreater(len(routes), 20)
            for method, path in routes:
                if path == "/openapi.yaml":
                    continue
                concrete = path.replace("{ref}", "nosuch").replace("{name}", "nosuch").replace("{id}", "1")
                body = {} if method in ("POST", "PUT") else None
                for token in (None, "ffl_" + "x" * 43, "not a token at all"):
                    status, headers, answer = c.http(method, concrete, token=token, body=body)
                    self.assertEqual(status, 401, f"{method} {path} with token {token!r}: {answer}")
                    self.assertEqual(answer["code"], "unauthenticated")
                    self.assertIn("Bearer", headers.get("WWW-Authenticate", ""))
            # An unknown route is 404 with the same error shape, not the page.
            status, _, answer = c.http("GET", "/nothing/here", token="x")
            self.assertEqual((status, answer["code"]), (404, "not_found"))

    def test_streams_and_agents_answer_what_the_cli_prints(self):
        with Cluster("http-same") as c:
            c.start_controller(http=True)
            c.start_agent("a1")
            c.wait_agent("a1")
            token = c.token("alice", "operator")
            out = c.path("out.ts")
            status, _, added = c.http("POST", "/streams", token, {
                "name": "web-1",
                "spec": {"inputs": ["testsrc2=size=320x240:rate=25"], "input_format": "lavfi", "outputs": [out],
                         "mode": "transcode"}})
            self.assertEqual(status, 201, added)
            sid = added["id"]
            self.assertEqual(c.stream(sid)["owner"], "alice")
            status, _, answer = c.http("POST", f"/streams/{sid}/start", token)
            self.assertEqual(status, 200, answer)
            c.wait_state(sid, "running")
            _, _, listed = c.http("GET", "/streams", token)
            self.assertEqual(steady(listed), steady(c.streams()))
            _, _, shown = c.http("GET", f"/streams/{sid}?runs=5", token)
            cli_shown = c.stream(sid)
            self.assertEqual(set(shown), set(cli_shown))
            self.assertEqual(shown["runs"][-1]["agent"], "a1")
            _, _, agents = c.http("GET", "/agents", token)
            self.assertEqual(steady(agents), steady(c.agent_list()))
            self.assertIn("free_sessions", agents[0])
            self.assertIn("loop_lag_ms", agents[0])
            # ffmpeg's live stderr, then only what came after the cursor.
            logs = wait_until(lambda: (lambda r: r[2] if r[0] == 200 and r[2]["lines"] else None)(
                c.http("GET", f"/streams/{sid}/logs?tail=5", token)), 20, "live log lines")
            self.assertTrue(logs["live"])
            status, _, later = c.http("GET", f"/streams/{sid}/logs?after={logs['last_seq']}", token)
            self.assertEqual(status, 200)
            self.assertTrue(all(isinstance(x, str) for x in later["lines"]))
            status, _, _ = c.http("POST", f"/streams/{sid}/stop", token)
            self.assertEqual(status, 200)
            c.wait_state(sid, "stopped")
            status, _, _ = c.http("DELETE", f"/streams/{sid}", token)
            self.assertEqual(status, 200)
            self.assertEqual(c.streams(), [])

    def test_failures_have_their_code_and_status_and_change_nothing(self):
        with Cluster("http-errors") as c:
            c.start_controller(http=True)
            token = c.token("alice", "admin")
            spec = {"inputs": ["testsrc2"], "input_format": "lavfi", "outputs": [c.path("o.ts")]}
            self.assertEqual(c.http("POST", "/streams", token, {"name": "one", "spec": spec})[0], 201)
            cases = [
                ("POST", "/streams", b"{not json", "invalid", 400),
                ("POST", "/streams", {"name": "two"}, "invalid", 400),
                ("POST", "/streams", {"name": "bad name!", "spec": spec}, "invalid", 400),
                ("POST", "/streams", {"name": "two", "spec": {**spec, "mode": "sideways"}}, "invalid", 400),
                ("POST", "/streams", {"name": "two", "spec": spec, "start_at": "yesterday-ish"}, "invalid", 400),
                ("POST", "/streams", {"name": "one", "spec": spec}, "conflict", 409),
                ("GET", "/streams/onr", None, "not_found", 404),
                ("POST", "/streams/nosuch/start", None, "not_found", 404),
                ("POST", "/agents/nosuch/drain", None, "not_found", 404),
                ("GET", "/streams/one/logs?tail=lots", None, "invalid", 400),
                ("PUT", "/limits", {"global": -5}, "invalid", 400),
                ("DELETE", "/tokens/abc", None, "invalid", 400),
            ]
            for method, path, body, code, status in cases:
                got, _, answer = c.http(method, path, token, body)
                self.assertEqual((got, answer["code"]), (status, code), f"{method} {path} {body!r}: {answer}")
                self.assertNotIn("\n", answer["message"])
            # "did you mean": the loop's own line.
            self.assertIn("one", c.http("GET", "/streams/onr", token)[2]["message"])
            # Not JSON at all: 415, and a body over 1 MiB: 413.
            got, _, answer = c.http("POST", "/streams", token, b"name=x", headers={"Content-Type": "text/plain"})
            self.assertEqual((got, answer["code"]), (415, "media_type"))
            got, _, _ = c.http("POST", "/streams", token, b"{" + b" " * (2 << 20) + b"}")
            self.assertEqual(got, 413)
            self.assertEqual([s["name"] for s in c.streams()], ["one"])

    def test_roles_decide_as_for_the_cli(self):
        with Cluster("http-roles") as c:
            s = Secure(c, agents=("a1",), http=True)
            s.add_user("bob", "user")
            s.add_user("olga", "operator")
            def token(user, role):
                t = s.cli("admin", "token", "create", "--user", user, "--role", role)["token"]
                secret(t)
                return t
            admin, bob, olga = token("admin", "admin"), token("bob", "user"), token("olga", "operator")
            spec = {"inputs": ["testsrc2=size=160x120:rate=10"], "input_format": "lavfi",
                    "outputs": [c.path("b.ts")], "mode": "transcode"}
            self.assertEqual(c.http("POST", "/streams", bob, {"name": "bobs", "spec": spec})[0], 201)
            self.assertEqual(c.http("GET", "/me", bob)[2], {"user": "bob", "role": "user"})
            # A user may not drain an agent, nor touch an admin's stream; an operator may stop any.
            got, _, answer = c.http("POST", "/agents/a1/drain", bob)
            self.assertEqual((got, answer["code"]), (403, "denied"))
            self.assertEqual(s.agents()[0]["state"], "ready")
            spec2 = {**spec, "outputs": [c.path("a.ts")]}
            self.assertEqual(c.http("POST", "/streams", admin, {"name": "admins", "spec": spec2})[0], 201)
            got, _, answer = c.http("POST", "/streams/admins/start", bob)
            self.assertEqual((got, answer["code"]), (403, "denied"))
            self.assertEqual(s.stream("admin", "admins")["state"], "stopped")
            self.assertEqual(c.http("POST", "/streams/bobs/start", bob)[0], 200)
            s.wait_state("bobs", "running")
            self.assertEqual(c.http("POST", "/streams/bobs/stop", olga)[0], 200)
            s.wait_state("bobs", "stopped")
            self.assertEqual(c.http("GET", "/users", bob)[0], 403)
            self.assertEqual(c.http("GET", "/users", admin)[0], 200)
            self.assertEqual(c.http("POST", "/agents/a1/drain", admin)[0], 200)
            wait_until(lambda: s.agents()[0]["state"] == "draining", 10, "a1 draining")
            # A user removed: their tokens stop at once.
            s.cli("admin", "user", "rm", "bob", json_out=False)
            self.assertEqual(c.http("GET", "/me", bob)[0], 401)

    def test_a_revoked_token_stops_at_once_and_only_its_digest_is_stored(self):
        with Cluster("http-revoke") as c:
            c.start_controller(http=True)
            made = c.cli("token", "create", "--user", "alice", "--role", "operator")
            token = made["token"]
            secret(token)
            self.assertEqual(c.http("GET", "/me", token)[0], 200)
            # A token made over HTTP works too, and is listed without its secret.
            status, _, new = c.http("POST", "/tokens", token, {"label": "ci"})
            self.assertEqual(status, 201, new)
            secret(new["token"])
            self.assertEqual(c.http("GET", "/me", new["token"])[2]["user"], "alice")
            _, _, listed = c.http("GET", "/tokens", token)
            self.assertEqual(sorted(t["id"] for t in listed), sorted([made["id"], new["id"]]))
            self.assertTrue(all(t["prefix"] and t["prefix"] in token + new["token"] for t in listed))
            # Without keys too, a token never mints one above its own role.
            status, _, answer = c.http("POST", "/tokens", token, {"role": "admin"})
            self.assertEqual((status, answer["code"]), (403, "denied"), answer)
            self.assertEqual(len(c.http("GET", "/tokens", token)[2]), 2)
            status, _, _ = c.http("DELETE", f"/tokens/{made['id']}", token)
            self.assertEqual(status, 200)
            self.assertEqual(c.http("GET", "/me", token)[0], 401)
            self.assertEqual(c.http("GET", "/me", new["token"])[0], 200)
            db = sqlite3.connect(c.db)
            try:
                rows = db.execute("SELECT sha256 FROM tokens").fetchall()
                dump = "\n".join(db.iterdump())
            finally:
                db.close()
            self.assertTrue(all(re.fullmatch(r"[0-9a-f]{64}", r[0]) for r in rows))
            self.assertNotIn(token, dump)
            self.assertNotIn(new["token"], dump)


class Transport(unittest.TestCase):
    def test_https_with_a_real_certificate(self):
        with Cluster("http-tls") as c:
            cert, key = c.path("cert.pem"), c.path("key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=ffleet-test", "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True, timeout=60)
            c.start_controller(http=True, extra=["--tls-cert", cert, "--tls-key", key])
            self.assertTrue(c.http_url.startswith("https://"), c.http_url)
            token = c.token("alice", "user")
            ctx = ssl.create_default_context(cafile=cert)
            req = urllib.request.Request(c.http_url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
                self.assertEqual(r.status, 200)
                self.assertIn(b'"alice"', r.read())
            # A client that does not trust the certificate gets nothing.
            with self.assertRaises(urllib.error.URLError):
                urllib.request.urlopen(req, context=ssl.create_default_context(), timeout=30)
            # Nor does plain HTTP to the HTTPS port.
            with self.assertRaises(Exception):
                urllib.request.urlopen(req.full_url.replace("https://", "http://"), timeout=10)

    def run_controller(self, c, *flags):
        return subprocess.run([os.path.join(BIN_DIR, "ffleet-controller"), "--db", c.path("x.db"), "--listen",
                               "tcp://127.0.0.1:0", *flags], capture_output=True, text=True, timeout=30)

    def test_plain_http_beyond_loopback_only_when_told(self):
        with Cluster("http-plain") as c:
            r = self.run_controller(c, "--http", "0.0.0.0:0")
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("--tls-cert", r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            r = self.run_controller(c, "--http", "127.0.0.1:0", "--tls-cert", c.path("none.pem"))
            self.assertEqual(r.returncode, 2, r.stderr)
            r = self.run_controller(c, "--http", "127.0.0.1:0", "--tls-cert", c.path("none.pem"), "--tls-key",
                                    c.path("none.key"))
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn("none.pem", r.stderr)
            c.start_controller(http=False, extra=["--http", "0.0.0.0:0", "--http-insecure"])
            url = c._read_log(c.controller, 0, rb"http_listening listen=(\S+)", "http_listening")
            self.assertTrue(url.startswith("http://0.0.0.0:"), url)


if __name__ == "__main__":
    main()
