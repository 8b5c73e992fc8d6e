"""The PostgreSQL section of ``python -m bench`` (``--only postgres`` runs it alone).

``POSTGRES_LOADS`` (``bench/measures.py``: entry PUT as one account and spread over 32
accounts, a month of check-ins, a year of trends, bare before and after) on three servers, each
with its own bare figures in the same run: SQLite with one process, and PostgreSQL with one and
with two worker processes (``waypoint serve --workers N --database-url postgresql://...``).

PostgreSQL is a throwaway cluster (the test suite's ``tests/pg_cluster.py``: Debian's server,
initdb into a temporary folder, a free port), started here and removed at the end. Every
PostgreSQL server gets a new database seeded from the benchmark file with ``waypoint copy``'s
code (sessions and wrapped keys included, so the same cookies and key file work), as every
SQLite server gets a fresh copy of the file. No server here is pinned: workers, PostgreSQL's
processes and the load client share the cores, as several processes do in a deployment; the
SQLite server is placed the same way, so the three compare like for like.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import psycopg

from api.store.copy import copy_database
from bench.measures import (
    POSTGRES_LOADS,
    POSTGRES_TARGETS,
    Bare,
    Days,
    Figures,
    Row,
    fmt_ms,
    fmt_rps,
)
from bench.servers import copy_db, place_tree, shared_server
from tests import pg_cluster
from tests.server import ServerProcess

if TYPE_CHECKING:
    from bench.run import Bench


class Setup(NamedTuple):
    """One server of the section."""

    name: str
    workers: int
    on_postgres: bool

    @property
    def slug(self) -> str:
        return f"{'pg' if self.on_postgres else 'sqlite'}_{self.workers}w"


SETUPS = (
    Setup("SQLite, 1 process", 1, on_postgres=False),
    Setup("PostgreSQL, 1 worker", 1, on_postgres=True),
    Setup("PostgreSQL, 2 workers", 2, on_postgres=True),
)
ONE_WORKER, TWO_WORKERS = SETUPS[1].name, SETUPS[2].name
# Loads that more processes cannot speed up, by design: one account's writes take turns on its
# row lock (the change counter that keeps its change feed gap-free).
ONE_AT_A_TIME = {"entry put@32": "— (one account: one commit at a time)"}


def compare(bench: Bench, seed_path: Path, cookies: dict[str, str]) -> None:
    days = Days.now()
    bench.log("starting a throwaway PostgreSQL cluster ...")
    cluster = pg_cluster.start()
    try:
        postmaster = int((cluster.folder / "data" / "postmaster.pid").read_text().split()[0])
        place_tree(postmaster, bench.o.renice)
        with psycopg.connect(cluster.url()) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        release = f"PostgreSQL {row[0].split()[0] if row else '?'}"
        got: dict[str, dict[str, Figures]] = {}
        bares: dict[str, Bare] = {}
        for setup in SETUPS:
            with setup_server(bench, cluster, setup, seed_path) as server:
                bench.log(f"{setup.name}: pid {server.pid} on {server.url}")
                prefix = f"{setup.name}: "
                got[setup.name] = bench.run_loads(
                    server,
                    POSTGRES_LOADS,
                    cookies,
                    days,
                    prefix,
                    database_pid=postmaster if setup.on_postgres else 0,
                )
                bares[setup.name] = bench.add_targets(POSTGRES_TARGETS, got[setup.name], prefix)
    finally:
        cluster.stop()
    add_scaling_rows(bench, got)
    bench.tables.append(summary_table(got, bares, release))


@contextlib.contextmanager
def setup_server(
    bench: Bench, cluster: pg_cluster.Cluster, setup: Setup, seed_path: Path
) -> Iterator[ServerProcess]:
    """``waypoint serve --workers N`` on a fresh copy of the seeded data: a file, or a new
    PostgreSQL database (``--database-url``) dropped again when the server has stopped."""
    db = bench.work / f"postgres-{setup.slug}.sqlite3"
    args: tuple[str, ...] = ("--workers", str(setup.workers))
    env: dict[str, str] = {}
    if setup.on_postgres:
        started = time.perf_counter()
        url = cluster.create_database(f"bench_{setup.slug}")
        copy_database(f"sqlite:///{seed_path}", url)
        bench.log(f"copied {seed_path.name} onto {url} in {time.perf_counter() - started:.1f} s")
        args += ("--database-url", url)
        # The seeded file's key wraps the copied data keys; `db` is never opened (it only names
        # the server's log and VAPID file).
        env["WAYPOINT_KEY_FILE"] = str(seed_path) + ".key"
    else:
        copy_db(seed_path, db)
    server = shared_server(db, db.with_suffix(".log"), bench.o.renice, env=env, args=args)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if setup.on_postgres:
            cluster.drop_database(f"bench_{setup.slug}")


def add_scaling_rows(bench: Bench, got: dict[str, dict[str, Figures]]) -> None:
    """DESIGN.md's target: throughput grows from one to two processes until the database is
    the limit (met at 1.1x or more). Where it does not grow and every core was busy, the machine
    was the limit; one account's writes are not expected to grow."""
    cores = os.cpu_count() or 1
    for target in POSTGRES_TARGETS[1:]:
        one, two = got[ONE_WORKER][target.load], got[TWO_WORKERS][target.load]
        grew = two.rps / one.rps if one.rps else 0.0
        busy = two.client_cpu + two.server_cpu + two.database_cpu + two.other_cpu
        if target.load in ONE_AT_A_TIME:
            met = ONE_AT_A_TIME[target.load]
        elif grew >= 1.1:
            met = "yes"
        elif busy >= 0.9 * cores:
            met = f"— (all {cores} cores busy)"
        else:
            met = "**NO**"
        bench.add(
            Row(
                f"PostgreSQL, 1 → 2 worker processes: {target.name}",
                f"{fmt_rps(one.rps)} → {fmt_rps(two.rps)} ({grew:.2f}x)",
                "grows until the database is the limit",
                "—",
                met,
                two.cpu,
            )
        )


def cell(figures: Figures, bare: Bare) -> str:
    return f"{fmt_rps(figures.rps)}, p99 {fmt_ms(figures.p99)} ({bare.ratio(figures.rps)})"


def summary_table(got: dict[str, dict[str, Figures]], bares: dict[str, Bare], release: str) -> str:
    """The section's figures side by side (the README's PostgreSQL table)."""
    names = [setup.name for setup in SETUPS]

    def scaling(one: float, two: float) -> str:
        return f"{two / one:.2f}x" if one else "—"

    lines = [
        f"PostgreSQL section ({release}, a throwaway cluster with fsync and synchronous_commit "
        "on; no server pinned; each figure's share of its own server's bare endpoint in "
        "brackets):",
        "",
        f"| 32 connections | {' | '.join(names)} | 2 workers ÷ 1 |",
        "|---|---|---|---|---|",
        "| bare `GET /healthz` | "
        + " | ".join(fmt_rps(bares[name].rps) for name in names)
        + f" | {scaling(bares[ONE_WORKER].rps, bares[TWO_WORKERS].rps)} |",
    ]
    for target in POSTGRES_TARGETS[1:]:
        cells = [cell(got[name][target.load], bares[name]) for name in names]
        one, two = got[ONE_WORKER][target.load].rps, got[TWO_WORKERS][target.load].rps
        lines.append(f"| {target.name} | {' | '.join(cells)} | {scaling(one, two)} |")
    return "\n".join(lines)
