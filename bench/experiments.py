"""What-if measurements: the app with one proposed change patched in, against the app as it is.

Each patch is a small stand-in for a change proposed to ``api/`` (the benchmark owns only
``bench/``, so it monkeypatches instead of editing), applied before ``create_app`` runs:

- ``seqdeps``: resolve a handler's dependencies one after another instead of in an anyio task
  group (Litestar spawns one task per dependency when a level has more than one).
- ``inlineread``: run reads on the event loop's thread with their own sqlite3 connection, no hop
  to an aiosqlite thread (the writer keeps its thread: its COMMIT waits on fsync).
- ``headers``: add the security headers as pre-encoded raw pairs instead of through
  ``MutableScopeHeaders`` (which scans the header list once per header set).
- ``gzip6`` / ``gzip1``: gzip level 6 / 1 instead of Litestar's default 9.

    python -m bench.experiments                        # every patch alone, then all together
    python -m bench.experiments --patches seqdeps,sessioncache --loads put,month

The served app: ``WAYPOINT_BENCH_PATCHES=seqdeps,headers uvicorn bench.experiments:app``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Litestar

from api import app as app_module
from api.settings import Settings
from api.store import db as db_module
from api.store.db import Database
from bench.asgi import settings_from_env

PATCHES = ("seqdeps", "headers", "inlineread", "gzip6", "gzip1")


def patch_seqdeps() -> None:
    from litestar._kwargs import kwargs_model
    from litestar._kwargs.cleanup import DependencyCleanupGroup
    from litestar._kwargs.dependencies import resolve_dependency

    async def resolve_dependencies(
        self: Any, connection: Any, kwargs: dict[str, Any]
    ) -> DependencyCleanupGroup:
        cleanup_group = DependencyCleanupGroup()
        for batch in self.dependency_batches:
            for dependency in batch:
                await resolve_dependency(dependency, connection, kwargs, cleanup_group)
        return cleanup_group

    kwargs_model.KwargsModel.resolve_dependencies = resolve_dependencies  # type: ignore[method-assign]


def patch_inlineread() -> None:
    async def read(self: Database, fn: Any, *args: Any) -> Any:
        conn = self.__dict__.get("_inline")
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db_module.configure(conn)
            conn.execute("PRAGMA query_only = ON")
            self.__dict__["_inline"] = conn
        return fn(conn, *args)

    Database.read = read  # type: ignore[method-assign]


def patch_headers() -> None:
    from api import security

    def header_hook(settings: Settings) -> Any:
        raw = [
            (b"content-security-policy", security.CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        no_store = (b"cache-control", b"no-store")

        async def add_headers(message: Any, scope: Any) -> None:
            if message["type"] != "http.response.start":
                return
            headers = list(message.get("headers") or ())
            names = {name.lower() for name, _ in headers}
            headers += [pair for pair in raw if pair[0] not in names]
            if scope["path"].startswith("/api/") and b"cache-control" not in names:
                headers.append(no_store)
            message["headers"] = headers

        return add_headers

    app_module.header_hook = header_hook  # type: ignore[attr-defined]


def patch_gzip(level: int) -> None:
    from litestar.config.compression import CompressionConfig

    def config(**kwargs: Any) -> CompressionConfig:
        return CompressionConfig(**kwargs, gzip_compress_level=level)

    app_module.CompressionConfig = config  # type: ignore[attr-defined]


def apply(names: list[str]) -> None:
    for name in names:
        if name == "gzip6":
            patch_gzip(6)
        elif name == "gzip1":
            patch_gzip(1)
        elif name:
            globals()[f"patch_{name}"]()


def make_app() -> Litestar:
    apply([p for p in os.environ.get("WAYPOINT_BENCH_PATCHES", "").split(",") if p])
    return app_module.create_app(settings_from_env())


if "uvicorn" in sys.modules or "granian" in sys.modules:  # imported by a server
    app = make_app()


# --- the runner --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from bench import seed
    from bench.run import Bench, Options, fmt_rps
    from bench.servers import PYTHON, Server, copy_db

    parser = argparse.ArgumentParser(prog="python -m bench.experiments", description=__doc__)
    parser.add_argument("--patches", default=",".join(PATCHES))
    parser.add_argument("--loads", default="bare,put,month,trends,trends_gzip")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--nice", type=int, default=-20 if os.geteuid() == 0 else 0)
    parser.add_argument("--all", action="store_true", help="also all patches together")
    args = parser.parse_args(argv)
    bench = Bench(Options(rounds=args.rounds, duration=args.duration, renice=args.nice))
    seeded = seed.seed_bench(bench.work / "experiments-seed.sqlite3")
    cookie = seeded["sessions"][0]["secret"]
    writer = seeded["sessions"][1]["secret"]
    today = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).date()
    year = f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"
    month = f"from={(today - timedelta(days=29)).isoformat()}&to={today.isoformat()}"
    days = [(today - timedelta(days=n)).isoformat() for n in range(365)]
    loads: dict[str, tuple[list[dict[str, Any]], str]] = {
        "bare": ([{"path": "/healthz"}], ""),
        "put": (
            [{"kind": "put_entry", "path": "/api/entries/", "days": days, "cookie": writer}],
            "",
        ),
        "month": ([{"path": f"/api/entries?{month}"}], ""),
        "trends": ([{"path": f"/api/trends?{year}"}], ""),
        "trends_gzip": ([{"path": f"/api/trends?{year}"}], "gzip, deflate, br"),
    }
    chosen = [name for name in args.loads.split(",") if name]
    names = [p for p in args.patches.split(",") if p]
    patch_sets = [[], *([p] for p in names)]
    if args.all and len(names) > 1:
        patch_sets.append([p for p in names if not p.startswith("gzip")])
    argv_base = [PYTHON, "-m", "uvicorn", "bench.experiments:app", "--host", "127.0.0.1",
                 "--port", "{port}", "--loop", "uvloop", "--http", "httptools",
                 "--no-access-log", "--no-server-header", "--log-level", "warning"]  # fmt: skip
    servers: dict[str, Server] = {}
    try:
        for patches in patch_sets:  # all of them at once, idle until their turn
            label = "+".join(patches) or "as is"
            slug = label.replace("+", "-").replace(" ", "-")
            db = copy_db(
                bench.work / "experiments-seed.sqlite3", bench.work / f"exp-{slug}.sqlite3"
            )
            servers[label] = Server(
                label,
                argv_base,
                db,
                bench.work / f"exp-{slug}.log",
                renice=args.nice,
                env={"WAYPOINT_BENCH_PATCHES": ",".join(patches)},
            ).start()
        table: dict[str, dict[str, tuple[float, float]]] = {}
        for load in chosen:
            requests, encoding = loads[load]
            plans = [{
                "port": server.port, "connections": 32, "rounds": args.rounds,
                "duration": args.duration, "warmup": 0.5, "requests": requests,
                "cookies": [] if load == "bare" else [cookie], "server_pid": server.pid,
                "accept_encoding": encoding,
            } for server in servers.values()]  # fmt: skip
            results = bench.client(plans)["plans"]  # type: ignore[arg-type]
            base = [r["rps"] for r in results[0]["rounds"]]
            for label, result in zip(servers, results, strict=True):
                rps = [r["rps"] for r in result["rounds"]]
                ratio = statistics.median(b / a for a, b in zip(base, rps, strict=True))
                table.setdefault(label, {})[load] = (statistics.median(rps), ratio)
                bench.log(f"{label:45s} {load:12s} {fmt_rps(statistics.median(rps))} "
                          f"({ratio - 1:+.0%} vs as is, same rounds)")  # fmt: skip
    finally:
        for server in servers.values():
            server.stop()
    print(
        "\nMedian req/s at 32 connections; in brackets the median change against the app as "
        "it is, measured in alternating rounds.\n"
    )
    print("| patch | " + " | ".join(chosen) + " |")
    print("|---|" + "---|" * len(chosen))
    for label, row in table.items():
        cells = [fmt_rps(row[load][0]) + ("" if label == "as is" else f" ({row[load][1] - 1:+.0%})")
                 for load in chosen]  # fmt: skip
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
