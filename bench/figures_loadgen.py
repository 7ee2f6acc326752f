"""Figures from ffleet_loadgen (fake agents and a pipelining client over the
real protocol) against a real ffleet-controller; each burst on a fresh
controller and database."""
import json
import os

from benchlib import BenchCluster

# Every loadgen result line of this run, for the smoke test's checks.
RAW = []


def _burst(ctx, m, n, known=0, mode="burst", extra=(), timeout=None):
    timeout = timeout or ctx.p["burst_timeout_s"]
    with BenchCluster("bench-lg") as c:
        ctl = c.start_controller()
        args = ["--mode", mode, "--agents", m, "--streams", n, "--known", known, *extra]
        if mode == "idle":
            args += ["--controller-pid", ctl.pid]
        out = ctx.run_loadgen(c.endpoint, timeout, *args)
        if out is not None:
            out["controller_alive"] = ctl.alive()
            RAW.append(out)
            if not ctl.alive():
                ctx.note(f"the controller exited during loadgen {' '.join(map(str, args))}")
                return None
        return out


def placement(ctx):
    """Bursts of N starts across M agents: placements/s, start latency p50/p99,
    and the worst gap between controller heartbeats (in intervals) over them all."""
    figs = {}
    worst_gap = None
    for size, n in ctx.p["bursts"].items():
        for label, m in ctx.p["fleets"].items():
            out = _burst(ctx, m, n)
            if not out:
                continue
            if out.get("worst_heartbeat_gap_intervals") is not None:
                worst_gap = max(worst_gap or 0, out["worst_heartbeat_gap_intervals"])
            if not out.get("complete"):
                continue
            figs[f"placement_{size}_{label}_per_s"] = out["placements_per_s"]
            figs[f"start_p50_{size}_{label}_ms"] = out["start_p50_ms"]
            figs[f"start_p99_{size}_{label}_ms"] = out["start_p99_ms"]
    if worst_gap is not None:
        figs["heartbeat_worst_gap_intervals"] = worst_gap
    return figs


def known_streams(ctx):
    """The same burst with few and with many streams known (added, not started):
    the rate should not fall as the known streams grow."""
    figs = {}
    n, m = ctx.p["known_burst"], ctx.p["known_agents"]
    low = _burst(ctx, m, n, known=ctx.p["known_low"])
    high = _burst(ctx, m, n, known=ctx.p["known_high"])
    if low and low.get("complete"):
        figs["placement_known_low_per_s"] = low["placements_per_s"]
    if high and high.get("complete"):
        figs["placement_known_high_per_s"] = high["placements_per_s"]
    if len(figs) == 2:
        figs["placement_known_ratio"] = figs["placement_known_high_per_s"] / figs["placement_known_low_per_s"]
    return figs


def controller_idle(ctx):
    """M agents heartbeating with N streams running on them: the controller's
    CPU (share of one core) and RSS."""
    p = ctx.p
    out = _burst(ctx, p["idle_agents"], p["idle_streams"], mode="idle",
                 extra=["--settle-s", p["idle_settle_s"], "--sample-s", p["idle_sample_s"]],
                 timeout=p["idle_timeout_s"])
    if not out or not out.get("complete"):
        return {}
    return {"controller_idle_cpu_percent": out["idle_cpu_percent"], "controller_idle_rss_mb": out["rss_mb"]}


def write_raw(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for line in RAW:
            f.write(json.dumps(line) + "\n")
