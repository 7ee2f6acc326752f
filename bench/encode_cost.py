#!/usr/bin/env python3
"""What one stream costs a host, by how it is encoded: CPU (cores, from the
process's user+system time over the run's wall time) and peak RSS of one real
ffmpeg reading a lavfi source at its native rate (-re), like a live stream.
These are the figures docs/optimization.md quotes.

Usage: bench/encode_cost.py [--seconds S] [--runs N]
Figures, not assertions: min/median/max over N runs; the host is shared.
CPU time does not depend much on the host's load; wall-clock speed does.
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

SRC720 = "testsrc2=size=1280x720:rate=30"
SRC1080 = "testsrc2=size=1920x1080:rate=30"


def cases(clip):
    x264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "60", "-b:v", "3000k"]
    return [
        ("copy (remux a 720p30 H.264 file)", ["-re", "-stream_loop", "-1", "-i", clip], ["-c", "copy"]),
        ("720p30 libx264 ultrafast", ["-re", "-f", "lavfi", "-i", SRC720], x264 + ["-preset", "ultrafast"]),
        ("720p30 libx264 veryfast", ["-re", "-f", "lavfi", "-i", SRC720], x264 + ["-preset", "veryfast"]),
        ("720p30 libx264 medium", ["-re", "-f", "lavfi", "-i", SRC720], x264 + ["-preset", "medium"]),
        ("1080p30 libx264 veryfast", ["-re", "-f", "lavfi", "-i", SRC1080], x264 + ["-preset", "veryfast"]),
        ("720p30 -> 480p30 scale + libx264 veryfast", ["-re", "-f", "lavfi", "-i", SRC720],
         ["-vf", "scale=854:480"] + x264 + ["-preset", "veryfast"]),
    ]


def one(inputs, codec, seconds, out):
    """(cores, peak RSS MB, speed) of one ffmpeg run: its own rusage, from wait4.
    Below speed 1.0 the host could not keep up: the cores figure is then what it
    had to give, not what the stream needs."""
    argv = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *inputs, "-t", str(seconds), *codec, "-f", "mpegts", out]
    t0 = time.monotonic()
    p = subprocess.Popen(argv)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"ffmpeg exited {p.returncode}: {' '.join(argv)}")
    return (ru.ru_utime + ru.ru_stime) / wall, ru.ru_maxrss / 1024, seconds / wall


def fmt(v, unit):
    return f"{min(v):.3f} / {statistics.median(v):.3f} / {max(v):.3f} {unit}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ffleet-encode-cost-") as d:
        clip = os.path.join(d, "clip.ts")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", SRC720 + ":duration=10",
                        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "3000k", "-g", "60", "-pix_fmt", "yuv420p",
                        "-f", "mpegts", clip], check=True, timeout=300)
        print(f"{'case':45} {'cores (min/median/max)':28} {'peak RSS':9} speed (min)")
        for name, inputs, codec in cases(clip):
            cores, rss, speed = [], [], []
            for _ in range(a.runs):
                c, m, v = one(inputs, codec, a.seconds, os.path.join(d, "out.ts"))
                cores.append(c)
                rss.append(m)
                speed.append(v)
            print(f"{name:45} {fmt(cores, 'cores'):28} {statistics.median(rss):4.0f} MB   {min(speed):.2f}x", flush=True)


if __name__ == "__main__":
    main()
