"""How errors are logged (issue 11, point 8): an error a person can act on is one INFO line with
no traceback and none of what they sent; a server fault is an ERROR with its traceback.

Litestar's own logger does not propagate to the root logger, so caplog's handler is attached to
it as well: the test sees every record the app writes, wherever it writes it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from litestar import Litestar

from api.domain.crypto import CannotDecrypt
from api.settings import Settings
from tests.helpers import PASSWORD, Client, register, write_journal


@contextmanager
def app_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture, into ``caplog.records``, every record the app logs meanwhile."""
    litestar = logging.getLogger("litestar")
    litestar.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.DEBUG):
            caplog.clear()
            yield
    finally:
        litestar.removeHandler(caplog.handler)


def ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the app logged (the test client's own httpx lines left out)."""
    return [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]


async def test_a_taken_username_is_one_info_line_without_the_name(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    username = "marguerite-7f3a"
    await register(client, username)
    client.cookies.clear()
    with app_logs(caplog):
        again = await client.post("/api/account", json={"username": username, "password": PASSWORD})
    assert again.status_code == 409
    records = ours(caplog)
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.INFO, "POST /api/account answered 409 (Taken)")
    ]
    assert records[0].exc_info is None
    assert records[0].exc_text is None
    assert all(username not in r.getMessage() for r in caplog.records)


async def test_a_validation_error_is_one_info_line_without_the_value(
    alice: Client, caplog: pytest.LogCaptureFixture
) -> None:
    sent = "secret-note-5be1"
    path = "/api/entries/5f0c3a52-83a4-4d4e-9a43-0c9a3c1f4d1e"
    with app_logs(caplog):
        response = await alice.put(path, json={"day": "2026-11-20", "mood": 99, "note": sent})
    assert response.status_code == 400
    records = ours(caplog)
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.INFO, "PUT /api/entries/{record_id} answered 400 (ValidationException)")
    ]
    assert records[0].exc_info is None
    assert all(sent not in r.getMessage() and "5f0c3a52" not in r.getMessage() for r in records)


async def test_a_server_fault_is_an_error_with_its_traceback(
    alice: Client, bob: Client, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await write_journal(alice, "alice")
    bob_ids = await write_journal(bob, "bob")
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    try:  # Alice's sealed note over Bob's: it does not open there, a 500
        conn.execute(
            "UPDATE records SET secret = (SELECT secret FROM records r JOIN users u "
            "ON u.id = r.user_id WHERE u.username = 'alice' AND r.kind = 'entry') WHERE id = ?",
            (bob_ids["entries"],),
        )
    finally:
        conn.close()
    with app_logs(caplog):
        response = await bob.get(f"/api/entries/{bob_ids['entries']}")
    assert response.status_code == 500
    (record,) = ours(caplog)
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "GET /api/entries/{record_id} failed with 500"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], CannotDecrypt)


async def test_a_client_hanging_up_mid_body_is_one_info_line(
    app: Litestar, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone can open a connection, announce a body and hang up: no traceback for that."""
    scope: Any = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/account",
        "raw_path": b"/api/account",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver.local"),
            (b"content-type", b"application/json"),
            (b"content-length", b"1000"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 80),
    }
    arriving = [{"type": "http.request", "body": b'{"username": "ma', "more_body": True}]

    async def receive() -> Any:
        return arriving.pop(0) if arriving else {"type": "http.disconnect"}

    async def send(_: Any) -> None:
        pass

    async def hang_up() -> None:
        await app(scope, receive, send)

    with app_logs(caplog):
        await asyncio.wrap_future(client.blocking_portal.start_task_soon(hang_up))
    records = ours(caplog)
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.INFO, "POST /api/account: the client hung up before its body arrived")
    ]
    assert records[0].exc_info is None
