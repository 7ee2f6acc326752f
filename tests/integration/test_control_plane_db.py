"""The control plane's database and its pipelined requests: a second
controller on the same database, a lost or full database, 1,500 requests
sent before any answer is read. Regression tests of failures seen on the first
wave that judge no time, so they run beside other tests (test_control_plane.py
has the ones that do: a paused controller, agents, ten thousand streams
answered within the CLI's timeout, a client that never reads)."""
import os
import subprocess
import time
import unittest

from harness import BIN_DIR, Cluster, main, pid_alive, wait_until
import wire


class Database(unittest.TestCase):
    def test_second_controller_on_the_same_database_is_refused(self):
        with Cluster("db-lock") as c:
            c.start_controller()
            r = subprocess.run([os.path.join(BIN_DIR, "ffleet-controller"), "--listen", "tcp://127.0.0.1:0",
                                "--db", c.db], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 3)
            self.assertIn("in use by another ffleet-controller", r.stderr)
            self.assertTrue(c.controller.alive())

    def test_deleted_database_stops_serving_and_an_empty_one_kills_nothing(self):
        with Cluster("db-lost") as c:
            ctl = c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            c.add_lavfi("keep", "null")
            c.cli("stream", "start", "keep")
            run = c.wait_state("keep", "running")
            os.unlink(c.db)
            self.assertEqual(ctl.wait(10), 5, "a controller whose database was deleted must stop serving")
            self.assertIn("store_lost", ctl.text())
            self.assertTrue(pid_alive(run["pid"]), "losing the controller must not stop a stream")
            # A new controller on an empty database: the agent reports a run it
            # never placed. It is neither adopted nor stopped.
            ctl2 = c.start_controller()
            agent = wait_until(lambda: next((a for a in c.agent_list() if a["name"] == "a1" and a["unknown_runs"] == 1),
                                            None), 15, "agent ls to show the unknown run")
            self.assertEqual(agent["state"], "ready")
            time.sleep(5)  # a negative check: longer than a lease and two heartbeats
            self.assertTrue(pid_alive(run["pid"]))
            self.assertIn("agent_unknown_runs agent=a1 runs=1", ctl2.text())
            self.assertEqual(c.streams(), [])
            # The operator decides: this database is right, stop what it does not know.
            c.cli("agent", "stop-unknown", "a1", json_out=False)
            wait_until(lambda: not pid_alive(run["pid"]), 15, "the unknown run to stop")
            wait_until(lambda: c.agent_list()[0]["unknown_runs"] == 0, 10, "no unknown runs left")

    @unittest.skipUnless(os.geteuid() == 0, "needs root to mount a small tmpfs (a full disk)")
    def test_full_disk_fails_every_command_and_changes_nothing(self):
        with Cluster("full-disk") as c:
            mnt = c.path("small")
            os.mkdir(mnt)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt], check=True)
            try:
                c.db = os.path.join(mnt, "ffleet.db")
                ctl = c.start_controller()
                c.start_agent("a1")
                c.wait_agent("a1")
                c.add_lavfi("s1", "null")
                c.cli("stream", "start", "s1")
                run = c.wait_state("s1", "running")
                filler = os.path.join(mnt, "filler")
                subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
                # The WAL may still have room for a little: keep asking until
                # the disk is truly full, then every change must fail.
                for args in (("stream", "stop", "s1"), ("stream", "add", "s2", "--input-format", "lavfi", "--input",
                                                        "testsrc2", "--output", "null"), ("limits", "set", "--global", "3")):
                    r = c.cli(*args, check=False, json_out=False)
                    self.assertNotEqual(r.returncode, 0, f"{args} succeeded on a full disk: {r.stdout}")
                    self.assertIn("cannot store", r.stderr)
                    self.assertEqual(len(r.stderr.strip().splitlines()), 1)
                s = c.stream("s1")
                self.assertEqual((s["state"], s["pid"]), ("running", run["pid"]))
                self.assertTrue(pid_alive(run["pid"]), "a stop that failed to store must not stop the run")
                self.assertEqual([x["name"] for x in c.streams()], ["s1"])
                self.assertTrue(ctl.alive())
                os.unlink(filler)
                c.cli("stream", "stop", "s1")
                c.wait_state("s1", "stopped")
            finally:
                for p in c.procs:
                    p.stop()
                subprocess.run(["umount", "-l", mnt])


class Bounded(unittest.TestCase):
    def test_pipelined_requests_are_each_answered(self):
        with Cluster("pipeline") as c:
            c.start_controller()
            c.cli("limits", "show")  # listening
            d = wire.Dealer(c.port, identity=b"piper")
            body = wire.pack({"user": "piper"})
            n = 1500
            for i in range(n):
                d.send([b"FFLEET/1", wire.pack({"type": 42, "msg_id": i + 1, "sent_at_ms": 1, "in_reply_to": 0}), body])
            answered = set()
            while len(answered) < n:
                frames = d.recv(timeout=20)
                h = wire.unpack(frames[1])
                if h["type"] == 60:
                    answered.add(h["in_reply_to"])
            self.assertEqual(answered, set(range(1, n + 1)))
            d.close()


if __name__ == "__main__":
    main()
