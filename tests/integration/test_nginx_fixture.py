"""The test ingest itself: NginxRtmp sees a real ffmpeg push as publishing, and
sees it go when ffmpeg stops. No ffleet binary involved."""
import os
import shutil
import signal
import subprocess
import unittest

from ffleet_fixture import NginxRtmp, wait_until


class NginxFixture(unittest.TestCase):
    def test_a_push_shows_as_publishing_and_then_goes(self):
        if not shutil.which("ffmpeg"):
            raise unittest.SkipTest("ffmpeg is not installed")
        with NginxRtmp() as ingest:
            self.assertEqual(ingest.publishing(), set())
            ffmpeg = subprocess.Popen(
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
                 "-i", "testsrc2=size=320x240:rate=25", "-t", "30", "-c:v", "libx264",
                 "-preset", "ultrafast", "-f", "flv", ingest.url("selfcheck")],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                start_new_session=True)
            try:
                wait_until(lambda: "selfcheck" in ingest.publishing(), 10, what="nginx to list the push")
            finally:
                os.killpg(ffmpeg.pid, signal.SIGTERM)
                _, err = ffmpeg.communicate(timeout=10)
            wait_until(lambda: "selfcheck" not in ingest.publishing(), 10,
                       what="nginx to drop the push; ffmpeg said: " + err.decode(errors="replace")[-300:])


if __name__ == "__main__":
    unittest.main(verbosity=2)
