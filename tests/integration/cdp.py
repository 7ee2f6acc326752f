"""A small Chrome DevTools Protocol client over --remote-debugging-pipe (stdlib only).

Chromium reads commands on fd 3 and writes answers and events on fd 4, one JSON
object per message, each ended by a NUL byte: no port, no websocket. Only stable
domains are used (Target, Page, Runtime, Input, Browser), so Debian's security
updates of chromium do not break it.

    with Chromium(profile_dir, log_path) as browser:
        page = browser.new_page()
        page.navigate("http://127.0.0.1:8080/")
        page.wait_for("document.readyState === 'complete'", 10, "the page to load")
        page.evaluate("document.title")

Chromium runs in its own process group (a new session); close() asks it to quit
(Browser.close), then kills the whole group and whatever it started, so no
chromium child outlives the test.
"""
import base64
import fcntl
import json
import os
import shutil
import signal
import subprocess
import threading
import time

from harness import descendants, wait_until

CHROMIUM = os.environ.get("FFLEET_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-breakpad",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--password-store=basic",
         "--remote-debugging-pipe"]


class CDPError(Exception):
    pass


def available():
    return shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM)


class Chromium:
    def __init__(self, profile_dir, log_path, window=(1366, 900), extra=()):
        os.makedirs(profile_dir, exist_ok=True)
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Copies above fd 10 so the dup2 onto 3 and 4 in the child cannot
        # clobber one another.
        hi_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        hi_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def child_fds():
            os.dup2(hi_r, 3)  # dup2's copy is inheritable, the originals close on exec
            os.dup2(hi_w, 4)

        args = [CHROMIUM, *FLAGS, f"--user-data-dir={profile_dir}", f"--window-size={window[0]},{window[1]}",
                *extra, "about:blank"]
        self.log = open(log_path, "ab")
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                         close_fds=False, preexec_fn=child_fds, start_new_session=True)
        finally:
            os.close(hi_r)
            os.close(hi_w)
        self._w = to_chrome_w
        self._r = from_chrome_r
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._next_id = 0
        self._answers = {}
        self.events = []  # (sessionId, method, params) of every event, in order
        self._eof = False
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, name="cdp-reader", daemon=True)
        self._reader.start()

    # --- the pipe --------------------------------------------------------
    def _read_loop(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._r, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                try:
                    msg = json.loads(raw)
                except ValueError:
                    continue
                with self._cond:
                    if "id" in msg:
                        self._answers[msg["id"]] = msg
                    else:
                        self.events.append((msg.get("sessionId"), msg.get("method"), msg.get("params", {})))
                    self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def send(self, method, params=None, session=None, timeout=30):
        """Sends one command and waits for its answer's result (CDPError on an error)."""
        with self._send_lock:
            self._next_id += 1
            mid = self._next_id
            msg = {"id": mid, "method": method, "params": params or {}}
            if session:
                msg["sessionId"] = session
            data = json.dumps(msg).encode() + b"\0"
            try:
                while data:
                    data = data[os.write(self._w, data):]
            except OSError as e:
                raise CDPError(f"{method}: chromium's pipe is closed ({e})") from None
        deadline = time.monotonic() + timeout
        with self._cond:
            while mid not in self._answers:
                left = deadline - time.monotonic()
                if self._eof:
                    raise CDPError(f"{method}: chromium exited (code {self.proc.poll()})")
                if left <= 0:
                    raise CDPError(f"{method}: no answer in {timeout}s")
                self._cond.wait(left)
            answer = self._answers.pop(mid)
        if "error" in answer:
            raise CDPError(f"{method}: {answer['error'].get('message')} {answer['error'].get('data', '')}".strip())
        return answer.get("result", {})

    # --- pages -----------------------------------------------------------
    def new_page(self, url="about:blank"):
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Page(self, target, session)

    def version(self):
        return self.send("Browser.getVersion")

    # --- the end ---------------------------------------------------------
    def close(self):
        """Browser.close, then SIGKILL to the process group and every process
        it started (a zygote or crashpad child that left the group included)."""
        if self._closed:
            return
        self._closed = True
        kids = descendants(self.proc.pid)
        try:
            if self.proc.poll() is None:
                self.send("Browser.close", timeout=5)
        except CDPError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        kids += [k for k in descendants(self.proc.pid) if k not in kids]
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._reader.join(timeout=5)
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Page:
    def __init__(self, browser, target, session):
        self.browser, self.target, self.session = browser, target, session

    def send(self, method, params=None, timeout=30):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def navigate(self, url, timeout=30):
        r = self.send("Page.navigate", {"url": url}, timeout=timeout)
        if r.get("errorText"):
            raise CDPError(f"navigate {url}: {r['errorText']}")
        self.wait_for("document.readyState === 'complete'", timeout, f"{url} to load")

    def evaluate(self, expression, timeout=30):
        """The value of a JS expression (a promise is awaited); CDPError if it throws."""
        r = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True,
                                           "userGesture": True}, timeout=timeout)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text")
            raise CDPError(f"evaluate failed: {text}")
        return r.get("result", {}).get("value")

    def wait_for(self, expression, timeout, what, interval=0.1):
        """Polls a JS expression until it is truthy; returns its value."""
        def value():
            try:
                return self.evaluate(expression)
            except CDPError as e:
                raise AssertionError(str(e))  # noted as the last answer, and tried again
        return wait_until(value, timeout, what, interval)

    def click(self, selector):
        """Clicks the first element matching a CSS selector (DOM click); fails if none."""
        ok = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                           f" if (!e) return false; e.click(); return true; }})()")
        if not ok:
            raise AssertionError(f"nothing to click at {selector}")

    def type_into(self, selector, text):
        """Focuses an input and types text as a keyboard would (Input.insertText)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", {"text": text})

    def press_enter(self):
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter",
                                                 "windowsVirtualKeyCode": 13, "text": "\r" if kind == "keyDown" else ""})

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path
