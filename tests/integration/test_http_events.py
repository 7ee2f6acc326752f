"""Server-sent events (GET /api/v1/events) from a real controller with a real
agent and ffmpeg: hello first, then each change of a stream, its figures as
they arrive, agents, and the controller's own figures; a client that is gone
frees its place; the number of listeners is capped."""
import http.client
import json
import threading
import time
import unittest
import urllib.parse

from harness import Cluster, main, secret, wait_until


class Events:
    """One event stream, read by a thread into a list of (name, data)."""

    def __init__(self, url, token):
        u = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.conn.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}"})
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.events = []
        self.lock = threading.Lock()
        self.thread = None
        if self.status == 200:
            self.thread = threading.Thread(target=self._read, daemon=True)
            self.thread.start()
        else:
            self.body = json.loads(self.resp.read() or b"null")
            self.conn.close()

    def _read(self):
        name, data = None, []
        try:
            for raw in self.resp:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "" and name:
                    with self.lock:
                        self.events.append((name, json.loads("\n".join(data))))
                    name, data = None, []
        except Exception:  # closed by close() or the server
            pass

    def find(self, name, pred=lambda d: True):
        with self.lock:
            return next((d for n, d in self.events if n == name and pred(d)), None)

    def wait(self, name, pred=lambda d: True, timeout=20):
        return wait_until(lambda: self.find(name, pred), timeout, f"event {name}")

    def close(self):
        try:
            self.conn.sock.shutdown(2)
        except Exception:
            pass
        self.conn.close()


class ServerSentEvents(unittest.TestCase):
    def test_changes_figures_and_agents_arrive_without_asking(self):
        with Cluster("http-events") as c:
            c.start_controller(http=True)
            c.start_agent("a1")
            c.wait_agent("a1")
            token = c.token("alice", "operator")
            ev = Events(c.http_url, token)
            try:
                self.assertEqual(ev.status, 200)
                hello = ev.wait("hello")
                self.assertEqual((hello["user"], hello["role"]), ("alice", "operator"))
                self.assertTrue(hello["boot"])
                sid = c.add_lavfi("live", c.path("live.ts"), "--mode", "transcode")
                added = ev.wait("stream", lambda d: d["id"] == sid)
                self.assertEqual(added["name"], "live")
                self.assertNotIn("outputs", added)  # as `stream ls`: no inputs or outputs
                c.cli("stream", "start", "live", json_out=False)
                ev.wait("stream", lambda d: d["id"] == sid and d["state"] == "running")
                figures = ev.wait("figures", lambda d: any(s["id"] == sid and s["fps"] > 0 for s in d["streams"]))
                self.assertEqual(figures["agent"], "a1")
                self.assertIn("bitrate_kbps", figures["streams"][0])
                ev.wait("agent", lambda d: d["name"] == "a1" and d["streams"] == 1)
                ev.wait("fleet", lambda d: d["agents"] == 1 and "loop_lag_ms" in d)
                c.cli("stream", "stop", "live", json_out=False)
                ev.wait("stream", lambda d: d["id"] == sid and d["state"] == "stopped")
                c.cli("stream", "rm", "live", json_out=False)
                ev.wait("stream_removed", lambda d: d["id"] == sid)
                # Events come in order: running before stopped.
                with ev.lock:
                    states = [d["state"] for n, d in ev.events if n == "stream" and d["id"] == sid]
                self.assertEqual(states[0], "stopped")  # as added
                self.assertIn("stopped", states[states.index("running"):])
            finally:
                ev.close()

    def test_a_revoked_token_loses_its_open_stream(self):
        with Cluster("http-events-revoke") as c:
            c.start_controller(http=True)
            made = c.cli("token", "create", "--user", "alice", "--role", "user")
            secret(made["token"])
            ev = Events(c.http_url, made["token"])
            try:
                ev.wait("hello")
                c.cli("token", "revoke", str(made["id"]), json_out=False)
                # The server asks about the token again every 5 s and ends the stream.
                wait_until(lambda: not ev.thread.is_alive(), 30, "the revoked token's stream to end")
                with ev.lock:
                    seen = len(ev.events)
                self.assertGreater(seen, 0)
            finally:
                ev.close()

    def test_listeners_are_capped_and_a_closed_one_frees_its_place(self):
        with Cluster("http-events-cap") as c:
            c.start_controller(http=True, env={"FFLEET_HTTP_EVENT_CLIENTS": "2"})
            token = c.token("alice", "user")
            first, second = Events(c.http_url, token), Events(c.http_url, token)
            try:
                self.assertEqual((first.status, second.status), (200, 200))
                first.wait("hello")
                third = Events(c.http_url, token)
                self.assertEqual(third.status, 429)
                self.assertEqual(third.body["code"], "busy")
                self.assertIn("http_event_clients", third.body["message"])
                # A bad token never gets a place.
                self.assertEqual(Events(c.http_url, "ffl_nope").status, 401)
                first.close()
                # The server finds it gone at its next write (a keep-alive at the latest).
                def fourth():
                    e = Events(c.http_url, token)
                    if e.status == 200:
                        return e
                    time.sleep(0.5)
                    return None
                again = wait_until(fourth, 30, "a place freed by the closed listener")
                again.wait("hello")
                again.close()
            finally:
                first.close()
                second.close()


if __name__ == "__main__":
    main()
