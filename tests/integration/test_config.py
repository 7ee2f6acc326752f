"""Configuration (operations issue 10, item 2): one TOML file per role whose
every key is in the example file and the docs, a bad key stopping the start
with file, line and key, --print-config showing the effective configuration
(and where each value came from) with secrets masked, and SIGHUP applying what
may change without a restart while the daemons keep serving. Real binaries,
real ffmpeg."""
import json
import os
import re
import signal
import subprocess
import unittest

from harness import BIN_DIR, SOURCE_DIR, Cluster, main, secret, wait_until

ROLES = {"controller": "ffleet-controller", "agent": "ffleet-agent"}


def run(binary, *args, env=None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FFLEET_", "MAX_CONCURRENT", "FORCE_KILL",
                                                                         "RESOURCE_", "PREFER_HARD", "HARDWARE_"))}
    full_env.update(env or {})
    return subprocess.run([os.path.join(BIN_DIR, binary), *args], capture_output=True, text=True, timeout=30,
                          env=full_env)


def effective(binary, *args, env=None):
    """--print-config as {key: (value text, origin)}."""
    r = run(binary, *args, "--print-config", env=env)
    assert r.returncode == 0, r.stderr
    out = {}
    for line in r.stdout.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^(\w+) = (.*)  # (.*)$", line)
        assert m, f"not a key = value  # origin line: {line!r}"
        out[m.group(1)] = (m.group(2), m.group(3))
    return out


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class ExampleFilesAndDocs(unittest.TestCase):
    def test_example_files_are_what_the_tables_say(self):
        for role, binary in ROLES.items():
            with self.subTest(role=role):
                r = run(binary, "--print-config-example")
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.join(SOURCE_DIR, "deploy", "config", f"{role}.toml")) as f:
                    self.assertEqual(f.read(), r.stdout,
                                     f"deploy/config/{role}.toml is stale: regenerate it with "
                                     f"`{binary} --print-config-example > deploy/config/{role}.toml`")

    def test_every_key_is_in_the_example_with_its_default_and_uncommenting_changes_nothing(self):
        with Cluster("config-example") as c:
            for role, binary in ROLES.items():
                with self.subTest(role=role):
                    with open(os.path.join(SOURCE_DIR, "deploy", "config", f"{role}.toml")) as f:
                        example = f.read()
                    defaults = effective(binary)
                    for key in defaults:
                        self.assertRegex(example, rf"(?m)^#{key} = ", f"{key} missing from the example")
                    live = re.sub(r"(?m)^#(\w+ = )", r"\1", example)
                    path = c.path(f"{role}.toml")
                    write(path, live)
                    from_file = effective(binary, "--config", path)
                    self.assertEqual({k: v[0] for k, v in from_file.items()}, {k: v[0] for k, v in defaults.items()})
                    self.assertTrue(all(o.startswith(path + ":") for _, o in from_file.values()), from_file)

    def test_the_docs_name_every_key_and_variable_and_no_other(self):
        with open(os.path.join(SOURCE_DIR, "docs", "configuration.md")) as f:
            docs = f.read()
        sections = re.split(r"(?m)^## ", docs)
        for role, binary in ROLES.items():
            with self.subTest(role=role):
                section = next(s for s in sections if s.startswith(binary))
                keys = set(effective(binary))
                for key in keys:
                    self.assertIn(f"`{key}`", section, f"docs/configuration.md, {binary}: key {key} undocumented")
                # The "config key" column names only real keys.
                documented = set()
                for row in re.findall(r"(?m)^\|([^\n]*)\|$", section):
                    cells = [x.strip() for x in row.split("|")]
                    if len(cells) >= 2:
                        documented |= set(re.findall(r"`(\w+)`", cells[1]))
                self.assertEqual(documented - keys, set(), f"docs/configuration.md, {binary}: stale keys")
                with open(os.path.join(SOURCE_DIR, "deploy", "config", f"{role}.toml")) as f:
                    for var in re.findall(r"\(env (\w+)", f.read()):
                        self.assertIn(f"`{var}", section, f"{binary}: variable {var} undocumented")


class StartUp(unittest.TestCase):
    def test_a_bad_key_or_value_stops_the_start_naming_file_line_and_key(self):
        with Cluster("config-bad") as c:
            cases = [
                ("controller", "listen = \"tcp://127.0.0.1:0\"\n\nbogus = 1\n", ":3: key 'bogus' is not a setting"),
                ("controller", "retry_max = 100000\n", ":1: key 'retry_max' must be a whole number from 0 to 1000"),
                ("controller", "heartbeat_ms = \"1000\"\n", ":1: key 'heartbeat_ms' must be a whole number"),
                ("controller", "[user_limits]\nbob = -1\n", ":2: key 'user_limits.bob' must be a whole number"),
                ("agent", "max_streams = 2\nmedia_roots = \"/srv\"\n", ":2: key 'media_roots' must be an array"),
                ("agent", "prefer_hardware_encoding = 1\n", ":1: key 'prefer_hardware_encoding' must be true or"),
                ("agent", "name = \"x\"\nname = \"y\"\n", "config "),
            ]
            for i, (role, text, expect) in enumerate(cases):
                with self.subTest(role=role, text=text):
                    path = c.path(f"bad{i}.toml")
                    write(path, text)
                    r = run(ROLES[role], "--config", path, "--print-config")
                    self.assertEqual(r.returncode, 2, r.stdout)
                    self.assertEqual(r.stdout, "")
                    self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                    self.assertIn(path, r.stderr)
                    self.assertIn(expect, r.stderr)
            r = run("ffleet-agent", "--config", c.path("missing.toml"))
            self.assertEqual(r.returncode, 2)
            self.assertIn("missing.toml: cannot read it", r.stderr)

    def test_print_config_says_where_each_value_came_from_and_masks_secrets(self):
        with Cluster("config-print") as c:
            path = c.path("agent.toml")
            write(path, "max_streams = 3\nlog_lines = 50\n[encoder_sessions]\nnvenc = 5\n")
            password = secret("Pa55-word-in-the-endpoint")
            got = effective("ffleet-agent", "--config", path, "--controller", f"tcp://ops:{password}@10.1.2.3:7700",
                            env={"FFLEET_LOG_LINES": "70", "FORCE_KILL_TIMEOUT_MS": "900"})
            self.assertEqual(got["max_streams"], ("3", f"{path}:1"))
            self.assertEqual(got["log_lines"], ("70", "env FFLEET_LOG_LINES"))  # env over file
            self.assertEqual(got["force_kill_timeout_ms"], ("900", "env FORCE_KILL_TIMEOUT_MS"))
            self.assertIn("nvenc = 5", got["encoder_sessions"][0])
            self.assertIn("qsv = 8", got["encoder_sessions"][0])  # the other vendors keep their defaults
            self.assertEqual(got["stall_timeout_ms"], ("30000", "default"))
            self.assertEqual(got["controller"][1], "flag --controller")
            self.assertNotIn(password, got["controller"][0])
            self.assertIn("10.1.2.3:7700", got["controller"][0])
            got = effective("ffleet-controller", "--db", c.path("x.db"), env={"MAX_CONCURRENT_STREAMS_GLOBAL": "7"})
            self.assertEqual(got["max_concurrent_streams_global"], ("7", "env MAX_CONCURRENT_STREAMS_GLOBAL"))
            self.assertEqual(got["db"][1], "flag --db")
            self.assertFalse(os.path.exists(c.path("x.db")), "--print-config must not open the database")


def log_has(proc, pattern, offset=0):
    return re.search(pattern, proc.text()[offset:])


class Reload(unittest.TestCase):
    def test_sighup_raises_a_limit_live_waits_a_restart_for_the_heartbeat_and_survives_a_bad_file(self):
        with Cluster("config-reload-ctl") as c:
            path = c.path("controller.toml")
            write(path, "max_concurrent_streams_global = 1\n")
            ctl = c.start_controller(["--config", path, "--log-format", "json"])
            c.start_agent("a1")
            c.wait_agent("a1")
            for n in ("one", "two"):
                c.add_lavfi(n, "null", "--mode", "transcode", size="160x120", rate=10)
            c.cli("stream", "start", "one")
            c.wait_state("one", "running")
            r = c.cli("stream", "start", "two", check=False)
            self.assertIn("global limit reached: 1 of 1", r.stderr)

            write(path, "max_concurrent_streams_global = 2\nheartbeat_ms = 500\n")
            mark = len(ctl.text())
            ctl.send_signal(signal.SIGHUP)
            wait_until(lambda: c.cli("limits", "show")["global"] == 2, 10, "the new global limit")
            c.cli("stream", "start", "two")
            c.wait_state("two", "running")
            self.assertTrue(log_has(ctl, r"config_changed key=max_concurrent_streams_global from=1 to=2", mark))
            self.assertTrue(log_has(ctl, r"config_needs_restart key=heartbeat_ms running=1000 configured=500", mark))
            self.assertTrue(log_has(ctl, r"config_reloaded file=\S+ changed=1 needs_restart=1", mark))
            self.assertTrue(ctl.alive())
            # A reload changes the level, never the format: every line is still JSON.
            for line in ctl.text()[mark:].splitlines():
                self.assertIsInstance(json.loads(line), dict, line)

            write(path, "max_concurrent_streams_global = 0\nbogus = [\n")
            mark = len(ctl.text())
            ctl.send_signal(signal.SIGHUP)
            wait_until(lambda: log_has(ctl, r"config_reload_failed error=.*action=keep_running_config", mark), 10,
                       "the failed reload to be logged")
            self.assertEqual(c.cli("limits", "show")["global"], 2)
            self.assertEqual(c.stream("two")["state"], "running")
            self.assertTrue(ctl.alive())

    def test_sighup_replaces_the_admins_at_once_and_keeps_them_on_a_bad_key_file(self):
        with Cluster("config-reload-admins") as c:
            keys = {}
            for name in ("controller", "alice", "bob"):
                keys[name] = c.path(f"{name}.key")
                r = subprocess.run([os.path.join(BIN_DIR, "ffleet"), "keygen", keys[name]], capture_output=True,
                                   text=True, timeout=30)
                self.assertEqual(r.returncode, 0, r.stderr)
            path = c.path("controller.toml")
            write(path, f"key = \"{keys['controller']}\"\nadmin_keys = [\"{keys['alice']}.pub\"]\n")
            ctl = c.start_controller(["--config", path])

            def as_(who):
                return c.cli("limits", "show", check=False, timeout_ms=2000,
                             env={"FFLEET_KEY": keys[who], "FFLEET_CONTROLLER_KEY": keys["controller"] + ".pub"})
            self.assertEqual(as_("alice").returncode, 0, as_("alice").stderr)
            self.assertNotEqual(as_("bob").returncode, 0)

            write(path, f"key = \"{keys['controller']}\"\nadmin_keys = [\"{keys['bob']}.pub\"]\n")
            ctl.send_signal(signal.SIGHUP)
            wait_until(lambda: as_("bob").returncode == 0, 10, "bob to be an admin after the reload")
            r = as_("alice")
            self.assertNotEqual(r.returncode, 0, "a removed admin key must stop working at once")
            self.assertIn("refused this key", r.stderr)

            write(path, f"key = \"{keys['controller']}\"\nadmin_keys = [\"{c.path('missing.pub')}\"]\n")
            mark = len(ctl.text())
            ctl.send_signal(signal.SIGHUP)
            wait_until(lambda: log_has(ctl, r"config_reload_failed error=.*missing\.pub", mark), 10,
                       "the failed reload to be logged")
            self.assertEqual(as_("bob").returncode, 0)
            self.assertNotEqual(as_("alice").returncode, 0)

    def test_sighup_gives_an_agent_new_roots_that_the_controller_places_by(self):
        with Cluster("config-reload-agent") as c:
            os.makedirs(c.path("out"))
            path = c.path("agent.toml")
            write(path, "log_lines = 100\n")
            c.start_controller()
            agent = c.start_agent("a1", roots=False, extra=["--config", path])
            c.wait_agent("a1")
            target = c.path("out", "x.ts")

            def add(name, output):
                return c.cli("stream", "add", name, "--input-format", "lavfi", "--input",
                             "testsrc2=size=160x120:rate=10", "--output", output, "--mode", "transcode", check=False)
            r = add("x", target)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("output-roots", r.stderr)

            write(path, f"output_roots = [\"{c.path('out')}\"]\nffmpeg = \"/nonexistent/ffmpeg\"\n")
            mark = len(agent.text())
            agent.send_signal(signal.SIGHUP)
            # The agent registers again: the controller now places by its new roots.
            wait_until(lambda: add("x", target).returncode == 0, 15, "stream add to be accepted")
            self.assertTrue(log_has(agent, r"config_changed key=output_roots", mark))
            self.assertTrue(log_has(agent, r"config_changed key=log_lines from=100 to=200", mark))
            self.assertTrue(log_has(agent, r"config_needs_restart key=ffmpeg", mark))
            c.cli("stream", "start", "x")
            c.wait_state("x", "running")
            wait_until(lambda: os.path.exists(target) and os.path.getsize(target) > 1000, 15, "the output to grow")

            # A root that is not a directory changes nothing, and the agent keeps running.
            write(path, f"output_roots = [\"{c.path('nowhere')}\"]\n")
            mark = len(agent.text())
            agent.send_signal(signal.SIGHUP)
            wait_until(lambda: log_has(agent, r"config_reload_failed error=.*nowhere.*not an existing directory",
                                       mark), 10, "the failed reload to be logged")
            self.assertEqual(add("y", c.path("out", "y.ts")).returncode, 0)
            self.assertEqual(c.stream("x")["state"], "running")


if __name__ == "__main__":
    main()
