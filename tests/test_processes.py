"""Several real server processes on one PostgreSQL database behave as one service: a session,
a write, a conflict, the log-in limits and a log-out are the same whichever process answers.
And ``--workers`` above 1 is refused on SQLite with a message saying why and what to do."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.cli import ONE_WORKER_ON_SQLITE
from api.settings import PROJECT_DIR, Settings
from tests.helpers import ENTRY, PASSWORD, empty_pg_database
from tests.server import ServerProcess

ATTEMPTS = 4


@pytest.fixture
def two_servers(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    url = empty_pg_database(request.getfixturevalue("postgres"))
    env = {
        "WAYPOINT_DATABASE_URL": url,
        "WAYPOINT_LOGIN_ATTEMPTS": str(ATTEMPTS),
        # Every app server of one deployment uses the same server key.
        "WAYPOINT_KEY_FILE": str(tmp_path / "waypoint.key"),
    }
    first = ServerProcess(tmp_path / "a.sqlite3", env=env)
    second = ServerProcess(tmp_path / "b.sqlite3", env=env)
    with first, second:
        yield first.url, second.url
    assert not (tmp_path / "a.sqlite3").exists()  # neither process touched a SQLite file


def cookie_of(response: httpx.Response) -> dict[str, str]:
    """The session cookie as a header: sent to whichever process a request goes to."""
    return {"cookie": "waypoint_session=" + response.cookies["waypoint_session"]}


def test_two_processes_on_one_database_behave_as_one_service(two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    created = httpx.post(f"{a}/api/account", json={"username": "ana", "password": PASSWORD})
    assert created.status_code == 201
    session = cookie_of(created)
    # A session created on one process works on the other.
    assert httpx.get(f"{b}/api/account", headers=session).json()["username"] == "ana"

    # A write on one is read on the other, and the other's trends see it at once.
    record = f"/api/entries/{uuid.uuid4()}"
    assert httpx.put(a + record, json=ENTRY, headers=session).status_code == 201
    assert httpx.get(b + record, headers=session).json()["mood"] == ENTRY["mood"]
    span = {"from": str(ENTRY["day"]), "to": str(ENTRY["day"])}
    before = httpx.get(f"{b}/api/trends", params=span, headers=session).json()
    changed = {**ENTRY, "mood": 2, "base_version": 1}
    assert httpx.put(a + record, json=changed, headers=session).status_code == 200
    after = httpx.get(f"{b}/api/trends", params=span, headers=session).json()
    assert before != after  # the cache of process b did not answer with the old mood

    # A stale write on the other process gets 409 with the server's copy.
    stale = httpx.put(b + record, json={**ENTRY, "mood": 9, "base_version": 1}, headers=session)
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 2

    # The changes feed lists both versions' record once, at its latest version.
    feed = httpx.get(f"{b}/api/changes", params={"since": 0}, headers=session).json()
    assert [(c["id"], c["version"]) for c in feed["changes"]] == [(record.rsplit("/", 1)[1], 2)]

    # A log-out on one process ends the session on both.
    assert httpx.delete(f"{a}/api/session", headers=session).status_code == 204
    assert httpx.get(f"{b}/api/account", headers=session).status_code == 401
    assert httpx.get(f"{a}/api/account", headers=session).status_code == 401


def test_log_in_throttling_is_shared_by_the_processes(two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    assert httpx.post(f"{a}/api/account", json={"username": "bo", "password": PASSWORD})
    wrong = {"username": "bo", "password": "not the password"}
    answers = [
        httpx.post(f"{server}/api/session", json=wrong).status_code for server in [a, b] * ATTEMPTS
    ]
    # Counted per process, each would allow ATTEMPTS failures; together they allow ATTEMPTS.
    assert answers == [401] * ATTEMPTS + [429] * ATTEMPTS
    right = httpx.post(f"{b}/api/session", json={"username": "bo", "password": PASSWORD})
    assert right.status_code == 429  # the username is locked for the window, on every process


def worker_processes(pid: int) -> list[str]:
    """The command lines of a process's children, less multiprocessing's own helpers."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    lines = [Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ") for child in children]
    return [line.decode() for line in lines if b"resource_tracker" not in line]


def test_serve_with_two_workers_on_postgresql(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {"WAYPOINT_DATABASE_URL": empty_pg_database(request.getfixturevalue("postgres"))}
    with ServerProcess(tmp_path / "w.sqlite3", env=env, args=("--workers", "2")) as server:
        created = httpx.post(
            f"{server.url}/api/account", json={"username": "cyd", "password": PASSWORD}
        )
        assert created.status_code == 201, created.text
        session = cookie_of(created)
        # Fresh connections land on either worker; every one of them knows the session.
        for _ in range(8):
            with httpx.Client() as fresh:
                assert fresh.get(f"{server.url}/api/account", headers=session).status_code == 200
        assert server.process is not None
        assert len(worker_processes(server.process.pid)) == 2


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "x.sqlite3")
    refused = subprocess.run(
        [sys.executable, "-m", "api", "serve", "--workers", "2", "--db", str(settings.db_path)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode != 0
    assert ONE_WORKER_ON_SQLITE in refused.stderr
    assert not settings.db_path.exists()


def test_the_feed_skips_nothing_while_both_processes_take_writes(
    two_servers: tuple[str, str],
) -> None:
    a, b = two_servers
    created = httpx.post(f"{a}/api/account", json={"username": "dee", "password": PASSWORD})
    session = cookie_of(created)
    written = [str(uuid.uuid4()) for _ in range(40)]
    finished = threading.Event()

    def write(server: str, ids: list[str]) -> None:
        with httpx.Client(headers=session) as client:
            for record_id in ids:
                put = client.put(f"{server}/api/entries/{record_id}", json=ENTRY)
                assert put.status_code == 201, put.text

    writers = [
        threading.Thread(target=write, args=(server, written[n::4]))
        for n, server in enumerate([a, b, a, b])
    ]
    for each in writers:
        each.start()
    seen: list[str] = []
    cursor, pages = 0, 0
    with httpx.Client(headers=session) as reader:
        while True:
            done = finished.is_set()  # before the page: the last page sees every write
            page = reader.get(f"{b}/api/changes", params={"since": cursor, "limit": 3}).json()
            seen += [change["id"] for change in page["changes"]]
            cursor, pages = page["next"], pages + 1
            if done and not page["more"]:
                break
            if not any(each.is_alive() for each in writers):
                finished.set()
    for each in writers:
        each.join()
    assert sorted(seen) == sorted(written)  # every write seen once, none skipped
    assert pages > len(written) // 3  # paged while the writes landed
