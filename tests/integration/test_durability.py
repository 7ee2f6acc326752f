"""A controller killed with SIGKILL in the middle of a burst of 1,000
submissions and state changes keeps every one it acknowledged."""
import concurrent.futures
import os
import signal
import sqlite3
import threading
import unittest

from harness import BIN_DIR, Cluster, main, wait_until


class Durability(unittest.TestCase):
    BURST = 1000
    KILL_AFTER = 300  # acknowledged adds before the SIGKILL: well inside the burst

    def test_every_acknowledged_change_survives_sigkill(self):
        with Cluster("burst") as c:
            c.start_controller(env={"MAX_CONCURRENT_STREAMS_PER_USER": "100000",
                                    "MAX_CONCURRENT_STREAMS_GLOBAL": "100000"})
            acked_adds, acked_starts = {}, set()
            lock = threading.Lock()
            killed = threading.Event()

            def submit(i):
                # Each submission adds a stream; every fourth also starts it (a state change).
                if killed.is_set():
                    return  # the burst ends with the controller
                r = c.cli("stream", "add", f"b{i}", "--input", "in.mp4", "--output", c.path(f"{i}.ts"),
                          "--mode", "copy", check=False, timeout_ms=5000)
                if r.returncode != 0:
                    return
                sid = int(r.stdout.strip().split(":")[1].strip(" }")) if r.stdout.strip().startswith("{") else None
                with lock:
                    acked_adds[f"b{i}"] = sid
                    if len(acked_adds) == self.KILL_AFTER and not killed.is_set():
                        killed.set()
                        c.controller.send_signal(signal.SIGKILL)
                if i % 4 == 0:
                    r = c.cli("stream", "start", f"b{i}", check=False, json_out=False, timeout_ms=5000)
                    if r.returncode == 0:
                        with lock:
                            acked_starts.add(f"b{i}")

            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                list(pool.map(submit, range(self.BURST)))
            self.assertTrue(killed.is_set())
            c.controller.wait(10)
            self.assertGreaterEqual(len(acked_adds), self.KILL_AFTER)
            self.assertLess(len(acked_adds), self.BURST, "the kill came too late to test anything")

            c.start_controller()
            wait_until(lambda: c.cli("stream", "ls", check=False).returncode == 0, 15, "the controller back")
            with sqlite3.connect(c.db) as con:
                rows = dict(con.execute("SELECT name, id FROM streams").fetchall())
                desired = dict(con.execute("SELECT name, desired FROM streams").fetchall())
                self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            missing = [n for n in acked_adds if n not in rows]
            self.assertEqual(missing, [], "acknowledged streams lost")
            for n, sid in acked_adds.items():
                if sid is not None:
                    self.assertEqual(rows[n], sid)
            lost_starts = [n for n in acked_starts if desired.get(n) != "running"]
            self.assertEqual(lost_starts, [], "acknowledged starts lost")
            print(f"measure burst acknowledged_adds={len(acked_adds)} acknowledged_starts={len(acked_starts)} "
                  f"stored_streams={len(rows)}")


if __name__ == "__main__":
    main()
