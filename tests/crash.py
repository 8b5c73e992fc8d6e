"""The crash harness: write under load, SIGKILL the server, check every acknowledged write survived.

``crash_rounds`` is shared by ``tests/test_crash_safety.py`` (10 rounds, 8 writers) and ``python -m
bench`` (50 rounds, 32 writers); like ``tests/server.py`` it imports neither pytest nor
Playwright. Every check returns a list of problems (empty when all is well), so a test asserts
the list is empty and the benchmark reports how many there were.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from api.store import keys, records
from tests.server import ServerError, ServerProcess

DELETED = None  # the ledger's content of a deleted check-in
Content = dict[str, Any] | None


@dataclass
class Ledger:
    """What the clients know about every check-in they wrote.

    ``acked`` holds the content of the last write the server acknowledged for each id (``DELETED``
    after an acknowledged delete). ``in_flight`` holds a write that was sent but never answered
    because the server died: it may or may not have been applied, so both outcomes are allowed.
    ``refused`` lists writes the server answered with anything but a 2xx (a bug: every writer
    touches only its own check-ins, so every ``base_version`` is right).
    """

    acked: dict[str, Content] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    in_flight: dict[str, Content] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    acknowledged_writes: int = 0

    def allowed(self, record_id: str) -> list[Content]:
        """The states the server may hold for an id: acknowledged, or an unanswered write."""
        states: list[Content] = [self.acked[record_id]] if record_id in self.acked else [DELETED]
        if record_id in self.in_flight:
            states.append(self.in_flight[record_id])
        return states

    def ids(self) -> set[str]:
        return set(self.acked) | set(self.in_flight)

    def problem(self, record_id: str, found: Content) -> str | None:
        """Why ``found`` (stored content; ``DELETED`` when absent) breaks the ledger, if it does."""
        allowed = self.allowed(record_id)
        if found is DELETED:
            return None if DELETED in allowed else f"acknowledged check-in {record_id} is missing"
        if any(state is not DELETED and content_of(found, state) == state for state in allowed):
            return None
        return f"check-in {record_id} holds {found}, expected one of {allowed}"


def random_entry(rng: random.Random, label: str) -> dict[str, Any]:
    return {
        "day": (date(2025, 1, 1) + timedelta(days=rng.randrange(365))).isoformat(),
        "mood": rng.randint(0, 10),
        "tags": [rng.choice(["walk", "infusion", "therapy", "tired"])],
        "note": f"{label}: " + "".join(rng.choices("abcdefgh ", k=rng.randint(1, 200))),
    }


def content_of(stored: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """The fields a client sent, as the server holds them (a GET body or the stored JSON)."""
    return {key: stored.get(key) for key in sent}


def writer_request(
    client: httpx.AsyncClient, ledger: Ledger, rng: random.Random, mine: list[str], label: str
) -> tuple[str, Content, httpx.Request]:
    """The next write of one writer: a new check-in (mostly), an edit, or a delete of its own."""
    body = random_entry(rng, label)
    roll = rng.random()
    if not mine or roll < 0.7:
        record_id = str(uuid.uuid4())
        return record_id, body, client.build_request("PUT", f"/api/entries/{record_id}", json=body)
    if roll < 0.9:
        record_id = rng.choice(mine)
        edit = {**body, "base_version": ledger.versions[record_id]}
        return record_id, body, client.build_request("PUT", f"/api/entries/{record_id}", json=edit)
    record_id = mine.pop(rng.randrange(len(mine)))
    params = {"base_version": ledger.versions[record_id]}
    return (
        record_id,
        DELETED,
        client.build_request("DELETE", f"/api/entries/{record_id}", params=params),
    )


async def write_until_stopped(
    client: httpx.AsyncClient,
    ledger: Ledger,
    rng: random.Random,
    writer: int,
    *,
    creates_only: bool = False,
    stop: asyncio.Event | None = None,
) -> None:
    """Write this writer's own check-ins until the server goes away (or ``stop`` is set)."""
    mine: list[str] = []
    count = 0
    while stop is None or not stop.is_set():
        count += 1
        label = f"writer {writer} write {count}"
        record_id, content, request = writer_request(
            client, ledger, rng, [] if creates_only else mine, label
        )
        ledger.in_flight[record_id] = content
        try:
            response = await client.send(request)
        except httpx.TransportError:
            return  # the server died; this write stays in flight
        if not response.is_success:
            ledger.refused.append(f"{request.method} {request.url.path}: {response.status_code}")
            return
        del ledger.in_flight[record_id]
        ledger.acked[record_id] = content
        ledger.acknowledged_writes += 1
        if content is not DELETED:
            ledger.versions[record_id] = response.json()["version"]
            if record_id not in mine:
                mine.append(record_id)


def register_user(url: str, username: str, password: str) -> str:
    """Register a user over HTTP and return the session cookie."""
    response = httpx.post(url + "/api/account", json={"username": username, "password": password})
    if response.status_code != 201:
        raise ServerError(f"registration answered {response.status_code}: {response.text}")
    return response.cookies["waypoint_session"]


def session_client(url: str, cookie: str, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url,
        cookies={"waypoint_session": cookie},
        limits=httpx.Limits(max_connections=connections),
        timeout=10,
    )


async def check_through_api(client: httpx.AsyncClient, ledger: Ledger, ids: set[str]) -> list[str]:
    """GET each id; what the server answers that the ledger does not allow."""
    semaphore = asyncio.Semaphore(8)
    problems: list[str] = []

    async def check(record_id: str) -> None:
        async with semaphore:
            response = await client.get(f"/api/entries/{record_id}")
        if response.status_code not in (200, 404):
            problems.append(f"GET {record_id}: {response.status_code}")
            return
        found = response.json() if response.status_code == 200 else DELETED
        if (problem := ledger.problem(record_id, found)) is not None:
            problems.append(problem)

    async with asyncio.TaskGroup() as tasks:
        for record_id in ids:
            tasks.create_task(check(record_id))
    return problems


def check_database_file(path: Path, ledger: Ledger, url: str = "") -> list[str]:
    """Read the file (or the PostgreSQL database at ``url``) directly, decrypting with the
    deployment's key file: what is not intact, or not what the ledger allows. PostgreSQL checks
    its own pages (WAL replay); we check the content."""
    integrity: list[Any] = [("ok",)]
    if url:
        from api.store.pg import PgConnection, connect

        raw = connect(url)
        try:
            pg: Any = PgConnection(raw)  # the store's SQL runs on it as on sqlite3 (store/pg.py)
            keyring = keys.Keyring(keys.read_key_file(keys.default_key_file(path)))
            found = records.as_stored(pg, keyring, "entry")
        finally:
            raw.close()
    else:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchall()
            found = records.as_stored(conn, keys.offline_keyring(conn, path), "entry")
        finally:
            conn.close()
    rows = [(record_id, data is None, data) for record_id, _, data in found]
    problems = [] if integrity == [("ok",)] else [f"integrity_check: {integrity}"]
    stored = {
        record_id: DELETED if deleted else json.loads(data) for record_id, deleted, data in rows
    }
    problems += [f"{record_id}: nobody wrote it" for record_id in set(stored) - ledger.ids()]
    for record_id in ledger.ids():
        if (problem := ledger.problem(record_id, stored.get(record_id, DELETED))) is not None:
            problems.append(problem)
    return problems


@dataclass
class CrashReport:
    ledger: Ledger
    rounds: int = 0
    new_checkins_per_round: list[int] = field(default_factory=list)
    acknowledged_writes: int = 0
    problems: list[str] = field(default_factory=list)


async def crash_rounds(
    server: ServerProcess,
    cookie: str,
    rounds: int,
    *,
    writers: int = 8,
    kill_after: tuple[float, float] = (0.05, 0.6),
    progress: Callable[[str], None] | None = None,
    database_url: str = "",
) -> CrashReport:
    """Crash a running server under writes, ``rounds`` times; it is left running at the end.

    Each round, ``writers`` clients create, edit and delete their own check-ins over HTTP and the
    ledger records every write the server acknowledged; the server is SIGKILLed at a random moment
    in ``kill_after`` seconds, restarted on the same file (as an operator would after a crash), and
    every check-in of the round is read back through the API, then the whole file with sqlite3.
    SIGKILL loses the process but not the page cache: this proves the server acknowledges a write
    only after its COMMIT, not that the COMMIT reached the disk.
    """
    report = CrashReport(Ledger())
    ledger = report.ledger
    for number in range(rounds):
        rng = random.Random(f"crash round {number}")
        before, earlier_ids = len(ledger.acked), ledger.ids()
        async with (
            session_client(server.url, cookie, writers * 2) as client,
            asyncio.TaskGroup() as tasks,
        ):
            for n in range(writers):
                tasks.create_task(
                    write_until_stopped(client, ledger, random.Random(rng.random()), n)
                )
            await asyncio.sleep(rng.uniform(*kill_after))
            server.kill()
        report.rounds += 1
        report.new_checkins_per_round.append(len(ledger.acked) - before)
        server.start()
        async with session_client(server.url, cookie, writers * 2) as client:
            report.problems += await check_through_api(client, ledger, ledger.ids() - earlier_ids)
        report.problems += check_database_file(server.db_path, ledger, database_url)
        if progress is not None:
            progress(
                f"crash round {number + 1}/{rounds}: {ledger.acknowledged_writes} acknowledged"
                f" writes, {len(report.problems)} problems"
            )
    report.acknowledged_writes = ledger.acknowledged_writes
    report.problems += ledger.refused
    return report
