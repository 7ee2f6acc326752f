"""Several hosts on one machine: network namespaces joined by veth pairs to a
bridge in a "switch" namespace. The controller runs in one namespace and each
agent in its own, so a host can be killed, cut off and healed. Needs root;
elsewhere the tests skip with the reason."""
import os
import secrets
import subprocess
import unittest

from harness import Cluster, pids_matching


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
        self.endpoint = f"tcp://{self.ips['ctl']}:{self.PORT}"

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
        out = {}
        for pid in pids_matching(marker):
            if "ffleet" in open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace").split("\0")[0]:
                continue
            out.setdefault(self.host_of(pid), []).append(pid)
        return out

    def _remove_namespaces(self):
        for ns in list(self.ns.values()) + [self.switch]:
            _ip("netns", "del", ns, check=False)

    def close(self):
        leftovers = super().close()
        self._remove_namespaces()
        return leftovers
