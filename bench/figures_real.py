"""Figures from real daemons and real ffmpeg (no load generator): start and
stop on one agent next to a bare spawn and kill of the same ffmpeg command,
short batch jobs through ffleet next to the same commands run directly, the
history's size in SQLite, failover after an agent's SIGKILL, and what the
agent itself costs with 1, 10 and 50 live streams."""
import os
import signal
import sqlite3
import statistics
import subprocess
import time

import harness
from benchlib import (BenchCluster, argv_of, children, cpu_percent, exe_is, kill_group, pid_alive, status_mb,
                      wait_until)

# A cheap live source; in copy mode ffmpeg passes lavfi's raw frames to the
# null muxer, so a stream costs ffmpeg little more than generating them.
CHEAP = "testsrc2=size=160x120:rate=10"
# One frame (a 40 ms graph at 25 fps), encoded with libx264 to an .mp4.
ONE_FRAME = "testsrc=size=320x240:rate=25:duration=0.04"


def _ffleet(c, *args):
    return [os.path.join(harness.BIN_DIR, "ffleet"), "--controller", c.endpoint, *args]


def _new_ffmpeg_child(agent_pid, before, timeout=20):
    """The pid of a child of the agent, not in `before`, that has exec'd ffmpeg."""
    def found():
        for p in children(agent_pid):
            if p not in before and exe_is(p, "ffmpeg"):
                return p
        return None
    return wait_until(found, timeout, "an ffmpeg child of the agent", interval=0.0005)


def start_stop(ctx):
    """`ffleet stream start` to an exec'd ffmpeg and `stream stop` to the pid gone,
    next to a bare spawn and a bare SIGTERM-and-wait of the same argv, each
    ffmpeg running 1 s in between; and the CLI's own start-up (`ffleet --version`)."""
    cycles = ctx.p["cycles"]
    starts, stops, spawns, kills, cli = [], [], [], [], []
    with BenchCluster("bench-ss") as c:
        c.start_controller()
        agent = c.start_agent("a1", max_streams=4)
        c.wait_agent("a1")
        c.add_lavfi("s", "null", "--mode", "transcode")
        argv = None
        for _ in range(cycles):
            t0 = time.perf_counter()
            subprocess.run([os.path.join(harness.BIN_DIR, "ffleet"), "--version"], capture_output=True, timeout=30)
            cli.append((time.perf_counter() - t0) * 1000)
        for _ in range(cycles):
            before = set(children(agent.pid))
            t0 = time.perf_counter()
            p = subprocess.Popen(_ffleet(c, "stream", "start", "s"), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            pid = _new_ffmpeg_child(agent.pid, before)
            starts.append((time.perf_counter() - t0) * 1000)
            p.wait(30)
            argv = argv or argv_of(pid)
            time.sleep(1)
            t0 = time.perf_counter()
            subprocess.run(_ffleet(c, "stream", "stop", "s"), capture_output=True, timeout=30)
            wait_until(lambda: not pid_alive(pid), 20, "the pid gone", interval=0.0005)
            stops.append((time.perf_counter() - t0) * 1000)
            c.wait_state("s", "stopped")
    for _ in range(cycles):
        t0 = time.perf_counter()
        q = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            wait_until(lambda: exe_is(q.pid, "ffmpeg"), 20, "ffmpeg exec'd", interval=0.0005)
            spawns.append((time.perf_counter() - t0) * 1000)
            time.sleep(1)
            t0 = time.perf_counter()
            q.send_signal(signal.SIGTERM)
            q.wait(20)
            kills.append((time.perf_counter() - t0) * 1000)
        finally:
            kill_group(q)
            q.wait()
    med = statistics.median
    return {"cli_startup_ms": med(cli), "start_to_exec_ms": med(starts), "bare_spawn_ms": med(spawns),
            "start_overhead_beyond_cli_ms": med(starts) - med(cli) - med(spawns),
            "stop_to_gone_ms": med(stops), "bare_kill_wait_ms": med(kills), "stop_ratio": med(stops) / med(kills)}


def _history_bytes_per_run(db):
    """Bytes of the runs table and its index per row (SQLite's dbstat)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        n = con.execute("SELECT count(*) FROM runs").fetchone()[0]
        size = con.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'runs' OR tbl_name = 'runs'").fetchone()[0]
    except sqlite3.OperationalError:
        size = con.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%runs%'").fetchone()[0]
    finally:
        con.close()
    return size / n if n else None


def _last_run_end_ms(db, prefix):
    """When the last run of the streams named prefix* ended, as stored."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT max(r.ended_at_ms) FROM runs r JOIN streams s ON s.id = r.stream_id "
                           "WHERE s.name LIKE ?", (prefix + "%",)).fetchone()[0]
    finally:
        con.close()


def batch(ctx):
    """K one-frame libx264 jobs: as ffleet --batch streams on one agent with
    --max-streams P, and the same ffmpeg argv run directly P at a time."""
    k, par = ctx.p["batch_jobs"], ctx.p["batch_parallel"]
    figs = {}
    with BenchCluster("bench-batch") as c:
        c.start_controller()
        agent = c.start_agent("a1", max_streams=par)
        c.wait_agent("a1")
        os.makedirs(c.path("out"))
        # The argv the agent runs for such a job, read off a long one.
        c.add_stream("warm", "--input-format", "lavfi", "--input", "testsrc=size=320x240:rate=25:duration=600",
                     "--output", c.path("out", "warm.mp4"), "--batch")
        before = set(children(agent.pid))
        c.cli("stream", "start", "warm")
        argv = argv_of(_new_ffmpeg_child(agent.pid, before))
        c.cli("stream", "stop", "warm")
        c.wait_state("warm", "stopped")
        for i in range(k):
            c.add_stream(f"j{i}", "--input-format", "lavfi", "--input", ONE_FRAME, "--output",
                         c.path("out", f"j{i}.mp4"), "--batch")
        # The K jobs are queued while the agent takes no work, then released
        # at once, as a farm submits a queue: what is measured is how fast
        # ffleet drains it, not how fast one client starts K streams one CLI
        # process at a time (start_overhead_ms has the CLI's cost). The end is
        # the last run's end as stored (ms), so nothing polls /proc meanwhile.
        c.cli("agent", "drain", "a1")
        for i in range(k):
            subprocess.run(_ffleet(c, "stream", "start", f"j{i}"), capture_output=True, timeout=30, check=True)
        t0_ms = time.time() * 1000
        c.cli("agent", "resume", "a1")

        def done():
            states = [s["state"] for s in c.streams() if s["name"].startswith("j")]
            return len(states) == k and all(s in ("completed", "failed") for s in states) and states
        states = wait_until(done, ctx.p["batch_timeout_s"], "every batch job to end", interval=0.25)
        if states.count("completed") != k:
            ctx.note(f"batch: {states.count('failed')} of {k} jobs failed")
            return figs
        figs["batch_ffleet_jobs_per_s"] = k / ((_last_run_end_ms(c.db, "j") - t0_ms) / 1000)
        per_run = _history_bytes_per_run(c.db)
        if per_run:
            figs["sqlite_mb_per_10000_runs"] = per_run * 10000 / 1e6

    # The same argv, the input a one-frame graph and the output a new file.
    direct_dir = os.path.join(os.path.dirname(c.dir), f"ffleet-bench-direct-{os.getpid()}")
    os.makedirs(direct_dir, exist_ok=True)
    i_in = argv.index("-i") + 1

    # xargs -P runs them: the leanest runner at hand (a Python thread pool
    # spawning each one was ~20% slower than xargs on the same jobs).
    a = list(argv)
    a[i_in] = ONE_FRAME
    a[-1] = os.path.join(direct_dir, "j{}.mp4")
    try:
        t0 = time.monotonic()
        r = subprocess.run(["xargs", "-P", str(par), "-I", "{}", *a], input="\n".join(map(str, range(k))) + "\n",
                           text=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=k * 10 + 60)
        t1 = time.monotonic()
        made = len([f for f in os.listdir(direct_dir) if f.endswith(".mp4")])
    finally:
        subprocess.run(["rm", "-rf", direct_dir])
    if r.returncode != 0 or made != k:
        ctx.note(f"batch direct: xargs exited {r.returncode}, {made} of {k} outputs written")
        return figs
    figs["batch_direct_jobs_per_s"] = k / (t1 - t0)
    if "batch_ffleet_jobs_per_s" in figs:
        figs["batch_ratio"] = figs["batch_ffleet_jobs_per_s"] / figs["batch_direct_jobs_per_s"]
    return figs


def _add_cheap(c, name):
    c.add_stream(name, "--input-format", "lavfi", "--input", CHEAP, "--output", "null", "--mode", "copy")


def failover(ctx):
    """Two real agents; N cheap streams on a1; SIGKILL a1: seconds until every
    stream runs on a2 (default heartbeat and lost_after settings)."""
    figs = {}
    for n, name in ((1, "failover_1_stream_s"), (20, "failover_20_streams_s")):
        with BenchCluster("bench-fo") as c:
            c.start_controller()
            a1 = c.start_agent("a1", max_streams=25)
            c.wait_agent("a1")
            for i in range(n):
                _add_cheap(c, f"f{i}")
                c.cli("stream", "start", f"f{i}")
            wait_until(lambda: all(s["state"] == "running" for s in c.streams()), 60, "every stream running")
            c.start_agent("a2", max_streams=25)
            c.wait_agent("a2")
            t0 = time.monotonic()
            a1.send_signal(signal.SIGKILL)

            def moved():
                ss = c.streams()
                return all(s["state"] == "running" and s.get("agent") == "a2" for s in ss) and len(ss) == n
            try:
                wait_until(moved, ctx.p["failover_timeout_s"], "every stream running on a2", interval=0.02)
                figs[name] = time.monotonic() - t0
            except AssertionError as e:
                ctx.note(f"{name}: {e}")
    return figs


def agent_cost(ctx):
    """The agent's own RSS and CPU (share of one core, its process only, not its
    ffmpeg children) with 1, 10 and 50 cheap live copy-mode lavfi streams."""
    figs = {}
    with BenchCluster("bench-ag") as c:
        c.start_controller()
        agent = c.start_agent("a1", max_streams=55)
        c.wait_agent("a1")
        started = 0
        for n in (1, 10, 50):
            for i in range(started, n):
                _add_cheap(c, f"c{i}")
                c.cli("stream", "start", f"c{i}")
            started = n
            wait_until(lambda: sum(1 for s in c.streams() if s["state"] == "running") == n, 60,
                       f"{n} streams running")
            time.sleep(ctx.p["agent_settle_s"])
            figs[f"agent_cpu_percent_{n}_streams"] = cpu_percent(agent.pid, ctx.p["agent_sample_s"])
            figs[f"agent_rss_mb_{n}_streams"] = status_mb(agent.pid)
        for i in range(started):
            c.cli("stream", "stop", f"c{i}")
    return figs
