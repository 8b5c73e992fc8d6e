"""A small keep-alive HTTP/1.1 load client: N connections, each sending requests back to back.

Raw sockets on asyncio protocols (uvloop when installed), requests pre-rendered as bytes,
responses framed by Content-Length (or chunked), so one core drives several times what one
Python server core can answer. It measures its own CPU time, and the server's (from
/proc/<pid>/stat of the server's process tree), so a table can show which side was the limit.

Run as a process (the benchmark pins it to its own core)::

    taskset -c 1 python -m bench.client '{"port": 8000, "connections": 32, ...}'

prints one JSON object with a result per round. See ``Plan`` for the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import msgspec

from bench.usage import cpu_seconds, machine_busy_seconds, own_cpu_seconds, rss_kb


class RequestSpec(msgspec.Struct, kw_only=True):
    """One kind of request in a plan's mix. ``kind``: get, or put_entry (a new check-in each
    time, on a day drawn from ``days``)."""

    kind: str = "get"
    path: str = "/healthz"
    weight: int = 1
    days: list[str] = []
    cookie: str = ""  # this request's session secret, instead of the connection's
    paths: list[str] = []  # for "get": cycle through these instead of ``path`` (cache-cold)


class Plan(msgspec.Struct, kw_only=True):
    host: str = "127.0.0.1"
    port: int
    connections: int = 32
    warmup: float = 1.0
    duration: float = 5.0
    rounds: int = 3
    requests: list[RequestSpec] = []
    cookie_name: str = "waypoint_session"
    cookies: list[str] = []  # connection i sends cookies[i % len]
    server_pid: int = 0  # measure this process tree's CPU and RSS per round
    database_pid: int = 0  # and this one's CPU (PostgreSQL's postmaster and its backends)
    stall_seconds: float = 2.0
    connect_parallel: int = 64
    accept_encoding: str = ""


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def chunked_end(buf: bytes | bytearray, start: int) -> int:
    """Index just past a complete chunked body starting at ``start``, or -1."""
    pos = start
    while True:
        line_end = buf.find(b"\r\n", pos)
        if line_end < 0:
            return -1
        size = int(bytes(buf[pos:line_end]).split(b";")[0], 16)
        if size == 0:
            trailer_end = buf.find(b"\r\n\r\n", line_end)
            if trailer_end == line_end:
                return line_end + 4
            return -1 if trailer_end < 0 else trailer_end + 4
        pos = line_end + 2 + size + 2
        if pos > len(buf):
            return -1


class Connection(asyncio.Protocol):
    """One keep-alive connection: send, wait for the whole response, call back, repeat."""

    def __init__(self, owner: Load, index: int) -> None:
        self.owner = owner
        self.index = index
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.sent_at = 0.0
        self.busy = False
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if self.busy:
            self.owner.failed(exc or ConnectionResetError("closed by server"))
        self.busy = False
        if not self.closed.done():
            self.closed.set_result(None)

    def send(self) -> None:
        request = self.owner.next_request(self)
        self.busy = True
        self.sent_at = time.perf_counter()
        assert self.transport is not None
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        while buf:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end]).lower()
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                line_end = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : line_end if line_end > 0 else len(head)])
                total = end + 4 + length
                if len(buf) < total:
                    return
            elif b"\r\ntransfer-encoding: chunked" in head:
                total = chunked_end(buf, end + 4)
                if total < 0:
                    return
            else:
                total = end + 4
            status = int(head[9:12])
            del buf[:total]
            self.busy = False
            self.owner.completed(self, status, time.perf_counter())


class Round:
    def __init__(self, connections: int) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.per_connection = [0] * connections
        self.started = time.perf_counter()
        self.cpu = own_cpu_seconds()
        self.machine = machine_busy_seconds()


class Load:
    """Drives a plan's connections: what each sends next, and what came back when."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.running = False
        self.idle: asyncio.Event | None = None
        self.round: Round | None = None
        self.connections: list[Connection] = []
        self.max_latency = 0.0
        self.connect_errors = 0
        self.request_errors: dict[str, int] = {}
        self.rng = random.Random()
        self.id_prefix = self.rng.getrandbits(64)
        self.counter = 0
        host = f"{plan.host}:{plan.port}".encode()
        self.base_headers = b"Host: " + host + b"\r\nUser-Agent: waypoint-bench\r\n"
        if plan.accept_encoding:
            self.base_headers += b"Accept-Encoding: " + plan.accept_encoding.encode() + b"\r\n"
        self.cookie_headers = [
            f"Cookie: {plan.cookie_name}={secret}\r\n".encode() for secret in plan.cookies
        ] or [b""]
        specs = plan.requests or [RequestSpec()]
        self.mix: list[RequestSpec] = [spec for spec in specs for _ in range(spec.weight)]
        self.mix_index = 0

    # --- what to send ----------------------------------------------------------------------

    def next_request(self, conn: Connection) -> bytes:
        spec = self.mix[self.mix_index]
        self.mix_index = (self.mix_index + 1) % len(self.mix)
        cookie = self.cookie_headers[conn.index % len(self.cookie_headers)]
        if spec.cookie:
            cookie = f"Cookie: {self.plan.cookie_name}={spec.cookie}\r\n".encode()
        if spec.kind == "get":
            path = spec.path
            if spec.paths:
                self.counter += 1
                path = spec.paths[self.counter % len(spec.paths)]
            return b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.base_headers + cookie + b"\r\n"
        if spec.kind == "put_entry":
            record_id, body = self.new_entry(spec)
            return self.put(spec.path + record_id, body, cookie)
        raise ValueError(spec.kind)

    def put(self, path: str, body: bytes, cookie: bytes) -> bytes:
        return (
            b"PUT "
            + path.encode()
            + b" HTTP/1.1\r\n"
            + self.base_headers
            + cookie
            + b"Content-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )

    def new_entry(self, spec: RequestSpec) -> tuple[str, bytes]:
        self.counter += 1
        record_id = str(uuid.UUID(int=(self.id_prefix << 64) | self.counter, version=4))
        rng = self.rng
        mood = rng.randint(1, 10)
        body = (
            b'{"day":"%s","mood":%d,"anxiety":%d,"energy":%d,"sleep_hours":%.1f,'
            b'"tags":["walk","bench"],"note":"Load test check-in %d."}'
            % (
                rng.choice(spec.days).encode(),
                mood,
                10 - mood,
                mood,
                rng.choice((6.0, 7.5)),
                self.counter,
            )
        )
        return record_id, body

    # --- bookkeeping -------------------------------------------------------------------------

    def completed(self, conn: Connection, status: int, now: float) -> None:
        latency = now - conn.sent_at
        current = self.round
        if current is not None:
            current.latencies.append(latency)
            current.statuses[status] = current.statuses.get(status, 0) + 1
            current.per_connection[conn.index] += 1
            if status >= 400:
                current.errors += 1
            if latency > self.max_latency:
                self.max_latency = latency
        if self.running:
            conn.send()
        elif self.idle is not None and not any(c.busy for c in self.connections):
            self.idle.set()

    def failed(self, exc: BaseException) -> None:
        name = type(exc).__name__
        self.request_errors[name] = self.request_errors.get(name, 0) + 1
        if self.round is not None:
            self.round.errors += 1
        if self.idle is not None and not any(c.busy for c in self.connections):
            self.idle.set()

    async def connect(self) -> None:
        """Open the plan's connections (again, for those a server closed while idle)."""
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(self.plan.connect_parallel)
        self.connections = [c for c in self.connections if not c.closed.done()]
        missing = sorted(set(range(self.plan.connections)) - {c.index for c in self.connections})

        async def one(index: int) -> None:
            async with gate:
                for attempt in range(5):
                    try:
                        _, conn = await loop.create_connection(
                            lambda: Connection(self, index), self.plan.host, self.plan.port
                        )
                        self.connections.append(conn)
                        return
                    except OSError:
                        self.connect_errors += 1
                        await asyncio.sleep(0.05 * (attempt + 1))

        await asyncio.gather(*(one(i) for i in missing))

    async def close(self, grace: float = 10.0) -> None:
        """Stop sending; wait up to ``grace`` seconds for answers in flight, then hang up."""
        self.running = False
        self.idle = asyncio.Event()
        if any(c.busy for c in self.connections):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.idle.wait(), grace)
        now = time.perf_counter()
        for conn in self.connections:
            if conn.busy:  # still waiting: a stall
                self.max_latency = max(self.max_latency, now - conn.sent_at)
            if conn.transport is not None:
                conn.transport.close()

    def start(self) -> None:
        self.running = True
        for conn in self.connections:
            conn.send()

    async def measure_round(self) -> dict[str, Any]:
        """Count what completes during one round of ``plan.duration`` seconds."""
        plan = self.plan
        server_cpu = cpu_seconds(plan.server_pid) if plan.server_pid else 0.0
        database_cpu = cpu_seconds(plan.database_pid) if plan.database_pid else 0.0
        self.round = current = Round(plan.connections)
        await asyncio.sleep(plan.duration)
        self.round = None
        elapsed = time.perf_counter() - current.started
        client_cpu = own_cpu_seconds() - current.cpu
        machine = machine_busy_seconds() - current.machine
        latencies = sorted(current.latencies)
        count = len(latencies)
        result: dict[str, Any] = {
            "requests": count,
            "seconds": elapsed,
            "rps": count / elapsed,
            "p50_ms": percentile(latencies, 0.50) * 1000,
            "p90_ms": percentile(latencies, 0.90) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "max_ms": (latencies[-1] if latencies else float("nan")) * 1000,
            "mean_ms": (sum(latencies) / count * 1000) if count else float("nan"),
            "statuses": {str(k): v for k, v in sorted(current.statuses.items())},
            "errors": current.errors,
            "idle_connections": sum(
                1 for n in current.per_connection[: len(self.connections)] if n == 0
            ),
            "client_cpu": client_cpu / elapsed,
        }
        if plan.server_pid:
            result["server_cpu"] = (cpu_seconds(plan.server_pid) - server_cpu) / elapsed
            result["server_rss_kb"] = rss_kb(plan.server_pid)
        if plan.database_pid:
            result["database_cpu"] = (cpu_seconds(plan.database_pid) - database_cpu) / elapsed
        # Everything else that ran meanwhile (other jobs on a shared machine), in cores.
        ours = sum(result.get(k, 0.0) for k in ("client_cpu", "server_cpu", "database_cpu"))
        result["other_cpu"] = max(0.0, machine / elapsed - ours)
        return result

    def summary(self, rounds: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "rounds": rounds,
            "connected": len(self.connections),
            "connect_errors": self.connect_errors,
            "request_errors": self.request_errors,
            "max_latency_ms": self.max_latency * 1000,
        }

    async def run(self) -> dict[str, Any]:
        await self.connect()
        self.start()
        await asyncio.sleep(self.plan.warmup)
        rounds = [await self.measure_round() for _ in range(self.plan.rounds)]
        await self.close(grace=max(10.0, self.plan.stall_seconds * 2))
        return self.summary(rounds)


def install_uvloop() -> str:
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = Path(args[0][1:]).read_text() if args[0].startswith("@") else args[0]
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop_name = install_uvloop()
    plan = msgspec.json.decode(text, type=Plan)
    result = asyncio.run(Load(plan).run())
    result["loop"] = loop_name
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
