"""What encrypting journal text costs: the app before encryption against the app as it is, in
the same run, alternating, in-process (no sockets), CPU time per request.

"Before" is the code of another revision (default: the commit this branch started from),
unpacked with ``git archive`` into a temporary directory and imported from there in a child
process; "after" is this tree. Each child builds the same account through the API (a year of
daily check-ins with notes and tags, treatments with clinic, notes and side effects, PHQ-9 and
GAD-7 every two weeks), then measures:

- ``put``: a new check-in with a note and a tag (the encrypting write), one at a time (each
  pays its own fsync); ``put-32``: the same with 32 in flight (commits shared, so the sealing
  weighs more);
- ``trends``: a year of trends, the same period each time (answered from the cache);
- ``trends-cold``: a year of trends for another period on every request (the computation);
- ``month``: 30 days of check-ins (the decrypting read).

    python -m bench.encryption                 # 5 rounds each side
    python -m bench.encryption --base c054bf4 --rounds 3 --count 3000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOADS = ("put", "put-32", "trends", "trends-cold", "month")
CONCURRENT = 32  # put-32: writes in flight together, so commits are shared (as bench/ does)
DEFAULT_BASE = "c054bf4"  # the last commit before journal text was encrypted


class Asgi:
    """Drives an ASGI app in-process; counts statuses.

    Like ``bench/inproc.py``'s driver, on purpose a copy: the worker runs this file as a script
    with only the tree under test (api/, guides/, pwa/ of a git revision) on PYTHONPATH, so it
    cannot import the rest of bench/ (which imports the current tree's api).
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cookie = b""
        self.statuses: dict[int, int] = {}

    async def call(self, method: str, path: str, query: str = "", body: bytes = b"") -> bytes:
        headers = [(b"host", b"127.0.0.1"), (b"user-agent", b"bench")]
        if self.cookie:
            headers.append((b"cookie", self.cookie))
        if body:
            headers += [(b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())]  # fmt: skip
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": query.encode(), "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {},
        }  # fmt: skip
        sent, chunks = False, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.statuses[message["status"]] = self.statuses.get(message["status"], 0) + 1
                for name, value in message.get("headers", []):
                    if name == b"set-cookie" and value.startswith(b"waypoint_session="):
                        self.cookie = value.split(b";")[0]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return b"".join(chunks)


def entry(day: date, n: int) -> bytes:
    fields = {"day": day.isoformat(), "mood": n % 11, "anxiety": 3, "sleep_hours": 7.5,
              "tags": ["walk", "therapy"], "note": f"check-in {n}: slept, walked"}  # fmt: skip
    return json.dumps(fields).encode()


async def build_year(client: Asgi, today: date, username: str) -> None:
    account = {"username": username, "password": "bench-pass-1"}
    await client.call("POST", "/api/account", body=json.dumps(account).encode())
    for n in range(365):
        day = today - timedelta(days=364 - n)
        await client.call("PUT", f"/api/entries/{uuid.uuid4()}", body=entry(day, n))
        if n % 18 == 0:
            body = {"at": f"{day.isoformat()}T10:00:00+00:00", "kind": "iv_infusion",
                    "status": "done", "dose_mg": 35.0, "clinic": "Riverside clinic",
                    "notes": "calm session", "side_effects": ["nausea", "dizzy"]}  # fmt: skip
            await client.call(
                "PUT", f"/api/treatments/{uuid.uuid4()}", body=json.dumps(body).encode()
            )
        if n % 14 == 0:
            body = {"instrument": "phq9", "answers": [1, 2, 1, 1, 0, 1, 2, 1, 0],
                    "taken_at": f"{day.isoformat()}T19:00:00+00:00"}  # fmt: skip
            await client.call(
                "PUT", f"/api/assessments/{uuid.uuid4()}", body=json.dumps(body).encode()
            )


async def worker(db_path: Path, count: int) -> dict[str, float]:
    from api.app import create_app
    from api.settings import Settings

    app = create_app(Settings(db_path=db_path, log_level="WARNING"))
    today = datetime.now(UTC).date()
    year = f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"
    month = f"from={(today - timedelta(days=29)).isoformat()}&to={today.isoformat()}"
    results = {}
    async with app.lifespan():
        client, writer = Asgi(app), Asgi(app)
        await build_year(client, today, "patient")
        # Writes go to another account, so the reads keep reading the same year (as bench/ does).
        account = b'{"username":"writer","password":"pw-12345678"}'
        await writer.call("POST", "/api/account", body=account)
        counter = iter(range(10**9))

        def request(load: str) -> tuple[str, str, str, bytes]:
            n = next(counter)
            if load.startswith("put"):
                day = today - timedelta(days=n % 365)
                return "PUT", f"/api/entries/{uuid.uuid4()}", "", entry(day, n)
            if load == "trends-cold":  # another end day each time: the cache cannot answer
                end = today - timedelta(days=n % 1000)
                start = end - timedelta(days=364)
                return "GET", "/api/trends", f"from={start}&to={end}", b""
            return "GET", "/api/trends" if load == "trends" else "/api/entries", (
                year if load == "trends" else month), b""  # fmt: skip

        for load in LOADS:
            runs = count if load != "trends-cold" else max(count // 10, 100)
            who = writer if load.startswith("put") else client
            lanes = CONCURRENT if load == "put-32" else 1

            async def lane(n: int, load: str = load, who: Asgi = who) -> None:
                for _ in range(n):
                    await who.call(*request(load))

            await asyncio.gather(*(lane(min(runs, 200) // lanes) for _ in range(lanes)))  # warm-up
            cpu = time.process_time()
            await asyncio.gather(*(lane(runs // lanes) for _ in range(lanes)))
            results[load] = (time.process_time() - cpu) / (runs // lanes * lanes) * 1e6
        statuses = [*client.statuses.items(), *writer.statuses.items()]
        bad = {status: n for status, n in statuses if status >= 400}
        assert not bad, f"errors while measuring: {bad}"
    return results


def unpack(revision: str, target: Path) -> Path:
    """The ``api`` package of another revision, in ``target`` (git archive; no worktree)."""
    target.mkdir(parents=True, exist_ok=True)
    archive = target / "api.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", revision, "api", "guides", "pwa"],
                       stdout=out, check=True)  # fmt: skip
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def run_side(tree: Path, work: Path, count: int) -> dict[str, float]:
    db = work / f"side-{uuid.uuid4().hex[:8]}.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), "--worker", str(db), "--count", str(count)],
        env=env, cwd=tree, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.encryption", description=__doc__)
    parser.add_argument("--base", default=DEFAULT_BASE, help="the revision before encryption")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        import api

        assert Path(api.__file__).resolve().is_relative_to(Path.cwd().resolve()), api.__file__
        print(json.dumps(asyncio.run(worker(args.worker, args.count))))
        return 0
    with tempfile.TemporaryDirectory(prefix="waypoint-enc-") as temp:
        work = Path(temp)
        before = unpack(args.base, work / "before")
        sides: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for number in range(args.rounds):
            for side, tree in (("before", before), ("after", ROOT)):
                sides[side].append(run_side(tree, work, args.count))
            print(f"round {number + 1}: " + ", ".join(
                f"{side} {load} {sides[side][-1][load]:.0f} µs" for side in sides for load in LOADS
            ), flush=True)  # fmt: skip
    # "change" is the median of each round's after/before ratio: the two sides of a round run
    # back to back, so a slow spell of a shared machine weighs on both.
    print(f"\n| load | before ({args.base}) | after (this tree) | change |\n|---|---|---|---|")
    for load in LOADS:
        b = statistics.median(r[load] for r in sides["before"])
        a = statistics.median(r[load] for r in sides["after"])
        ratios = [x[load] / y[load] for x, y in zip(sides["after"], sides["before"], strict=True)]
        change = (statistics.median(ratios) - 1) * 100
        print(f"| {load} | {b:.0f} µs CPU | {a:.0f} µs CPU | {change:+.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
