"""The systemd units of deploy/systemd: `systemd-analyze verify` passes on
them (no warning about them either: verify exits 0 over an unknown key), and
they say what the daemons rely on. verify needs the ExecStart binaries at the
paths named, so it runs on copies whose /usr/bin/ffleet-* point at this
build's binaries; nothing else is changed. PID 1 here is not systemd: the
units cannot be started for real (test_sd_notify.py drives the daemons the way
systemd would, test_packages.py installs them)."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN_DIR, SOURCE_DIR, main

UNITS = os.path.join(SOURCE_DIR, "deploy", "systemd")


def parse(path):
    """{section: {key: [values]}} of a unit file."""
    out, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = out.setdefault(line.strip("[]"), {})
                continue
            k, v = line.split("=", 1)
            section.setdefault(k.strip(), []).append(v.strip())
    return out


class Units(unittest.TestCase):
    def setUp(self):
        if not shutil.which("systemd-analyze"):
            raise unittest.SkipTest("systemd-analyze is missing (Debian package systemd)")
        self.dir = tempfile.mkdtemp(prefix="ffleet-units-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def copy(self, role, extra=""):
        src = os.path.join(UNITS, f"ffleet-{role}.service")
        with open(src) as f:
            text = f.read()
        self.assertIn(f"/usr/bin/ffleet-{role} ", text)
        text = text.replace(f"/usr/bin/ffleet-{role}", os.path.join(BIN_DIR, f"ffleet-{role}"))
        dst = os.path.join(self.dir, f"ffleet-{role}.service")
        with open(dst, "w") as f:
            f.write(text + extra)
        return dst

    def verify(self, *paths):
        r = subprocess.run(["systemd-analyze", "verify", *paths], capture_output=True, text=True, timeout=60)
        # Lines about our files (warnings too); lines about the host's own units are not ours.
        ours = [l for l in (r.stdout + r.stderr).splitlines() if "ffleet" in l]
        return r.returncode, ours

    def test_both_units_verify_clean(self):
        rc, ours = self.verify(self.copy("controller"), self.copy("agent"))
        self.assertEqual((rc, ours), (0, []))

    def test_verify_would_catch_a_broken_unit(self):
        # The check above is not blind: a bad directive or a missing binary shows.
        rc, ours = self.verify(self.copy("agent", "\n[Service]\nKillMode=sometimes\n"))
        self.assertTrue(ours, "no complaint about KillMode=sometimes")
        missing = self.copy("controller")
        with open(missing) as f:
            text = f.read().replace(os.path.join(BIN_DIR, "ffleet-controller"), "/nonexistent/ffleet-controller")
        with open(missing, "w") as f:
            f.write(text)
        rc, ours = self.verify(missing)
        self.assertNotEqual(rc, 0)

    def test_the_units_say_what_the_daemons_rely_on(self):
        for role in ("controller", "agent"):
            u = parse(os.path.join(UNITS, f"ffleet-{role}.service"))["Service"]
            one = {k: v[-1] for k, v in u.items()}
            with self.subTest(role=role):
                self.assertEqual(one["Type"], "notify")
                self.assertEqual(one["NotifyAccess"], "main")
                self.assertRegex(one["WatchdogSec"], r"^\d+s$")
                self.assertEqual(one["Restart"], "on-failure")
                self.assertEqual(one["ExecStart"], f"/usr/bin/ffleet-{role} --config /etc/ffleet/{role}.toml")
                self.assertEqual(one["ExecReload"], "/bin/kill -HUP $MAINPID")
                self.assertEqual((one["User"], one["Group"]), ("ffleet", "ffleet"))
                self.assertNotIn("DynamicUser", u)  # keys and the database persist
                for k, v in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
                             "ProtectHome": "yes", "ProtectProc": "invisible", "LockPersonality": "yes",
                             "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
                             "ConfigurationDirectory": "ffleet"}.items():
                    self.assertEqual(one.get(k), v, k)
                self.assertIn("StateDirectory", one)
                families = set(one["RestrictAddressFamilies"].split())
                self.assertTrue({"AF_UNIX", "AF_INET", "AF_INET6"} <= families, families)
        agent = parse(os.path.join(UNITS, "ffleet-agent.service"))["Service"]
        # The agent drains its own ffmpeg children: SIGTERM to it alone, and
        # time for every run's FORCE_KILL_TIMEOUT_MS (5 s, all at once) plus
        # the 2 s report flush before the final SIGKILL.
        self.assertEqual(agent["KillMode"], ["mixed"])
        self.assertGreaterEqual(int(re.fullmatch(r"(\d+)s", agent["TimeoutStopSec"][0]).group(1)), 5 + 2 + 5)
        self.assertEqual(set(agent["DeviceAllow"]), {"char-drm rw", "char-nvidia* rw"})
        self.assertEqual(agent["SupplementaryGroups"], ["video render"])
        self.assertIn("AF_NETLINK", agent["RestrictAddressFamilies"][0])


if __name__ == "__main__":
    main()
