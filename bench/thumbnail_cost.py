#!/usr/bin/env python3
"""What the agent's thumbnail output costs (docs/agent.md, "Thumbnails"): the
CPU time (user+system, from the children's rusage) of one real ffmpeg with the
stream's own output alone and with the thumbnail output beside it, the cases
alternated so a busy host's load falls on each alike.

  live:     a 1280x720 30 fps lavfi source read at its native rate (-re),
            libx264 ultrafast/zerolatency (the agent's live preset) to null.
  isolated: the same source flat out to `-f null -` with and without the
            thumbnail: what the thumbnail itself adds, without an encoder's noise.

Usage: bench/thumbnail_cost.py [--seconds S] [--runs N]
Figures, not assertions: mean and standard deviation over N runs.
"""
import argparse
import os
import resource
import statistics
import subprocess
import tempfile

SRC = "testsrc2=size=1280x720:rate=30"


def thumb(path, every):
    return ["-map", "0:v:0", "-vf", f"fps=1/{every},scale=320:-2", "-c:v", "mjpeg", "-q:v", "8", "-f", "image2",
            "-update", "1", "-atomic_writing", "1", path]


def cpu(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        jpg = os.path.join(d, "thumb.jpg")
        head = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-nostats", "-loglevel", "error"]
        src = ["-f", "lavfi", "-t", str(a.seconds), "-i", SRC]
        x264 = ["-map", "0:v:0", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-sc_threshold",
                "0", "-force_key_frames", "expr:gte(t,n_forced*2)", "-pix_fmt", "yuv420p", "-f", "null", "-"]
        null = ["-map", "0:v:0", "-f", "null", "-"]
        cases = {
            "live: the stream alone": head + ["-re"] + src + x264,
            "live: with the thumbnail (fps=1/5)": head + ["-re"] + src + x264 + thumb(jpg, 5),
            "live: with a thumbnail every second": head + ["-re"] + src + x264 + thumb(jpg, 1),
            "isolated: source to null": head + src + null,
            "isolated: with the thumbnail (fps=1/5)": head + src + null + thumb(jpg, 5),
        }
        got = {k: [] for k in cases}
        for _ in range(a.runs):
            for k, argv in cases.items():
                got[k].append(cpu(argv))
    for k, v in got.items():
        sd = statistics.stdev(v) if len(v) > 1 else 0.0
        share = f" = {100 * statistics.mean(v) / a.seconds:5.1f}% of one core" if k.startswith("live") else ""
        print(f"{k:42s} cpu {statistics.mean(v):6.2f} s ± {sd:.2f} over {len(v)} runs of {a.seconds} s{share}")


if __name__ == "__main__":
    main()
