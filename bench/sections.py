"""The sections of ``python -m bench`` beyond the table of measures: 1 000 clients in flight, the
web app's first load, crash rounds and the 10 000-user file (and, in ``bench/postgres.py``,
PostgreSQL with one and two worker processes). Each adds its lines to the report.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import seed, webload
from bench.measures import LOADS, STALL_SECONDS, Days, Figures, Row, fmt_ms, fmt_rps, yes
from bench.servers import CLIENT_CORE, PYTHON, pinned, pinned_server
from tests.crash import crash_rounds, register_user
from tests.server import ServerProcess

if TYPE_CHECKING:
    from bench.run import Bench

RESULTS = Path(__file__).resolve().parent / "results"


def soak(bench: Bench, server: ServerProcess, cookies: dict[str, str], days: Days) -> None:
    seconds, clients = bench.o.soak_seconds, bench.o.soak_connections
    rounds = 6 if seconds >= 30 else 4
    mix = [
        *LOADS["entries month"].requests(days),
        *LOADS["trends year"].requests(days),
        # Writes as `writer`, as in the PUT load: the patient's cached trends stay valid.
        *(
            {**spec, "weight": 2, "cookie": cookies["writer"]}
            for spec in LOADS["entry put@32"].requests(days)
        ),
    ]
    bench.log(f"{clients} clients in flight for {seconds:.0f} s ...")
    soak = bench.measure(
        server,
        "soak",
        mix,
        [cookies["patient"]],
        connections=clients,
        rounds=rounds,
        duration=seconds / rounds,
        warmup=max(2.0, seconds / 10),
    )
    stalled = soak.max > STALL_SECONDS * 1000 or soak.idle > 0
    ok = soak.errors == 0 and soak.connected == clients and not stalled
    bench.add(
        Row(
            f"{clients} clients in flight for {seconds:.0f} s (check-in PUT, month, trends)",
            f"{soak.connected} connected, {soak.errors} errors, {fmt_rps(soak.rps)}, "
            f"p99 {fmt_ms(soak.p99)}, max {fmt_ms(soak.max)}",
            f"no error, no stall (max < {STALL_SECONDS:.0f} s)",
            bench.bare.ratio(soak.rps),
            yes(ok),
            soak.cpu,
        )
    )
    rss = [kb for kb in soak.rss_kb if kb]
    if rss:
        growth = (rss[-1] - rss[0]) / rss[0]
        bench.add(
            Row(
                f"server RSS growth under {clients} clients, after warm-up",
                f"{rss[0] / 1024:.0f} → {rss[-1] / 1024:.0f} MiB ({growth:+.1%}; "
                f"peak {max(rss) / 1024:.0f} MiB)",
                "< 10 %",
                "—",
                yes(growth < 0.10),
            )
        )


def web(bench: Bench, server: ServerProcess) -> None:
    found = webload.first_load(server.url)
    bench.data["web"] = found
    files = [f for f in found["files"] if f["status"] == 200]
    uncompressed = [f["url"] for f in files if not f["encoding"] and f["bytes"] > 1024]
    uncached = [
        f["url"]
        for f in files
        if "max-age" not in f["cache_control"] and "immutable" not in f["cache_control"]
    ]
    detail = (
        f"{found['wire_bytes'] / 1000:.1f} kB in {len(found['files'])} files "
        f"({found['bytes'] / 1000:.1f} kB uncompressed)"
    )
    if found["missing"]:
        detail += f"; missing: {', '.join(found['missing'][:5])}"
    bench.add(
        Row(
            "web app first load (`/` and what it references), compressed",
            detail,
            "≤ 100 kB",
            "—",
            yes(found["available"] and found["wire_bytes"] <= 100_000),
        )
    )
    bench.notes.append(
        "First load: files sent without compression (> 1 kB): "
        f"{', '.join(uncompressed) or 'none'}; without long-lived Cache-Control: "
        f"{', '.join(uncached) or 'none'}."
    )


def crash(bench: Bench, _seed_path: Path, _cookies: dict[str, str]) -> None:
    """The test suite's crash harness (``tests/crash.py``), with more rounds and writers."""
    db = bench.work / "crash.sqlite3"  # a new file: the ledger must know every check-in in it
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.with_suffix(".log")):
        stale.unlink(missing_ok=True)
    server = pinned_server(db, db.with_suffix(".log"), bench.o.renice)
    rounds = bench.o.crash_rounds
    bench.log(f"{rounds} crash rounds (SIGKILL under 32 writing clients) ...")
    try:
        cookie = register_user(server.start(), "crash", seed.PASSWORD)
        report = asyncio.run(
            crash_rounds(
                server, cookie, rounds, writers=32, kill_after=(0.15, 0.8), progress=bench.log
            )
        )
    finally:
        server.stop()
    bench.data["crash"] = {k: v for k, v in vars(report).items() if k != "ledger"}
    bench.add(
        Row(
            f"crash rounds: SIGKILL under 32 writing clients, {report.rounds} rounds",
            f"{report.acknowledged_writes} acknowledged writes, {len(report.problems)} problems",
            "0 acknowledged writes lost",
            "—",
            yes(not report.problems and report.rounds == rounds),
        )
    )
    bench.notes += [f"Crash: {problem}" for problem in report.problems[:5]]


def scale(bench: Bench, _seed_path: Path, _cookies: dict[str, str]) -> None:
    users, days = bench.o.scale_users, bench.o.scale_days
    big, small = scale_file(bench, users, days), scale_file(bench, 1, days)
    records = f"{big['records']:,}".replace(",", " ")
    bench.add(
        Row(
            f"seed {users} users x {days} days in one file",
            f"{big['seconds']:.0f} s, {big['bytes'] / 1e6:.0f} MB, {records} records"
            + (" (cached seed)" if big.get("cached") else ""),
            "— (reported)",
            "—",
            "—",
        )
    )
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    calendar = Days(yesterday, yesterday)
    trends = LOADS["trends year"].requests(calendar)
    put = LOADS["entry put@32"].requests(calendar)
    got: dict[str, dict[str, Figures]] = {}
    for label, meta in (("single", small), ("scale", big)):
        sessions = json.loads(Path(str(meta["path"]) + ".sessions.json").read_text())
        step = max(1, len(sessions) // 32)
        cookies = [s["secret"] for s in sessions[::step]][:32]
        bench.log(f"scale: {label} file ({len(sessions)} users), copying ...")
        with bench.running(meta["path"], f"scale-{label}.sqlite3") as server:
            got[label] = {
                "trends": bench.measure(server, f"scale {label} trends", trends, cookies),
                "trends1": bench.measure(
                    server, f"scale {label} trends@1", trends, cookies[:1], connections=1
                ),
                "put": bench.measure(server, f"scale {label} put", put, cookies),
            }
    (bench.work / "scale-scale.sqlite3").unlink(missing_ok=True)
    for key, title in (
        ("trends", "per-user `GET /api/trends` a year, 32 users"),
        ("put", "entry `PUT`, 32 users"),
        ("trends1", "trends time per call"),
    ):
        one, many = got["single"][key], got["scale"][key]
        slower = many.p50 / one.p50 if key == "trends1" else one.rps / many.rps
        figure = (
            f"{fmt_ms(many.p50)} vs {fmt_ms(one.p50)}"
            if key == "trends1"
            else f"{fmt_rps(many.rps)} vs {fmt_rps(one.rps)}"
        )
        bench.add(
            Row(
                f"{users} users x 1 year vs one user: {title}",
                f"{figure} → {slower:.2f}x slower",
                "≤ 1.5x",
                "—",
                yes(slower <= 1.5),
                many.cpu,
            )
        )


def scale_file(bench: Bench, users: int, days: int) -> dict[str, Any]:
    path = RESULTS / f"scale-{users}x{days}.sqlite3"
    meta_path = Path(str(path) + ".meta.json")
    if path.exists() and meta_path.exists() and not bench.o.reseed:
        meta: dict[str, Any] = json.loads(meta_path.read_text())
        return meta | {"cached": True}
    bench.log(f"seeding {users} users x {days} days (a separate process on core {CLIENT_CORE})")
    command = [
        "-m",
        "bench.seed",
        "--users",
        str(users),
        "--days",
        str(days),
        "--db",
        str(path),
    ]
    done = subprocess.run(
        [*pinned(CLIENT_CORE), PYTHON, *command],
        capture_output=True,
        text=True,
        cwd=RESULTS.parent.parent,
        check=True,
    )
    bench.log(done.stdout.strip())
    fresh: dict[str, Any] = json.loads(meta_path.read_text())
    return fresh
