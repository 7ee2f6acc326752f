"""How many event streams (open dashboards) the controller serves at once, and
what they cost its loop: fake agents from ffleet_loadgen keep N streams running
and heartbeating (a figures event each per second per agent), K clients read
/api/v1/events, and the controller's own `fleet` events say its worst loop lag
every 2 s. Prints one JSON line per K.

  python3 bench/sse_clients.py --bin-dir build/release/bin --clients 16,64,256 \\
      --agents 100 --streams 1000 --seconds 20
"""
import argparse
import json
import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def open_stream(url, token):
    u = urllib.parse.urlparse(url)
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    s.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: {u.hostname}\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    s.setblocking(False)
    return s


def measure(args, k):
    import benchlib
    from benchlib import BenchCluster
    import harness
    harness.BIN_DIR = args.bin_dir
    benchlib.harness.BIN_DIR = args.bin_dir
    with BenchCluster(f"bench-sse-{k}") as c:
        c.start_controller(extra=["--http", "127.0.0.1:0"], env={"FFLEET_HTTP_EVENT_CLIENTS": str(k)})
        url = c._read_log(c.controller, 0, rb"http_listening listen=(\S+)", "http_listening")
        c.http_url = url
        token = c.cli("token", "create", "--user", "bench", "--role", "admin")["token"]
        lg = subprocess.Popen([os.path.join(args.bin_dir, "ffleet_loadgen"), "--endpoint", c.endpoint, "--mode", "idle",
                               "--agents", str(args.agents), "--streams", str(args.streams), "--controller-pid",
                               str(c.controller.pid), "--settle-s", "3", "--sample-s", str(args.seconds + 30),
                               "--timeout-s", "120"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            def running():
                st, _, rows = c.http("GET", "/streams", token)
                return st == 200 and sum(r["state"] == "running" for r in rows) >= args.streams
            harness.wait_until(running, 120, f"{args.streams} streams running")
            sel = selectors.DefaultSelector()
            socks = [open_stream(url, token) for _ in range(k)]
            got = {s.fileno(): bytearray() for s in socks}
            for s in socks:
                sel.register(s, selectors.EVENT_READ)
            lags, t0 = [], time.monotonic()
            parse_fd = socks[0].fileno()
            tail = b""
            while time.monotonic() - t0 < args.seconds:
                for key, _ in sel.select(timeout=0.5):
                    try:
                        data = key.fileobj.recv(1 << 16)
                    except BlockingIOError:
                        continue
                    if not data:
                        sel.unregister(key.fileobj)
                        continue
                    buf = got[key.fd]
                    buf += data
                    if key.fd == parse_fd:
                        text = tail + data
                        for m in re.finditer(rb"event: fleet\ndata: (\{[^\n]*\})", text):
                            lags.append(json.loads(m.group(1))["loop_lag_ms"])
                        tail = text[-512:]
            secs = time.monotonic() - t0
            figures = [bytes(b).count(b"event: figures") / secs for b in got.values()]
            refused = sum(1 for b in got.values() if not bytes(b).startswith(b"HTTP/1.1 200"))
            resyncs = sum(1 for b in got.values() if b"event: resync" in b)
            for s in socks:
                s.close()
            return {"clients": k, "agents": args.agents, "streams": args.streams, "seconds": round(secs, 1),
                    "refused": refused, "resynced": resyncs,
                    "figures_per_s_per_client": {"min": round(min(figures), 1),
                                                 "median": round(statistics.median(figures), 1),
                                                 "max": round(max(figures), 1)},
                    "loop_lag_ms": {"min": min(lags) if lags else None,
                                    "median": statistics.median(lags) if lags else None,
                                    "max": max(lags) if lags else None, "samples": len(lags)},
                    "controller_alive": c.controller.alive()}
        finally:
            lg.terminate()
            lg.wait(10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--clients", default="16,64,256")
    ap.add_argument("--agents", type=int, default=100)
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=20)
    args = ap.parse_args()
    args.bin_dir = os.path.abspath(args.bin_dir)
    os.environ["FFLEET_BIN_DIR"] = args.bin_dir
    for k in [int(x) for x in args.clients.split(",")]:
        print(json.dumps(measure(args, k)), flush=True)


if __name__ == "__main__":
    main()
