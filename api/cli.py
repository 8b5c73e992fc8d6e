"""The ``waypoint`` command: serve (the default), demo, backup, migrate, rotate-key, guides."""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from api.settings import Settings, from_env
from api.store import db as database
from api.store import keys


def _settings(args: argparse.Namespace) -> Settings:
    return from_env(
        db_path=getattr(args, "db", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )


def serve(settings: Settings) -> None:
    import uvloop
    from granian.constants import Interfaces
    from granian.server.embed import Server

    from api.app import create_app

    if settings.port == 0:  # pick a free port so we can print the real address
        probe = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET)
        probe.bind((settings.host, 0))
        settings = msgspec.structs.replace(settings, port=probe.getsockname()[1])
        probe.close()
    if not settings.key_path.exists() and not keys.key_store_path(settings.db_path).exists():
        print(
            f"Writing a new server key to {settings.key_path}: back it up apart from the "
            "database; without it no journal text can be read (README, 'Storage').",
            file=sys.stderr,  # stdout's first line stays the address, which scripts read
            flush=True,
        )
    app = create_app(settings)
    server = Server(
        app,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        backlog=2048,
        log_access=False,
        log_level=settings.log_level.lower(),  # type: ignore[arg-type]
    )

    async def run() -> None:
        # The embedded server leaves signals to its host: Ctrl-C and SIGTERM end it cleanly.
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, server.stop)
        await server.serve()

    print(f"Waypoint is running at {settings.public_url}/", flush=True)
    uvloop.run(run())


def migrate(settings: Settings) -> None:
    from api.store.records import encrypt_existing

    async def run() -> tuple[list[str], int, int]:
        conn = sqlite3.connect(settings.db_path, isolation_level=None)
        try:
            database.configure(conn)
            applied = database.migrate(conn)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
        db = await database.Database.open(settings.db_path, settings.key_path)
        try:
            return applied, version, await encrypt_existing(db, datetime.now(UTC))
        finally:
            await db.close()

    applied, version, moved = asyncio.run(run())
    print(f"Applied {', '.join(applied) or 'nothing'}; schema version {version}.")
    if moved:
        print(f"Encrypted the text of {moved} records written before encryption.")


def backup(settings: Settings, target: Path, key_store: bool) -> None:
    source = keys.key_store_path(settings.db_path) if key_store else settings.db_path
    database.backup(source, target)
    print(f"Backed up {source} to {target}.")


def rotate_key(settings: Settings) -> None:
    count = keys.rotate(settings.db_path, settings.key_path)
    print(
        f"Re-wrapped {count} data keys under a new server key in {settings.key_path}. "
        "Back up the new key file now; the old one no longer opens anything."
    )


def demo(settings: Settings) -> None:
    from api.demo import create_demo

    username, password = asyncio.run(create_demo(settings))
    print(
        f"Demo account ready: username {username!r}, password {password!r}.\n"
        f"Start the server with `waypoint serve` and open {settings.public_url}/"
    )


def check_guides(settings: Settings) -> int:
    from api.domain.guides.format import GuideError, load_guides

    try:
        guides = load_guides(settings.guides_dir)
    except GuideError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{len(guides)} guides in {settings.guides_dir} are valid.")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="waypoint", description=__doc__)
    commands = top.add_subparsers(dest="command")

    def with_db(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--db", type=Path, help="SQLite file (WAYPOINT_DB_PATH)")
        return sub

    serve_cmd = with_db(commands.add_parser("serve", help="run the server (default)"))
    serve_cmd.add_argument("--host", help="address to listen on (WAYPOINT_HOST)")
    serve_cmd.add_argument("--port", type=int, help="port; 0 picks a free one (WAYPOINT_PORT)")
    with_db(commands.add_parser("demo", help="create the demo account with ~120 days of data"))
    backup_cmd = with_db(commands.add_parser("backup", help="consistent copy of a live database"))
    backup_cmd.add_argument("target", type=Path)
    backup_cmd.add_argument(
        "--keys", action="store_true", help="copy the key store (<db>.keys) instead"
    )
    with_db(commands.add_parser("migrate", help="apply schema migrations"))
    with_db(
        commands.add_parser(
            "rotate-key", help="re-wrap every data key under a new server key (server stopped)"
        )
    )
    guides_cmd = commands.add_parser("guides", help="guide content")
    guides_cmd.add_argument("action", choices=["check"])
    return top


def main(argv: list[str] | None = None) -> Any:
    args = parser().parse_args(argv)
    settings = _settings(args)
    match args.command:
        case "serve" | None:
            serve(settings)
        case "demo":
            demo(settings)
        case "backup":
            backup(settings, args.target, args.keys)
        case "migrate":
            migrate(settings)
        case "rotate-key":
            rotate_key(settings)
        case "guides":
            return check_guides(settings)
    return 0
