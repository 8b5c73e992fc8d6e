"""``python -m bench --only import``: a 150 000-record archive (about 60 MB) imported while
another user keeps writing check-ins.

Issue #11 point 4's two figures, on a fresh server pinned to its core:

- the other user's ``PUT`` latency while the import runs (p50, p99, max), against the same probe
  with no import, and the bare endpoint probed the same way in the same run;
- the server's memory: resident set before the import and its peak (``VmHWM``) after, so the
  figure is what the import added at its worst moment, not what was left afterwards.

The probe is a few connections each sending one request at a time (a handful of other users),
from this process on the client core; the import is posted from a thread. Nothing here asserts.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import msgspec

from bench.measures import Row, fmt_ms, yes
from bench.servers import pinned_server
from tests.crash import register_user

if TYPE_CHECKING:
    from bench.run import Bench

RECORDS = 150_000
PROBE_CONNECTIONS = 4
TARGET_P99_MS = 100.0
TARGET_RSS_MB = 150.0
NOTE = (  # with the other fields, about 400 bytes a record: 150 000 records are about 60 MB
    "Slept badly again and woke at four. Walked to the river after breakfast with the dog, "
    "which helped more than I expected. Called my sister in the evening about the next "
    "session and what to bring. Tired but calmer than yesterday."
)


def archive(records: int) -> bytes:
    """A Waypoint archive of ``records`` check-ins, four a day from 1920, each with a note."""
    first = date(1920, 1, 1)
    entries = [
        {
            "id": str(uuid.uuid4()),
            "version": 1,
            "day": (first + timedelta(days=n // 4)).isoformat(),
            "time": f"{7 + n % 4 * 4:02d}:30:00",
            "mood": n % 11,
            "tags": ["walk", "family"],
            "note": f"{NOTE} ({n})",
        }
        for n in range(records)
    ]
    return msgspec.json.encode({"format": "waypoint-archive", "version": 1, "entries": entries})


def memory_kb(pid: int) -> dict[str, int]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


async def probe(url: str, cookie: str, path: str, until: threading.Event | float) -> list[float]:
    """Milliseconds per request of ``PROBE_CONNECTIONS`` one-at-a-time clients, until the event
    is set (or for that many seconds)."""
    latencies: list[float] = []
    deadline = time.monotonic() + until if isinstance(until, float) else 0.0

    def going() -> bool:
        return (
            not until.is_set()
            if isinstance(until, threading.Event)
            else time.monotonic() < deadline
        )

    async def one(client: httpx.AsyncClient, n: int) -> None:
        day = date(2026, 1, 1) + timedelta(days=n)
        while going():
            started = time.perf_counter()
            if path == "put":
                body = {"day": day.isoformat(), "mood": 5}
                response = await client.put(f"/api/entries/{uuid.uuid4()}", json=body)
            else:
                response = await client.get("/healthz")
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()

    async with httpx.AsyncClient(
        base_url=url, cookies={"waypoint_session": cookie}, timeout=60
    ) as client:
        await asyncio.gather(*(one(client, n) for n in range(PROBE_CONNECTIONS)))
    return latencies


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def summary(values: list[float]) -> str:
    return (
        f"p50 {fmt_ms(statistics.median(values))}, p99 {fmt_ms(p99(values))}, "
        f"max {fmt_ms(max(values))} ({len(values)} requests)"
    )


def heavy_import(bench: Bench, _seed_path: Path, _cookies: dict[str, str]) -> None:
    records = RECORDS // 10 if bench.o.quick else RECORDS
    db = bench.work / "import.sqlite3"
    for suffix in ("", "-wal", "-shm", ".key", ".keys", ".keys-wal", ".keys-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    body = archive(records)
    server = pinned_server(db, db.with_suffix(".log"), bench.o.renice)
    url = server.start()
    try:
        importer = register_user(url, "importer", "import bench password")
        writer = register_user(url, "writer", "import bench password")
        bench.log(f"import: {records} records, {len(body) / 1e6:.0f} MB; probing without it ...")
        quiet = asyncio.run(probe(url, writer, "put", 5.0))
        bare = asyncio.run(probe(url, writer, "bare", 5.0))
        before = memory_kb(server.pid)
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def post() -> None:
            started = time.perf_counter()
            try:
                response = httpx.post(
                    url + "/api/import/archive",
                    content=body,
                    headers={"content-type": "application/json"},
                    cookies={"waypoint_session": importer},
                    timeout=600,
                )
                outcome.update(status=response.status_code, result=response.json())
            finally:
                outcome["seconds"] = time.perf_counter() - started
                done.set()

        sending = threading.Thread(target=post)
        sending.start()
        during = asyncio.run(probe(url, writer, "put", done))
        sending.join()
        after = memory_kb(server.pid)
    finally:
        server.stop()
    added_mb = (after["VmHWM"] - before["VmRSS"]) / 1024
    result = outcome.get("result", {})
    bench.data["import"] = {
        "records": records,
        "bytes": len(body),
        "outcome": outcome,
        "memory_kb": {"before": before, "after": after},
        "put_ms": {"quiet": quiet, "during": during, "bare": bare},
    }
    rate = f"{records / outcome['seconds']:,.0f}".replace(",", " ")
    bench.add(
        Row(
            f"archive import of {records} records ({len(body) / 1e6:.0f} MB)",
            f"{outcome.get('status')} in {outcome['seconds']:.1f} s, "
            f"{result.get('created', 0)} created ({rate} records/s)",
            "all created",
            "—",
            yes(outcome.get("status") == 200 and result.get("created") == records),
        )
    )
    bench.add(
        Row(
            f"another user's entry PUT during that import ({PROBE_CONNECTIONS} clients)",
            f"{summary(during)}; without an import {summary(quiet)}",
            f"p99 < {TARGET_P99_MS:.0f} ms",
            f"bare GET probed alike: {summary(bare)}",
            yes(p99(during) < TARGET_P99_MS),
        )
    )
    bench.add(
        Row(
            "server memory added by that import (peak VmHWM minus VmRSS before)",
            f"{added_mb:.0f} MB ({before['VmRSS'] / 1024:.0f} → peak "
            f"{after['VmHWM'] / 1024:.0f} MiB, {after['VmRSS'] / 1024:.0f} MiB after)",
            f"< {TARGET_RSS_MB:.0f} MB for a 60 MB archive",
            "—",
            yes(added_mb < TARGET_RSS_MB),
        )
    )
