"""Profile the server under one benchmark load with py-spy (sampling; the server is not changed).

    python -m bench.profile trends          # GET /api/trends a year, 32 connections
    python -m bench.profile put --seconds 10 --top 40
    python -m bench.profile bare|month|ninety|decade|pdf|put|trends

Starts ``waypoint serve`` on core 0 on a fresh seeded file, drives it from core 1, records the
server with ``py-spy record --format raw`` and prints the functions with the most samples, by
own time and including callees, plus where the collapsed stacks and a flame graph were written
(bench/results/profile-<name>.txt: collapsed stacks for speedscope or flamegraph.pl).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from bench import seed
from bench.measures import LOADS, Days
from bench.servers import CLIENT_CORE, PYTHON, copy_db, pinned_server

RESULTS = Path(__file__).resolve().parent / "results"


# The profiler's loads are rows of the benchmark's table (bench/measures.py).
LOAD_NAMES = {
    "bare": "bare@32",
    "month": "entries month",
    "ninety": "entries 90d",
    "trends": "trends year",
    "decade": "trends 10y@1",
    "pdf": "pdf year@1",
    "put": "entry put@32",
}


def summarize(raw: Path, top: int) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples", "", "own time:"]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "including callees:"]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("load", choices=list(LOAD_NAMES))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--gil", action="store_true", help="only samples holding the GIL")
    parser.add_argument("--focus", help="also list the callees below frames containing this")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
    work = RESULTS / "work"
    seeded = seed.seed_bench(work / "profile-seed.sqlite3")
    sessions = {s["username"]: s["secret"] for s in seeded["sessions"]}
    load = LOADS[LOAD_NAMES[args.load]]
    days = Days.now()
    db = copy_db(work / "profile-seed.sqlite3", work / "profile.sqlite3")
    server = pinned_server(db, work / "profile-server.log")
    server.start()
    raw = RESULTS / f"profile-{args.load}.txt"
    plan = {"port": server.port, "connections": load.connections, "rounds": 1,
            "warmup": 1.0, "duration": args.seconds + 2, "requests": load.requests(days),
            "cookies": load.cookies(sessions),
            "server_pid": server.pid}  # fmt: skip
    outcome: dict[str, str] = {}

    def drive() -> None:
        done = subprocess.run(
            ["taskset", "-c", CLIENT_CORE, PYTHON, "-m", "bench.client", json.dumps(plan)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        outcome["client"] = done.stdout or done.stderr[-2000:]

    try:
        client = threading.Thread(target=drive)
        client.start()
        time.sleep(1.5)
        subprocess.run(
            ["taskset", "-c", CLIENT_CORE, py_spy, "record", "--pid", str(server.pid),
             "--duration", str(int(args.seconds)), "--rate", str(args.rate), "--format", "raw",
             "--output", str(raw), "--nonblocking", *(["--gil"] if args.gil else [])],
            check=True, capture_output=True,
        )  # fmt: skip
        client.join()
    finally:
        server.stop()
    result = json.loads(outcome["client"])["rounds"][0]
    print(f"{args.load}: {result['rps']:.0f} req/s under the profiler (p50 "
          f"{result['p50_ms']:.1f} ms), statuses {result['statuses']}")  # fmt: skip
    print(summarize(raw, args.top))
    print(f"\ncollapsed stacks: {raw}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
