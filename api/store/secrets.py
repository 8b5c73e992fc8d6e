"""Secrets the server makes for itself: the ``server_secrets`` table."""

from __future__ import annotations

import secrets
import sqlite3


def server_secret(conn: sqlite3.Connection, name: str) -> bytes:
    """The secret called ``name``, made (32 random bytes) the first time it is asked for."""
    conn.execute(
        "INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        (name, secrets.token_bytes(32)),
    )
    (value,) = conn.execute("SELECT value FROM server_secrets WHERE name = ?", (name,)).fetchone()
    return bytes(value)
