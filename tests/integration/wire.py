"""Just enough ZMTP 3.0 and MessagePack to play a peer by hand in tests: a
foreign protocol version, garbage, or an agent whose messages are lost and
duplicated on purpose. Test code only; the product uses libzmq and msgpack-c."""
import socket
import struct
import time


# --- MessagePack (the subset ffleet uses) ---------------------------------------
def pack(v):
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if v >= 0:
            return b"\xcf" + struct.pack(">Q", v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        if len(b) < 32:
            return bytes([0xa0 | len(b)]) + b
        return b"\xda" + struct.pack(">H", len(b)) + b
    if isinstance(v, (list, tuple)):
        return b"\xdc" + struct.pack(">H", len(v)) + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        return b"\xde" + struct.pack(">H", len(v)) + b"".join(pack(k) + pack(x) for k, x in v.items())
    raise TypeError(type(v))


def unpack(b):
    v, i = _unpack(b, 0)
    return v


def _unpack(b, i):
    t = b[i]
    if t < 0x80:
        return t, i + 1
    if 0x80 <= t <= 0x8f:
        return _map(b, i + 1, t & 0x0f)
    if 0x90 <= t <= 0x9f:
        return _array(b, i + 1, t & 0x0f)
    if 0xa0 <= t <= 0xbf:
        n = t & 0x1f
        return b[i + 1:i + 1 + n].decode(), i + 1 + n
    if t >= 0xe0:
        return t - 256, i + 1
    if t in (0xc4, 0xc5, 0xc6):  # bin 8/16/32: bytes (paths that are not UTF-8)
        size = {0xc4: 1, 0xc5: 2, 0xc6: 4}[t]
        n = int.from_bytes(b[i + 1:i + 1 + size], "big")
        return b[i + 1 + size:i + 1 + size + n], i + 1 + size + n
    simple = {0xc0: None, 0xc2: False, 0xc3: True}
    if t in simple:
        return simple[t], i + 1
    fixed = {0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q", 0xd0: ">b", 0xd1: ">h", 0xd2: ">i", 0xd3: ">q",
             0xca: ">f", 0xcb: ">d"}
    if t in fixed:
        size = struct.calcsize(fixed[t])
        return struct.unpack(fixed[t], b[i + 1:i + 1 + size])[0], i + 1 + size
    lens = {0xd9: ">B", 0xda: ">H", 0xdb: ">I"}
    if t in lens:
        size = struct.calcsize(lens[t])
        n = struct.unpack(lens[t], b[i + 1:i + 1 + size])[0]
        start = i + 1 + size
        return b[start:start + n].decode(), start + n
    if t in (0xdc, 0xdd):
        fmt = ">H" if t == 0xdc else ">I"
        size = struct.calcsize(fmt)
        return _array(b, i + 1 + size, struct.unpack(fmt, b[i + 1:i + 1 + size])[0])
    if t in (0xde, 0xdf):
        fmt = ">H" if t == 0xde else ">I"
        size = struct.calcsize(fmt)
        return _map(b, i + 1 + size, struct.unpack(fmt, b[i + 1:i + 1 + size])[0])
    raise ValueError(f"msgpack type {t:#x}")


def _array(b, i, n):
    out = []
    for _ in range(n):
        v, i = _unpack(b, i)
        out.append(v)
    return out, i


def _map(b, i, n):
    out = {}
    for _ in range(n):
        k, i = _unpack(b, i)
        v, i = _unpack(b, i)
        out[k] = v
    return out, i


# --- ZMTP 3.0, NULL mechanism, DEALER ------------------------------------------
class Dealer:
    def __init__(self, port, identity=b"", host="127.0.0.1"):
        self.s = socket.create_connection((host, port), timeout=5)
        try:
            self.s.sendall(b"\xff" + b"\0" * 8 + b"\x7f" + b"\x03\x00" + b"NULL" + b"\0" * 16 + b"\x00" + b"\0" * 31)
            self._read(64)
            props = b"\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER"
            if identity:
                props += b"\x08Identity" + struct.pack(">I", len(identity)) + identity
            body = b"\x05READY" + props
            self.s.sendall(b"\x04" + bytes([len(body)]) + body)
            self._frame()  # the peer's READY
        except BaseException:
            self.s.close()  # a refused handshake leaves no socket behind
            raise

    def _read(self, n):
        out = b""
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            if not chunk:
                raise ConnectionError("closed")
            out += chunk
        return out

    def _frame(self):
        flags = self._read(1)[0]
        size = struct.unpack(">Q", self._read(8))[0] if flags & 0x02 else self._read(1)[0]
        return flags, self._read(size)

    def send(self, frames):
        for i, f in enumerate(frames):
            more = 0x01 if i + 1 < len(frames) else 0
            if len(f) < 256:
                self.s.sendall(bytes([more, len(f)]) + f)
            else:
                self.s.sendall(bytes([more | 0x02]) + struct.pack(">Q", len(f)) + f)

    def recv(self, timeout=5):
        self.s.settimeout(timeout)
        frames = []
        while True:
            flags, body = self._frame()
            if flags & 0x04:
                if body[:1] == b"\x04" and body[1:5] == b"PING":
                    # Answer ZMTP heartbeats so the peer keeps the connection.
                    ctx = body[5 + 2:]
                    pong = b"\x04PONG" + ctx
                    self.s.sendall(b"\x04" + bytes([len(pong)]) + pong)
                continue
            frames.append(body)
            if not flags & 0x01:
                return frames

    def close(self):
        self.s.close()


class Peer:
    """ffleet v1 messages over a Dealer `self.d`: what a fake agent and a fake
    controller both do."""

    def send(self, mtype, body, in_reply_to=0):
        header = {"type": mtype, "msg_id": self.next_id, "sent_at_ms": int(time.time() * 1000),
                  "in_reply_to": in_reply_to}
        self.next_id += 1
        self.d.send([b"FFLEET/1", pack(header), pack(body)])
        return header["msg_id"]

    def recv(self, timeout=5):
        tag, header, body = self.d.recv(timeout)
        assert tag == b"FFLEET/1", tag
        return unpack(header), unpack(body)

    def recv_type(self, mtype, timeout=8):
        """The next message of one type, skipping heartbeats and the rest."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no message of type {mtype} within {timeout}s")
            h, b = self.recv(left)
            if h["type"] == mtype:
                return h, b


class FakeAgent(Peer):
    """Speaks ffleet v1 as an agent, so a test decides what is lost or repeated."""

    def __init__(self, port, name):
        self.name = name
        self.d = Dealer(port, identity=name.encode())
        self.next_id = 1


    def register(self, runs=()):
        self.send(10, {"name": self.name, "hostname": "fake", "cpus": 2, "mem_bytes": 1 << 30,
                       "ffmpeg_version": "fake", "max_streams": 4, "encoders": ["libx264"], "runs": list(runs)})
        return self.recv_type(11)


class FakeController(Peer):
    """Listens where an agent connects (ZMTP, NULL mechanism, as a ROUTER) and speaks
    ffleet v1 to that one agent: a test can send it a START_RUN that the real
    controller would refuse to send."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.endpoint = f"tcp://127.0.0.1:{self.port}"
        self.d = None
        self.next_id = 1

    def accept(self, timeout=30):
        self.listener.settimeout(timeout)
        s, _ = self.listener.accept()
        s.settimeout(5)
        d = Dealer.__new__(Dealer)
        d.s = s
        s.sendall(b"\xff" + b"\0" * 8 + b"\x7f" + b"\x03\x00" + b"NULL" + b"\0" * 16 + b"\x00" + b"\0" * 31)
        d._read(64)
        body = b"\x05READY" + b"\x0bSocket-Type" + struct.pack(">I", 6) + b"ROUTER"
        s.sendall(b"\x04" + bytes([len(body)]) + body)
        d._frame()  # the agent's READY
        self.d = d

    def recv_type(self, mtype, timeout=10):
        return super().recv_type(mtype, timeout)

    def welcome(self):
        """Accepts the agent and answers its REGISTER; returns the REGISTER body."""
        self.accept()
        h, reg = self.recv_type(10)
        self.send(11, {"heartbeat_ms": 1000, "lost_after_ms": 600000}, in_reply_to=h["msg_id"])
        return reg

    def close(self):
        if self.d:
            self.d.close()
        self.listener.close()
