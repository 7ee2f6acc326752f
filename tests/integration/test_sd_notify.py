"""sd_notify under a stand-in service manager: each real daemon started with
NOTIFY_SOCKET on a datagram socket this test binds (a path for the controller,
an abstract '@' name for the agent) and WATCHDOG_USEC set, as systemd starts a
Type=notify unit with WatchdogSec=. PID 1 here is not systemd, so the units
themselves are only verified (test_units.py); this is what they rely on.

Also: --log-format json (the flag on the controller, FFLEET_LOG_FORMAT on the
agent) gives one JSON object per line."""
import json
import os
import select
import signal
import socket
import time
import unittest

from harness import Cluster, main, pid_alive, wait_until

WATCHDOG_USEC = 1_000_000  # keep-alives every 0.5 s


class Listener:
    """The service manager's end: a datagram socket, every message kept as a
    dict of its KEY=VALUE lines, in order."""

    def __init__(self, name):
        self.name = name
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + name[1:] if name.startswith("@") else name)
        self.messages = []

    def close(self):
        self.sock.close()

    def read(self, timeout):
        """Everything that arrives within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return
            data = self.sock.recv(4096).decode()
            self.messages.append(dict(line.split("=", 1) for line in data.split("\n") if line))

    def wait_for(self, pred, timeout, what):
        def check():
            self.read(0.1)
            return next((m for m in self.messages if pred(m)), None)
        return wait_until(check, timeout, f"{self.name}: {what} (got {self.messages[-5:]})", interval=0)

    def statuses(self):
        return [m["STATUS"] for m in self.messages if "STATUS" in m]

    def keepalives(self):
        return sum(1 for m in self.messages if m.get("WATCHDOG") == "1")


def assert_json_lines(test, path):
    with open(path, encoding="utf-8") as f:  # valid UTF-8, or this raises
        lines = [l for l in f.read().splitlines() if l]
    test.assertTrue(lines, path)
    for line in lines:
        obj = json.loads(line)
        test.assertTrue({"ts", "level", "component", "msg"} <= set(obj), line)
    return [json.loads(l) for l in lines]


class SdNotify(unittest.TestCase):
    def test_ready_status_watchdog_and_stopping_from_both_daemons(self):
        with Cluster("sdnotify") as c:
            ctl = Listener(c.path("notify-ctl.sock"))
            agent = Listener(f"@ffleet-test-{os.getpid()}-{time.monotonic_ns()}")
            c.on_close += [ctl.close, agent.close]
            env = {"WATCHDOG_USEC": str(WATCHDOG_USEC)}
            controller = c.start_controller(extra=["--log-format", "json"], env={**env, "NOTIFY_SOCKET": ctl.name})
            ready = ctl.wait_for(lambda m: m.get("READY") == "1", 30, "READY=1")
            self.assertEqual(ready["STATUS"], "0 agents, 0 streams running, 0 pending")

            a1 = c.start_agent("a1", env={**env, "NOTIFY_SOCKET": agent.name, "FFLEET_LOG_FORMAT": "json"})
            ready = agent.wait_for(lambda m: m.get("READY") == "1", 60, "READY=1")
            self.assertTrue(ready["STATUS"].startswith("running 0 streams of 4"), ready)
            c.wait_agent("a1")

            # STATUS follows what the daemons do.
            c.add_lavfi("s1", c.path("s1.ts"), "--mode", "transcode")
            c.cli("stream", "start", "s1")
            pid = c.wait_state("s1", "running")["pid"]
            ctl.wait_for(lambda m: m.get("STATUS") == "1 agent, 1 stream running, 0 pending", 15, "STATUS with the stream")
            agent.wait_for(lambda m: m.get("STATUS") == "running 1 stream of 4", 15, "STATUS with the stream")
            # ffmpeg does not inherit the service manager's socket or watchdog.
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read().split(b"\0")
            self.assertFalse([v for v in environ if v.startswith((b"NOTIFY_SOCKET=", b"WATCHDOG_"))], environ)

            # Keep-alives keep coming, from both.
            for l in (ctl, agent):
                n = l.keepalives()
                l.wait_for(lambda m, n=n: l.keepalives() >= n + 3, 15, "3 more WATCHDOG=1")

            # A stopped loop sends none: the service manager would restart it.
            controller.send_signal(signal.SIGSTOP)
            try:
                ctl.read(0.3)  # what was on its way
                before = ctl.keepalives()
                ctl.read(4 * WATCHDOG_USEC / 1e6 / 2)  # four keep-alive periods
                self.assertEqual(ctl.keepalives(), before, "WATCHDOG=1 from a stopped controller")
            finally:
                controller.send_signal(signal.SIGCONT)
            ctl.wait_for(lambda m: ctl.keepalives() > before, 15, "WATCHDOG=1 again after SIGCONT")

            # SIGTERM: the agent says it is stopping and drains.
            a1.send_signal(signal.SIGTERM)
            stopping = agent.wait_for(lambda m: m.get("STOPPING") == "1", 15, "STOPPING=1")
            self.assertEqual(stopping["STATUS"], "shutting down: stopping 1 stream, draining")
            self.assertEqual(a1.wait(30), 0)
            wait_until(lambda: not pid_alive(pid), 10, "ffmpeg to be stopped by the drain")
            controller.send_signal(signal.SIGTERM)
            stopping = ctl.wait_for(lambda m: m.get("STOPPING") == "1", 15, "STOPPING=1")
            self.assertIn("streams keep running", stopping["STATUS"])
            self.assertEqual(controller.wait(15), 0)

            # --log-format json: every line one object, the message split.
            lines = assert_json_lines(self, controller.log)
            started = [o for o in lines if o.get("event") == "controller_started"]
            self.assertEqual(len(started), 1, lines[:5])
            self.assertEqual(started[0]["fields"]["listen"], c.endpoint)
            lines = assert_json_lines(self, a1.log)
            self.assertTrue([o for o in lines if o.get("event") == "drain_started" and o["component"] == "agent"])

    def test_a_watchdog_meant_for_another_process_is_not_fed(self):
        with Cluster("sdnotify-pid") as c:
            agent = Listener(c.path("notify-agent.sock"))
            c.on_close.append(agent.close)
            # No controller: READY=1 comes once the link is connecting.
            a1 = c.start_agent("a1", env={"NOTIFY_SOCKET": agent.name, "WATCHDOG_USEC": str(WATCHDOG_USEC),
                                          "WATCHDOG_PID": "1"})
            ready = agent.wait_for(lambda m: m.get("READY") == "1", 60, "READY=1")
            self.assertIn("connecting to the controller " + c.endpoint, ready["STATUS"])
            agent.read(4 * WATCHDOG_USEC / 1e6 / 2)
            self.assertEqual(agent.keepalives(), 0, agent.messages)
            self.assertTrue(a1.alive())


if __name__ == "__main__":
    main()
