"""The PostgreSQL rows of ``python -m bench`` (section ``postgres``).

The seeded SQLite file is copied onto a throwaway PostgreSQL server (``waypoint copy``'s own
code, sessions included, so the same cookies work), then three servers are measured in the
same run, each with its bare ``GET /healthz``: ``waypoint serve`` on SQLite (pinned to core 0,
as in the main rows), and on PostgreSQL with 1 and with 2 worker processes. The PostgreSQL
servers are not pinned: their workers, PostgreSQL's own processes and the load client share
the machine's two cores, which is what a deployment of several processes does.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from api.store.copy import copy_database
from api.store.sessions import insert_session
from bench.servers import PYTHON, Server, copy_db
from tests import pg_cluster

if TYPE_CHECKING:
    from bench.run import Bench

UNPINNED = ["taskset", "-c", "0,1"]  # widens the affinity the Server's own prefix sets


def _serve(workers: int) -> list[str]:
    argv = [PYTHON, "-m", "api", "serve", "--host", "127.0.0.1", "--port", "0"]
    return [*UNPINNED, *argv, "--workers", str(workers)]


def with_writers(source: Path, target: Path, count: int = 32) -> list[str]:
    """A copy of the seeded file with ``count`` more accounts, each with a session (made by the
    store's own functions): one account per connection, as many people checking in at once."""
    copy_db(source, target)
    conn = sqlite3.connect(target, isolation_level=None)
    secrets = []
    try:
        conn.execute("BEGIN")
        for n in range(count):
            (user_id,) = conn.execute(
                "INSERT INTO users (username, password_hash, created_at) VALUES (?, 'x', ?) "
                "RETURNING id",
                (f"writer{n}", datetime.now(UTC).isoformat()),
            ).fetchone()
            secrets.append(insert_session(conn, user_id, "bench", time.time()))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return secrets


def postgres(bench: Bench, seed_path: Path, sessions: dict[str, dict[str, Any]]) -> None:
    from bench.run import Row, fmt_ms, fmt_rps

    seed_path_many = bench.work / "postgres-seed.sqlite3"
    writers = with_writers(seed_path, seed_path_many)
    seed_path = seed_path_many

    patient, writer = sessions["patient"]["secret"], sessions["writer"]["secret"]
    today = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).date()

    def span(days: int) -> str:
        return f"from={(today - timedelta(days=days - 1)).isoformat()}&to={today.isoformat()}"

    put_days = [(today - timedelta(days=n)).isoformat() for n in range(365)]
    loads: dict[str, tuple[list[dict[str, Any]], str]] = {
        "entry `PUT`": (
            [{"kind": "put_entry", "path": "/api/entries/", "days": put_days, "cookie": writer}],
            writer,
        ),
        "entry `PUT`, 32 accounts (one per connection)": (
            [{"kind": "put_entry", "path": "/api/entries/", "days": put_days}],
            "",
        ),
        "`GET /api/entries`, a month": ([{"path": f"/api/entries?{span(30)}"}], patient),
        "`GET /api/trends`, a year": ([{"path": f"/api/trends?{span(365)}"}], patient),
    }
    cluster = pg_cluster.start()
    try:
        url = cluster.create_database("bench")
        copy_database(f"sqlite:///{seed_path}", url)
        bench.log(f"copied {seed_path.name} onto PostgreSQL at {cluster.url('bench')}")
        setups = [
            ("SQLite, 1 process (pinned to one core)", None, {}),  # as in the main rows
            ("PostgreSQL, 1 worker", _serve(1), {"WAYPOINT_DATABASE_URL": url}),
            ("PostgreSQL, 2 workers", _serve(2), {"WAYPOINT_DATABASE_URL": url}),
        ]
        for name, argv, env in setups:
            db = copy_db(seed_path, bench.work / "postgres-sqlite.sqlite3")
            log = bench.work / f"postgres-{len(env)}-{argv[-1] if argv else 1}.log"
            server = Server(name, argv or bench.server("waypoint serve", db).argv, db, log)
            server.renice, server.env = bench.o.renice, env
            server.start()
            try:
                bare = bench.measure(server, label=f"{name}: bare")
                bench.add(
                    Row(
                        f"{name}: bare `GET /healthz`",
                        fmt_rps(bare.rps),
                        "reference",
                        "100%",
                        "—",
                        bare.cpu,
                    )
                )
                for load, (requests, cookie) in loads.items():
                    cookies = [cookie] if cookie else writers
                    got = bench.measure(server, requests, cookies=cookies, label=f"{name}: {load}")
                    errors = f", {got.errors} errors" if got.errors else ""
                    bench.add(
                        Row(
                            f"{name}: {load}",
                            f"{fmt_rps(got.rps)} (p50 {fmt_ms(got.p50)}, "
                            f"p99 {fmt_ms(got.p99)}{errors})",
                            "—",
                            f"{got.rps / bare.rps:.0%}" if bare.rps else "—",
                            "—",
                            got.cpu,
                        )
                    )
            finally:
                server.stop()
    finally:
        cluster.stop()
