"""Integration-test harness: real ffleet binaries, real ffmpeg, real nginx-rtmp.

A Cluster owns a temp dir and every process it starts; leaving its `with` block
(normally or by an exception) stops them all, kills whatever of ours is left (a
test that leaves a process behind fails), and removes the temp dir. The first
controller binds port 0; the harness reads the endpoint back from its log. Every
wait is a poll with a deadline.

Secrets: a test registers every stream key, password or token it uses with
`secret(s)` (NginxRtmp.url(key) does it for its key). When a Cluster closes, no
registered secret may show in any file of its temp dir (every log) nor in any
output of its CLI calls (secret_scan.py says what is read and what is not).
"""
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import secret_scan
from secret_scan import MIN_SECRET_LEN, secret  # noqa: F401 (tests import them from here)

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.environ.get("FFLEET_BIN_DIR", os.path.join(SOURCE_DIR, "build", "asan", "bin"))
STANDINS = os.path.join(SOURCE_DIR, "tests", "standins")

_live_clusters = []

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, what, interval=0.05):
    """Polls pred() until it returns something truthy; fails naming `what`."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = pred()
        except (AssertionError, KeyError, IndexError, TypeError) as e:
            last = e
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
        time.sleep(interval)


def pid_alive(pid):
    """True if the process exists and is not a zombie."""
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


def pids_matching(text):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != os.getpid() and text in cmdline(d) and pid_alive(int(d)):
            out.append(int(d))
    return out


def started_at(pid):
    """When a process started, in CLOCK_BOOTTIME seconds (to 10 ms), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def descendants(pid):
    """The processes below `pid` now (children, their children, ...)."""
    children = {}
    for d in os.listdir("/proc"):
        try:
            with open(f"/proc/{d}/stat") as f:
                children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


class Proc:
    """A daemon started in its own session, logging to a file."""

    def __init__(self, name, args, log, env=None):
        self.name, self.args, self.log = name, args, log
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.logf = open(log, "ab")
        self.popen = subprocess.Popen(args, stdout=self.logf, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=full_env, start_new_session=True)

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def send_signal(self, sig):
        if self.alive():
            os.kill(self.popen.pid, sig)

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops the process; returns its exit code (None if it had to be killed)."""
        if self.alive():
            self.send_signal(sig)
            code = self.wait(timeout)
            if code is None:
                try:
                    os.killpg(self.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait()
                code = None
        else:
            code = self.popen.returncode
        self.logf.close()
        return code

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()


class Cluster:
    """A controller, agents and CLI calls in one temp dir."""

    def __init__(self, name="it"):
        self.dir = tempfile.mkdtemp(prefix=f"ffleet-{name}-")
        # Known once the first controller has bound port 0 and logged where it
        # listens (or once reserve_endpoint() picked one for an early agent);
        # every later controller of this cluster listens there again.
        self.port = None
        self.endpoint = None
        self.db = os.path.join(self.dir, "ffleet.db")
        self.controller = None
        self.http_url = None   # start_controller(http=True)
        self.http_port = None
        self.agents = {}
        self.procs = []
        # (argv, stdout, stderr) of every CLI call, scanned for secrets at close.
        self.cli_outputs = []
        # Run by close() once every process has stopped, before the temp dir
        # goes (unmounting what a test mounted inside it, say).
        self.on_close = []
        _live_clusters.append(self)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.dump_logs()
        # With a failure already on its way, a leak is reported beside it
        # rather than in its place.
        self.close(check=exc_type is None)
        return False

    # --- processes -------------------------------------------------------
    def on_host(self, host, args):
        """The command that runs `args` on `host` ("ctl" or an agent's name);
        here every host is this machine."""
        return list(args)

    def listen_host(self):
        """The address the controller listens on, as agents and the CLI reach it."""
        return "127.0.0.1"

    def reserve_port(self):
        """A port that is free now, for an endpoint needed before any controller runs."""
        return free_port()

    def reserve_endpoint(self):
        """The controller's endpoint, picked now if no controller has run yet: for
        processes started before the controller (an agent that must find it once
        it comes). The port is free when picked; nothing holds it until then."""
        if self.endpoint is None:
            self._set_endpoint(f"tcp://{self.listen_host()}:{self.reserve_port()}")
        return self.endpoint

    def _set_endpoint(self, endpoint):
        self.endpoint = endpoint
        self.port = int(endpoint.rsplit(":", 1)[1])

    # The first controller logs controller_started right after it binds; an
    # ASan build on a busy 2-core machine has been seen to take a few seconds.
    STARTED_TIMEOUT_S = 30

    def start_controller(self, extra=(), env=None, http=False):
        """Starts a controller on this cluster's database. The first one binds port
        0 and the endpoint is read back from its log; later ones (restarts) listen
        on that same endpoint, so agents reconnect to it. `http`: also the HTTP
        API on a free loopback port (the same one again on a restart), at
        self.http_url once it listens."""
        first = self.endpoint is None
        listen = f"tcp://{self.listen_host()}:0" if first else self.endpoint
        args = [os.path.join(BIN_DIR, "ffleet-controller"), "--listen", listen, "--db", self.db,
                "--log-level", "debug", *extra]
        if http:
            args += ["--http", f"127.0.0.1:{self.http_port or 0}"]
        log = os.path.join(self.dir, "controller.log")
        offset = os.path.getsize(log) if os.path.exists(log) else 0
        self.controller = Proc("controller", self.on_host("ctl", args), log, env)
        self.procs.append(self.controller)
        if first:
            self._set_endpoint(self._read_endpoint(self.controller, offset))
        if http:
            self.http_url = self._read_log(self.controller, offset, rb"http_listening listen=(\S+)", "http_listening")
            self.http_port = int(self.http_url.rsplit(":", 1)[1])
        return self.controller

    def _read_log(self, proc, offset, pattern, what):
        def found():
            with open(proc.log, "rb") as f:
                f.seek(offset)
                m = re.search(pattern, f.read())
            if m:
                return m.group(1).decode()
            if not proc.alive():
                raise AssertionError(f"the controller exited {proc.popen.returncode} before {what}: "
                                     f"{proc.text()[-2000:]}")
            return None
        return wait_until(found, self.STARTED_TIMEOUT_S, f"the controller to log {what}")

    # --- the HTTP API -------------------------------------------------------
    def token(self, user, role="user"):
        """A new HTTP token for `user` with `role` (ffleet token create), registered as a secret."""
        t = self.cli("token", "create", "--user", user, "--role", role)["token"]
        secret(t)
        return t

    def http(self, method, path, token=None, body=None, headers=None, raw=False, timeout=30):
        """(status, headers, answer) of one API call; `path` under /api/v1 unless it
        starts with "/" outside it. The answer is parsed JSON unless `raw` (bytes)."""
        url = self.http_url + (path if path.startswith("/api/") or path == "/" or path.startswith("/assets/")
                               else "/api/v1" + path)
        data = None
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, rh, content = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, rh, content = e.code, dict(e.headers), e.read()
        # Scanned for secrets at close like the CLI's output, but the answer that
        # carries a new token (by design).
        if not (method == "POST" and path.rstrip("/").endswith("/tokens")):
            self.cli_outputs.append(([method, path], content.decode(errors="replace"), ""))
        if raw:
            return status, rh, content
        return status, rh, (json.loads(content) if content.strip() else None)

    def _read_endpoint(self, proc, offset):
        def started():
            with open(proc.log, "rb") as f:
                f.seek(offset)
                m = re.search(rb"controller_started listen=(tcp://\S+)", f.read())
            if m:
                return m.group(1).decode()
            if not proc.alive():
                raise AssertionError(f"the controller exited {proc.popen.returncode} before listening: "
                                     f"{proc.text()[-2000:]}")
            return None
        return wait_until(started, self.STARTED_TIMEOUT_S, "the controller to log controller_started listen=...")

    def start_agent(self, name, max_streams=4, ffmpeg=None, extra=(), env=None, roots=True, controller=None,
                    work_dir=None):
        """`roots`: the agent reads and writes local files anywhere in this cluster's
        temp dir (--media-root and --output-root; with none, an agent touches no
        local file); False to give your own in `extra`. `work_dir`: by default
        work-NAME in the temp dir."""
        args = [os.path.join(BIN_DIR, "ffleet-agent"), "--controller", controller or self.reserve_endpoint(),
                "--name", name, "--work-dir", work_dir or os.path.join(self.dir, f"work-{name}"), "--max-streams",
                str(max_streams), "--log-level", "debug", *extra]
        if roots:
            args += ["--media-root", self.dir, "--output-root", self.dir]
        if ffmpeg:
            args += ["--ffmpeg", ffmpeg]
        p = Proc(name, self.on_host(name, args), os.path.join(self.dir, f"agent-{name}.log"), env)
        self.agents[name] = p
        self.procs.append(p)
        return p

    # A child killed with its daemon (PR_SET_PDEATHSIG, a process group) dies
    # asynchronously; what still runs this long after is left behind.
    LEFTOVER_GRACE_S = 2

    def close(self, check=True):
        """Stops every process, removes the temp dir. Anything still running that
        names the temp dir afterwards (an ffmpeg, a stand-in) is killed and, if
        `check`, raised as an AssertionError naming it: a leak is a failure."""
        leftovers = {}
        leaks = []
        mismatches = []
        try:
            for p in reversed(self.procs):
                p.stop()
            leftovers = self._collect_leftovers()
            leaks = self.secret_leaks()
            mismatches = self.index_mismatches()
        finally:
            try:
                self._run_on_close()
            finally:
                if os.environ.get("FFLEET_KEEP_TMP"):
                    print(f"kept {self.dir}", file=sys.stderr)
                else:
                    shutil.rmtree(self.dir, ignore_errors=True)
                if self in _live_clusters:
                    _live_clusters.remove(self)
        if leftovers:
            what = "; ".join(f"pid {pid}: {cmd}" for pid, cmd in sorted(leftovers.items()))
            if check:
                raise AssertionError(f"{len(leftovers)} process(es) left behind after the test: {what}")
            print(f"left behind (killed): {what}", file=sys.stderr)
        if mismatches and check:
            raise AssertionError("a controller's streams in memory differed from its database:\n  " +
                                 "\n  ".join(mismatches[:5]))
        if leaks:
            what = "\n  ".join(leaks[:20])
            if check:
                raise AssertionError(f"a registered secret shows in {len(leaks)} place(s):\n  {what}")
            print(f"secrets shown:\n  {what}", file=sys.stderr)
        return list(leftovers)

    def index_mismatches(self):
        """index_mismatch lines of every log (FFLEET_DEBUG_CHECK_INDEX, see main())."""
        out = []
        for root, _, files in os.walk(self.dir):
            for f in files:
                if f.endswith(".log"):
                    with open(os.path.join(root, f), errors="replace") as fh:
                        out += [line.strip() for line in fh if "index_mismatch" in line]
        return out

    def secret_leaks(self):
        """Where a registered secret shows: every file of the temp dir but the
        database, and every CLI output but `--reveal`'s. One line per place."""
        return secret_scan.leaks(self.dir, self.db, self.cli_outputs)

    def _run_on_close(self):
        """Every hook, latest first, even when one fails; the first failure is raised."""
        first = None
        while self.on_close:
            try:
                self.on_close.pop()()
            except Exception as e:  # the rest must run all the same
                first = first or e
        if first:
            raise first

    def _collect_leftovers(self):
        deadline = time.monotonic() + self.LEFTOVER_GRACE_S
        while pids_matching(self.dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        leftovers = {pid: cmdline(pid).strip() for pid in pids_matching(self.dir)}
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return leftovers

    def dump_logs(self, lines=40):
        for p in self.procs:
            try:
                tail = p.text().splitlines()[-lines:]
            except OSError:
                continue
            print(f"----- {p.name} ({p.log}), last {len(tail)} lines -----", file=sys.stderr)
            print("\n".join(tail), file=sys.stderr)

    # --- the CLI -----------------------------------------------------------
    def cli(self, *args, json_out=True, check=True, user=None, timeout_ms=None, env=None):
        # The CLI runs on the controller's host, like an operator logged in there.
        argv = self.on_host("ctl", [os.path.join(BIN_DIR, "ffleet"), "--controller", self.endpoint])
        if json_out:
            argv.append("--json")
        if user:
            argv += ["--user", user]
        if timeout_ms:
            argv += ["--timeout-ms", str(timeout_ms)]
        argv += list(args)
        full_env = dict(os.environ)
        full_env.update(env or {})
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=full_env)
        # --reveal shows the secrets to their owner, and token create its new token, by design.
        if "--reveal" not in args and tuple(args[:2]) != ("token", "create"):
            self.cli_outputs.append(([str(a) for a in args], r.stdout, r.stderr))
        if check and r.returncode != 0:
            raise AssertionError(f"ffleet {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
        if check and json_out:
            return json.loads(r.stdout) if r.stdout.strip() else None
        return r

    def add_stream(self, name, *args, user=None):
        return self.cli("stream", "add", name, *args, user=user)["id"]

    def add_lavfi(self, name, output, *extra, user=None, size="320x240", rate=25):
        return self.add_stream(name, "--input-format", "lavfi", "--input", f"testsrc2=size={size}:rate={rate}",
                               "--output", output, *extra, user=user)

    def stream(self, ref):
        return self.cli("stream", "show", str(ref))

    def streams(self):
        return self.cli("stream", "ls")

    def agent_list(self):
        return self.cli("agent", "ls")

    def wait_state(self, ref, state, timeout=20):
        def check():
            s = self.stream(ref)
            return s if s["state"] == state else (False, s["state"], s.get("waiting_for"), s.get("last_error"))
        r = wait_until(lambda: (lambda v: v if isinstance(v, dict) else None)(check()), timeout,
                       f"stream {ref} to be {state}")
        return r

    def wait_agent(self, name, state="ready", timeout=20):
        def check():
            for a in self.agent_list():
                if a["name"] == name and a["state"] == state:
                    return a
            return None
        return wait_until(check, timeout, f"agent {name} to be {state}")

    def path(self, *parts):
        return os.path.join(self.dir, *parts)


class NginxRtmp:
    """nginx with the RTMP module on free loopback ports, in its own prefix dir."""

    MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

    def __init__(self):
        if not shutil.which("nginx") or not os.path.exists(self.MODULE):
            raise unittest.SkipTest("nginx with libnginx-mod-rtmp is not installed")
        self.dir = tempfile.mkdtemp(prefix="ffleet-nginx-")
        self.rtmp_port, self.http_port = free_port(), free_port()
        for d in ("logs", "tmp"):
            os.makedirs(os.path.join(self.dir, d))
        conf = f"""
load_module {self.MODULE};
daemon off;
master_process off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/logs/error.log info;
events {{ worker_connections 256; }}
rtmp {{ server {{ listen 127.0.0.1:{self.rtmp_port}; application live {{ live on; record off; }} }} }}
http {{
  access_log off;
  client_body_temp_path {self.dir}/tmp/body; proxy_temp_path {self.dir}/tmp/proxy;
  fastcgi_temp_path {self.dir}/tmp/fcgi; uwsgi_temp_path {self.dir}/tmp/uwsgi; scgi_temp_path {self.dir}/tmp/scgi;
  server {{ listen 127.0.0.1:{self.http_port}; location /stat {{ rtmp_stat all; }} }}
}}
"""
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen(["nginx", "-p", self.dir, "-c", os.path.join(self.dir, "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until(self._answers, 10, "nginx to answer on its stat port")
        except AssertionError:
            self.close()
            raise

    def _answers(self):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/stat", timeout=1).read()
            return True
        except OSError:
            return False

    def url(self, key):
        """The publish URL of `key`, which is registered as a secret (if long
        enough to tell from other text)."""
        if len(key) >= MIN_SECRET_LEN:
            secret(key)
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{key}"

    def publishing(self):
        body = urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/stat", timeout=2).read()
        names = set()
        for app in ET.fromstring(body).iter("application"):
            if app.findtext("name") != "live":
                continue
            for s in app.iter("stream"):
                if s.find("publishing") is not None:
                    names.add(s.findtext("name"))
        return names

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _on_sigterm(signum, frame):
    # A runner's timeout sends SIGTERM: exit normally so every cleanup runs.
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _on_sigterm)


@atexit.register
def _close_leftovers():
    for c in list(_live_clusters):
        c.close(check=False)


def main():
    """Runs the calling module's tests; exit code non-zero on failure. Every
    controller of the tests checks its streams in memory against its database
    after each loop turn, and aborts on a difference (debug_check_index)."""
    os.environ.setdefault("FFLEET_DEBUG_CHECK_INDEX", "1")
    unittest.main(module="__main__", verbosity=2)
