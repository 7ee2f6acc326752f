"""The .deb packages of `make package` (build/packages/, or FFLEET_PACKAGE_DIR)
installed on this machine with dpkg: files, conffiles, the system user, the
binaries; the installed controller and agent started as user ffleet with their
unit's ExecStart line (PID 1 here is not systemd, so not through systemctl),
the agent registered; a reinstall keeps an edited conffile; a purge leaves
nothing behind. `make test` runs it last, after its background `make package`.
Needs root and dpkg; skips (visibly) without them, and refuses to touch a
machine where ffleet is installed already."""
import glob
import grp
import json
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import SOURCE_DIR, Proc, free_port, main, wait_until

PACKAGE_DIR = os.environ.get("FFLEET_PACKAGE_DIR", os.path.join(SOURCE_DIR, "build", "packages"))
PACKAGES = ["ffleet-controller", "ffleet-agent", "ffleet"]
FILES = ["/usr/bin/ffleet-controller", "/usr/bin/ffleet-agent", "/usr/bin/ffleet",
         "/lib/systemd/system/ffleet-controller.service", "/lib/systemd/system/ffleet-agent.service",
         "/etc/ffleet/controller.toml", "/etc/ffleet/agent.toml",
         "/usr/share/doc/ffleet-controller/deployment.md", "/usr/share/doc/ffleet-agent/deployment.md",
         "/usr/share/man/man1/ffleet.1.gz", "/usr/share/bash-completion/completions/ffleet",
         "/usr/share/zsh/vendor-completions/_ffleet"]
# What the maintainer scripts make, and must take away on purge.
MADE = ["/var/lib/ffleet", "/var/lib/ffleet-agent", "/etc/ffleet",
        "/etc/systemd/system/multi-user.target.wants/ffleet-controller.service",
        "/etc/systemd/system/multi-user.target.wants/ffleet-agent.service",
        "/etc/systemd/system/ffleet-controller.service", "/etc/systemd/system/ffleet-agent.service"]


def run(*argv, check=True):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {r.returncode}: {r.stdout[-2000:]} {r.stderr[-2000:]}")
    return r


def status(pkg):
    r = run("dpkg-query", "-W", "-f=${db:Status-Status}", pkg, check=False)
    return r.stdout.strip() if r.returncode == 0 else "not-installed"


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def group_exists(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def exec_start(unit):
    """The unit's ExecStart= line as an argv, its WorkingDirectory=, and the
    environment systemd gives it (STATE_DIRECTORY from StateDirectory=)."""
    argv, cwd, env = None, "/", {}
    with open(f"/lib/systemd/system/{unit}") as f:
        for line in f:
            if line.startswith("ExecStart="):
                argv = shlex.split(line.split("=", 1)[1])
            elif line.startswith("WorkingDirectory="):
                cwd = line.split("=", 1)[1].strip()
            elif line.startswith("StateDirectory="):
                env["STATE_DIRECTORY"] = "/var/lib/" + line.split("=", 1)[1].strip()
    return argv, cwd, env


class Packages(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            raise unittest.SkipTest("SKIPPED: installing packages needs root")
        if not shutil.which("dpkg") or not shutil.which("dpkg-query"):
            raise unittest.SkipTest("SKIPPED: dpkg is missing")
        busy = [p for p in PACKAGES if status(p) != "not-installed"]
        if busy or user_exists("ffleet") or os.path.exists("/etc/ffleet"):
            raise unittest.SkipTest(f"SKIPPED: ffleet is installed on this machine already ({busy or 'user/config'}); "
                                    "this test installs and purges its own")
        self.debs = {p: glob.glob(os.path.join(PACKAGE_DIR, f"{p}_*.deb")) for p in PACKAGES}
        missing = [p for p, d in self.debs.items() if len(d) != 1]
        self.assertFalse(missing, f"no single .deb of {missing} in {PACKAGE_DIR}: run `make package` first")
        self.debs = {p: d[0] for p, d in self.debs.items()}
        self.tmp = tempfile.mkdtemp(prefix="ffleet-packages-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        # Purged whatever happens (cleanups run last-in, first-out: after the daemons stop).
        self.addCleanup(lambda: run("dpkg", "--purge", *PACKAGES, check=False))
        self.procs = []
        self.addCleanup(self.stop_all)

    def stop_all(self):
        for p in reversed(self.procs):
            p.stop()

    def start(self, role, *extra):
        argv, cwd, env = exec_start(f"ffleet-{role}.service")
        self.assertEqual(argv[:3], [f"/usr/bin/ffleet-{role}", "--config", f"/etc/ffleet/{role}.toml"])
        self.assertTrue(os.path.isdir(cwd), cwd)
        # As the unit would run it: user ffleet, its working directory.
        # (setpriv execs: the pid is the daemon's, as under systemd.)
        p = Proc(role, ["setpriv", "--reuid=ffleet", "--regid=ffleet", "--init-groups", "--",
                        "sh", "-c", 'cd "$0" && exec "$@"', cwd, *argv, *extra], os.path.join(self.tmp, f"{role}.log"),
                 env)
        self.procs.append(p)
        return p

    def test_an_upgrade_restarts_the_controller_but_never_the_agent(self):
        """A restart drains an agent: an unattended upgrade of every host must not
        stop every stream. The controller's streams survive its restart."""
        with tempfile.TemporaryDirectory(prefix="ffleet-pkg-scripts-") as d:
            scripts = {}
            for role in ("controller", "agent"):
                run("dpkg-deb", "-e", self.debs[f"ffleet-{role}"], os.path.join(d, role))
                with open(os.path.join(d, role, "postinst")) as f:
                    scripts[role] = f.read()
            self.assertIn("try-restart ffleet-controller.service", scripts["controller"])
            self.assertNotIn("try-restart", scripts["agent"])
            self.assertNotIn("restart ffleet-agent.service", scripts["agent"])
            self.assertIn("ffleet agent drain NAME", scripts["agent"])
            for text in scripts.values():
                self.assertNotIn("@", text, "a placeholder left unfilled")

    def test_install_run_upgrade_and_purge(self):
        r = run("dpkg", "-i", *self.debs.values())
        for p in PACKAGES:
            self.assertEqual(status(p), "installed", r.stdout)

        # Files, conffiles, declared dependencies.
        for f in FILES:
            self.assertTrue(os.path.isfile(f), f)
        for role in ("controller", "agent"):
            conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", f"ffleet-{role}").stdout
            self.assertIn(f"/etc/ffleet/{role}.toml", conffiles)
        depends = run("dpkg-query", "-W", "-f=${Depends}", "ffleet-agent").stdout
        for d in ("ffmpeg", "adduser", "libzmq5", "libc6"):
            self.assertIn(d, depends)
        self.assertIn("libsqlite3-0", run("dpkg-query", "-W", "-f=${Depends}", "ffleet-controller").stdout)

        # The system user, its state dirs, the group for GPUs, the units enabled.
        u = pwd.getpwnam("ffleet")
        self.assertLess(u.pw_uid, 1000)
        self.assertEqual(u.pw_shell, "/usr/sbin/nologin")
        self.assertEqual(grp.getgrgid(u.pw_gid).gr_name, "ffleet")
        for d, mode in (("/var/lib/ffleet", 0o750), ("/var/lib/ffleet-agent", 0o700)):
            st = os.stat(d)
            self.assertEqual((st.st_uid, st.st_mode & 0o777), (u.pw_uid, mode), d)
        st = os.stat("/etc/ffleet")  # the config and keys: the daemons' group may read them, no one else
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o777), (0, u.pw_gid, 0o750))
        self.assertTrue(group_exists("render"))
        for role in ("controller", "agent"):
            self.assertTrue(os.path.islink(f"/etc/systemd/system/multi-user.target.wants/ffleet-{role}.service"))

        for b in ("ffleet-controller", "ffleet-agent", "ffleet"):
            self.assertEqual(run(f"/usr/bin/{b}", "--version").stdout.strip(), f"{b} 0.1.0")

        # The installed daemons, started as their units would start them.
        endpoint = f"tcp://127.0.0.1:{free_port()}"
        controller = self.start("controller", "--listen", endpoint)
        agent = self.start("agent", "--controller", endpoint, "--name", "pkgtest", "--max-streams", "2")

        def registered():
            r = run("/usr/bin/ffleet", "--controller", endpoint, "--json", "agent", "ls", check=False)
            if r.returncode != 0:
                self.assertTrue(controller.alive(), controller.text()[-2000:])
                return None
            return next((a for a in json.loads(r.stdout) if a["name"] == "pkgtest" and a["state"] == "ready"), None)
        a = wait_until(registered, 60, "the installed agent to register with the installed controller")
        self.assertEqual(a["max_streams"], 2)
        self.assertIn("libx264", a["encoders"])
        for p in (controller, agent):
            with open(f"/proc/{p.pid}/status") as f:
                uids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
            self.assertEqual(int(uids[0]), u.pw_uid, p.name)
        self.assertTrue(os.path.isfile("/var/lib/ffleet/ffleet.db"))  # the config's db, made by user ffleet
        self.assertEqual(os.stat("/var/lib/ffleet/ffleet.db").st_uid, u.pw_uid)
        self.assertEqual(agent.stop(signal.SIGTERM, 30), 0, agent.text()[-2000:])
        self.assertEqual(controller.stop(signal.SIGTERM, 30), 0, controller.text()[-2000:])

        # An upgrade (here: the same version again) keeps an edited conffile.
        with open("/etc/ffleet/agent.toml", "a") as f:
            f.write("# edited by the operator\n")
        run("dpkg", "-i", self.debs["ffleet-agent"])
        with open("/etc/ffleet/agent.toml") as f:
            self.assertIn("# edited by the operator", f.read())
        self.assertFalse(glob.glob("/etc/ffleet/*.dpkg-*"), "dpkg left a .dpkg-new/.dpkg-dist")

        # Removed (not purged): user data and the user stay.
        run("dpkg", "--remove", "ffleet-controller")
        self.assertTrue(os.path.isfile("/var/lib/ffleet/ffleet.db"))
        self.assertTrue(user_exists("ffleet"))

        # Purged: nothing left.
        run("dpkg", "--purge", *PACKAGES)
        for p in PACKAGES:
            self.assertEqual(status(p), "not-installed")
        left = [f for f in FILES + MADE if os.path.lexists(f)]
        self.assertEqual(left, [])
        self.assertFalse(user_exists("ffleet"))
        self.assertFalse(group_exists("ffleet"))
        self.assertFalse(glob.glob("/var/lib/systemd/deb-systemd-helper-*/**/ffleet-*", recursive=True))


if __name__ == "__main__":
    main()
