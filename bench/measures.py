"""The table of measures ``python -m bench`` runs against the main server, one row per line.

``LOADS`` names one load-client run each (what to ask, as which seeded user, over how many
connections); ``TARGETS`` is the report: one row per line with its name, DESIGN.md's target, the
load it reads and the function that turns that load's figures into the line. Two lines may read
one load (entry PUT throughput and its p99). To measure something new, add a row.
``POSTGRES_LOADS`` and ``POSTGRES_TARGETS`` are the same kind of table for the PostgreSQL
section, which runs it on three servers.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

STALL_SECONDS = 2.0  # a request slower than this counts as a stall in the 1 000-client run


def fmt_rps(value: float) -> str:
    return f"{value:,.0f} req/s".replace(",", " ")


def fmt_ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def yes(flag: bool) -> str:
    return "yes" if flag else "**NO**"


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
class Figures:
    """One load-client run: medians over its rounds (maxima for latency and client CPU)."""

    rps: float
    p50: float
    p99: float
    max: float
    errors: int
    statuses: dict[str, int]
    client_cpu: float
    server_cpu: float
    database_cpu: float  # PostgreSQL's processes (0 on SQLite: the engine is in the server)
    other_cpu: float
    rss_kb: list[int]
    idle: int
    connected: int
    rounds: list[dict[str, Any]]

    @classmethod
    def from_client(cls, result: dict[str, Any]) -> Figures:
        rounds = result["rounds"]
        med = statistics.median
        statuses: dict[str, int] = {}
        for each in rounds:
            for status, count in each["statuses"].items():
                statuses[status] = statuses.get(status, 0) + count
        return cls(
            rps=med(r["rps"] for r in rounds),
            p50=med(r["p50_ms"] for r in rounds),
            p99=med(r["p99_ms"] for r in rounds),
            max=result["max_latency_ms"],
            errors=sum(r["errors"] for r in rounds)
            + result["connect_errors"]
            + sum(result["request_errors"].values()),
            statuses=statuses,
            client_cpu=max(r["client_cpu"] for r in rounds),
            server_cpu=med(r.get("server_cpu", 0.0) for r in rounds),
            database_cpu=med(r.get("database_cpu", 0.0) for r in rounds),
            other_cpu=med(r["other_cpu"] for r in rounds),
            rss_kb=[r.get("server_rss_kb", 0) for r in rounds],
            idle=max(r["idle_connections"] for r in rounds),
            connected=result["connected"],
            rounds=rounds,
        )

    @property
    def cpu(self) -> str:
        text = f"client {self.client_cpu:.0%}, server {self.server_cpu:.0%}"
        if self.database_cpu:
            text += f", PostgreSQL {self.database_cpu:.0%}"
        if self.other_cpu >= 0.15:
            text += f", other jobs {self.other_cpu:.1f} cores"
        return text


@dataclass
class Bare:
    """The reference every line is compared with: ``GET /healthz`` on the same server."""

    rps: float  # 32 connections, the median of every round before and after the other loads
    ms: float  # one connection, p50: the time of a call that does nothing

    @classmethod
    def of(cls, got: dict[str, Figures]) -> Bare:
        """From a run of the loads: throughput is the median of every round of ``bare@32``
        and ``bare@32 after``; time per call is ``bare@1``'s, when the run had it."""
        rounds = [r["rps"] for k in ("bare@32", "bare@32 after") for r in got[k].rounds]
        return cls(statistics.median(rounds), got["bare@1"].p50 if "bare@1" in got else 0.0)

    def share(self, rps: float) -> float:
        return rps / self.rps if self.rps else 0.0

    def ratio(self, rps: float) -> str:
        return f"{self.share(rps):.0%}" if self.rps else "—"

    def time_ratio(self, ms: float) -> str:
        return f"{ms / self.ms:.0f}x bare call" if self.ms else "—"


@dataclass(frozen=True)
class Days:
    """The calendar the loads ask about: the patient's today (New York), the decade user's
    (Berlin: the seeded time zones)."""

    today: date
    decade_today: date

    @classmethod
    def now(cls) -> Days:
        now = datetime.now(UTC)
        return cls(
            now.astimezone(ZoneInfo("America/New_York")).date(),
            now.astimezone(ZoneInfo("Europe/Berlin")).date(),
        )

    def span(self, days: int, end: date | None = None) -> str:
        last = end or self.today
        return f"from={(last - timedelta(days=days - 1)).isoformat()}&to={last.isoformat()}"


Requests = Callable[[Days], list[dict[str, Any]]]
# 32 seeded accounts with no history: one per connection, as many people checking in at once.
WRITERS = tuple(f"writer{n:02d}" for n in range(32))


@dataclass(frozen=True)
class Load:
    requests: Requests
    # Whose session cookie: one account, or one per connection in turn (None: no cookie).
    account: str | tuple[str, ...] | None = "patient"
    connections: int = 32
    encoding: str = ""  # Accept-Encoding

    def cookies(self, secrets: dict[str, str]) -> list[str]:
        """The session secrets the load client sends (connection i sends the i-th, in turn)."""
        if self.account is None:
            return []
        names = (self.account,) if isinstance(self.account, str) else self.account
        return [secrets[name] for name in names]


def one(path: Callable[[Days], str]) -> Requests:
    return lambda days: [{"path": path(days)}]


def cold(path: Callable[[Days, int], str]) -> Requests:
    """Another period on every request (1 000 different end days): no cache can answer."""
    return lambda days: [{"path": "", "paths": [path(days, n) for n in range(1000)]}]


def new_checkins(days: Days) -> list[dict[str, Any]]:
    """A new check-in per request, on one of the last 365 days."""
    recent = [(days.today - timedelta(days=n)).isoformat() for n in range(365)]
    return [{"kind": "put_entry", "path": "/api/entries/", "days": recent}]


def year_of_trends(days: Days) -> str:
    return f"/api/trends?{days.span(365)}"


def decade_of_trends(days: Days) -> str:
    return f"/api/trends?{days.span(3650, days.decade_today)}"


# Run in this order: bare first and last, so drift in other jobs' load shows in the reference.
LOADS: dict[str, Load] = {
    "bare@32": Load(one(lambda _: "/healthz"), account=None),
    "bare@1": Load(one(lambda _: "/healthz"), account=None, connections=1),
    "entries month": Load(one(lambda d: f"/api/entries?{d.span(30)}")),
    "entries 90d": Load(one(lambda d: f"/api/entries?{d.span(90)}")),
    "trends year": Load(one(year_of_trends)),
    "trends 10y@1": Load(one(decade_of_trends), account="decade", connections=1),
    "trends cold": Load(
        cold(lambda d, n: f"/api/trends?{d.span(365, d.today - timedelta(days=n))}")
    ),
    "trends 10y@1 cold": Load(
        cold(lambda d, n: f"/api/trends?{d.span(3650, d.decade_today - timedelta(days=n))}"),
        account="decade",
        connections=1,
    ),
    "trends year gzip": Load(one(year_of_trends), encoding="gzip, deflate, br"),
    "pdf year@1": Load(one(lambda d: f"/api/export/report.pdf?{d.span(365)}"), connections=1),
    "entry put@32": Load(new_checkins, account="writer"),
    "bare@32 after": Load(one(lambda _: "/healthz"), account=None),
}

Judge = Callable[[Figures, Bare], tuple[str, str, str]]  # -> figure, ratio to bare, met?


def throughput(minimum: float | None, share: float | None = None, status: str = "") -> Judge:
    """req/s at or above ``minimum`` (and ``share`` of bare), with no error (and some
    ``status`` answers); ``minimum=None`` reports the figure without a target."""

    def judge(f: Figures, bare: Bare) -> tuple[str, str, str]:
        figure = f"{fmt_rps(f.rps)} (p50 {fmt_ms(f.p50)}, p99 {fmt_ms(f.p99)})"
        ok = f.errors == 0 and (not status or f.statuses.get(status, 0) > 0)
        if not ok:
            figure += f" — errors {f.errors}, statuses {f.statuses}"
        if minimum is None:
            return figure, bare.ratio(f.rps), "—" if ok else "**errors**"
        met = ok and f.rps >= minimum and (share is None or bare.share(f.rps) >= share)
        return figure, bare.ratio(f.rps), yes(met)

    return judge


def time_per_call(limit_ms: float) -> Judge:
    def judge(f: Figures, bare: Bare) -> tuple[str, str, str]:
        figure = f"{fmt_ms(f.p50)} per call (p99 {fmt_ms(f.p99)})"
        return figure, bare.time_ratio(f.p50), yes(f.p50 < limit_ms and not f.errors)

    return judge


def p99_below(limit_ms: float) -> Judge:
    return lambda f, _: (fmt_ms(f.p99), "—", yes(f.p99 < limit_ms))


def bare_throughput(f: Figures, bare: Bare) -> tuple[str, str, str]:
    return f"{fmt_rps(bare.rps)} (p50 {fmt_ms(f.p50)}, p99 {fmt_ms(f.p99)})", "100%", "—"


def bare_time(f: Figures, _: Bare) -> tuple[str, str, str]:
    return fmt_ms(f.p50), "1x bare call", "—"


@dataclass(frozen=True)
class Target:
    name: str
    target: str
    load: str  # a key of LOADS
    judge: Judge


TRENDS = "`GET /api/trends`"
TARGETS = [
    Target("bare `GET /healthz`, 32 connections", "reference", "bare@32", bare_throughput),
    Target("bare `GET /healthz`, 1 connection (time per call)", "reference", "bare@1", bare_time),
    Target(
        "authenticated entry `PUT`, 32 connections",
        "≥ 6 000 req/s and ≥ 50 % of bare",
        "entry put@32",
        throughput(6000, share=0.5, status="201"),
    ),
    Target("entry `PUT` p99, 32 connections", "< 10 ms", "entry put@32", p99_below(10)),
    Target(
        "`GET /api/entries` a month (30 days)", "≥ 3 000 req/s", "entries month", throughput(3000)
    ),
    Target("`GET /api/entries` 90 days", "— (reported)", "entries 90d", throughput(None)),
    Target(f"{TRENDS} a year", "≥ 4 000 req/s", "trends year", throughput(4000)),
    Target(
        f"{TRENDS} a year, cache-cold (another period each request)",
        "≥ 4 000 req/s",
        "trends cold",
        throughput(4000),
    ),
    Target(
        f"{TRENDS} a year as a browser asks (`Accept-Encoding: gzip, deflate, br`)",
        "≥ 4 000 req/s",
        "trends year gzip",
        throughput(4000),
    ),
    Target(
        f"{TRENDS} 10 years daily, 200 treatments, 250 questionnaires",
        "< 15 ms",
        "trends 10y@1",
        time_per_call(15),
    ),
    Target(
        f"{TRENDS} 10 years, cache-cold (another period each request)",
        "< 15 ms",
        "trends 10y@1 cold",
        time_per_call(15),
    ),
    Target("clinician PDF for a year", "< 150 ms", "pdf year@1", time_per_call(150)),
]


# The PostgreSQL section (bench/postgres.py, ``--only postgres``) runs these loads on each of
# its three servers — SQLite with one process, PostgreSQL with one and with two worker
# processes — and writes these rows for each, named after the server. Each row's figure carries
# its p50 and p99.
POSTGRES_LOADS: dict[str, Load] = {
    "bare@32": LOADS["bare@32"],
    "entry put@32": LOADS["entry put@32"],
    # On PostgreSQL one account's writes are serialised on its row lock (the change counter):
    # many people checking in at once is the load several processes are for.
    "entry put@32 accounts": Load(new_checkins, account=WRITERS),
    "entries month": LOADS["entries month"],
    "trends year": LOADS["trends year"],
    "bare@32 after": LOADS["bare@32 after"],
}
REPORTED = "— (reported)"
POSTGRES_TARGETS = [
    Target("bare `GET /healthz`, 32 connections", "reference", "bare@32", bare_throughput),
    Target(
        "entry `PUT`, one account, 32 connections",
        REPORTED,
        "entry put@32",
        throughput(None, status="201"),
    ),
    Target(
        "entry `PUT`, 32 accounts (one per connection)",
        REPORTED,
        "entry put@32 accounts",
        throughput(None, status="201"),
    ),
    Target("`GET /api/entries` a month (30 days)", REPORTED, "entries month", throughput(None)),
    Target(f"{TRENDS} a year", REPORTED, "trends year", throughput(None)),
]
