"""Agents and controllers come and go: an agent that starts first still
registers, and a controller restart stops no stream (its runs are adopted)."""
import signal
import time
import unittest

from harness import Cluster, main, pid_alive, wait_until


class Restarts(unittest.TestCase):
    def test_agent_started_before_controller_registers(self):
        with Cluster("early-agent") as c:
            agent = c.start_agent("early")
            # The agent is up and trying to register; no controller exists yet.
            wait_until(lambda: "agent_started" in agent.text(), 15, "agent start-up")
            self.assertTrue(agent.alive())
            c.start_controller()
            c.wait_agent("early", timeout=15)

    def test_controller_restart_keeps_streams_and_adopts_them(self):
        for how in (signal.SIGTERM, signal.SIGKILL):
            with self.subTest(signal=how.name), Cluster("ctl-restart") as c:
                c.start_controller(env={"FFLEET_RESTART_GRACE_MS": "10000"})
                c.start_agent("a1")
                c.wait_agent("a1")
                c.add_lavfi("s1", c.path("s1.ts"))
                c.cli("stream", "start", "s1")
                before = c.wait_state("s1", "running")
                code = c.controller.stop(how)
                if how == signal.SIGTERM:
                    self.assertEqual(code, 0)
                # Nothing stops while the controller is away.
                time.sleep(1.5)  # a negative check: the run must survive the gap
                self.assertTrue(pid_alive(before["pid"]))
                c.start_controller()
                c.wait_agent("a1", timeout=15)
                after = c.wait_state("s1", "running")
                self.assertEqual(after["pid"], before["pid"])
                self.assertEqual(after["attempt"], before["attempt"])
                self.assertEqual(len(after["runs"]), 1)
                self.assertTrue(pid_alive(before["pid"]))
                self.assertIn("agent_registered", c.controller.text())

    def test_agent_that_never_returns_after_a_controller_restart_is_failed_over(self):
        with Cluster("ctl-restart-lost") as c:
            c.start_controller(env={"FFLEET_RESTART_GRACE_MS": "3000"})
            c.start_agent("a1")
            c.wait_agent("a1")
            c.add_lavfi("s1", c.path("s1.ts"))
            c.cli("stream", "start", "s1")
            before = c.wait_state("s1", "running")
            # Controller and agent die together; only another agent comes back.
            c.controller.stop(signal.SIGKILL)
            c.agents["a1"].stop(signal.SIGKILL)
            wait_until(lambda: not pid_alive(before["pid"]), 5, "a1's ffmpeg to die with it")
            c.start_controller(env={"FFLEET_RESTART_GRACE_MS": "3000"})
            # Within the grace a1 is shown as lost but reconnecting; after it, plainly lost.
            a1 = wait_until(lambda: {a["name"]: a for a in c.agent_list()}["a1"], 10,
                            "the restarted controller to list a1")
            self.assertEqual((a1["state"], a1["reconnecting"]), ("lost", True))
            c.start_agent("a2")
            after = wait_until(lambda: (lambda v: v if v["state"] == "running" and v["agent"] == "a2" else None)(
                c.stream("s1")), 20, "the stream placed on a2 after the grace")
            self.assertEqual(after["attempt"], 2)
            self.assertEqual(after["runs"][0]["reason"], "host_lost")
            a1 = {a["name"]: a for a in c.agent_list()}["a1"]
            self.assertEqual((a1["state"], a1["reconnecting"]), ("lost", False))

    def test_agent_sigterm_drains_and_exits_zero(self):
        with Cluster("agent-drain") as c:
            c.start_controller()
            a = c.start_agent("a1")
            c.wait_agent("a1")
            pids = []
            for n in ("s1", "s2"):
                c.add_lavfi(n, c.path(f"{n}.ts"))
                c.cli("stream", "start", n)
                pids.append(c.wait_state(n, "running")["pid"])
            a.send_signal(signal.SIGTERM)
            self.assertEqual(a.wait(15), 0)
            for p in pids:
                self.assertFalse(pid_alive(p))
            # Reports reached the controller before the agent left; with no other
            # agent the streams wait for one.
            for n in ("s1", "s2"):
                s = c.wait_state(n, "pending")
                self.assertEqual(s["runs"][-1]["reason"], "drained")
            text = a.text()
            self.assertIn("drain_started", text)
            self.assertIn("drain_done", text)

    def test_agent_drain_moves_streams_old_run_first(self):
        with Cluster("cli-drain") as c:
            c.start_controller()
            c.start_agent("a1")
            c.start_agent("a2")
            c.wait_agent("a1")
            c.wait_agent("a2")
            c.cli("agent", "drain", "a2")
            c.add_lavfi("s1", c.path("s1.ts"))
            c.cli("stream", "start", "s1")
            old = c.wait_state("s1", "running")
            self.assertEqual(old["agent"], "a1")
            c.cli("agent", "resume", "a2")
            r = c.cli("agent", "drain", "a1", json_out=False)
            self.assertIn("moving 1 stream", r.stdout)
            new = wait_until(lambda: (lambda v: v if v["state"] == "running" and v["agent"] == "a2" else None)(
                c.stream("s1")), 15, "the stream moved to a2")
            self.assertFalse(pid_alive(old["pid"]))
            first, second = new["runs"]
            self.assertEqual(first["reason"], "drained")
            # The old run had ended before the new one started: never two pushes.
            self.assertLessEqual(first["ended_at"], second["started_at"])
            self.assertEqual(c.wait_agent("a1", "draining")["streams"], 0)
            # The drain is stored: a controller restart keeps it.
            c.controller.stop()
            c.start_controller()
            c.wait_agent("a1", "draining")


if __name__ == "__main__":
    main()
