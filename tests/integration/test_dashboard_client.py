"""The dashboard's client side in a real Chromium against a scripted HTTP server:
what the real controller does not produce on demand (test_dashboard.py runs the
page against the real one). Events split anywhere across reads, CRLF line ends and
keep-alive comments; `resync` and a new `boot` refetch the lists; a reconnect sends
Last-Event-ID; a token revoked while the page is open brings the login prompt with
the server's message; a refusal (403) shows as the server words it; names and
errors with markup stay text.
"""
import json
import os
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cdp
from harness import SOURCE_DIR, Cluster, main, secret

WEB = os.path.join(SOURCE_DIR, "controller", "web")
TOKEN = "client-test-token-7c1e9a"
HOSTILE = '<img src=x onerror="window.__pwned=1">'
TYPES = {"html": "text/html; charset=utf-8", "js": "text/javascript", "css": "text/css"}


def stream(sid, name, owner, state, **kw):
    s = {"id": sid, "name": name, "owner": owner, "state": state, "agent": "a1" if state == "running" else None,
         "pid": None, "encoder": None, "attempt": 1, "cpu_percent": 0, "rss_bytes": 0, "fps": 0, "speed": 0,
         "last_error": None, "waiting_for": None, "warning": None, "progress": None, "eta_s": None,
         "next_start": None, "ends_at": None, "retries": 0, "retry_at": None, "bitrate_kbps": 0, "drop_frames": 0,
         "dup_frames": 0, "run_started_at": None}
    s.update(kw)
    return s


class Script:
    """What the server answers; the test changes it as it goes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.revoked = False
        self.stopping = False
        self.stream_gets = 0
        self.event_conns = 0
        self.last_event_ids = []
        self.streams = [stream(1, HOSTILE, "carol", "running", fps=25.0, speed=1.0),
                        stream(2, "carol-spare", "carol", "stopped", last_error="<b>bold</b> error"),
                        stream(3, "dave-cam", "dave", "running")]
        self.agents = [{"name": "a1", "hostname": "<script>x</script>", "state": "ready", "streams": 2,
                        "max_streams": 4, "encoders": ["libx264"], "cpu_percent": 10, "mem_used_bytes": 1,
                        "mem_total_bytes": 2, "cpus": 2, "reconnecting": False, "unknown_runs": 0, "duplicate": None,
                        "ffmpeg_version": "5.1", "last_seen": None, "free_sessions": {}, "loop_lag_ms": 0.1}]


def handler(script):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, code, body, ctype="application/json"):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            self.route()

        def do_GET(self):
            self.route()

        def route(self):
            path = self.path.split("?")[0]
            if path == "/" or path.startswith("/assets/"):
                f = os.path.join(WEB, "index.html" if path == "/" else os.path.basename(path))
                with open(f, "rb") as fh:
                    return self.reply(200, fh.read(), TYPES[f.rsplit(".", 1)[1]])
            if self.headers.get("Authorization") != f"Bearer {TOKEN}" or script.revoked:
                return self.reply(401, {"code": "unauthenticated", "message": "token revoked"})
            if path == "/api/v1/me":
                return self.reply(200, {"user": "carol", "role": "user"})
            if path == "/api/v1/streams":
                with script.lock:
                    script.stream_gets += 1
                return self.reply(200, script.streams)
            if path == "/api/v1/agents":
                return self.reply(200, script.agents)
            if path.endswith("/thumbnail"):
                return self.reply(404, {"code": "not_found", "message": "no thumbnail: carol-spare copies"})
            if path.endswith("/logs"):
                return self.reply(200, {"lines": ["<b>ffmpeg</b> line"], "live": True, "attempt": 1,
                                        "first_seq": 1, "last_seq": 1})
            if path.startswith("/api/v1/streams/") and path.count("/") == 4:
                with script.lock:
                    s = dict(script.streams[1], runs=[], inputs=[], outputs=[])
                return self.reply(200, s)
            if path.startswith("/api/v1/streams/") and path.endswith("/start"):
                return self.reply(403, {"code": "denied", "message": "carol may not start carol-spare: <quota>"})
            if path == "/api/v1/events":
                return self.events()
            return self.reply(404, {"code": "not_found", "message": "no such route"})

        def chunk(self, data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def events(self):
            with script.lock:
                script.event_conns += 1
                n = script.event_conns
                script.last_event_ids.append(self.headers.get("Last-Event-ID"))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if n == 1:
                fig = {"id": 1, "fps": 12.5, "speed": 0.5, "bitrate_kbps": 640, "cpu_percent": 3, "rss_bytes": 1 << 20}
                with script.lock:  # as the controller: its lists agree with what it sent
                    script.streams[0].update(fig)
                text = ("id: 1\r\nevent: hello\r\ndata: {\"user\":\"carol\",\"role\":\"user\",\"boot\":\"b1\"}\r\n\r\n"
                        ": keep-alive\n\n"
                        f"id: 2\nevent: figures\ndata: {json.dumps({'agent': 'a1', 'streams': [fig]})}\n\n"
                        "id: 3\nevent: resync\ndata: {}\n\n").encode()
                # Split everywhere: inside a field name, inside the JSON, across "\r\n".
                for i in range(0, len(text), 7):
                    self.chunk(text[i:i + 7])
                    time.sleep(0.005)
                self.wfile.write(b"0\r\n\r\n")  # the server closes: the page reconnects
                return
            if n == 2:
                with script.lock:
                    script.streams[1].update(state="failed", last_error="exit 1: <i>bad</i>")
                    changed = dict(script.streams[1])
                self.chunk(b"id: 1\nevent: hello\ndata: {\"user\":\"carol\",\"role\":\"user\",\"boot\":\"b2\"}\n\n")
                self.chunk(f"id: 2\nevent: stream\ndata: {json.dumps(changed)}\n\n".encode())
                time.sleep(1.0)  # after the refetch the hello asked for
                # Only in the event, not in the lists: shows only if the event applies.
                fig = {"agent": "a1", "streams": [{"id": 1, "fps": 7.5, "speed": 0.5}]}
                self.chunk(f"id: 3\nevent: figures\ndata: {json.dumps(fig)}\n\n".encode())
            while not script.stopping and not script.revoked:
                time.sleep(0.1)
            try:
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            self.close_connection = True
    return H


class DashboardClient(unittest.TestCase):
    def setUp(self):
        if not cdp.available():
            msg = f"{cdp.CHROMIUM} is missing (`make test` installs BROWSER_DEB_PACKAGES)"
            if os.environ.get("FFLEET_ALLOW_NO_BROWSER") == "1":
                self.skipTest(msg)
            self.fail(msg)

    def test_events_refetch_revoke_and_text_only(self):
        secret(TOKEN)
        script = Script()
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler(script))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            with Cluster("dashclient") as c:
                browser = cdp.Chromium(c.path("chromium"), c.path("chromium.log"))
                try:
                    self.run_page(browser.new_page(), base, script)
                finally:
                    browser.close()
        finally:
            script.stopping = True
            server.shutdown()
            server.server_close()

    def run_page(self, page, base, script):
        page.navigate(base + "/")
        page.type_into("#token", TOKEN)
        page.press_enter()
        page.wait_for("document.querySelectorAll('tbody tr').length === 3", 10, "three rows")

        # Markup from the server stays text.
        names = page.evaluate("[...document.querySelectorAll('tbody .c-name')].map(e => e.textContent)")
        self.assertIn(HOSTILE, names)
        self.assertFalse(page.evaluate("!!document.querySelector('#view img')"))
        self.assertFalse(page.evaluate("!!document.querySelector('#view b, #view script, #view i')"))

        # Every event read whole though split anywhere (a broken one is dropped,
        # so the count would fall short): hello, figures, resync; hello, stream,
        # figures. The reconnect said where it was; resync and each hello
        # fetched the lists again; the last figures (in no list) applied.
        page.wait_for("window.ffleet.events === 6", 10, "six events")
        row = "document.querySelector('tbody tr[data-id=\"1\"]')"
        page.wait_for(f"{row}.querySelector('.c-fps').textContent === '7.5'", 10, "fps from the last event")
        self.assertIn("warn", page.evaluate(f"{row}.querySelector('.c-speed').className"))
        self.assertEqual(page.evaluate("document.querySelector('tbody tr[data-id=\"2\"]').dataset.state"), "failed")
        self.assertEqual(script.last_event_ids[:2], [None, "3"])
        self.assertGreaterEqual(script.stream_gets, 4)  # login, hello, resync, hello
        self.assertIsNone(page.evaluate("window.__pwned"))

        # Only her own rows have buttons (role user); a refusal shows as the server says it.
        self.assertEqual(page.evaluate("document.querySelectorAll('tr[data-owner=dave] button').length"), 0)
        page.evaluate("location.hash = '#/fleet'")
        page.wait_for("document.querySelectorAll('section.agent').length === 1", 10, "the agent card")
        self.assertEqual(page.evaluate("document.querySelectorAll('section.agent button').length"), 0)
        self.assertFalse(page.evaluate("!!document.querySelector('#view script')"))
        page.evaluate("location.hash = '#/streams'")
        page.wait_for("!!document.querySelector('tbody tr[data-id=\"2\"] button.start')", 10, "carol's start button")
        page.click("tbody tr[data-id=\"2\"] button.start")
        page.wait_for("document.getElementById('flash').textContent.includes("
                      "'carol may not start carol-spare: <quota>')", 10, "the 403 message")

        # A stream without a thumbnail says so; its stderr stays text.
        page.evaluate("location.hash = '#/streams/2'")
        page.wait_for("document.querySelector('.thumb-note').textContent === 'no thumbnail' && "
                      "document.querySelector('img.thumb').hidden", 10, "the 'no thumbnail' text")
        page.wait_for("document.querySelector('pre.log').textContent.includes('<b>ffmpeg</b> line')", 10,
                      "the stderr line as text")
        self.assertFalse(page.evaluate("!!document.querySelector('#view b')"))

        # The token revoked while the page is open: the login prompt, with why.
        script.revoked = True
        err = page.wait_for("!document.getElementById('login').hidden && "
                            "document.getElementById('login-error').textContent", 15, "the login prompt")
        self.assertIn("token revoked", err)
        self.assertTrue(page.evaluate("document.getElementById('app').hidden"))
        self.assertEqual(page.evaluate("document.querySelectorAll('tbody tr').length"), 0)
        self.assertNotIn(TOKEN, page.evaluate("document.documentElement.outerHTML"))


if __name__ == "__main__":
    main()
