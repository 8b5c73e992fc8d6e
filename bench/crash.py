"""Crash rounds: write under load, SIGKILL the server, check every acknowledged write survived.

Each round starts ``waypoint serve`` on the same file (so every round after the first also
tests start-up after a crash), runs 32 connections of check-in PUTs (new check-ins, and edits
of acknowledged ones with ``base_version``), kills the process at a random moment, then opens
the file with sqlite3 (which recovers the WAL) and checks, for every write the server answered
200/201: the record exists with at least the acknowledged version, and when the version is the
same, with the acknowledged content. A write that was in flight when the process died may or
may not be there; an acknowledged one must be.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from api.store import keys, records
from bench.client import Connection, Load, Plan, RequestSpec, Response
from bench.servers import Server


class CrashLoad(Load):
    keep_bodies = True

    def __init__(self, plan: Plan, days: list[str]) -> None:
        super().__init__(plan)
        self.days = days
        self.acked: dict[str, tuple[int, dict[str, Any]]] = {}
        self.spec = RequestSpec(kind="put_entry", path="/api/entries/", days=days)

    def next_request(self, conn: Connection) -> tuple[bytes, Any]:
        cookie = self.cookie_headers[0]
        if self.acked and self.rng.random() < 0.3:  # an edit of an acknowledged check-in
            record_id = self.rng.choice(list(self.acked))
            version, fields = self.acked[record_id]
            fields = {**fields, "mood": self.rng.randint(1, 10), "note": f"edit {self.counter}"}
            self.counter += 1
            body = json.dumps({**fields, "base_version": version}).encode()
            return self.put(f"/api/entries/{record_id}", body, cookie), (record_id, fields)
        record_id, body = self.new_entry(self.spec)
        return self.put(f"/api/entries/{record_id}", body, cookie), (record_id, json.loads(body))

    def on_acked(self, meta: Any, response: Response) -> None:
        if response.status in (200, 201):
            record_id, fields = meta
            version = json.loads(response.body)["version"]
            known = self.acked.get(record_id)
            if known is None or known[0] < version:
                self.acked[record_id] = (version, fields)


async def _load_then_kill(load: CrashLoad, server: Server, kill_after: float) -> None:
    load.on_response = load.on_acked
    await load.connect()
    load.start()
    await asyncio.sleep(kill_after)
    server.kill()
    load.running = False
    await asyncio.sleep(0.05)
    for conn in load.connections:
        if conn.transport is not None:
            conn.transport.close()


def verify(db_path: Path, acked: dict[str, tuple[int, dict[str, Any]]]) -> list[str]:
    """The acknowledged writes missing or older in the file (empty when all survived)."""
    conn = sqlite3.connect(db_path)
    problems = []
    try:
        stored_rows = records.as_stored(conn, keys.offline_keyring(conn, db_path), "entry")
        by_id = {record_id: (version, data) for record_id, version, data in stored_rows}
        for record_id, (version, fields) in acked.items():
            row = by_id.get(record_id)
            if row is None or row[1] is None:
                problems.append(f"{record_id}: acknowledged version {version} is missing")
            elif row[0] < version:
                problems.append(f"{record_id}: version {row[0]} < acknowledged {version}")
            elif row[0] == version:
                stored = json.loads(row[1])
                if stored.get("mood") != fields["mood"] or stored.get("note") != fields["note"]:
                    problems.append(f"{record_id}: version {version} holds other content")
    finally:
        conn.close()
    return problems


def crash_rounds(
    make_server: Any, cookie: str, days: list[str], rounds: int, log: Any = print
) -> dict[str, Any]:
    """``make_server()`` returns a not-yet-started Server on the file to crash."""
    rng = random.Random(7)
    totals = {"rounds": 0, "acked": 0, "lost": 0, "failed_rounds": 0, "edits": 0}
    problems: list[str] = []
    started = time.perf_counter()
    for number in range(rounds):
        server: Server = make_server().start()
        plan = Plan(port=server.port, connections=32, cookies=[cookie])
        load = CrashLoad(plan, days)
        asyncio.run(_load_then_kill(load, server, rng.uniform(0.15, 0.8)))
        found = verify(server.db_path, load.acked)
        totals["rounds"] += 1
        totals["acked"] += len(load.acked)
        totals["edits"] += sum(1 for version, _ in load.acked.values() if version > 1)
        totals["lost"] += len(found)
        if found:
            totals["failed_rounds"] += 1
            problems.extend(found[:5])
        if (number + 1) % 10 == 0:
            log(
                f"  crash round {number + 1}/{rounds}: {totals['acked']} acknowledged writes, "
                f"{totals['lost']} lost"
            )
    totals["seconds"] = time.perf_counter() - started
    totals["problems"] = problems[:20]
    return totals
