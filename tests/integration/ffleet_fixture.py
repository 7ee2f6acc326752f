"""Fixture for ffleet integration tests: real binaries, real ffmpeg, real nginx-rtmp.

A Cluster owns a temp dir and every process it starts. Leaving its `with` block,
normally or through an exception, stops them all, kills (and reports) anything that
still names the temp dir, and removes the dir. Every wait is a poll with a deadline:
timing on a loaded CI machine varies too much for fixed sleeps.

Standard library only.
"""
import atexit
import json as _json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import xml.etree.ElementTree as ET

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# `make build` leaves the binaries here; ctest sets FFLEET_BIN_DIR to its own build.
BIN_DIR = os.environ.get("FFLEET_BIN_DIR", os.path.join(SOURCE_DIR, "build", "bin"))
STANDINS_DIR = os.path.join(SOURCE_DIR, "tests", "standins")

STOP_TIMEOUT_S = 10
CLI_TIMEOUT_S = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Polls pred() until it returns something truthy, and returns that.

    An AssertionError or OSError from pred counts as "not yet" (a CLI call while the
    controller restarts fails that way); it is kept as the last value for the message.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = pred()
        except (AssertionError, OSError) as e:
            last = e
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def stays_true(pred, duration, interval=0.05, what="condition"):
    """Checks that pred() holds during the whole of `duration` seconds.

    The one place a test may spend time on purpose: a negative check ("it is still
    alive 0.5 s later") has nothing to poll for.
    """
    deadline = time.monotonic() + duration
    while True:
        value = pred()
        if not value:
            raise AssertionError(f"{what} stopped holding before {duration}s; value: {value!r}")
        if time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def pid_alive(pid):
    """True if /proc/PID exists and is not a zombie (an unreaped child is dead to us)."""
    if not pid:
        return False
    try:
        with open(f"/proc/{int(pid)}/stat") as f:
            # The comm field may contain spaces and parens; the state follows the last ')'.
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError, ValueError):
        return False


def cmdline(pid):
    try:
        with open(f"/proc/{int(pid)}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except (OSError, ValueError):
        return ""


def pids_with_cmdline_containing(text):
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me and text in cmdline(entry) and pid_alive(entry):
            found.append(int(entry))
    return found


def lavfi(size="320x240", rate=25):
    """`stream add` arguments for a generated test picture (the Contract's way)."""
    return ["--input-format", "lavfi", "--input", f"testsrc2=size={size}:rate={rate}"]


def _kill_group(pid, sig):
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Daemon:
    """One started process: its own session (so its group can be signalled as a
    whole), stdout and stderr appended to a log file."""

    def __init__(self, name, args, log, env=None, endpoint=None, db=None):
        self.name, self.args, self.log = name, args, log
        self.endpoint, self.db = endpoint, db
        self.env = env
        full_env = dict(os.environ)
        full_env.update(env or {})
        # Appending keeps earlier incarnations' lines (a restarted controller);
        # text() shows this one's only.
        self.log_offset = os.path.getsize(log) if os.path.exists(log) else 0
        with open(log, "ab") as logf:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                         env=full_env, start_new_session=True)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def send_signal(self, sig):
        if self.alive():
            _kill_group(self.proc.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT_S):
        """Signals the process group, waits, then SIGKILLs it; returns the exit code
        (negative for a signal, as Popen reports it)."""
        if self.alive():
            _kill_group(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                print(f"ffleet_fixture: {self.name} (pid {self.pid}) ignored {signal.Signals(sig).name} "
                      f"for {timeout}s; SIGKILL", file=sys.stderr)
                _kill_group(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode

    def text(self):
        """This incarnation's log."""
        try:
            with open(self.log, "rb") as f:
                f.seek(self.log_offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""


_open_clusters = []


class Cluster:
    """A controller, agents and CLI calls sharing one temp dir."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ffleet-it-")
        # Chosen now so an agent can be pointed at a controller that is not up yet.
        self.port = free_port()
        self.db = os.path.join(self.dir, "ffleet.db")
        self.controller = None
        self.agent_procs = {}  # name -> Daemon; agents() is the CLI's view
        self.started = []  # every Daemon, including stopped and restarted ones
        self.leftovers = []
        self._controller_opts = ((), None)
        self._closed = False
        _open_clusters.append(self)

    @property
    def endpoint(self):
        return f"tcp://127.0.0.1:{self.port}"

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        failed = exc_type is not None
        if failed:
            self.dump_logs()
        self.close(keep=failed)
        if self.leftovers and not failed:
            raise AssertionError("processes left behind after stopping the cluster: " +
                                 "; ".join(f"{pid} {cmd}" for pid, cmd in self.leftovers))
        return False

    # --- processes ---------------------------------------------------------

    def start_controller(self, port=None, extra_args=(), env=None):
        if port is not None:
            self.port = port
        self._controller_opts = (tuple(extra_args), env)
        args = [os.path.join(BIN_DIR, "ffleet-controller"), "--listen", self.endpoint, "--db", self.db,
                "--log-level", "debug", *extra_args]
        self.controller = Daemon("controller", args, self.path("controller.log"), env,
                                 endpoint=self.endpoint, db=self.db)
        self.started.append(self.controller)
        return self.controller

    def stop_controller(self, sig=signal.SIGTERM):
        """Returns the controller's exit code."""
        return self.controller.stop(sig)

    def restart_controller(self, sig=signal.SIGTERM):
        """Stops the controller and starts it again on the same port and database."""
        self.stop_controller(sig)
        extra_args, env = self._controller_opts
        return self.start_controller(extra_args=extra_args, env=env)

    def start_agent(self, name, max_streams=4, ffmpeg=None, extra_args=(), env=None):
        args = [os.path.join(BIN_DIR, "ffleet-agent"), "--controller", self.endpoint, "--name", name,
                "--work-dir", self.path(f"work-{name}"), "--max-streams", str(max_streams),
                "--log-level", "debug", *extra_args]
        if ffmpeg:
            args += ["--ffmpeg", ffmpeg]
        agent = Daemon(f"agent-{name}", args, self.path(f"agent-{name}.log"), env, endpoint=self.endpoint)
        self.agent_procs[name] = agent
        self.started.append(agent)
        return agent

    def stop_agent(self, name, sig=signal.SIGTERM):
        return self.agent_procs[name].stop(sig)

    def close(self, keep=False):
        if self._closed:
            return
        self._closed = True
        # Agents first and all at once, so the controller is there to hear their
        # last reports and no stream is moved from one stopping agent to another.
        agents = [d for d in self.started if d is not self.controller and d.alive()]
        for d in agents:
            d.send_signal(signal.SIGTERM)
        for d in agents:
            d.stop()
        for d in self.started:
            d.stop()
        # Anything still naming our temp dir (an ffmpeg, a stand-in) escaped its agent.
        for pid in pids_with_cmdline_containing(self.dir):
            self.leftovers.append((pid, cmdline(pid)))
            _kill_group(pid, signal.SIGKILL)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if keep or os.environ.get("FFLEET_KEEP_TMP") == "1":
            print(f"ffleet_fixture: kept {self.dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if self in _open_clusters:
            _open_clusters.remove(self)

    def log_text(self, name):
        """The whole log of "controller" or of agent NAME (all incarnations)."""
        log = self.path("controller.log") if name == "controller" else self.path(f"agent-{name}.log")
        try:
            with open(log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def dump_logs(self, lines=40):
        logs = sorted({d.log for d in self.started})
        for log in logs:
            try:
                with open(log, errors="replace") as f:
                    tail = f.read().splitlines()[-lines:]
            except OSError:
                continue
            print(f"----- {log}: last {len(tail)} lines -----", file=sys.stderr)
            print("\n".join(tail), file=sys.stderr)

    # --- the CLI -------------------------------------------------------------

    def cli(self, *args, json=True, check=True, user=None, timeout_ms=None, env=None):
        """Runs `ffleet` against this cluster's controller.

        Returns the parsed JSON (None for empty output) when json=True and it exits 0;
        otherwise the CompletedProcess (returncode, stdout, stderr). check=True turns a
        non-zero exit into an AssertionError carrying stderr.
        """
        argv = [os.path.join(BIN_DIR, "ffleet"), "--controller", self.endpoint]
        if json:
            argv.append("--json")
        if user is not None:
            argv += ["--user", user]
        if timeout_ms is not None:
            argv += ["--timeout-ms", str(timeout_ms)]
        argv += [str(a) for a in args]
        full_env = dict(os.environ)
        full_env.update(env or {})
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=CLI_TIMEOUT_S, env=full_env)
        if check and r.returncode != 0:
            raise AssertionError(f"ffleet {' '.join(argv[3:])} exited {r.returncode}: {r.stderr.strip()}")
        if json and r.returncode == 0:
            if not r.stdout.strip():
                return None
            try:
                return _json.loads(r.stdout)
            except ValueError:
                raise AssertionError(f"ffleet {' '.join(argv[3:])} printed no JSON: {r.stdout!r}") from None
        return r

    def stream_add(self, name, *args, user=None):
        return self.cli("stream", "add", name, *args, user=user)["id"]

    def stream(self, ref):
        return self.cli("stream", "show", ref)

    def streams(self):
        return self.cli("stream", "ls")

    def agents(self):
        return self.cli("agent", "ls")

    def wait_state(self, ref, state, timeout=20):
        """Returns the stream's dict once it is in `state`."""
        seen = {}

        def reached():
            s = self.stream(ref)
            seen.update(s)
            return s if s["state"] == state else None

        try:
            return wait_until(reached, timeout, what=f"stream {ref} to be {state}")
        except AssertionError as e:
            raise AssertionError(f"{e}; last seen state={seen.get('state')!r} "
                                 f"last_error={seen.get('last_error')!r}") from None

    def wait_agent(self, name, state="ready", timeout=20):
        """Returns the agent's dict once it is in `state`."""
        def reached():
            for a in self.agents():
                if a["name"] == name and a["state"] == state:
                    return a
            return None

        return wait_until(reached, timeout, what=f"agent {name} to be {state}")


@atexit.register
def _close_forgotten_clusters():
    # A last resort for a cluster whose `with` block never ran its exit.
    for c in list(_open_clusters):
        c.close()


def _exit_on_sigterm(signum, frame):
    # A test runner that times us out sends SIGTERM; turning it into SystemExit
    # unwinds the `with` blocks so their processes are stopped too.
    sys.exit(128 + signum)


if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


class NginxRtmp:
    """nginx with the RTMP module on free loopback ports, in its own prefix dir."""

    MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

    def __init__(self):
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
        if not nginx:
            raise unittest.SkipTest("nginx is not installed (Debian: apt-get install nginx libnginx-mod-rtmp)")
        if not os.path.exists(self.MODULE):
            raise unittest.SkipTest(f"the nginx RTMP module is missing: {self.MODULE} "
                                    "(Debian: apt-get install libnginx-mod-rtmp)")
        self.dir = tempfile.mkdtemp(prefix="ffleet-nginx-")
        self.rtmp_port = free_port()
        self.http_port = free_port()
        self.error_log = os.path.join(self.dir, "error.log")
        conf = os.path.join(self.dir, "nginx.conf")
        d = self.dir
        with open(conf, "w") as f:
            f.write(f"""load_module {self.MODULE};
daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 256; }}
rtmp {{
  server {{
    listen 127.0.0.1:{self.rtmp_port};
    application live {{ live on; record off; }}
  }}
}}
http {{
  access_log off;
  client_body_temp_path {d}/client_body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{self.http_port};
    location /stat {{ rtmp_stat all; }}
  }}
}}
""")
        with open(os.path.join(d, "stderr.log"), "wb") as err:
            self.proc = subprocess.Popen([nginx, "-p", d, "-c", conf], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        try:
            wait_until(self._answers, 10, what="nginx to answer on its /stat port")
        except BaseException:
            self.close()
            raise

    def _answers(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"nginx exited {self.proc.returncode}: {self._own_logs()}")
        try:
            self._stat()
            return True
        except OSError:
            return False

    def _own_logs(self):
        text = ""
        for name in ("stderr.log", "error.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text.strip()

    def _stat(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/stat", timeout=2) as r:
            return r.read()

    def url(self, key):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{key}"

    def publishing(self):
        """Names of the streams being published to application "live" right now."""
        names = set()
        for app in ET.fromstring(self._stat()).iterfind("server/application"):
            if app.findtext("name") != "live":
                continue
            for s in app.iterfind("live/stream"):
                if s.find("publishing") is not None:
                    names.add(s.findtext("name"))
        return names

    def close(self):
        if self.proc.poll() is None:
            _kill_group(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _kill_group(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
