"""``python -m bench``: measure the performance targets of DESIGN.md and print one line each.

The server runs as a real process on core 0, the load client on core 1 (``taskset``); every
figure is printed with its ratio to a bare endpoint (``GET /healthz``) measured on the same
server in the same run. What is measured is the table in ``bench/measures.py`` plus the sections
of ``bench/sections.py`` (1 000 clients, the web app's first load, crash rounds, the 10 000-user
file, PostgreSQL with one and two worker processes). See bench/README.md for the flags and what
each line measures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench import heavy_import, postgres, sections, seed
from bench.measures import (
    LOADS,
    STALL_SECONDS,
    TARGETS,
    WRITERS,
    Bare,
    Days,
    Figures,
    Load,
    Row,
    Target,
)
from bench.servers import CLIENT_CORE, PYTHON, copy_db, pinned, pinned_server
from tests.server import ServerProcess

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
# soak and web run inside main
SECTIONS = ("main", "soak", "web", "crash", "scale", "postgres", "import")


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
    renice: int = 0
    sections: tuple[str, ...] = SECTIONS
    out: Path = RESULTS / "latest.md"


class Bench:
    def __init__(self, options: Options) -> None:
        self.o = options
        self.rows: list[Row] = []
        self.tables: list[str] = []  # Markdown tables a section adds after the rows (summaries)
        self.data: dict[str, Any] = {"options": {k: str(v) for k, v in vars(options).items()}}
        self.notes: list[str] = []
        self.work = RESULTS / "work"
        self.work.mkdir(parents=True, exist_ok=True)
        self.bare = Bare(0.0, 0.0)
        self.started = time.perf_counter()

    # --- plumbing ------------------------------------------------------------------------------

    def log(self, message: str) -> None:
        print(
            f"[{time.perf_counter() - self.started:6.1f}s] {message}", file=sys.stderr, flush=True
        )

    def add(self, row: Row) -> None:
        self.rows.append(row)
        self.log(" | ".join(row.cells()))

    @contextlib.contextmanager
    def running(self, source: Path, copy_name: str) -> Iterator[ServerProcess]:
        db = copy_db(source, self.work / copy_name)
        server = pinned_server(db, db.with_suffix(".log"), self.o.renice)
        server.start()
        try:
            yield server
        finally:
            server.stop()

    def client(self, plan: dict[str, Any], timeout: float = 900) -> Any:
        plan_file = self.work / "plan.json"
        plan_file.write_text(json.dumps(plan))
        done = subprocess.run(
            [*pinned(CLIENT_CORE, self.o.renice), PYTHON, "-m", "bench.client", f"@{plan_file}"],
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
        server: ServerProcess,
        label: str,
        requests: list[dict[str, Any]],
        cookies: list[str],
        **plan: Any,
    ) -> Figures:
        """One load-client run; ``plan`` overrides connections, rounds, duration, warmup."""
        result = self.client(
            {
                "port": server.port,
                "connections": 32,
                "rounds": self.o.rounds,
                "duration": self.o.duration,
                "warmup": self.o.warmup,
                "requests": requests,
                "cookies": cookies,
                "server_pid": server.pid,
                "stall_seconds": STALL_SECONDS,
                **plan,
            }
        )
        figures = Figures.from_client(result)
        self.data.setdefault("measures", {})[label] = vars(figures)
        return figures

    # --- sections ------------------------------------------------------------------------------

    def seed(self) -> tuple[Path, dict[str, str]]:
        path = self.work / "seed.sqlite3"
        started = time.perf_counter()
        result = seed.seed_bench(path, writers=WRITERS)
        counts = ", ".join(
            f"{s['username']} {s['records']} records" for s in result["sessions"] if s["records"]
        )
        self.log(
            f"seeded {path.name} in {time.perf_counter() - started:.1f} s ({counts}; "
            f"{len(WRITERS)} accounts with no history)"
        )
        return path, {s["username"]: s["secret"] for s in result["sessions"]}

    def run_loads(
        self,
        server: ServerProcess,
        loads: dict[str, Load],
        cookies: dict[str, str],
        days: Days,
        prefix: str = "",
        **plan: Any,
    ) -> dict[str, Figures]:
        """Every load of a table on one server, in order (``prefix`` names them in the JSON)."""
        return {
            label: self.measure(
                server,
                prefix + label,
                load.requests(days),
                load.cookies(cookies),
                connections=load.connections,
                accept_encoding=load.encoding,
                **plan,
            )
            for label, load in loads.items()
        }

    def add_targets(self, targets: list[Target], got: dict[str, Figures], prefix: str = "") -> Bare:
        """One line per row of a table of targets, judged against the bare figures of the same
        run, which it returns."""
        bare = Bare.of(got)
        for target in targets:
            figures = got[target.load]
            figure, ratio, met = target.judge(figures, bare)
            self.add(Row(prefix + target.name, figure, target.target, ratio, met, figures.cpu))
        return bare

    def main(self, seed_path: Path, cookies: dict[str, str]) -> None:
        """Every load of ``LOADS`` on one server, then one line per row of ``TARGETS``."""
        days = Days.now()
        with self.running(seed_path, "main.sqlite3") as server:
            self.log(f"waypoint serve pid {server.pid} on {server.url}")
            got = self.run_loads(server, LOADS, cookies, days)
            self.bare = self.add_targets(TARGETS, got)
            if "soak" in self.o.sections:
                sections.soak(self, server, cookies, days)
            if "web" in self.o.sections:
                sections.web(self, server)

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
        measures = self.data.get("measures", {}).values()
        others = [m["other_cpu"] for m in measures]
        clients = [m["client_cpu"] for m in measures]
        text = (
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {'`--quick`' if self.o.quick else 'full run'}"
            f"; {os.cpu_count()} x {cpu}; Python {platform.python_version()}, litestar "
            f"{ver('litestar')}, msgspec {ver('msgspec')}, granian {ver('granian')}, uvloop "
            f"{ver('uvloop')}. Server on core 0, load client on core {CLIENT_CORE} (nice "
            f"{self.o.renice}); medians of {self.o.rounds} x {self.o.duration:g} s after "
            f"{self.o.warmup:g} s warm-up."
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
        for table in self.tables:
            lines += ["", table]
        if self.notes:
            lines += ["", "## Notes", ""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def run(self) -> int:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {int(CLIENT_CORE)})
        seed_path, cookies = self.seed()
        steps: dict[str, Callable[[Path, dict[str, str]], None]] = {
            "main": self.main,
            "crash": lambda path, cookies: sections.crash(self, path, cookies),
            "scale": lambda path, cookies: sections.scale(self, path, cookies),
            "postgres": lambda path, cookies: postgres.compare(self, path, cookies),
            "import": lambda path, cookies: heavy_import.heavy_import(self, path, cookies),
        }
        for name, step in steps.items():
            if name in self.o.sections:
                step(seed_path, cookies)
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


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a ~3-minute smoke run: short rounds, fewer crash rounds, 1 000-user scale file",
    )
    parser.add_argument(
        "--only", help=f"comma-separated sections: {', '.join(SECTIONS)} (soak, web need main)"
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
        help="niceness of server and client (root default -10: ahead of other jobs on a shared "
        "machine; 0 to leave it)",
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
