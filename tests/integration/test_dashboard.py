"""The web dashboard in a real Chromium, against a real controller (--http), two
real agents and real lavfi transcodes (two of them pushing to a real nginx-rtmp).

Chromium is driven over the DevTools pipe (cdp.py). Screenshots of the fleet,
streams and stream pages, and timings.json (navigation timing and the page's
`ffleet-ready` mark), go to build/screenshots/ (FFLEET_SCREENSHOT_DIR overrides).
`make test` installs chromium (BROWSER_DEB_PACKAGES); without it this test fails,
unless FFLEET_ALLOW_NO_BROWSER=1 (then it skips, saying so).
"""
import json
import os
import secrets
import unittest
import urllib.error
import urllib.request

import cdp
from harness import SOURCE_DIR, Cluster, NginxRtmp, main, wait_until

SCREENSHOT_DIR = os.environ.get("FFLEET_SCREENSHOT_DIR") or os.path.join(SOURCE_DIR, "build", "screenshots")
LIVE_S = 20  # deadline for anything the page shows live


def js(s):
    return json.dumps(s)


class Dashboard(unittest.TestCase):
    def setUp(self):
        if not cdp.available():
            msg = (f"{cdp.CHROMIUM} is missing: the dashboard test needs Debian's chromium "
                   "(`make test` installs BROWSER_DEB_PACKAGES)")
            if os.environ.get("FFLEET_ALLOW_NO_BROWSER") == "1":
                self.skipTest(msg)
            self.fail(msg)
        os.makedirs(SCREENSHOT_DIR, exist_ok=True)

    # --- page helpers --------------------------------------------------------
    def login(self, page, token):
        page.wait_for("!document.getElementById('login').hidden", 10, "the login prompt")
        page.type_into("#token", token)
        page.press_enter()

    def row(self, name):
        return f"[...document.querySelectorAll('tbody tr')].find(r => r.querySelector('.c-name').textContent === {js(name)})"

    def figures_text(self, page):
        return page.evaluate("[...document.querySelectorAll('tbody tr[data-state=running]')].map(r => "
                             "['fps','speed','bitrate','cpu','rss'].map(k => r.querySelector('.c-' + k).textContent)"
                             ".join(' ')).join(' | ')")

    def assert_no_secret(self, page, where, secrets_):
        html = page.evaluate("document.documentElement.outerHTML")
        for s in secrets_:
            self.assertNotIn(s, html, f"a secret shows in the page ({where})")
        self.assertTrue(page.evaluate("localStorage.length === 0 && sessionStorage.length === 0 && "
                                      "document.cookie === ''"), f"the page stored something ({where})")

    def wait_page(self, page, expression, timeout, what):
        """page.wait_for, and on a timeout what the page says (its message, the
        event stream's state, the events counted)."""
        try:
            return page.wait_for(expression, timeout, what)
        except AssertionError as e:
            said = page.evaluate("JSON.stringify({flash: document.getElementById('flash').textContent, "
                                 "conn: document.getElementById('conn').textContent, events: window.ffleet.events, "
                                 "rows: [...document.querySelectorAll('tbody tr')].map(r => "
                                 "r.querySelector('.c-name').textContent + ':' + r.dataset.state)})")
            raise AssertionError(f"{e}; the page: {said}") from None

    def shot(self, page, name):
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        page.screenshot(os.path.join(SCREENSHOT_DIR, f"{name}.png"))

    # --- the test --------------------------------------------------------------
    def test_dashboard_live_roles_and_secrets(self):
        live_key = "dash" + secrets.token_hex(8)
        bob_key = "dash" + secrets.token_hex(8)
        with NginxRtmp() as ingest, Cluster("dashboard") as c:
            c.start_controller(http=True)
            base = c.http_url.rstrip("/")
            for a in ("a1", "a2"):
                c.start_agent(a, max_streams=2)
            for a in ("a1", "a2"):
                c.wait_agent(a)
            live = c.add_lavfi("alice-live", ingest.url(live_key), "--mode", "transcode", user="alice")
            spare = c.add_lavfi("alice-spare", "null", "--mode", "transcode", user="alice")
            cam = c.add_lavfi("bob-cam", ingest.url(bob_key), "--mode", "transcode", user="bob")
            c.cli("stream", "start", str(live), user="alice")
            c.cli("stream", "start", str(cam), user="bob")
            c.wait_state(live, "running", timeout=30)
            c.wait_state(cam, "running", timeout=30)
            alice = c.token("alice", "admin")  # registered as secrets
            bob = c.token("bob", "user")
            hidden = [live_key, bob_key, alice, bob]

            browser = cdp.Chromium(c.path("chromium"), c.path("chromium.log"))
            try:
                page = browser.new_page()
                page.navigate(base + "/")

                # A bad token: the login prompt again, with the server's error.
                self.login(page, "not-a-token-" + secrets.token_hex(6))
                err = page.wait_for("!document.getElementById('login-error').hidden && "
                                    "document.getElementById('login-error').textContent", 10, "the login error")
                self.assertIn("refused", err)
                self.assertTrue(page.evaluate("document.getElementById('app').hidden"))

                # Alice (admin): every stream, both agents.
                self.login(page, alice)
                page.wait_for("document.querySelectorAll('tbody tr').length === 3", LIVE_S, "three stream rows")
                names = page.evaluate("[...document.querySelectorAll('tbody .c-name')].map(e => e.textContent)")
                self.assertEqual(sorted(names), ["alice-live", "alice-spare", "bob-cam"])
                self.assertEqual(page.wait_for("document.getElementById('who').textContent", 5, "who"), "alice (admin)")
                self.write_timings(page, browser)

                # Figures change live: no reload (the marker survives), events arrive.
                page.evaluate("window.__mark = 'kept'")
                before, events = self.figures_text(page), page.evaluate("window.ffleet.events")
                page.wait_for(f"window.__mark === 'kept' && window.ffleet.events > {events} && "
                              f"{js(before)} !== [...document.querySelectorAll('tbody tr[data-state=running]')]"
                              ".map(r => ['fps','speed','bitrate','cpu','rss'].map(k => "
                              "r.querySelector('.c-' + k).textContent).join(' ')).join(' | ')",
                              LIVE_S, f"a figure to change without a reload (was {before})")
                page.wait_for(f"{self.row('alice-live')}.querySelector('.c-time').textContent.match(/\\d+s/)",
                              LIVE_S, "alice-live's uptime")
                page.wait_for("[...document.querySelectorAll('tbody tr[data-state=running]')].every(r => "
                              "parseFloat(r.querySelector('.c-fps').textContent) > 0)", LIVE_S,
                              "every running stream's fps")
                self.shot(page, "streams")
                self.assert_no_secret(page, "streams", hidden)

                # Alice starts her stopped stream from the page.
                page.evaluate(f"{self.row('alice-spare')}.querySelector('button.start').click()")
                self.wait_page(page, f"{self.row('alice-spare')}.dataset.state === 'running'", 30,
                               "alice-spare's row to show running")
                self.assertEqual(c.stream(spare)["state"], "running")

                # The fleet page: both agents, drain buttons for an admin.
                page.evaluate("location.hash = '#/fleet'")
                page.wait_for("document.querySelectorAll('section.agent').length === 2", LIVE_S, "two agent cards")
                self.assertEqual(sorted(page.evaluate("[...document.querySelectorAll('section.agent h2')]"
                                                      ".map(e => e.textContent)")), ["a1", "a2"])
                self.assertEqual(page.evaluate("document.querySelectorAll('section.agent button.drain').length"), 2)
                self.assertEqual(page.evaluate("window.__mark"), "kept")
                self.shot(page, "fleet")
                self.assert_no_secret(page, "fleet", hidden)

                # One stream: sparklines fill, the stderr tail and run history show.
                page.evaluate(f"location.hash = '#/streams/{live}'")
                page.wait_for("document.querySelector('#view h1').textContent === 'alice-live'", 10, "the stream page")
                page.wait_for("document.querySelectorAll('.spark polyline').length === 3 && "
                              "[...document.querySelectorAll('.spark polyline')].every(p => "
                              "p.getAttribute('points').split(' ').length >= 3)", LIVE_S, "three sparklines")
                page.wait_for("document.querySelector('pre.log').textContent.length > 0", LIVE_S, "stderr lines")
                page.wait_for("document.querySelectorAll('table.runs tbody tr').length >= 1", LIVE_S, "a run")
                self.check_thumbnail(page, base, alice, live)
                self.shot(page, "stream")
                self.assert_no_secret(page, "stream", hidden)

                # Bob (user): buttons only on his own row; the page follows a
                # change made elsewhere (the CLI) without a reload.
                page.click("#logout")
                self.login(page, bob)
                page.wait_for("document.getElementById('who').textContent === 'bob (user)'", 10, "bob logged in")
                page.evaluate("location.hash = '#/streams'")
                page.wait_for("document.querySelectorAll('tbody tr').length === 3", LIVE_S, "three rows for bob")
                self.assertEqual(page.evaluate("document.querySelectorAll('tbody tr[data-owner=alice] button').length"), 0)
                self.assertEqual(page.evaluate(f"{self.row('bob-cam')}.querySelectorAll('button.start, button.stop')"
                                               ".length"), 2)
                page.evaluate("window.__mark = 'bob'")
                c.cli("stream", "stop", str(cam), user="bob")
                page.wait_for(f"window.__mark === 'bob' && {self.row('bob-cam')}.dataset.state === 'stopped'",
                              LIVE_S, "bob-cam's row to show stopped (an event, no reload)")
                self.assert_no_secret(page, "bob's streams", hidden)
            finally:
                browser.close()

    def check_thumbnail(self, page, base, token, sid):
        """The thumbnail <img> loads (a transcoding run keeps one: docs/agent.md)."""
        def ready():
            req = urllib.request.Request(f"{base}/api/v1/streams/{sid}/thumbnail",
                                         headers={"Authorization": f"Bearer {token}"})
            try:
                with urllib.request.urlopen(req, timeout=5) as r:
                    return r.status == 200 and r.headers.get("Content-Type", "").startswith("image/jpeg")
            except urllib.error.HTTPError as e:
                return (False, e.code, e.read()[:200])
        wait_until(lambda: ready() is True, LIVE_S, "GET /streams/ID/thumbnail to answer a JPEG")
        self.wait_page(page, "document.querySelector('img.thumb').naturalWidth > 0 && "
                       "document.querySelector('img.thumb').src.startsWith('blob:')", LIVE_S,
                       "the thumbnail <img> to load")

    def write_timings(self, page, browser):
        t = page.evaluate("""(() => {
            const n = performance.getEntriesByType('navigation')[0];
            const ready = performance.getEntriesByName('ffleet-ready')[0];
            const login = performance.getEntriesByName('ffleet-login').slice(-1)[0];
            return {navigation: {response_end_ms: n.responseEnd, dom_content_loaded_ms: n.domContentLoadedEventEnd,
                                 load_ms: n.loadEventEnd, transfer_bytes: n.transferSize},
                    ready_ms: ready ? ready.startTime : null,
                    login_to_table_ms: ready && login ? ready.startTime - login.startTime : null,
                    resources: performance.getEntriesByType('resource').length};
        })()""")
        t["chromium"] = browser.version().get("product")
        with open(os.path.join(SCREENSHOT_DIR, "timings.json"), "w") as f:
            json.dump(t, f, indent=2)
        print("dashboard timings:", json.dumps(t))
        self.assertIsNotNone(t["ready_ms"], "the page never marked ffleet-ready")


if __name__ == "__main__":
    main()
