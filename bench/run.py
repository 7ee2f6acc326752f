#!/usr/bin/env python3
"""ffleet's benchmark: starts real controllers and agents (and ffleet_loadgen
for the figures that need many agents), measures every figure R times, prints
a table (figure, median, min, max, unit, source) and writes
build/bench/results.json: {figure: {"median", "min", "max", "unit"}}.

  bench/run.py [--bin-dir DIR] [--profile full|quick|smoke] [--repeats R]
               [--only GROUP,...] [--with-peers] [--out FILE]

A figure that could not be measured (a deadline passed: today's controller
places a burst of 10,000 in minutes) is in the table as "missing" and in
results.json with null values; the notes say why. See docs/performance.md.
Figures, not assertions: this machine is shared and noisy.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402
import figures_loadgen  # noqa: E402
import figures_real  # noqa: E402
import harness  # noqa: E402

FLEETS = {"m10": 10, "m100": 100, "m1000": 1000}  # figure label -> fake agents
# Sizes per profile. Figure names stay the same; the table's header says the sizes.
PROFILES = {
    "full": dict(repeats=3, bursts={"small": 1000, "large": 10000}, fleets=FLEETS, burst_timeout_s=300,
                 known_burst=1000, known_agents=100, known_low=1000, known_high=100000,
                 idle_agents=1000, idle_streams=10000, idle_settle_s=5, idle_sample_s=10, idle_timeout_s=900,
                 cycles=20, batch_jobs=200, batch_parallel=2, batch_timeout_s=120, failover_timeout_s=30,
                 agent_settle_s=5, agent_sample_s=10),
    # Under 3 minutes on a 2-core machine even with today's slow placement: a
    # burst that does not finish within its 10 s is reported missing.
    "quick": dict(repeats=1, bursts={"small": 100, "large": 500}, fleets=FLEETS, burst_timeout_s=10,
                  known_burst=100, known_agents=100, known_low=1000, known_high=5000,
                  idle_agents=1000, idle_streams=300, idle_settle_s=2, idle_sample_s=4, idle_timeout_s=30,
                  cycles=3, batch_jobs=30, batch_parallel=2, batch_timeout_s=60, failover_timeout_s=30,
                  agent_settle_s=1, agent_sample_s=2),
    # For the test of `make test`, against the ASan build: every figure once,
    # tiny, and fewer agents under the same names (an ASan controller with
    # 1,000 agents is busy with their heartbeats alone); not figures to read.
    "smoke": dict(repeats=1, bursts={"small": 10, "large": 20}, fleets={"m10": 5, "m100": 10, "m1000": 20},
                  burst_timeout_s=30, known_burst=10, known_agents=5, known_low=10, known_high=100,
                  idle_agents=20, idle_streams=40, idle_settle_s=1, idle_sample_s=2, idle_timeout_s=60,
                  cycles=2, batch_jobs=6, batch_parallel=2, batch_timeout_s=60, failover_timeout_s=30,
                  agent_settle_s=1, agent_sample_s=1),
}

# group name -> (function, source, {figure: unit})
def _burst_figs(p):
    out = {}
    for size in p["bursts"]:
        for m in p["fleets"]:
            out[f"placement_{size}_{m}_per_s"] = "placements/s"
            out[f"start_p50_{size}_{m}_ms"] = "ms"
            out[f"start_p99_{size}_{m}_ms"] = "ms"
    out["heartbeat_worst_gap_intervals"] = "intervals"
    return out


def groups(p):
    return {
        "placement": (figures_loadgen.placement, "loadgen", _burst_figs(p)),
        "known": (figures_loadgen.known_streams, "loadgen",
                  {"placement_known_low_per_s": "placements/s", "placement_known_high_per_s": "placements/s",
                   "placement_known_ratio": "ratio"}),
        "idle": (figures_loadgen.controller_idle, "loadgen",
                 {"controller_idle_cpu_percent": "% of a core", "controller_idle_rss_mb": "MB"}),
        "startstop": (figures_real.start_stop, "real",
                      {"cli_startup_ms": "ms", "start_to_exec_ms": "ms", "bare_spawn_ms": "ms",
                       "start_overhead_beyond_cli_ms": "ms", "stop_to_gone_ms": "ms", "bare_kill_wait_ms": "ms",
                       "stop_ratio": "ratio"}),
        "batch": (figures_real.batch, "real",
                  {"batch_ffleet_jobs_per_s": "jobs/s", "batch_direct_jobs_per_s": "jobs/s", "batch_ratio": "ratio",
                   "sqlite_mb_per_10000_runs": "MB"}),
        "failover": (figures_real.failover, "real", {"failover_1_stream_s": "s", "failover_20_streams_s": "s"}),
        "agent": (figures_real.agent_cost, "real",
                  {f"agent_{k}_{n}_streams": u for n in (1, 10, 50)
                   for k, u in (("cpu_percent", "% of a core"), ("rss_mb", "MB"))}),
    }


def describe(p):
    return (f"bursts {p['bursts']} x agents {p['fleets']}; known {p['known_low']}/{p['known_high']} "
            f"(burst {p['known_burst']} on {p['known_agents']} agents); idle {p['idle_agents']} agents "
            f"{p['idle_streams']} streams; {p['cycles']} start/stop cycles; {p['batch_jobs']} batch jobs "
            f"x{p['batch_parallel']}; {p['repeats']} repeat(s)")


def summarize(values, units, sources):
    results, rows = {}, []
    for name, unit in units.items():
        v = [x for x in values.get(name, []) if x is not None]
        if v:
            r = {"median": statistics.median(v), "min": min(v), "max": max(v), "unit": unit}
        else:
            r = {"median": None, "min": None, "max": None, "unit": unit}
        results[name] = r
        rows.append((name, r, sources[name], len(v)))
    return results, rows


def fmt(x):
    if x is None:
        return "missing"
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"


def print_table(rows, out=sys.stdout):
    w = max(len(r[0]) for r in rows) + 2
    print(f"{'figure':<{w}}{'median':>10}{'min':>10}{'max':>10}  {'unit':<13}{'source':<8}n", file=out)
    for name, r, src, n in rows:
        print(f"{name:<{w}}{fmt(r['median']):>10}{fmt(r['min']):>10}{fmt(r['max']):>10}  {r['unit']:<13}{src:<8}{n}",
              file=out)


def peers(args):
    """bench/peers/slurm.sh's figures (JSON lines {figure, median, min, max, unit})."""
    script = os.path.join(HERE, "peers", "slurm.sh")
    r = subprocess.run(["bash", script, "--json", "--jobs", str(args.peer_jobs)], capture_output=True, text=True,
                       timeout=1800)
    out = {}
    for line in r.stdout.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict) and "figure" in d:
            out[d.pop("figure")] = d
    if r.returncode != 0:
        print(f"bench/peers/slurm.sh exited {r.returncode}: {r.stderr.strip()[-500:]}", file=sys.stderr)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", default=os.environ.get("FFLEET_BIN_DIR", os.path.join(harness.SOURCE_DIR, "build", "bin")))
    ap.add_argument("--loadgen", help="ffleet_loadgen (default: in --bin-dir)")
    ap.add_argument("--profile", choices=sorted(PROFILES), default="full")
    ap.add_argument("--repeats", type=int)
    ap.add_argument("--only", help="comma-separated groups: " + ",".join(groups(PROFILES["full"])))
    ap.add_argument("--out", default=os.path.join(harness.SOURCE_DIR, "build", "bench", "results.json"))
    ap.add_argument("--with-peers", action="store_true", help="also run bench/peers/slurm.sh (installs Slurm)")
    ap.add_argument("--peer-jobs", type=int, default=100)
    args = ap.parse_args()

    p = dict(PROFILES[args.profile])
    if args.repeats:
        p["repeats"] = args.repeats
    harness.BIN_DIR = os.path.abspath(args.bin_dir)
    loadgen = os.path.abspath(args.loadgen or os.path.join(harness.BIN_DIR, "ffleet_loadgen"))
    for b in ("ffleet-controller", "ffleet-agent", "ffleet"):
        if not os.access(os.path.join(harness.BIN_DIR, b), os.X_OK):
            sys.exit(f"bench: {b} not found in {harness.BIN_DIR} (build first: make build)")
    if not os.access(loadgen, os.X_OK):
        sys.exit(f"bench: {loadgen} not found (it is built with the project: target ffleet_loadgen)")
    all_groups = groups(p)
    chosen = args.only.split(",") if args.only else list(all_groups)
    for g in chosen:
        if g not in all_groups:
            sys.exit(f"bench: unknown group {g!r} (groups: {', '.join(all_groups)})")

    notes = []
    ctx = benchlib.Ctx(p, harness.BIN_DIR, loadgen, notes)
    values, units, sources = {}, {}, {}
    t_all = time.monotonic()
    print(f"bench: profile {args.profile}: {describe(p)}; binaries {harness.BIN_DIR}", file=sys.stderr)
    for g in chosen:
        fn, src, figs = all_groups[g]
        units.update(figs)
        sources.update({f: src for f in figs})
        for rep in range(p["repeats"]):
            t0 = time.monotonic()
            try:
                got = fn(ctx)
            except Exception as e:  # one group's failure leaves its figures missing, not the table
                ctx.note(f"{g} (repeat {rep + 1}): {type(e).__name__}: {str(e)[:300]}")
                got = {}
            for k, v in got.items():
                values.setdefault(k, []).append(v)
            print(f"bench: {g} repeat {rep + 1}/{p['repeats']}: {len(got)} of {len(figs)} figures "
                  f"in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    results, rows = summarize(values, units, sources)
    if args.with_peers:
        for name, r in peers(args).items():
            results[name] = {k: r.get(k) for k in ("median", "min", "max", "unit")}
            rows.append((name, results[name], "slurm", r.get("n", 1)))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    figures_loadgen.write_raw(os.path.join(os.path.dirname(os.path.abspath(args.out)), "loadgen.jsonl"))
    print(f"\nffleet bench, profile {args.profile} ({describe(p)}), {time.monotonic() - t_all:.0f} s")
    print_table(rows)
    for n in notes:
        print(f"note: {n}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
