"""``python -m bench``: measure the performance targets of DESIGN.md and print one line each.

The server runs as a real process on core 0, the load client on core 1 (``taskset``); every
figure is printed with its ratio to a bare endpoint (``GET /healthz``) measured on the same
server in the same run. See bench/README.md for the flags and what each line measures.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import crash, postgres, seed, webload
from bench.servers import CLIENT_CORE, PYTHON, Server, copy_db, variants

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
MAIN_SERVER = "waypoint serve"
STALL_SECONDS = 2.0


@dataclass
class Options:
    quick: bool = False
    rounds: int = 3
    duration: float = 5.0
    warmup: float = 1.0
    soak_seconds: float = 60.0
    soak_connections: int = 1000
    crash_rounds: int = 50
    scale_users: int = 10_000
    scale_days: int = 365
    reseed: bool = False
    renice: int = -20
    sections: tuple[str, ...] = ("main", "soak", "web", "servers", "crash", "scale", "postgres")
    server_rounds: int = 3
    server_duration: float = 3.0
    out: Path = RESULTS / "latest.md"


@dataclass
class Row:
    measure: str
    figure: str
    target: str
    ratio: str
    met: str
    cpu: str = ""

    def cells(self) -> list[str]:
        return [self.measure, self.figure, self.target, self.ratio, self.met, self.cpu]


@dataclass
class Measure:
    """Medians over rounds of one client run."""

    rps: float
    p50: float
    p99: float
    max: float
    errors: int
    statuses: dict[str, int]
    client_cpu: float
    server_cpu: float
    other_cpu: float
    rss_kb: list[int]
    idle: int
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def cpu(self) -> str:
        text = f"client {self.client_cpu:.0%}, server {self.server_cpu:.0%}"
        if self.other_cpu >= 0.15:
            text += f", other jobs {self.other_cpu:.1f} cores"
        return text


def fmt_rps(value: float) -> str:
    return f"{value:,.0f} req/s".replace(",", " ")


def fmt_ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def yes(flag: bool) -> str:
    return "yes" if flag else "**NO**"


class Bench:
    def __init__(self, options: Options) -> None:
        self.o = options
        self.rows: list[Row] = []
        self.server_table: list[list[str]] = []
        self.data: dict[str, Any] = {"options": {k: str(v) for k, v in vars(options).items()}}
        self.notes: list[str] = []
        self.work = RESULTS / "work"
        self.work.mkdir(parents=True, exist_ok=True)
        self.bare_rps = 0.0
        self.bare_ms = 0.0
        self.started = time.perf_counter()

    # --- plumbing ------------------------------------------------------------------------------

    def log(self, message: str) -> None:
        print(
            f"[{time.perf_counter() - self.started:6.1f}s] {message}", file=sys.stderr, flush=True
        )

    def add(self, row: Row) -> None:
        self.rows.append(row)
        self.log(" | ".join(row.cells()))

    def server(self, name: str, db: Path) -> Server:
        log = self.work / f"{name.replace(' ', '-').replace('+', '-')}.log"
        return Server(name, variants()[name], db, log, renice=self.o.renice)

    @contextlib.contextmanager
    def running(self, name: str, source: Path, copy_name: str) -> Iterator[Server]:
        db = copy_db(source, self.work / copy_name)
        server = self.server(name, db).start()
        try:
            yield server
        finally:
            server.stop()

    def client(self, plan: dict[str, Any] | list[dict[str, Any]], timeout: float = 900) -> Any:
        prefix = ["taskset", "-c", CLIENT_CORE]
        if self.o.renice:
            prefix = ["nice", "-n", str(self.o.renice), *prefix]
        plan_file = self.work / "plan.json"
        plan_file.write_text(json.dumps(plan))
        done = subprocess.run(
            [*prefix, PYTHON, "-m", "bench.client", f"@{plan_file}"],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT.parent,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"load client failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def measure(
        self,
        server: Server,
        requests: list[dict[str, Any]] | None = None,
        *,
        connections: int = 32,
        cookies: list[str] | None = None,
        rounds: int | None = None,
        duration: float | None = None,
        warmup: float | None = None,
        label: str = "",
        encoding: str = "",
    ) -> Measure:
        plan = {
            "port": server.port,
            "connections": connections,
            "rounds": rounds or self.o.rounds,
            "duration": duration or self.o.duration,
            "warmup": self.o.warmup if warmup is None else warmup,
            "requests": requests or [{"kind": "get", "path": "/healthz"}],
            "cookies": cookies or [],
            "server_pid": server.pid,
            "stall_seconds": STALL_SECONDS,
            "accept_encoding": encoding,
        }
        result = self.client(plan)
        rounds_ = result["rounds"]
        med = statistics.median
        measured = Measure(
            rps=med(r["rps"] for r in rounds_),
            p50=med(r["p50_ms"] for r in rounds_),
            p99=med(r["p99_ms"] for r in rounds_),
            max=result["max_latency_ms"],
            errors=sum(r["errors"] for r in rounds_)
            + result["connect_errors"]
            + sum(result["request_errors"].values()),
            statuses=_merge(r["statuses"] for r in rounds_),
            client_cpu=max(r["client_cpu"] for r in rounds_),
            server_cpu=med(r.get("server_cpu", 0.0) for r in rounds_),
            other_cpu=med(r["other_cpu"] for r in rounds_),
            rss_kb=[r.get("server_rss_kb", 0) for r in rounds_],
            idle=max(r["idle_connections"] for r in rounds_),
            raw=result,
        )
        if label:
            self.data.setdefault("measures", {})[label] = {
                k: v for k, v in vars(measured).items() if k != "raw"
            } | {"rounds": rounds_, "connected": result["connected"]}
        return measured

    def ratio(self, rps: float) -> str:
        return f"{rps / self.bare_rps:.0%}" if self.bare_rps else "—"

    def time_ratio(self, ms: float) -> str:
        return f"{ms / self.bare_ms:.0f}x bare call" if self.bare_ms else "—"

    # --- sections ------------------------------------------------------------------------------

    def seed(self) -> tuple[Path, dict[str, dict[str, Any]]]:
        path = self.work / "seed.sqlite3"
        started = time.perf_counter()
        result = seed.seed_bench(path)
        sessions = {s["username"]: s for s in result["sessions"]}
        counts = ", ".join(f"{k} {v['records']} records" for k, v in sessions.items())
        self.log(f"seeded {path.name} in {time.perf_counter() - started:.1f} s ({counts})")
        return path, sessions

    def main(self, seed_path: Path, sessions: dict[str, dict[str, Any]]) -> None:
        patient = sessions["patient"]["secret"]
        writer = sessions["writer"]["secret"]
        decade = sessions["decade"]["secret"]
        today = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).date()
        decade_today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Berlin")).date()

        def span(days: int, end: date = today) -> str:
            return f"from={(end - timedelta(days=days - 1)).isoformat()}&to={end.isoformat()}"

        month = [{"path": f"/api/entries?{span(30)}"}]
        ninety = [{"path": f"/api/entries?{span(90)}"}]
        year_trends = [{"path": f"/api/trends?{span(365)}"}]
        decade_trends = [{"path": f"/api/trends?{span(3650, decade_today)}"}]
        # Cache-cold: every request asks for another period (a year, or ten years, ending on
        # one of 1 000 different days), so a cache of computed trends cannot answer it.
        cold_year = [
            {
                "path": "",
                "paths": [
                    f"/api/trends?{span(365, today - timedelta(days=n))}" for n in range(1000)
                ],
            }
        ]
        cold_decade = [
            {
                "path": "",
                "paths": [
                    f"/api/trends?{span(3650, decade_today - timedelta(days=n))}"
                    for n in range(1000)
                ],
            }
        ]
        pdf = [{"path": f"/api/export/report.pdf?{span(365)}"}]
        put_days = [(today - timedelta(days=n)).isoformat() for n in range(365)]
        put = [{"kind": "put_entry", "path": "/api/entries/", "days": put_days, "cookie": writer}]
        self.data["paths"] = {"month": month, "year_trends": year_trends, "pdf": pdf}

        with self.running(MAIN_SERVER, seed_path, "main.sqlite3") as server:
            self.log(f"{MAIN_SERVER} pid {server.pid} on {server.url}")
            bare = self.measure(server, label="bare@32")
            bare_one = self.measure(server, connections=1, label="bare@1")
            got = {
                "month": self.measure(server, month, cookies=[patient], label="entries month"),
                "ninety": self.measure(server, ninety, cookies=[patient], label="entries 90d"),
                "trends": self.measure(server, year_trends, cookies=[patient], label="trends year"),
                "decade": self.measure(
                    server, decade_trends, connections=1, cookies=[decade], label="trends 10y@1"
                ),
                "cold": self.measure(server, cold_year, cookies=[patient], label="trends cold"),
                "decade_cold": self.measure(
                    server, cold_decade, connections=1, cookies=[decade], label="trends 10y@1 cold"
                ),
                "gzip": self.measure(
                    server,
                    year_trends,
                    cookies=[patient],
                    label="trends year gzip",
                    encoding="gzip, deflate, br",
                ),
            }
            pdf_status = _status(server.port, pdf[0]["path"], patient)
            if pdf_status == 200:
                got["pdf"] = self.measure(
                    server, pdf, connections=1, cookies=[patient], label="pdf year@1"
                )
            got["put"] = self.measure(server, put, cookies=[writer], label="entry put@32")
            bare_after = self.measure(server, label="bare@32 after")
            # Bare is measured before and after the rest; its figure is the median of all rounds.
            all_bare = [r["rps"] for m in (bare, bare_after) for r in m.raw["rounds"]]
            self.bare_rps = statistics.median(all_bare)
            self.bare_ms = bare_one.p50
            self.data["bare_rps_rounds"] = all_bare
            self.add(
                Row(
                    "bare `GET /healthz`, 32 connections",
                    fmt_rps(self.bare_rps) + f" (p50 {fmt_ms(bare.p50)}, p99 {fmt_ms(bare.p99)})",
                    "reference",
                    "100%",
                    "—",
                    bare.cpu,
                )
            )
            self.add(
                Row(
                    "bare `GET /healthz`, 1 connection (time per call)",
                    fmt_ms(bare_one.p50),
                    "reference",
                    "1x bare call",
                    "—",
                    bare_one.cpu,
                )
            )
            self.main_rows(got, pdf_status)
            if "soak" in self.o.sections:
                self.soak(server, patient, month + year_trends + put)
            if "web" in self.o.sections:
                self.web(server)

    def main_rows(self, got: dict[str, Measure], pdf_status: int) -> None:
        put = got["put"]
        put_ok = put.errors == 0 and put.statuses.get("201", 0) > 0
        share = put.rps / self.bare_rps if self.bare_rps else 0
        self.add(
            Row(
                "authenticated entry `PUT`, 32 connections",
                f"{fmt_rps(put.rps)} (p50 {fmt_ms(put.p50)})"
                + ("" if put_ok else f" — errors {put.errors}, statuses {put.statuses}"),
                "≥ 6 000 req/s and ≥ 50 % of bare",
                self.ratio(put.rps),
                yes(put_ok and put.rps >= 6000 and share >= 0.5),
                put.cpu,
            )
        )
        self.add(
            Row(
                "entry `PUT` p99, 32 connections",
                fmt_ms(put.p99),
                "< 10 ms",
                "—",
                yes(put.p99 < 10),
                put.cpu,
            )
        )
        month = got["month"]
        self.add(
            Row(
                "`GET /api/entries` a month (30 days)",
                f"{fmt_rps(month.rps)} (p50 {fmt_ms(month.p50)}, p99 {fmt_ms(month.p99)})",
                "≥ 3 000 req/s",
                self.ratio(month.rps),
                yes(month.rps >= 3000 and not month.errors),
                month.cpu,
            )
        )
        ninety = got["ninety"]
        self.add(
            Row(
                "`GET /api/entries` 90 days",
                f"{fmt_rps(ninety.rps)} (p50 {fmt_ms(ninety.p50)}, p99 {fmt_ms(ninety.p99)})",
                "— (reported)",
                self.ratio(ninety.rps),
                "—" if not ninety.errors else "**errors**",
                ninety.cpu,
            )
        )
        trends = got["trends"]
        self.add(
            Row(
                "`GET /api/trends` a year",
                f"{fmt_rps(trends.rps)} (p50 {fmt_ms(trends.p50)}, p99 {fmt_ms(trends.p99)})",
                "≥ 4 000 req/s",
                self.ratio(trends.rps),
                yes(trends.rps >= 4000 and not trends.errors),
                trends.cpu,
            )
        )
        cold = got["cold"]
        self.add(
            Row(
                "`GET /api/trends` a year, cache-cold (another period each request)",
                f"{fmt_rps(cold.rps)} (p50 {fmt_ms(cold.p50)}, p99 {fmt_ms(cold.p99)})",
                "≥ 4 000 req/s",
                self.ratio(cold.rps),
                yes(cold.rps >= 4000 and not cold.errors),
                cold.cpu,
            )
        )
        gzip = got["gzip"]
        self.add(
            Row(
                "`GET /api/trends` a year as a browser asks (`Accept-Encoding: gzip, deflate, br`)",
                f"{fmt_rps(gzip.rps)} (p50 {fmt_ms(gzip.p50)}, p99 {fmt_ms(gzip.p99)})",
                "≥ 4 000 req/s",
                self.ratio(gzip.rps),
                yes(gzip.rps >= 4000 and not gzip.errors),
                gzip.cpu,
            )
        )
        decade = got["decade"]
        self.add(
            Row(
                "`GET /api/trends` 10 years daily, 200 treatments, 250 questionnaires",
                f"{fmt_ms(decade.p50)} per call (p99 {fmt_ms(decade.p99)})",
                "< 15 ms",
                self.time_ratio(decade.p50),
                yes(decade.p50 < 15 and not decade.errors),
                decade.cpu,
            )
        )
        cold_decade = got["decade_cold"]
        self.add(
            Row(
                "`GET /api/trends` 10 years, cache-cold (another period each request)",
                f"{fmt_ms(cold_decade.p50)} per call (p99 {fmt_ms(cold_decade.p99)})",
                "< 15 ms",
                self.time_ratio(cold_decade.p50),
                yes(cold_decade.p50 < 15 and not cold_decade.errors),
                cold_decade.cpu,
            )
        )
        if "pdf" in got:
            pdf = got["pdf"]
            self.add(
                Row(
                    "clinician PDF for a year",
                    f"{fmt_ms(pdf.p50)} per call (p99 {fmt_ms(pdf.p99)})",
                    "< 150 ms",
                    self.time_ratio(pdf.p50),
                    yes(pdf.p50 < 150 and not pdf.errors),
                    pdf.cpu,
                )
            )
        else:
            self.add(
                Row(
                    "clinician PDF for a year",
                    f"not available yet (HTTP {pdf_status})",
                    "< 150 ms",
                    "—",
                    "n/a",
                )
            )

    def soak(self, server: Server, cookie: str, mix: list[dict[str, Any]]) -> None:
        seconds = self.o.soak_seconds
        rounds = 6 if seconds >= 30 else 4
        requests = [{**spec, "weight": 2 if "put" in spec.get("kind", "") else 1} for spec in mix]
        self.log(f"{self.o.soak_connections} clients in flight for {seconds:.0f} s ...")
        soak = self.measure(
            server,
            requests,
            connections=self.o.soak_connections,
            cookies=[cookie],
            rounds=rounds,
            duration=seconds / rounds,
            warmup=max(2.0, seconds / 10),
            label="soak",
        )
        connected = soak.raw["connected"]
        stalled = soak.max > STALL_SECONDS * 1000 or soak.idle > 0
        ok = soak.errors == 0 and connected == self.o.soak_connections and not stalled
        self.add(
            Row(
                f"{self.o.soak_connections} clients in flight for {seconds:.0f} s "
                "(check-in PUT, month, trends)",
                f"{connected} connected, {soak.errors} errors, {fmt_rps(soak.rps)}, "
                f"p99 {fmt_ms(soak.p99)}, max {fmt_ms(soak.max)}",
                f"no error, no stall (max < {STALL_SECONDS:.0f} s)",
                self.ratio(soak.rps),
                yes(ok),
                soak.cpu,
            )
        )
        rss = [kb for kb in soak.rss_kb if kb]
        if rss:
            growth = (rss[-1] - rss[0]) / rss[0]
            self.add(
                Row(
                    "server RSS growth under 1 000 clients, after warm-up",
                    f"{rss[0] / 1024:.0f} → {rss[-1] / 1024:.0f} MiB ({growth:+.1%}; "
                    f"peak {max(rss) / 1024:.0f} MiB)",
                    "< 10 %",
                    "—",
                    yes(growth < 0.10),
                )
            )

    def web(self, server: Server) -> None:
        try:
            found = webload.first_load(server.url)
        except Exception as exc:  # the PWA is being written; report, don't stop the run
            found = {"available": False, "page_status": f"error {exc!r}"}
        self.data["web"] = found
        if not found["available"]:
            self.add(
                Row(
                    "web app first load (compressed)",
                    f"n/a (`/` answers {found['page_status']})",
                    "≤ 100 kB",
                    "—",
                    "n/a",
                )
            )
            return
        files = found["files"]
        uncompressed = [
            f["url"]
            for f in files
            if f["status"] == 200 and not f["encoding"] and f["bytes"] > 1024
        ]
        uncached = [
            f["url"]
            for f in files
            if f["status"] == 200
            and "max-age" not in f["cache_control"]
            and "immutable" not in f["cache_control"]
        ]
        detail = (
            f"{found['wire_bytes'] / 1000:.1f} kB in {len(files)} files "
            f"({found['bytes'] / 1000:.1f} kB uncompressed)"
        )
        if found["missing"]:
            detail += f"; missing: {', '.join(found['missing'][:5])}"
        self.add(
            Row(
                "web app first load (`/` and what it references), compressed",
                detail,
                "≤ 100 kB",
                "—",
                yes(found["wire_bytes"] <= 100_000),
            )
        )
        self.notes.append(
            "First load: files sent without compression (> 1 kB): "
            f"{', '.join(uncompressed) or 'none'}; without long-lived Cache-Control: "
            f"{', '.join(uncached) or 'none'}."
        )

    def servers(self, seed_path: Path, sessions: dict[str, dict[str, Any]]) -> None:
        cookie = sessions["writer"]["secret"]
        today = datetime.now(UTC).date()
        days = [(today - timedelta(days=n)).isoformat() for n in range(1, 366)]
        put = [{"kind": "put_entry", "path": "/api/entries/", "days": days}]
        # Every server runs at once (idle until its turn) and the client takes them in turn,
        # round after round: a drift in other jobs' load then hits every server alike.
        servers: dict[str, Server] = {}
        results: dict[str, dict[str, dict[str, Any]]] = {}
        try:
            for name in variants():
                slug = name.replace(" ", "-").replace("+", "-")
                db = copy_db(seed_path, self.work / f"servers-{slug}.sqlite3")
                try:
                    servers[name] = self.server(name, db).start()
                except RuntimeError as exc:
                    self.server_table.append([name, f"failed: {exc}", "", "", "", "", "", ""])
            self.log(f"server comparison, alternating rounds: {', '.join(servers)}")
            for load, requests, cookies in (("bare", None, []), ("put", put, [cookie])):
                plans = [
                    {
                        "port": server.port,
                        "connections": 32,
                        "rounds": self.o.server_rounds,
                        "duration": self.o.server_duration,
                        "warmup": 0.5,
                        "requests": requests or [{"kind": "get", "path": "/healthz"}],
                        "cookies": cookies,
                        "server_pid": server.pid,
                    }
                    for server in servers.values()
                ]
                outcome = self.client(plans)["plans"]
                for name, result in zip(servers, outcome, strict=True):
                    results.setdefault(name, {})[load] = result
        finally:
            for server in servers.values():
                server.stop()
        if not results:
            return
        med = statistics.median
        reference = next(iter(results))

        def rps(name: str, load: str) -> list[float]:
            return [r["rps"] for r in results[name][load]["rounds"]]

        for name, row in results.items():
            bare, put_r = row["bare"]["rounds"], row["put"]["rounds"]
            vs_bare = med(
                b / a for a, b in zip(rps(reference, "bare"), rps(name, "bare"), strict=True)
            )
            vs_put = med(
                b / a for a, b in zip(rps(reference, "put"), rps(name, "put"), strict=True)
            )
            self.server_table.append(
                [
                    name,
                    fmt_rps(med(r["rps"] for r in bare)),
                    f"{vs_bare:.2f}x",
                    fmt_rps(med(r["rps"] for r in put_r)),
                    f"{vs_put:.2f}x",
                    f"{fmt_ms(med(r['p50_ms'] for r in put_r))} / "
                    f"{fmt_ms(med(r['p99_ms'] for r in put_r))}",
                    f"{med(r['rps'] for r in put_r) / med(r['rps'] for r in bare):.0%}",
                    f"{max(r['client_cpu'] for r in bare + put_r):.0%}",
                ]
            )
        self.data["servers"] = results

    def crash(self, seed_path: Path, sessions: dict[str, dict[str, Any]]) -> None:
        db = copy_db(seed_path, self.work / "crash.sqlite3")
        today = datetime.now(UTC).date()
        days = [(today - timedelta(days=n)).isoformat() for n in range(1, 366)]
        self.log(f"{self.o.crash_rounds} crash rounds (SIGKILL under write load) ...")
        result = crash.crash_rounds(
            lambda: self.server(MAIN_SERVER, db),
            sessions["patient"]["secret"],
            days,
            self.o.crash_rounds,
            log=self.log,
        )
        self.data["crash"] = result
        self.add(
            Row(
                f"crash rounds: SIGKILL under 32 writing clients, {result['rounds']} rounds",
                f"{result['acked']} acknowledged writes ({result['edits']} edits), "
                f"{result['lost']} lost, {result['failed_rounds']} failed rounds",
                "0 acknowledged writes lost",
                "—",
                yes(result["lost"] == 0 and result["rounds"] == self.o.crash_rounds),
            )
        )
        for problem in result["problems"][:5]:
            self.notes.append(f"Crash: {problem}")

    def scale(self) -> None:
        users, days = self.o.scale_users, self.o.scale_days
        big = self.scale_file(users, days)
        small = self.scale_file(1, days)
        self.add(
            Row(
                f"seed {users} users x {days} days in one file",
                f"{big['seconds']:.0f} s, {big['bytes'] / 1e6:.0f} MB, "
                f"{big['records']:,} records".replace(",", " ")
                + (" (cached seed)" if big.get("cached") else ""),
                "— (reported)",
                "—",
                "—",
            )
        )
        end = datetime.now(UTC).date() - timedelta(days=1)
        span = f"from={(end - timedelta(days=364)).isoformat()}&to={end.isoformat()}"
        trends = [{"path": f"/api/trends?{span}"}]
        put_days = [(end - timedelta(days=n)).isoformat() for n in range(365)]
        put = [{"kind": "put_entry", "path": "/api/entries/", "days": put_days}]
        got: dict[str, dict[str, Measure]] = {}
        for label, meta in (("single", small), ("scale", big)):
            sessions = json.loads(Path(str(meta["path"]) + ".sessions.json").read_text())
            step = max(1, len(sessions) // 32)
            cookies = [s["secret"] for s in sessions[::step]][:32]
            self.log(f"scale: {label} file ({len(sessions)} users), copying ...")
            with self.running(MAIN_SERVER, meta["path"], f"scale-{label}.sqlite3") as server:
                got[label] = {
                    "trends": self.measure(
                        server, trends, cookies=cookies, label=f"scale {label} trends"
                    ),
                    "trends1": self.measure(
                        server,
                        trends,
                        connections=1,
                        cookies=cookies[:1],
                        label=f"scale {label} trends@1",
                    ),
                    "put": self.measure(server, put, cookies=cookies, label=f"scale {label} put"),
                }
        with contextlib.suppress(OSError):
            (self.work / "scale-scale.sqlite3").unlink()
        for key, title in (
            ("trends", "per-user `GET /api/trends` a year, 32 users"),
            ("put", "entry `PUT`, 32 users"),
        ):
            one, many = got["single"][key], got["scale"][key]
            slower = one.rps / many.rps
            self.add(
                Row(
                    f"{users} users x 1 year vs one user: {title}",
                    f"{fmt_rps(many.rps)} vs {fmt_rps(one.rps)} → {slower:.2f}x slower",
                    "≤ 1.5x",
                    "—",
                    yes(slower <= 1.5),
                    many.cpu,
                )
            )
        one, many = got["single"]["trends1"], got["scale"]["trends1"]
        self.add(
            Row(
                f"{users} users x 1 year vs one user: trends time per call",
                f"{fmt_ms(many.p50)} vs {fmt_ms(one.p50)} → {many.p50 / one.p50:.2f}x",
                "≤ 1.5x",
                "—",
                yes(many.p50 / one.p50 <= 1.5),
                many.cpu,
            )
        )

    def scale_file(self, users: int, days: int) -> dict[str, Any]:
        path = RESULTS / f"scale-{users}x{days}.sqlite3"
        meta_path = Path(str(path) + ".meta.json")
        if path.exists() and meta_path.exists() and not self.o.reseed:
            meta: dict[str, Any] = json.loads(meta_path.read_text())
            meta["cached"] = True
            return meta
        self.log(f"seeding {users} users x {days} days (a separate process on core {CLIENT_CORE})")
        done = subprocess.run(
            [
                "taskset",
                "-c",
                CLIENT_CORE,
                PYTHON,
                "-m",
                "bench.seed",
                "--users",
                str(users),
                "--days",
                str(days),
                "--db",
                str(path),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT.parent,
            check=True,
        )
        self.log(done.stdout.strip())
        meta = json.loads(meta_path.read_text())
        return meta

    # --- report -------------------------------------------------------------------------------

    def environment(self) -> str:
        def ver(name: str) -> str:
            try:
                return version(name)
            except PackageNotFoundError:
                return "—"

        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.machine(),
        )
        others = [m.get("other_cpu", 0) for m in self.data.get("measures", {}).values()]
        clients = [m.get("client_cpu", 0) for m in self.data.get("measures", {}).values()]
        text = (
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {'`--quick`' if self.o.quick else 'full run'}"
            f"; {os.cpu_count()} x {cpu}; Python {platform.python_version()}, litestar "
            f"{ver('litestar')}, msgspec {ver('msgspec')}, uvicorn {ver('uvicorn')}, granian "
            f"{ver('granian')}, uvloop {ver('uvloop')}, httptools {ver('httptools')}. Server on "
            f"core 0, load client on core {CLIENT_CORE} (nice {self.o.renice}); medians of "
            f"{self.o.rounds} x {self.o.duration:g} s after {self.o.warmup:g} s warm-up."
        )
        if clients:
            text += f" Load client CPU: at most {max(clients):.0%} of its core."
        if others and max(others) >= 0.15:
            text += (
                f" Other jobs on the machine used up to {max(others):.1f} cores during "
                "the run: figures are lower than on an idle machine."
            )
        return text

    def report(self) -> str:
        lines = [
            "# Waypoint benchmark",
            "",
            self.environment(),
            "",
            "| measure | figure | target | ratio to bare | met? | CPU (client, server) |",
            "|---|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(row.cells()) + " |" for row in self.rows]
        if self.server_table:
            lines += [
                "",
                "## ASGI servers (bare `GET /healthz` and entry `PUT`, 32 connections)",
                "",
                "| server | bare | vs waypoint serve | entry PUT | vs waypoint serve "
                "| PUT p50 / p99 | PUT / bare | client CPU |",
                "|---|---|---|---|---|---|---|---|",
            ]
            lines += ["| " + " | ".join(cells) + " |" for cells in self.server_table]
        if self.notes:
            lines += ["", "## Notes", ""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def run(self) -> int:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {int(CLIENT_CORE)})
        seed_path, sessions = self.seed()
        if "main" in self.o.sections:
            self.main(seed_path, sessions)
        if "servers" in self.o.sections:
            self.servers(seed_path, sessions)
        if "crash" in self.o.sections:
            self.crash(seed_path, sessions)
        if "scale" in self.o.sections:
            self.scale()
        if "postgres" in self.o.sections:
            postgres.postgres(self, seed_path, sessions)
        text = self.report()
        self.o.out.parent.mkdir(parents=True, exist_ok=True)
        self.o.out.write_text(text, encoding="utf-8")
        self.o.out.with_suffix(".json").write_text(json.dumps(self.data, indent=1, default=str))
        print()
        for row in self.rows:
            print(" | ".join(row.cells()[:5]))
        print()
        print(text)
        self.log(f"wrote {self.o.out} in {time.perf_counter() - self.started:.0f} s")
        return 0


def _merge(dicts: Any) -> dict[str, int]:
    merged: dict[str, int] = {}
    for each in dicts:
        for key, value in each.items():
            merged[key] = merged.get(key, 0) + value
    return merged


def _status(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": f"waypoint_session={cookie}"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a ~2-minute smoke run: short rounds, fewer crash rounds, 1 000-user scale file",
    )
    parser.add_argument(
        "--only",
        help="comma-separated sections: main, soak, web, servers, "
        "crash, scale, postgres (soak and web run inside main)",
    )
    parser.add_argument("--skip", help="comma-separated sections to leave out")
    parser.add_argument("--rounds", type=int, help="measured rounds per figure (3; quick 1)")
    parser.add_argument("--duration", type=float, help="seconds per round (5; quick 2)")
    parser.add_argument("--soak-seconds", type=float, help="1 000-client run length (60; quick 10)")
    parser.add_argument("--soak-connections", type=int, default=1000)
    parser.add_argument("--crash-rounds", type=int, help="SIGKILL rounds (50; quick 10)")
    parser.add_argument(
        "--scale-users", type=int, help="users in the scale file (10000; quick 1000)"
    )
    parser.add_argument("--scale-days", type=int, default=365)
    parser.add_argument("--reseed", action="store_true", help="rebuild the cached scale files")
    parser.add_argument(
        "--nice",
        type=int,
        default=-10 if os.geteuid() == 0 else 0,
        help="niceness of server and client (root default -20: ahead of "
        "other jobs on a shared machine; 0 to leave it)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.md")
    args = parser.parse_args(argv)
    o = Options(
        quick=args.quick,
        reseed=args.reseed,
        renice=args.nice,
        out=args.out,
        soak_connections=args.soak_connections,
        scale_days=args.scale_days,
    )
    if args.quick:
        o.rounds, o.duration, o.warmup = 1, 2.0, 0.5
        o.soak_seconds, o.crash_rounds, o.scale_users = 10.0, 10, 1000
        o.server_rounds, o.server_duration = 1, 2.0
    o.rounds = args.rounds or o.rounds
    o.duration = args.duration or o.duration
    o.soak_seconds = args.soak_seconds or o.soak_seconds
    o.crash_rounds = args.crash_rounds if args.crash_rounds is not None else o.crash_rounds
    o.scale_users = args.scale_users or o.scale_users
    if args.only:
        o.sections = tuple(s.strip() for s in args.only.split(","))
        if {"soak", "web"} & set(o.sections):
            o.sections += ("main",)
    if args.skip:
        o.sections = tuple(s for s in o.sections if s not in args.skip.split(","))
    return o


def main(argv: list[str] | None = None) -> int:
    return Bench(parse(argv)).run()
