"""A live push to a real nginx-rtmp ingest, and the stream key kept secret."""
import unittest

from harness import Cluster, NginxRtmp, main, pid_alive, wait_until


class RtmpPush(unittest.TestCase):
    def test_push_reaches_ingest_and_key_never_shows(self):
        key = "sekritkey123"
        with NginxRtmp() as ingest, Cluster("rtmp") as c:
            c.start_controller()
            c.start_agent("a1")
            c.wait_agent("a1")
            c.add_lavfi("live1", ingest.url(key), size="640x360", rate=30)
            c.cli("stream", "start", "live1")
            pid = c.wait_state("live1", "running")["pid"]
            wait_until(lambda: key in ingest.publishing(), 15, "nginx to see the stream publishing")

            shown = c.cli("stream", "show", "live1", json_out=False).stdout
            shown += c.cli("stream", "show", "live1", json_out=True).__repr__()
            shown += c.cli("stream", "ls", json_out=False).stdout
            self.assertIn("/live/****", shown)
            self.assertNotIn(key, shown)
            logs = c.cli("stream", "logs", "live1", "--tail", "200")["lines"]
            self.assertNotIn(key, "\n".join(logs))

            c.cli("stream", "stop", "live1")
            wait_until(lambda: not pid_alive(pid), 10, "ffmpeg to exit")
            wait_until(lambda: key not in ingest.publishing(), 10, "nginx to see the publisher gone")
            c.wait_state("live1", "stopped")
            for p in c.procs:
                self.assertNotIn(key, p.text(), f"stream key in {p.name}'s log")


if __name__ == "__main__":
    main()
