"""The control plane never dies, never stalls and never lies: a paused
controller, huge answers, unread clients, duplicate agent names, bursts of
requests, a restart's grace. Each test is the regression test of a failure
seen on the first wave; these judge time, so they run alone (the database and
pipelined requests are in test_control_plane_db.py, which runs beside other
tests; ten thousand streams stay here: beside other tests on a busy machine,
`stream show` of 500 runs outlasted the CLI's 3 s timeout)."""
import json
import os
import signal
import sqlite3
import threading
import time
import unittest

from harness import BIN_DIR, Cluster, Proc, main, pid_alive, wait_until
import wire


def running_pids(c, names):
    return {n: c.stream(n)["pid"] for n in names}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Pause(unittest.TestCase):
    def test_sigstop_of_ten_seconds_changes_no_stream(self):
        with Cluster("pause") as c:
            ctl = c.start_controller()
            for a in ("a1", "a2"):
                c.start_agent(a)
                c.wait_agent(a)
            for n in ("p1", "p2", "p3"):
                c.add_lavfi(n, "null")
                c.cli("stream", "start", n)
                c.wait_state(n, "running")
            before = {n: (s["pid"], s["attempt"]) for n, s in ((n, c.stream(n)) for n in ("p1", "p2", "p3"))}
            ctl.send_signal(signal.SIGSTOP)
            time.sleep(10)  # the pause under test
            ctl.send_signal(signal.SIGCONT)
            wait_until(lambda: "loop_paused" in ctl.text(), 10, "the controller to notice its pause")
            # Longer than lost_after (4 s) after the resume: a wrong verdict would show by now.
            time.sleep(6)
            after = {n: (s["pid"], s["attempt"]) for n, s in ((n, c.stream(n)) for n in ("p1", "p2", "p3"))}
            self.assertEqual(after, before)
            self.assertNotIn("agent_lost", ctl.text())
            self.assertTrue(all(a["state"] == "ready" for a in c.agent_list()))


class Bounded(unittest.TestCase):
    def test_ten_thousand_streams_and_five_hundred_runs(self):
        with Cluster("bounded") as c:
            c.start_controller()
            c.cli("limits", "show")
            c.controller.stop()
            # Rows written straight into the database: adding 10,000 streams
            # through the CLI would take minutes and test nothing more.
            db = sqlite3.connect(c.db)
            spec = json.dumps({"inputs": ["testsrc2"], "input_format": "lavfi", "outputs": ["null"]})
            db.executemany("INSERT INTO streams (name, owner, spec, created_at_ms, updated_at_ms) VALUES (?,?,?,?,?)",
                           [(f"s{i:05d}", "bulk", spec, 1, 1) for i in range(10000)])
            db.executemany("INSERT INTO runs (stream_id, attempt, agent, requested_at_ms, reason, stderr_tail) "
                           "VALUES (1, ?, 'gone', 1, 'exited', ?)",
                           [(a, json.dumps(["x" * 900] * 20)) for a in range(1, 501)])
            db.commit()
            db.close()
            # 10,000 rows compared after every turn would measure the check.
            c.start_controller(env={"FFLEET_DEBUG_CHECK_INDEX": "0"})
            streams = c.streams()
            self.assertEqual(len(streams), 10000)
            self.assertEqual(len({s["id"] for s in streams}), 10000)
            table = c.cli("stream", "ls", json_out=False).stdout
            self.assertEqual(len(table.strip().splitlines()), 10001)
            show = c.stream("s00000")
            self.assertEqual(show["runs_total"], 500)
            self.assertEqual([r["attempt"] for r in show["runs"]], list(range(481, 501)))
            text = c.cli("stream", "show", "s00000", json_out=False).stdout
            self.assertIn("the latest 20 of 500 runs", text)
            more = c.cli("stream", "show", "s00000", "--runs", "200")
            self.assertEqual(len(more["runs"]), 200)

    def test_a_client_that_never_reads_costs_bounded_memory_and_is_answered(self):
        with Cluster("unread") as c:
            ctl = c.start_controller()
            c.add_lavfi("x", "null")
            base = rss_kib(ctl.pid)
            d = wire.Dealer(c.port, identity=b"greedy")
            body = wire.pack({"user": "greedy"})
            for i in range(3000):  # requests, never reading a reply
                d.send([b"FFLEET/1", wire.pack({"type": 42, "msg_id": i + 1, "sent_at_ms": 1, "in_reply_to": 0}), body])
            # Others are still served at once, and the flood is logged.
            t0 = time.monotonic()
            self.assertEqual(c.streams()[0]["name"], "x")
            self.assertLess(time.monotonic() - t0, 3)
            wait_until(lambda: "why=busy" in ctl.text() or "send_failed" in ctl.text(), 10,
                       "the refused or undeliverable requests to be logged")
            self.assertLess(rss_kib(ctl.pid) - base, 200 * 1024, "an unread client grew the controller's memory")
            d.close()
            self.assertTrue(ctl.alive())

class Agents(unittest.TestCase):
    def test_duplicate_agent_name_is_refused_and_named(self):
        with Cluster("dup-name") as c:
            ctl = c.start_controller()
            c.start_agent("twin")
            c.wait_agent("twin")
            c.add_lavfi("d1", "null")
            c.cli("stream", "start", "d1")
            before = c.wait_state("d1", "running")
            # A second process under the same name (another host misconfigured, say).
            args = [os.path.join(BIN_DIR, "ffleet-agent"), "--controller", c.endpoint, "--name", "twin",
                    "--work-dir", c.path("work-twin-b"), "--log-level", "debug"]
            second = Proc("twin-b", args, c.path("agent-twin-b.log"))
            c.procs.append(second)
            wait_until(lambda: "register_refused" in second.text(), 15, "the second process to be refused")
            wait_until(lambda: c.agent_list()[0].get("duplicate"), 10, "agent ls to name the duplicate")
            self.assertIn("why=duplicate_name", ctl.text())
            time.sleep(6)  # a negative check: flapping showed within seconds
            after = c.stream("d1")
            self.assertEqual((after["pid"], after["attempt"]), (before["pid"], before["attempt"]))
            self.assertNotIn("agent_lost", ctl.text())
            self.assertEqual(len(c.agent_list()), 1)

    def test_duplicate_first_after_a_restart_does_not_take_the_name(self):
        # The chaos test's finding: after a controller restart the duplicate
        # registered first, took the name, and the real agent's stream was
        # placed again while it still ran (two copies).
        with Cluster("dup-restart") as c:
            c.start_controller()
            real = c.start_agent("twin")
            c.wait_agent("twin")
            c.add_lavfi("d1", "null")
            c.cli("stream", "start", "d1")
            before = c.wait_state("d1", "running")
            real.send_signal(signal.SIGSTOP)  # silent while the controller restarts
            try:
                c.controller.stop(signal.SIGKILL)
                ctl = c.start_controller()
                args = [os.path.join(BIN_DIR, "ffleet-agent"), "--controller", c.endpoint, "--name", "twin",
                        "--work-dir", c.path("work-twin-b"), "--log-level", "debug"]
                second = Proc("twin-b", args, c.path("agent-twin-b.log"))
                c.procs.append(second)
                wait_until(lambda: "agent_provisional agent=twin" in ctl.text(), 15,
                           "the first process back without the runs to hold the name provisionally")
            finally:
                real.send_signal(signal.SIGCONT)
            wait_until(lambda: "register_displaced agent=twin" in ctl.text(), 15,
                       "the process reporting the run to take the name")
            wait_until(lambda: "register_refused" in second.text(), 15, "the duplicate to be told")
            wait_until(lambda: c.agent_list()[0].get("duplicate"), 10, "agent ls to name the duplicate")
            time.sleep(6)  # a negative check: the second placement came within seconds
            after = c.stream("d1")
            self.assertEqual((after["state"], after["pid"], after["attempt"]),
                             ("running", before["pid"], before["attempt"]))
            self.assertTrue(pid_alive(before["pid"]))
            self.assertNotIn("agent_lost", ctl.text())

    def test_failover_right_after_a_restart_is_not_held_by_the_grace(self):
        with Cluster("grace") as c:
            c.start_controller(env={"FFLEET_RESTART_GRACE_MS": "15000"})
            for a in ("a1", "a2"):
                c.start_agent(a)
                c.wait_agent(a)
            c.add_lavfi("g1", "null")
            c.cli("stream", "start", "g1")
            s = c.wait_state("g1", "running")
            c.controller.stop()
            c.start_controller(env={"FFLEET_RESTART_GRACE_MS": "15000"})
            for a in ("a1", "a2"):
                wait_until(lambda: any(x["name"] == a and x["state"] == "ready" and not x["reconnecting"]
                                       for x in c.agent_list()), 15, f"{a} back")
            victim = c.agents[s["agent"]]
            t0 = time.monotonic()
            victim.stop(signal.SIGKILL)
            wait_until(lambda: c.stream("g1")["state"] == "running" and c.stream("g1")["agent"] != s["agent"], 14,
                       "failover to the other agent")
            self.assertLess(time.monotonic() - t0, 10)

    def test_parallel_start_loops_restart_no_healthy_stream(self):
        with Cluster("burst") as c:
            ctl = c.start_controller()
            for a in ("a1", "a2"):
                c.start_agent(a, max_streams=8)
                c.wait_agent(a)
            for n in ("steady1", "steady2"):
                c.add_lavfi(n, "null")
                c.cli("stream", "start", n)
                c.wait_state(n, "running")
            before = running_pids(c, ("steady1", "steady2"))
            for i in range(8):
                c.add_lavfi(f"b{i}", "null", "--batch")
            stop = time.monotonic() + 10
            errors = []

            def loop(i):
                while time.monotonic() < stop:
                    for cmd in ("start", "stop"):
                        r = c.cli("stream", cmd, f"b{i}", check=False, json_out=False, timeout_ms=10000)
                        if r.returncode not in (0, 1):
                            errors.append(r.stderr)
            threads = [threading.Thread(target=loop, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            self.assertNotIn("agent_lost", ctl.text())
            self.assertEqual(running_pids(c, ("steady1", "steady2")), before)


if __name__ == "__main__":
    main()
