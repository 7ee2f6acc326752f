#!/usr/bin/env python3
"""`make test`'s check of `make bench`: bench/run.py --profile smoke (every
figure once, tiny sizes) against this build's binaries must produce a
results.json with every figure, each with min <= median <= max, and every
load-generator burst must have had all its placements arrive. No speed is
asserted (figures of a shared machine, and an ASan build)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402


class BenchSmoke(unittest.TestCase):
    def test_every_figure_and_every_placement(self):
        bin_dir = os.environ.get("FFLEET_BIN_DIR", os.path.join(HERE, "..", "build", "asan", "bin"))
        out_dir = tempfile.mkdtemp(prefix="ffleet-bench-smoke-")
        try:
            out = os.path.join(out_dir, "results.json")
            r = subprocess.run([sys.executable, os.path.join(HERE, "run.py"), "--profile", "smoke", "--bin-dir",
                                bin_dir, "--out", out], capture_output=True, text=True, timeout=280)
            report = f"\nstdout:\n{r.stdout}\nstderr:\n{r.stderr[-4000:]}"
            self.assertEqual(r.returncode, 0, report)
            with open(out) as f:
                results = json.load(f)
            expected = set()
            for _, _, figs in run.groups(run.PROFILES["smoke"]).values():
                expected |= set(figs)
            self.assertEqual(set(results), expected, report)
            for name, v in results.items():
                self.assertEqual(set(v), {"median", "min", "max", "unit"}, name)
                for k in ("median", "min", "max"):
                    self.assertIsInstance(v[k], (int, float), f"{name} is missing{report}")
                self.assertLessEqual(v["min"], v["median"], name)
                self.assertLessEqual(v["median"], v["max"], name)
            with open(os.path.join(out_dir, "loadgen.jsonl")) as f:
                bursts = [json.loads(line) for line in f]
            p = run.PROFILES["smoke"]
            self.assertEqual(len(bursts), len(p["bursts"]) * len(p["fleets"]) + 3, report)
            for b in bursts:
                self.assertTrue(b["complete"], b)
                self.assertEqual(b["placed"], b["streams"], b)
                self.assertTrue(b["controller_alive"], b)
            self.assertIn("placement_small_m10_per_s", r.stdout)  # the table
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
