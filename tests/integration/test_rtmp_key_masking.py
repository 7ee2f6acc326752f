"""A live lavfi stream pushed to a real nginx-rtmp ingest: nginx sees it publish
while it runs and not after the stop, and the stream key never shows in the CLI's
output or in the daemons' logs."""
import json
import unittest

from ffleet_fixture import Cluster, NginxRtmp, lavfi, pid_alive, wait_until

KEY = "key123"


class RtmpPush(unittest.TestCase):
    def test_push_reaches_nginx_and_the_key_stays_secret(self):
        with NginxRtmp() as nginx, Cluster() as c:
            c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            # Default mode (auto) must transcode a lavfi input to reach an flv ingest.
            c.stream_add("live1", *lavfi(), "--output", nginx.url(KEY))
            c.cli("stream", "start", "live1")
            pid = c.wait_state("live1", "running")["pid"]
            wait_until(lambda: KEY in nginx.publishing(), 15, what=f"nginx to list {KEY} as publishing")

            shown = c.cli("stream", "show", "live1", json=False).stdout
            shown += json.dumps(c.stream("live1"))
            shown += c.cli("stream", "ls", json=False).stdout
            shown += c.cli("stream", "logs", "live1", json=False).stdout
            self.assertNotIn(KEY, shown)

            c.cli("stream", "stop", "live1")
            wait_until(lambda: not pid_alive(pid), 10, what=f"ffmpeg pid {pid} to exit")
            wait_until(lambda: KEY not in nginx.publishing(), 10, what=f"nginx to stop listing {KEY}")
            c.wait_state("live1", "stopped")
            for name in ("controller", "a1"):
                self.assertNotIn(KEY, c.log_text(name), f"the stream key is in the {name} log")


if __name__ == "__main__":
    unittest.main(verbosity=2)
