"""Several hosts on one machine: network namespaces joined by veth pairs to a
bridge in a "switch" namespace. The controller runs in one namespace and each
agent in its own, so a host can be killed, cut off and healed. Needs root;
elsewhere the tests skip with the reason."""
import os
import secrets
import subprocess
import unittest

from harness import Cluster, pid_alive


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=10)


def require_netns():
    if os.geteuid() != 0:
        raise unittest.SkipTest("multi-host tests need root (ip netns); skipped")
    probe = f"ffprobe-{secrets.token_hex(3)}"
    r = _ip("netns", "add", probe, check=False)
    if r.returncode != 0:
        raise unittest.SkipTest(f"cannot create network namespaces here: {r.stderr.strip()}")
    _ip("netns", "del", probe, check=False)


def netns_inode(pid):
    return os.stat(f"/proc/{pid}/ns/net").st_ino


class NetCluster(Cluster):
    """A Cluster whose controller and agents each live in their own namespace."""

    # The port an early agent is pointed at before any controller runs; the
    # controller's namespace is new, so nothing else holds it.
    PORT = 7700

    def __init__(self, name, hosts):
        require_netns()
        super().__init__(name)
        self.tag = secrets.token_hex(2)
        self.switch = f"ff{self.tag}-sw"
        self.ns = {}
        self.ips = {}
        self.links = {}
        try:
            _ip("netns", "add", self.switch)
            _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
            _ip("-n", self.switch, "link", "set", "br0", "up")
            for i, host in enumerate(["ctl", *hosts], start=1):
                self._add_host(host, i)
        except Exception:
            self._remove_namespaces()
            raise

    def listen_host(self):
        return self.ips["ctl"]

    def start_controller(self, extra=(), env=None):
        # Beyond loopback the controller refuses to start without keys: these
        # tests are about failures, not keys (test_security.py has those), so
        # they say --insecure, as a lab network may.
        return super().start_controller(extra=("--insecure", *extra), env=env)

    def reserve_port(self):
        return self.PORT

    def _add_host(self, host, index):
        ns = f"ff{self.tag}-{host}"
        inside, outside = f"f{self.tag}{index}i", f"f{self.tag}{index}o"
        _ip("netns", "add", ns)
        _ip("link", "add", inside, "type", "veth", "peer", "name", outside)
        _ip("link", "set", inside, "netns", ns)
        _ip("link", "set", outside, "netns", self.switch)
        _ip("-n", self.switch, "link", "set", outside, "master", "br0")
        _ip("-n", self.switch, "link", "set", outside, "up")
        ip = f"10.77.0.{index}"
        _ip("-n", ns, "addr", "add", f"{ip}/24", "dev", inside)
        _ip("-n", ns, "link", "set", inside, "up")
        _ip("-n", ns, "link", "set", "lo", "up")
        self.ns[host], self.ips[host], self.links[host] = ns, ip, outside

    # --- the network ---------------------------------------------------------
    def cut(self, host):
        """Unplugs the host's cable: its switch port goes down."""
        _ip("-n", self.switch, "link", "set", self.links[host], "down")

    def heal(self, host):
        _ip("-n", self.switch, "link", "set", self.links[host], "up")

    def host_of(self, pid):
        """Which of our hosts a process runs in, by its network namespace."""
        try:
            ino = netns_inode(pid)
        except FileNotFoundError:
            return None
        for host, ns in self.ns.items():
            if os.stat(f"/run/netns/{ns}").st_ino == ino:
                return host
        return None

    # --- processes in namespaces ---------------------------------------------
    def on_host(self, host, args):
        return ["ip", "netns", "exec", self.ns[host], *args]

    def stream_processes(self, marker):
        """Live processes whose command line holds `marker`, by host."""
        return self.processes_by_marker([marker]).get(marker, {})

    def processes_by_marker(self, markers):
        """{marker: {host: [pid, ...]}} for the live processes whose command line
        holds a marker, from one pass over /proc. Our daemons and CLI calls
        (which name streams' inputs and outputs too) and `ip netns exec` before
        it has exec'd them are not stream processes; nor is a child of a match
        (a wrapper script's fork before its exec): one copy is one tree."""
        found = {}  # pid -> (ppid, markers)
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) == os.getpid():
                continue
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    argv = f.read().decode(errors="replace").split("\0")
                if "ffleet" in argv[0] or os.path.basename(argv[0]) == "ip":
                    continue
                line = " ".join(argv)
                hits = [m for m in markers if m in line]
                if hits and pid_alive(int(d)):
                    with open(f"/proc/{d}/stat") as f:
                        found[int(d)] = (int(f.read().rsplit(")", 1)[1].split()[1]), hits)
            except (OSError, IndexError, ValueError):
                continue
        out = {}
        for pid, (ppid, hits) in found.items():
            for m in hits:
                if ppid in found and m in found[ppid][1]:
                    continue
                out.setdefault(m, {}).setdefault(self.host_of(pid), []).append(pid)
        return out

    def _remove_namespaces(self):
        for ns in list(self.ns.values()) + [self.switch]:
            _ip("netns", "del", ns, check=False)

    def close(self, check=True):
        try:
            return super().close(check)
        finally:
            self._remove_namespaces()
