"""Limits: exact under parallel starts, refusals that name the limit, persistent
changes, and one destination per live stream."""
import concurrent.futures
import os
import unittest

from harness import STANDINS, Cluster, main, secret


class Limits(unittest.TestCase):
    def test_parallel_starts_never_exceed_the_per_user_limit(self):
        with Cluster("limits") as c:
            c.start_controller(env={"MAX_CONCURRENT_STREAMS_PER_USER": "3"})
            c.start_agent("a1", max_streams=20, ffmpeg=os.path.join(STANDINS, "exits-on-term-ffmpeg"))
            c.wait_agent("a1")
            names = [f"s{i}" for i in range(8)]
            for n in names:
                c.add_stream(n, "--input", "in.mp4", "--output", c.path(f"{n}.ts"), "--mode", "copy", user="alice")
            with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
                results = list(pool.map(lambda n: c.cli("stream", "start", n, check=False, json_out=False,
                                                        user="alice"), names))
            ok = [r for r in results if r.returncode == 0]
            refused = [r for r in results if r.returncode != 0]
            self.assertEqual(len(ok), 3)
            self.assertEqual(len(refused), 5)
            for r in refused:
                self.assertEqual(r.stderr.strip(), "ffleet: per-user limit reached for alice: 3 of 3 running")
            live = [s for s in c.streams() if s["state"] in ("starting", "running")]
            self.assertEqual(len(live), 3)
            self.assertIn("start_refused", c.controller.text())
            # A stop frees the slot at once.
            c.cli("stream", "stop", live[0]["name"])
            c.wait_state(live[0]["name"], "stopped")
            spare = next(n for n in names if n not in {s["name"] for s in live})
            c.cli("stream", "start", spare, user="alice")

    def test_limits_set_is_persistent_and_overrides_apply(self):
        with Cluster("limits-set") as c:
            c.start_controller()
            self.assertEqual(c.cli("limits", "show"), {"global": 20, "per_user": 5, "user_overrides": {}, "running": 0})
            c.cli("limits", "set", "--global", "7", "--per-user", "2")
            c.cli("limits", "set", "--user", "bob", "--max", "4")
            c.controller.stop()
            c.start_controller()
            shown = c.cli("limits", "show")
            self.assertEqual((shown["global"], shown["per_user"], shown["user_overrides"]), (7, 2, {"bob": 4}))

    def test_second_push_to_one_destination_is_refused(self):
        with Cluster("dest") as c:
            c.start_controller()
            c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "exits-on-term-ffmpeg"))
            c.wait_agent("a1")
            url = "rtmp://ingest.example/live/" + secret("samekey")
            c.add_stream("first", "--input", "a.mp4", "--output", url, "--mode", "copy")
            c.add_stream("second", "--input", "b.mp4", "--output", url, "--mode", "copy")
            c.cli("stream", "start", "first")
            r = c.cli("stream", "start", "second", check=False, json_out=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("is in use by stream first", r.stderr)
            self.assertNotIn("samekey", r.stderr)
            self.assertEqual(c.stream("second")["state"], "stopped")

    def test_scheduled_starts_over_a_limit_wait_in_a_fair_queue(self):
        with Cluster("queue") as c:
            c.start_controller(env={"MAX_CONCURRENT_STREAMS_PER_USER": "1"})
            c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "exits-on-term-ffmpeg"))
            c.wait_agent("a1")
            c.add_stream("first", "--input", "a", "--output", c.path("1.ts"), "--mode", "copy", user="ann")
            c.cli("stream", "start", "first", user="ann")
            c.wait_state("first", "running")
            # Two scheduled streams come due while the slot is taken: they queue
            # instead of being refused, the higher priority one first.
            c.add_stream("low", "--input", "b", "--output", c.path("2.ts"), "--mode", "copy", "--start-at", "+1s",
                         user="ann")
            c.add_stream("high", "--input", "c", "--output", c.path("3.ts"), "--mode", "copy", "--start-at", "+2s",
                         "--priority", "5", user="ann")
            for n in ("low", "high"):
                s = c.wait_state(n, "pending", timeout=10)
                self.assertEqual(s["waiting_for"], "per-user limit reached for ann: 1 of 1 running")
            c.cli("stream", "stop", "first")
            c.wait_state("high", "running", timeout=10)
            self.assertEqual(c.stream("low")["state"], "pending")
            c.cli("stream", "stop", "high")
            c.wait_state("low", "running", timeout=10)


if __name__ == "__main__":
    main()
