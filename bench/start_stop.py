#!/usr/bin/env python3
"""Prints how long the real binaries take from `ffleet stream start` to a live
ffmpeg pid, and from `ffleet stream stop` to the pid gone, over N cycles of a
lavfi stream; and the agent's own RSS and CPU while it supervises M streams.

Usage: bench/start_stop.py [BIN_DIR] [--cycles N] [--streams M]
Figures, not assertions: these machines are shared and noisy.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import harness  # noqa: E402
from harness import Cluster, pid_alive, wait_until  # noqa: E402


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin_dir", nargs="?", default=os.path.join(harness.SOURCE_DIR, "build", "bin"))
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--streams", type=int, default=10)
    args = ap.parse_args()
    harness.BIN_DIR = os.path.abspath(args.bin_dir)

    with Cluster("bench") as c:
        c.start_controller(env={"MAX_CONCURRENT_STREAMS_PER_USER": str(args.streams + 1)})
        agent = c.start_agent("a1", max_streams=args.streams + 2,
                              env={"RESOURCE_MONITOR_INTERVAL_MS": "1000"})
        c.wait_agent("a1")
        c.add_lavfi("s", "null", "--mode", "transcode")
        starts, stops = [], []
        for _ in range(args.cycles):
            t0 = time.monotonic()
            c.cli("stream", "start", "s", json_out=False)
            s = wait_until(lambda: (lambda v: v if v["pid"] and pid_alive(v["pid"]) else None)(c.stream("s")), 20,
                           "a live pid", interval=0.005)
            starts.append((time.monotonic() - t0) * 1000)
            t1 = time.monotonic()
            c.cli("stream", "stop", "s", json_out=False)
            wait_until(lambda: not pid_alive(s["pid"]), 20, "the pid gone", interval=0.005)
            stops.append((time.monotonic() - t1) * 1000)
            c.wait_state("s", "stopped")
        print(f"start -> live ffmpeg pid (ms): median {statistics.median(starts):.0f}  p90 {pct(starts, 90):.0f}  "
              f"max {max(starts):.0f}  (n={len(starts)}, includes the CLI's own start-up and polling)")
        print(f"stop  -> pid gone        (ms): median {statistics.median(stops):.0f}  p90 {pct(stops, 90):.0f}  "
              f"max {max(stops):.0f}")

        for i in range(args.streams):
            c.add_lavfi(f"m{i}", "null", "--mode", "transcode", size="640x360", rate=30)
            c.cli("stream", "start", f"m{i}")
        for i in range(args.streams):
            c.wait_state(f"m{i}", "running", timeout=30)
        time.sleep(5)  # settle: measure the steady state, not the start-up
        t0, c0 = time.monotonic(), cpu_ticks(agent.pid)
        time.sleep(20)
        t1, c1 = time.monotonic(), cpu_ticks(agent.pid)
        hz = os.sysconf("SC_CLK_TCK")
        speeds = [c.stream(f"m{i}")["speed"] for i in range(args.streams)]
        print(f"agent supervising {args.streams} live 640x360 streams: RSS {rss_mb(agent.pid):.1f} MB, "
              f"CPU {(c1 - c0) / hz / (t1 - t0) * 100:.2f}% of one core (20 s window); "
              f"ffmpeg speeds {min(speeds):.2f}x-{max(speeds):.2f}x")
        for i in range(args.streams):
            c.cli("stream", "stop", f"m{i}")


if __name__ == "__main__":
    main()
