"""CPU cost per request of the app itself, driven in-process through ASGI (no sockets, no server).

Counts process CPU time (all threads: the event loop and the SQLite threads), so other jobs on a
shared machine barely move it, unlike req/s. Add the ASGI server's own cost per request (bare
req/s under the real server minus this bare figure) to compare with the HTTP benchmark.

    python -m bench.inproc                          # every load, the app as it is
    python -m bench.inproc --loads put,month
    python -m bench.inproc --profile put            # cProfile: the top functions for one load
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import itertools
import pstats
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import seed
from bench.servers import copy_db

RESULTS = Path(__file__).resolve().parent / "results"


def requests(sessions: dict[str, str]) -> dict[str, Any]:
    today = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).date()

    def span(days: int) -> bytes:
        start = (today - timedelta(days=days - 1)).isoformat()
        return f"from={start}&to={today.isoformat()}".encode()

    counter = itertools.count()

    def put() -> tuple[str, str, bytes, bytes]:
        n = next(counter)
        day = (today - timedelta(days=n % 365)).isoformat()
        body = (
            f'{{"day":"{day}","mood":{n % 10},"anxiety":3,"energy":5,"sleep_hours":7.5,'
            f'"tags":["walk"],"note":"check-in {n}"}}'
        ).encode()
        return "PUT", f"/api/entries/{uuid.uuid4()}", b"", body

    return {
        "bare": (lambda: ("GET", "/healthz", b"", b""), ""),
        "month": (lambda: ("GET", "/api/entries", span(30), b""), sessions["patient"]),
        "trends": (lambda: ("GET", "/api/trends", span(365), b""), sessions["patient"]),
        "put": (put, sessions["writer"]),
    }


async def drive(app: Any, make: Any, cookie: str, count: int, concurrency: int) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1"), (b"user-agent", b"bench")]
    if cookie:
        headers.append((b"cookie", f"waypoint_session={cookie}".encode()))
    statuses: dict[int, int] = {}

    async def one() -> None:
        method, path, query, body = make()
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
            "root_path": "", "headers": headers + ([(b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode())] if body else []),
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {},
        }  # fmt: skip
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses[message["status"]] = statuses.get(message["status"], 0) + 1

        await app(scope, receive, send)

    async def worker(n: int) -> None:
        for _ in range(n):
            await one()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(count // concurrency) for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    done = concurrency * (count // concurrency)
    return {"cpu_us": cpu / done * 1e6, "wall_us": wall / done * 1e6, "statuses": statuses}


async def measure(db: Path, loads: dict[str, Any], chosen: list[str], count: int,
                  profile: str | None) -> dict[str, Any]:  # fmt: skip
    from api.app import create_app
    from api.settings import Settings

    app = create_app(Settings(db_path=db, log_level="WARNING"))
    results: dict[str, Any] = {}
    async with app.lifespan():
        for name in chosen:
            make, cookie = loads[name]
            await drive(app, make, cookie, 200, 32)  # warm-up
            if profile == name:
                profiler = cProfile.Profile()
                profiler.enable()
                results[name] = await drive(app, make, cookie, count, 32)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(35)
                results["profile"] = out.getvalue()
            else:
                results[name] = await drive(app, make, cookie, count, 32)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc", description=__doc__)
    parser.add_argument("--loads", default="bare,put,month,trends")
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--profile", help="cProfile this load")
    args = parser.parse_args(argv)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    work = RESULTS / "work"
    seeded = seed.seed_bench(work / "inproc-seed.sqlite3")
    sessions = {s["username"]: s["secret"] for s in seeded["sessions"]}
    db = copy_db(work / "inproc-seed.sqlite3", work / "inproc.sqlite3")
    chosen = [name for name in args.loads.split(",") if name]
    results = asyncio.run(measure(db, requests(sessions), chosen, args.count, args.profile))
    for name in chosen:
        r = results[name]
        print(f"{name:8s} {r['cpu_us']:7.1f} µs CPU/request "
              f"({1e6 / r['cpu_us']:7.0f} req/s per core)  statuses {r['statuses']}")  # fmt: skip
    if "profile" in results:
        print(results["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
