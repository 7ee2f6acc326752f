"""Lost and duplicated messages change nothing. A fake agent (speaking the real
protocol from this test) leaves commands unanswered and repeats its reports:
the controller resends until answered, applies each report once, and fences
a run it does not want."""
import threading
import time
import unittest

from harness import Cluster, main, wait_until
from wire import FakeAgent

START_RUN, STOP_RUN, RUN_STARTED, RUN_EXITED, ACK, HEARTBEAT = 20, 21, 22, 23, 2, 4


class LossyWire(unittest.TestCase):
    def test_resends_and_duplicates(self):
        with Cluster("lossy") as c:
            c.start_controller()
            wait_until(lambda: c.cli("stream", "ls", check=False).returncode == 0, 10, "the controller to listen")
            fa = FakeAgent(c.port, "fake")
            lock = threading.Lock()
            runs = []
            stop = threading.Event()

            def send(mtype, body, in_reply_to=0):
                with lock:
                    return fa.send(mtype, body, in_reply_to)

            def heartbeats():
                while not stop.wait(0.5):
                    send(HEARTBEAT, {"host": {}, "runs": list(runs), "draining": False})

            fa.register()
            beat = threading.Thread(target=heartbeats, daemon=True)
            beat.start()
            try:
                c.wait_agent("fake")
                sid = c.add_stream("s1", "--input", "a", "--output", c.path("o.ts"), "--mode", "copy")
                c.cli("stream", "start", "s1")

                # START_RUN lost: never answered, so it comes again, same attempt.
                _, first = fa.recv_type(START_RUN)
                t0 = time.monotonic()
                _, again = fa.recv_type(START_RUN, timeout=8)
                resend_s = time.monotonic() - t0
                self.assertEqual((first["stream_id"], first["attempt"]), (sid, 1))
                self.assertEqual(again["attempt"], 1)
                self.assertEqual(c.stream("s1")["state"], "starting")

                # RUN_STARTED duplicated: acknowledged twice, applied once.
                now = int(time.time() * 1000)
                for _ in range(2):
                    mid = send(RUN_STARTED, {"stream_id": sid, "attempt": 1, "pid": 4242, "encoder": "copy",
                                             "started_at_ms": now})
                    h, _ = fa.recv_type(ACK)
                    self.assertEqual(h["in_reply_to"], mid)
                runs.append({"stream_id": sid, "attempt": 1, "pid": 4242})
                s = c.wait_state("s1", "running")
                self.assertEqual((s["pid"], s["attempt"], len(s["runs"])), (4242, 1, 1))

                # STOP_RUN lost: resent while the run is still reported.
                c.cli("stream", "stop", "s1")
                fa.recv_type(STOP_RUN)
                _, stop_again = fa.recv_type(STOP_RUN, timeout=8)
                self.assertEqual(stop_again["attempt"], 1)

                # RUN_EXITED duplicated: one ending, recorded once.
                runs.clear()
                for _ in range(2):
                    mid = send(RUN_EXITED, {"stream_id": sid, "attempt": 1, "exit_code": 255, "signal": 0,
                                            "reason": "stopped", "ended_at_ms": int(time.time() * 1000)})
                    h, _ = fa.recv_type(ACK)
                    self.assertEqual(h["in_reply_to"], mid)
                s = c.wait_state("s1", "stopped")
                self.assertEqual(len(s["runs"]), 1)
                self.assertEqual((s["runs"][0]["reason"], s["runs"][0]["exit_code"]), ("stopped", 255))
                self.assertEqual(s["attempt"], 1)  # nothing was started again

                # A run the controller never wanted (a stale attempt) is told to stop.
                runs.append({"stream_id": sid, "attempt": 7, "pid": 999})
                _, fence = fa.recv_type(STOP_RUN, timeout=8)
                self.assertEqual((fence["stream_id"], fence["attempt"], fence["reason"]), (sid, 7, "stale_attempt"))
                print(f"measure start_run_resend_s={resend_s:.1f}")
            finally:
                stop.set()
                beat.join()
                fa.d.close()


if __name__ == "__main__":
    main()
