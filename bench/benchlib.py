"""What bench/run.py's figure groups share: the daemons (through
tests/integration/harness.py, at a log level that does not cost the figures),
process figures from /proc, and how a group reports.

A group is a function(ctx) -> {figure: value}; a figure it could not measure
(a deadline passed, a refusal) is left out and the run says why in ctx.notes.
"""
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402
from harness import Cluster, Proc, pid_alive, wait_until  # noqa: E402,F401

HZ = os.sysconf("SC_CLK_TCK")
# Limits out of the way: the figures are about the controller's work, not its refusals.
NO_LIMITS = {"MAX_CONCURRENT_STREAMS_GLOBAL": "1000000", "MAX_CONCURRENT_STREAMS_PER_USER": "1000000"}


class BenchCluster(Cluster):
    """A harness Cluster whose daemons log at `info` (the tests' debug level
    costs CPU per message, which is what is measured here)."""

    def __init__(self, name, log_level="info"):
        super().__init__(name)
        self.log_level = log_level

    def start_controller(self, extra=(), env=None):
        env = dict(NO_LIMITS, **(env or {}))
        first = self.endpoint is None
        listen = f"tcp://{self.listen_host()}:0" if first else self.endpoint
        args = [os.path.join(harness.BIN_DIR, "ffleet-controller"), "--listen", listen, "--db", self.db,
                "--log-level", self.log_level, *extra]
        log = os.path.join(self.dir, "controller.log")
        offset = os.path.getsize(log) if os.path.exists(log) else 0
        self.controller = Proc("controller", args, log, env)
        self.procs.append(self.controller)
        if first:
            self._set_endpoint(self._read_endpoint(self.controller, offset))
        return self.controller

    def start_agent(self, name, max_streams=4, extra=(), env=None):
        args = [os.path.join(harness.BIN_DIR, "ffleet-agent"), "--controller", self.reserve_endpoint(),
                "--name", name, "--work-dir", os.path.join(self.dir, f"work-{name}"), "--max-streams",
                str(max_streams), "--log-level", self.log_level, "--media-root", self.dir, "--output-root", self.dir,
                *extra]
        p = Proc(name, args, os.path.join(self.dir, f"agent-{name}.log"), env)
        self.agents[name] = p
        self.procs.append(p)
        return p


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def status_mb(pid, key="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return None


def cpu_percent(pid, seconds):
    """The share of one core `pid` used over the next `seconds`."""
    t0, c0 = time.monotonic(), cpu_ticks(pid)
    time.sleep(seconds)
    t1, c1 = time.monotonic(), cpu_ticks(pid)
    return (c1 - c0) / HZ / (t1 - t0) * 100


def children(pid):
    """Direct children of pid (every thread's)."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def exe_is(pid, name):
    """True once `pid` has exec'd a program whose argv[0] ends with `name`."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0", 1)[0].decode(errors="replace")
        return os.path.basename(argv0) == name
    except OSError:
        return False


def argv_of(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return [a.decode() for a in f.read().split(b"\0")[:-1]]


def kill_group(p):
    """SIGKILL a Popen's process group (it was started in its own session)."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Ctx:
    """What a group gets: sizes of this profile, binaries, where to note why a
    figure is missing."""

    def __init__(self, profile, bin_dir, loadgen, notes):
        self.p = profile
        self.bin_dir = bin_dir
        self.loadgen = loadgen
        self.notes = notes

    def note(self, what):
        print(f"  note: {what}", file=sys.stderr)
        self.notes.append(what)

    def run_loadgen(self, endpoint, timeout_s, *args):
        """Runs ffleet_loadgen; its JSON line, or None (noted) if it did not finish."""
        argv = [self.loadgen, "--endpoint", endpoint, "--timeout-s", str(timeout_s), *map(str, args)]
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s * 3 + 60)
        except subprocess.TimeoutExpired:
            self.note(f"loadgen {' '.join(map(str, args))}: killed after {timeout_s * 3 + 60} s")
            return None
        line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
        try:
            out = json.loads(line)
        except ValueError:
            self.note(f"loadgen {' '.join(map(str, args))} exited {r.returncode}: {r.stderr.strip()[-300:]}")
            return None
        if r.returncode != 0:
            self.note(f"loadgen {' '.join(map(str, args))}: {out.get('error')} (placed {out.get('placed')})")
        return out
