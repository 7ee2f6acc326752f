"""--metrics on both daemons: a real controller and a real agent running a real
lavfi stream pushed to nginx-rtmp with a secret stream key. The text passes
`promtool check metrics`, its figures follow what happens (streams by state,
the stream's fps, counters after a stop and a start, the stream's series gone
once its run ends), no URL or key shows in it, and only GET /metrics answers.
A port that cannot be bound stops the start (exit 3). The alert rules pass
`promtool check rules`, and the dashboard and the rules use no metric name that
the daemons' tables (docs/metrics.md, checked against them by a unit test) do
not have.
"""
import json
import os
import re
import shutil
import subprocess
import unittest
import urllib.error
import urllib.request

from harness import BIN_DIR, SOURCE_DIR, Cluster, NginxRtmp, free_port, main, secret, wait_until

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """[(name, {label: value}, float)] of every sample line."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        out.append((m.group(1), dict(LABEL.findall(m.group(3) or "")), float(m.group(4))))
    return out


def value(text, name, **labels):
    """The sample's value, or None if there is no such series."""
    for n, l, v in parse(text):
        if n == name and all(l.get(k) == str(x) for k, x in labels.items()):
            return v
    return None


def listening(proc, timeout=60):
    """The HOST:PORT a daemon logged metrics_listening with."""
    def find():
        m = re.search(r"metrics_listening listen=(\S+)", proc.text())
        if m:
            return m.group(1)
        if not proc.alive():
            raise AssertionError(f"{proc.name} exited before serving metrics: {proc.text()[-1500:]}")
        return None
    return wait_until(find, timeout, f"{proc.name} to log metrics_listening")


def get(addr, path="/metrics", method="GET"):
    req = urllib.request.Request(f"http://{addr}{path}", method=method, data=b"x" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def promtool_check(text):
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    return r.returncode, (r.stdout + r.stderr).strip()


def documented_names():
    with open(os.path.join(SOURCE_DIR, "docs", "metrics.md")) as f:
        return set(re.findall(r"^\| `(ffleet_[a-z0-9_]+)` \| (?:counter|gauge|histogram) \|", f.read(), re.M))


def names_used(text):
    """Every ffleet_ metric name in a query text, histogram suffixes taken off."""
    out = set()
    for n in re.findall(r"\bffleet_[a-z0-9_]+", text):
        for suffix in ("_bucket", "_sum", "_count"):
            if n.endswith(suffix) and n[: -len(suffix)].endswith("_seconds"):
                n = n[: -len(suffix)]
        out.add(n)
    return out


@unittest.skipUnless(os.path.exists(PROMTOOL), "promtool (Debian package prometheus) is not installed")
class Metrics(unittest.TestCase):
    def test_real_daemons_real_stream(self):
        with NginxRtmp() as ingest, Cluster("metrics") as c:
            # Quick retries, one only, for the failing stream at the end.
            ctl = c.start_controller(extra=["--metrics", "127.0.0.1:0"],
                                     env={"FFLEET_RETRY_BASE_MS": "200", "FFLEET_RETRY_MAX": "1"})
            # The agent takes it from the environment (FFLEET_METRICS).
            # CPU and memory are sampled every second here (30 s by default).
            agent = c.start_agent("m1", env={"FFLEET_METRICS": "127.0.0.1:0", "RESOURCE_MONITOR_INTERVAL_MS": "1000"})
            cm, am = listening(ctl), listening(agent)
            c.wait_agent("m1")

            status, ctype, text = get(cm)
            self.assertEqual(status, 200)
            self.assertEqual(ctype.split(";")[0], "text/plain")
            self.assertIn("version=0.0.4", ctype)
            # Every state is present, at 0 too.
            for state in ("stopped", "scheduled", "pending", "starting", "running", "stopping", "completed", "failed"):
                self.assertEqual(value(text, "ffleet_controller_streams", state=state), 0.0, state)
            wait_until(lambda: value(get(cm)[2], "ffleet_controller_agents", state="ready") == 1.0, 10,
                       "agents{state=ready} to be 1")

            key = secret(f"metricskey{os.urandom(6).hex()}")
            sid = c.add_lavfi("cam-1", ingest.url(key))
            c.cli("stream", "start", "cam-1")
            c.wait_state("cam-1", "running", timeout=30)
            wait_until(lambda: key in ingest.publishing(), 30, "nginx to see the push")
            wait_until(lambda: value(get(cm)[2], "ffleet_controller_streams", state="running") == 1.0, 10,
                       "streams{state=running} to be 1")
            wait_until(lambda: (value(get(am)[2], "ffleet_agent_stream_fps", stream="cam-1", stream_id=sid) or 0) > 0,
                       30, "the stream's fps to be above 0")
            atext, ctext = get(am)[2], get(cm)[2]
            for name in ("ffleet_agent_stream_speed_ratio", "ffleet_agent_stream_bitrate_bytes_per_second",
                         "ffleet_agent_stream_frames_total", "ffleet_agent_stream_uptime_seconds",
                         "ffleet_agent_stream_resident_memory_bytes"):
                self.assertIsNotNone(value(atext, name, stream="cam-1", stream_id=sid), name)
            # Sampled every RESOURCE_MONITOR_INTERVAL_MS.
            wait_until(lambda: (value(get(am)[2], "ffleet_agent_stream_resident_memory_bytes", stream_id=sid) or 0) > 0,
                       15, "the stream's RSS to be sampled")
            self.assertGreater(value(atext, "ffleet_agent_host_memory_total_bytes"), 0)
            self.assertEqual(value(atext, "ffleet_agent_streams"), 1.0)
            self.assertEqual(value(atext, "ffleet_agent_connected"), 1.0)
            self.assertEqual(value(atext, "ffleet_agent_runs_started_total"), 1.0)
            self.assertEqual(value(ctext, "ffleet_controller_runs_started_total"), 1.0)
            self.assertGreater(value(ctext, "ffleet_controller_messages_received_total", type="HEARTBEAT"), 0)
            self.assertGreater(value(ctext, "ffleet_controller_commit_duration_seconds_count"), 0)
            self.assertGreater(value(ctext, "ffleet_controller_placement_duration_seconds_count"), 0)
            # The real text, with a live stream's series, passes promtool.
            for who, t in (("controller", ctext), ("agent", atext)):
                rc, out = promtool_check(t)
                self.assertEqual((rc, out), (0, ""), f"promtool check metrics on the {who}'s text")
                # Names and ids only: no URL, no key.
                self.assertNotIn(key, t)
                self.assertNotIn("rtmp://", t)

            # Only GET /metrics answers.
            self.assertEqual(get(cm, "/")[0], 404)
            self.assertEqual(get(am, "/metrics/x")[0], 404)
            self.assertEqual(get(cm, "/metrics", "POST")[0], 404)

            # A stop: the stream's series go with its run; counters move.
            c.cli("stream", "stop", "cam-1")
            c.wait_state("cam-1", "stopped", timeout=30)
            wait_until(lambda: f'stream_id="{sid}"' not in get(am)[2], 10, "the stream's series to go")
            wait_until(lambda: value(get(am)[2], "ffleet_agent_runs_ended_total", reason="stopped") == 1.0, 10,
                       "runs_ended_total{reason=stopped} to be 1")
            wait_until(lambda: value(get(cm)[2], "ffleet_controller_streams", state="stopped") == 1.0, 10,
                       "streams{state=stopped} to be 1")
            # And a start again: the counters go on from where they were.
            c.cli("stream", "start", "cam-1")
            c.wait_state("cam-1", "running", timeout=30)
            wait_until(lambda: value(get(cm)[2], "ffleet_controller_runs_started_total") == 2.0, 10,
                       "the controller's runs_started_total to be 2")
            wait_until(lambda: value(get(am)[2], "ffleet_agent_runs_started_total") == 2.0, 10,
                       "the agent's runs_started_total to be 2")
            c.cli("stream", "stop", "cam-1")
            c.wait_state("cam-1", "stopped", timeout=30)
            wait_until(lambda: f'stream_id="{sid}"' not in get(am)[2], 10, "the stream's series to go again")
            self.assertEqual(value(get(am)[2], "ffleet_agent_runs_ended_total", reason="stopped"), 2.0)

            # A stream whose output refuses: retried once, then failed.
            c.add_lavfi("cam-bad", f"rtmp://127.0.0.1:{free_port()}/live/nobody")
            c.cli("stream", "start", "cam-bad")
            c.wait_state("cam-bad", "failed", timeout=60)
            wait_until(lambda: value(get(cm)[2], "ffleet_controller_streams", state="failed") == 1.0, 10,
                       "streams{state=failed} to be 1")
            ctext = get(cm)[2]
            self.assertEqual(value(ctext, "ffleet_controller_runs_failed_total"), 1.0)
            self.assertEqual(value(ctext, "ffleet_controller_runs_retried_total"), 1.0)
            wait_until(lambda: value(get(am)[2], "ffleet_agent_runs_ended_total", reason="exited") == 2.0, 10,
                       "the agent's runs_ended_total{reason=exited} to be 2")

            # A port in use stops the start: one line, exit 3.
            busy_port = cm.rsplit(":", 1)[1]
            r = subprocess.run([os.path.join(BIN_DIR, "ffleet-controller"), "--listen", "tcp://127.0.0.1:0", "--db",
                                c.path("other.db"), "--metrics", f"127.0.0.1:{busy_port}"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn(f"--metrics 127.0.0.1:{busy_port}: cannot listen", r.stderr)
            busy_port = am.rsplit(":", 1)[1]
            r = subprocess.run([os.path.join(BIN_DIR, "ffleet-agent"), "--controller", c.endpoint, "--name", "m2",
                                "--work-dir", c.path("work-m2"), "--metrics", f"127.0.0.1:{busy_port}"],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn(f"--metrics 127.0.0.1:{busy_port}: cannot listen", r.stderr)

    def test_bad_address_is_a_usage_error(self):
        for binary in ("ffleet-controller", "ffleet-agent"):
            r = subprocess.run([os.path.join(BIN_DIR, binary), "--metrics", "127.0.0.1:http"], capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("--metrics 127.0.0.1:http: expected ADDR:PORT", r.stderr)


@unittest.skipUnless(os.path.exists(PROMTOOL), "promtool (Debian package prometheus) is not installed")
class DeployFiles(unittest.TestCase):
    RULES = os.path.join(SOURCE_DIR, "deploy", "prometheus", "ffleet-alerts.yml")
    CONFIG = os.path.join(SOURCE_DIR, "deploy", "prometheus", "prometheus.yml")
    DASHBOARD = os.path.join(SOURCE_DIR, "deploy", "grafana", "ffleet.json")

    def test_rules_and_config_pass_promtool(self):
        r = subprocess.run([PROMTOOL, "check", "rules", self.RULES], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = subprocess.run([PROMTOOL, "check", "config", self.CONFIG], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_dashboard_and_rules_use_only_metrics_that_exist(self):
        known = documented_names()
        self.assertGreater(len(known), 20)
        with open(self.RULES) as f:
            rules = f.read()
        with open(self.DASHBOARD) as f:
            dash = json.load(f)
        exprs = []

        def walk(panels):
            for p in panels:
                exprs.extend(t["expr"] for t in p.get("targets", []))
                walk(p.get("panels", []))
        walk(dash["panels"])
        self.assertGreater(len(exprs), 10)
        used_rules, used_dash = names_used(rules), names_used("\n".join(exprs))
        self.assertEqual(used_rules - known, set(), "the alert rules use metrics no daemon has")
        self.assertEqual(used_dash - known, set(), "the dashboard uses metrics no daemon has")
        # The dashboard's data source is a variable, so it imports anywhere.
        self.assertIn("datasource", [v["name"] for v in dash["templating"]["list"]])
        for panel in dash["panels"]:
            if panel["type"] != "row":
                self.assertEqual(panel["datasource"]["uid"], "${datasource}", panel["title"])
        # What an operator must act on has a rule.
        for alert in ("FfleetStreamBehind", "FfleetAgentLost", "FfleetStreamFailed", "FfleetControllerDown",
                      "FfleetAgentDown", "FfleetControllerLoopLag"):
            self.assertIn(f"alert: {alert}\n", rules)


if __name__ == "__main__":
    main()
