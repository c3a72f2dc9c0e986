"""The open-loop load client: a fixed total rate of Poisson arrivals, latency per receiver.

``Connections(target, groups).open()`` connects one socket per member of every group (once
per sweep); ``run_point(conns, rate, duration)`` sends messages at ``rate`` per second in total (exponential gaps, a random group and a
random member each time) WITHOUT waiting for acks: a slow server cannot slow the sender down,
so queueing shows up as latency. Each message carries its SCHEDULED send time (so a late
sender is not hidden either) and a sequence number; every receiving socket records
``now - scheduled`` for each delivery, counts duplicates, and after the run the client counts
what never arrived. The client's own CPU and that of the given processes (server, PostgreSQL
backends, Redis) are read from /proc around the measured window.

Targets: ``WyaTarget`` (tickets over HTTP, ``/ws/?ticket=``, room.send or dm.send) and
``ReferenceTarget`` (``/ws/?user=&room=``, bench/reference.py). Every loop is bounded.
"""

import asyncio
import contextlib
import json
import os
import random
import resource
import time
import urllib.request
from dataclasses import dataclass, field

from websockets.asyncio.client import connect

CLK_TCK = os.sysconf("SC_CLK_TCK")
DRAIN_QUIET_SECONDS = 2.0  # after the window, stop once nothing arrived for this long
DRAIN_MAX_SECONDS = 20.0


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


@dataclass
class Member:
    user_id: str
    credential: str  # a token (WYA) or nothing (reference)


@dataclass
class Group:
    """A room (``room_id``) or a DM pair (``room_id`` None, two members)."""

    room_id: int | None
    members: list[Member]
    dm_key: int = 0  # the reference server's room number for a DM pair


class WyaTarget:
    name = "wya"

    def __init__(self, bases: list[str], name: str = "wya"):
        self.name = name
        self.bases = bases  # sockets are spread round-robin over several server processes
        self.turn = 0

    def _ticket(self, base: str, token: str) -> str:
        request = urllib.request.Request(f"{base}/api/ws-ticket/", method="POST", data=b"")
        request.add_header("Authorization", f"Token {token}")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())["ticket"]

    async def url(self, group: Group, member: Member) -> str:
        base = self.bases[self.turn % len(self.bases)]
        self.turn += 1
        ticket = await asyncio.to_thread(self._ticket, base, member.credential)
        return f"{base.replace('http', 'ws', 1)}/ws/?ticket={ticket}"

    @staticmethod
    def frame(group: Group, sender: int, text: str, client_id: str) -> dict:
        if group.room_id is not None:
            return {"type": "room.send", "room_id": group.room_id, "message": text,
                    "client_id": client_id}  # fmt: skip
        other = group.members[1 - sender].user_id
        return {"type": "dm.send", "to": other, "message": text, "client_id": client_id}


class ReferenceTarget:
    name = "reference"

    def __init__(self, base: str, name: str = "reference"):
        self.ws_base = base.replace("http", "ws", 1)
        self.name = name

    async def url(self, group: Group, member: Member) -> str:
        room = group.room_id if group.room_id is not None else group.dm_key
        return f"{self.ws_base}/ws/?user={member.user_id}&room={room}"

    @staticmethod
    def frame(group: Group, sender: int, text: str, client_id: str) -> dict:
        room = group.room_id if group.room_id is not None else group.dm_key
        return {"type": "room.send", "room_id": room, "message": text, "client_id": client_id}


async def open_socket(target, group: Group, member: Member, attempts: int = 5):
    """Connect like a client does: a failed handshake is retried with a fresh ticket."""
    for attempt in range(attempts):
        try:
            return await connect(await target.url(group, member), open_timeout=30,
                                 max_size=2**20, ping_interval=None)  # fmt: skip
        except Exception:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5 * (attempt + 1))


@dataclass
class Result:
    target: str
    rate: float
    duration: float
    sent: int = 0
    acked: int = 0
    errors: int = 0
    expected: int = 0
    delivered: int = 0
    lost: int = 0
    duplicated: int = 0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    delivered_per_s: float = 0.0
    send_lag_ms: float = 0.0  # how late the sender itself was at p99 (a saturated client)
    client_cpu: float = 0.0  # share of one core
    cpu: dict = field(default_factory=dict)  # role -> share of one core
    stack_cpu_ms_per_message: float = 0.0
    error_samples: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.p99_ms <= 100 and self.lost == 0 and self.duplicated == 0 and self.errors == 0

    def line(self) -> str:
        cpu = " ".join(f"{k}={v * 100:.0f}%" for k, v in self.cpu.items())
        return (
            f"{self.target:>12} rate={self.rate:7.1f}/s sent={self.sent} acked={self.acked} "
            f"err={self.errors} deliv={self.delivered}/{self.expected} lost={self.lost} "
            f"dup={self.duplicated} p50={self.p50_ms:.1f} p90={self.p90_ms:.1f} "
            f"p99={self.p99_ms:.1f} max={self.max_ms:.1f}ms deliv/s={self.delivered_per_s:.0f} "
            f"lag99={self.send_lag_ms:.1f}ms client={self.client_cpu * 100:.0f}% {cpu} "
            f"stack={self.stack_cpu_ms_per_message:.2f}ms/msg {'OK' if self.ok else 'FAIL'}"
        )


class Connections:
    """One socket per member of every group, opened once and reused by every point of a sweep
    (a point must not pay for, or be disturbed by, the connects and closes of the previous one).
    Readers hand every text frame to the current point's handler."""

    def __init__(self, target, groups: list[Group]):
        self.target, self.groups = target, groups
        self.sockets: list[list] = []
        self.handler = None
        self.readers: list[asyncio.Task] = []
        self.closed = 0
        self.nonce = random.randbytes(3).hex()

    async def open(self) -> "Connections":
        for group in self.groups:
            self.sockets.append([await open_socket(self.target, group, m) for m in group.members])
        flat = [ws for row in self.sockets for ws in row]
        self.readers = [asyncio.create_task(self._read(i, ws)) for i, ws in enumerate(flat)]
        await asyncio.sleep(1.0)  # let connect-time events (presence) settle
        return self

    async def _read(self, index: int, ws) -> None:
        try:
            async for raw in ws:
                if self.handler is not None:
                    self.handler(index, raw)
        except Exception:  # closed by the server: what did not arrive is counted as lost
            pass
        self.closed += 1

    async def close(self) -> None:
        for row in self.sockets:
            for ws in row:
                await ws.close()
        await asyncio.wait(self.readers, timeout=10)


async def run_point(conns: Connections, rate: float, duration: float, *, pids=None,
                    seed: int = 1) -> Result:  # fmt: skip
    """One open-loop run at ``rate`` messages/s for ``duration`` s. ``pids``: role -> [pid]."""
    pids = pids or {}
    target, groups, sockets = conns.target, conns.groups, conns.sockets
    rng = random.Random(seed)
    tag = f"{conns.nonce}p{seed}"  # client_ids are unique per sweep and point
    scheduled: list[float] = []  # seq -> scheduled time
    message_group: list[int] = []
    received: list[int] = []  # seq -> unique deliveries
    latencies: list[float] = []
    seen: list[set] = [set() for group in sockets for _ in group]
    result = Result(target.name, rate, duration)
    last_arrival = [time.monotonic()]

    def on_text(index: int, raw: str) -> None:
        now = time.monotonic()
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind in ("room.message", "dm.message"):
            parts = frame["message"]["message"].split(" ", 3)
            if len(parts) < 3 or parts[0] != "bench" or parts[1] != tag:
                return  # a straggler of an earlier point
            seq = int(parts[2])
            if seq in seen[index]:
                result.duplicated += 1
                return
            seen[index].add(seq)
            received[seq] += 1
            latencies.append(now - scheduled[seq])
            last_arrival[0] = now
        elif kind == "ack":
            if str(frame.get("client_id", "")).startswith(tag + "-"):
                result.acked += 1
        elif kind == "error":
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(frame)

    conns.handler = on_text
    cpu_before = {role: sum(process_cpu_seconds(p) for p in ps) for role, ps in pids.items()}
    client_before = self_cpu_seconds()
    lags = []
    started = time.monotonic()
    next_at = started
    end = started + duration
    seq = 0
    while True:
        next_at += rng.expovariate(rate)
        if next_at >= end:
            break
        delay = next_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append(time.monotonic() - next_at)
        g = rng.randrange(len(groups))
        sender = rng.randrange(len(groups[g].members))
        scheduled.append(next_at)
        message_group.append(g)
        received.append(0)
        text = f"bench {tag} {seq} {next_at:.6f}"
        frame = target.frame(groups[g], sender, text, f"{tag}-{seq}")
        with contextlib.suppress(Exception):  # a closed socket: counted as lost
            await sockets[g][sender].send(json.dumps(frame))
        seq += 1
    window = time.monotonic() - started
    cpu_after = {role: sum(process_cpu_seconds(p) for p in ps) for role, ps in pids.items()}
    client_after = self_cpu_seconds()
    result.sent = seq
    result.expected = sum(len(groups[g].members) for g in message_group)

    drain_end = time.monotonic() + DRAIN_MAX_SECONDS
    while time.monotonic() < drain_end:
        if sum(received) >= result.expected:
            break
        if time.monotonic() - last_arrival[0] > DRAIN_QUIET_SECONDS:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.2)  # late duplicates
    conns.handler = None

    result.delivered = sum(received)
    result.lost = result.expected - result.delivered
    ordered = sorted(latencies)
    result.p50_ms = percentile(ordered, 0.50) * 1000
    result.p90_ms = percentile(ordered, 0.90) * 1000
    result.p99_ms = percentile(ordered, 0.99) * 1000
    result.max_ms = (ordered[-1] if ordered else float("nan")) * 1000
    result.delivered_per_s = result.delivered / window
    result.send_lag_ms = percentile(sorted(lags), 0.99) * 1000
    result.client_cpu = (client_after - client_before) / window
    result.cpu = {role: (cpu_after[role] - cpu_before[role]) / window for role in pids}
    stack = sum(cpu_after[r] - cpu_before[r] for r in pids)
    result.stack_cpu_ms_per_message = stack / max(seq, 1) * 1000
    return result
