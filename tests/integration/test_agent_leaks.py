"""After LEAK_CYCLES short runs on one agent (200 in `make test`, 500 by
`make leaks`), nothing per-stream is left behind: no runs or unacknowledged
reports in the agent, no files in its work dir, no zombies, and its open fds
and RSS back at their baseline."""
import os
import re
import unittest

from harness import STANDINS, Cluster, main, pid_alive, wait_until
from test_agent_supervision import zombie_children


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def last_state_counts(text):
    found = re.findall(r"state_counts runs=(\d+) outbox=(\d+)", text)
    return tuple(map(int, found[-1])) if found else None


class AgentLeaks(unittest.TestCase):
    CYCLES = max(150, int(os.environ.get("LEAK_CYCLES", "200")))

    def test_many_cycles_leave_nothing_behind(self):
        with Cluster("leaks") as c:
            c.start_controller()
            # ASan keeps freed memory in quarantine; shrink it so RSS means something.
            a = c.start_agent("a1", ffmpeg=os.path.join(STANDINS, "instant-ffmpeg"),
                              env={"ASAN_OPTIONS": "detect_leaks=1:quarantine_size_mb=1"})
            stopper = c.start_agent("a2", ffmpeg=os.path.join(STANDINS, "exits-on-term-ffmpeg"),
                                    env={"STANDIN_TERM_DELAY": "0", "ASAN_OPTIONS": "quarantine_size_mb=1"})
            c.wait_agent("a1")
            c.wait_agent("a2")
            c.cli("agent", "drain", "a2")
            work = c.path("work-a1")
            # Completed batch runs on a1; runs stopped by hand on a2.
            c.add_stream("job", "--input", "in.mp4", "--output", c.path("o.ts"), "--mode", "copy", "--batch")
            c.add_stream("live", "--input", "in.mp4", "--input", "in2.mp4", "--output", c.path("l.ts"),
                         "--mode", "copy")
            baseline = None
            live_cycles = self.CYCLES // 5
            for i in range(self.CYCLES - live_cycles):
                c.cli("stream", "start", "job")
                c.wait_state("job", "completed", timeout=10)
                if i == 50:
                    baseline = (fd_count(a.pid), rss_kb(a.pid))
            c.cli("agent", "resume", "a2")
            c.cli("agent", "drain", "a1")
            for _ in range(live_cycles):
                c.cli("stream", "start", "live")
                pid = c.wait_state("live", "running")["pid"]
                c.cli("stream", "stop", "live")
                wait_until(lambda: not pid_alive(pid), 10, "the stand-in to exit")
                c.wait_state("live", "stopped")

            self.assertEqual(c.stream("job")["attempt"], self.CYCLES - live_cycles)
            self.assertEqual(c.stream("live")["attempt"], live_cycles)
            for agent in (a, stopper):
                wait_until(lambda: last_state_counts(agent.text()) == (0, 0), 10, f"{agent.name} to hold nothing")
                self.assertEqual(zombie_children(agent.pid), [])
            self.assertEqual(os.listdir(work), [])
            self.assertEqual(os.listdir(c.path("work-a2")), [])
            fds, rss = fd_count(a.pid), rss_kb(a.pid)
            print(f"measure agent_fds baseline={baseline[0]} after={fds} rss_kb baseline={baseline[1]} after={rss}")
            self.assertEqual(fds, baseline[0])
            self.assertLess(rss - baseline[1], 4096,
                            f"agent RSS grew by more than 4 MB over {self.CYCLES - 51} runs")


if __name__ == "__main__":
    main()
