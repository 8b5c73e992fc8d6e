"""The ``waypoint`` command: serve (the default), demo, backup, migrate, copy, rotate-key,
guides check."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

from api.settings import Settings, _decode_path, from_env
from api.store import db as database
from api.store import engine, keys

SETTINGS_VARIABLE = "WAYPOINT_WORKER_SETTINGS"
ONE_WORKER_ON_SQLITE = (
    "--workers above 1 needs PostgreSQL: a SQLite file has one writer, and on SQLite the "
    "log-in limits and the session cache live in one process's memory. Set "
    "WAYPOINT_DATABASE_URL=postgresql://... (README: Running on PostgreSQL), or serve with one "
    "worker."
)


def _settings(args: argparse.Namespace) -> Settings:
    return from_env(
        db_path=getattr(args, "db", None),
        database_url=getattr(args, "database_url", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        workers=getattr(args, "workers", None),
    )


def claim_port(host: str, port: int) -> int:
    """The port to listen on (0 picks a free one); exit with a clear message when another
    process holds it. The probe binds without SO_REUSEPORT, so it fails even against a server
    that shares its port with others: a second ``waypoint serve`` never silently joins one."""
    probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    # SO_REUSEADDR lets a restart bind over connections still closing (TIME_WAIT); it never lets
    # two sockets listen on one port. SO_REUSEPORT, which would, is not set.
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError as exc:
        raise SystemExit(
            f"Cannot listen on {host}:{port}: {exc.strerror}. Another program (perhaps another "
            "Waypoint) is using it; stop it or choose another port with --port."
        ) from None
    finally:
        chosen = probe.getsockname()[1] if probe.fileno() != -1 else port
        probe.close()
    return int(chosen)


def worker_app() -> Any:
    """The app of one granian worker process (``--workers N``): the settings the ``serve``
    command resolved, handed over in one environment variable."""
    from api.app import create_app

    raw = os.environ[SETTINGS_VARIABLE]
    return create_app(msgspec.json.decode(raw, type=Settings, dec_hook=_decode_path))


def serve(settings: Settings) -> None:
    import uvloop
    from granian.constants import Interfaces
    from granian.server.embed import Server

    from api.app import create_app

    shared = _sqlite_path(engine.url_of(settings)) is None
    if settings.workers > 1 and not shared:
        raise SystemExit(ONE_WORKER_ON_SQLITE)
    settings = msgspec.structs.replace(settings, port=claim_port(settings.host, settings.port))
    if settings.workers > 1:
        serve_workers(settings)
        return
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

    # Granian warns that its embedded mode is experimental on every start; we chose it knowingly
    # (see the README), so the line only alarms operators. Its other messages still show.
    logging.getLogger("_granian").addFilter(_NotExperimental())

    async def run() -> None:
        # The embedded server leaves signals to its host: Ctrl-C and SIGTERM end it cleanly.
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, server.stop)
        await server.serve()

    print(f"Waypoint is running at {settings.public_url}/", flush=True)
    uvloop.run(run())


def serve_workers(settings: Settings) -> None:
    """Several granian worker processes on one port, each with its own app and connections."""
    from granian import Granian
    from granian.constants import Interfaces, Loops

    os.environ[SETTINGS_VARIABLE] = msgspec.json.encode(settings, enc_hook=str).decode()
    server = Granian(
        "api.cli:worker_app",
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        loop=Loops.uvloop,
        backlog=2048,
        log_access=False,
        log_level=settings.log_level.lower(),  # type: ignore[arg-type]
    )
    print(f"Waypoint is running at {settings.public_url}/", flush=True)
    print(f"Starting {settings.workers} worker processes.", flush=True)
    server.serve()


class _NotExperimental(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "Embedded server is experimental!"


def migrate(settings: Settings) -> None:
    url = engine.url_of(settings)
    path = _sqlite_path(url)
    if path is None:
        from api.store.pg import run_migrations

        applied, version = run_migrations(url)
        print(f"Applied {', '.join(applied) or 'nothing'}; schema version {version}.")
        return
    from api.store.encrypt_existing import encrypt_existing

    async def run() -> tuple[list[str], int, int]:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            database.configure(conn)
            applied = database.migrate(conn)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
        db = await database.Database.open(path, engine.key_file_of(settings))
        try:
            return applied, version, await encrypt_existing(db, datetime.now(UTC))
        finally:
            await db.close()

    applied, version, moved = asyncio.run(run())
    print(f"Applied {', '.join(applied) or 'nothing'}; schema version {version}.")
    if moved:
        print(f"Encrypted the text of {moved} records written before encryption.")


PG_BACKUP = (
    "This deployment runs on PostgreSQL: back it up with PostgreSQL's own tools, not this "
    "command. A consistent dump of the live database:\n"
    "  pg_dump --format=custom --file=waypoint.dump '{url}'\n"
    "restored into an empty database with:\n"
    "  pg_restore --dbname='postgresql://.../waypoint_restored' waypoint.dump\n"
    "For point-in-time recovery, use continuous archiving (pg_basebackup + WAL archiving) or "
    "your provider's managed backups."
)


def backup(settings: Settings, target: Path, key_store: bool = False) -> int:
    url = engine.url_of(settings)
    path = _sqlite_path(url)
    if path is None:
        print(PG_BACKUP.format(url=_without_password(url)), file=sys.stderr)
        return 2
    source = keys.key_store_path(path) if key_store else path
    database.backup(source, target)
    print(f"Backed up {source} to {target}.")
    return 0


def _sqlite_path(url: str) -> Path | None:
    """The file a sqlite:/// URL names, None for PostgreSQL; a bad URL ends the command."""
    try:
        return engine.sqlite_path(url)
    except engine.BadDatabaseUrl as exc:
        raise SystemExit(str(exc)) from None


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def copy(source: str, target: str) -> int:
    from api.store.copy import CopyRefused, copy_database

    try:
        report = copy_database(source, target)
    except (CopyRefused, engine.BadDatabaseUrl) as exc:
        print(exc, file=sys.stderr)
        return 1
    for table, rows, checksum in report:
        print(f"{table}: {rows} rows, checksum {checksum} (matches)")
    print(f"Copied {_without_password(source)} to {_without_password(target)}.")
    return 0


ROTATED_ON_POSTGRES = (
    "Every app server that reads this key file follows the new key by itself. Copy it now to "
    "every other app server (mode 0600, replacing theirs): until then they cannot open keys "
    "they have not used since they started, nor make new ones."
)


def rotate_key(settings: Settings) -> None:
    from api.store.rotation import RotationRefused, rotate

    url, key_file = engine.url_of(settings), engine.key_file_of(settings)
    on_postgres = _sqlite_path(url) is None

    async def run() -> int:
        db = await engine.open_without_keyring(url)
        try:
            return await rotate(db, key_file)
        finally:
            await db.close()

    try:
        count = asyncio.run(run())
    except RotationRefused as exc:
        raise SystemExit(str(exc)) from None
    print(
        f"Re-wrapped {count} data keys under a new server key in {key_file}. "
        "Back up the new key file now; the old one no longer opens anything."
    )
    if on_postgres:
        print(ROTATED_ON_POSTGRES)


def demo(settings: Settings) -> None:
    from api.demo import create_demo

    username, password = asyncio.run(create_demo(settings))
    # No address: the port is only known once `waypoint serve` has it (`--port 0` picks one),
    # and the server prints its URL itself; scripts/run.sh starts it right after this.
    print(
        f"Demo account ready: username {username!r}, password {password!r}. "
        "Log in with it at the address the server prints."
    )


def check_guides(settings: Settings) -> int:
    from api.domain.guides.format import GuideError, load_guides
    from api.domain.guides.readability import MAX_GRADE, guide_grade

    try:
        guides = load_guides(settings.guides_dir)
    except GuideError as exc:
        print(exc, file=sys.stderr)
        return 1
    # Start-up only needs the format; the check also holds the wording to a newcomer's level.
    hard = {slug: guide_grade(guide) for slug, guide in guides.items()}
    hard = {slug: grade for slug, grade in hard.items() if grade > MAX_GRADE}
    for slug, grade in hard.items():
        where = settings.guides_dir / f"{slug}.md"
        reason = f"reading grade {grade:.1f} is above {MAX_GRADE}: use shorter sentences and words"
        print(f"{where}: {reason}", file=sys.stderr)
    if hard:
        return 1
    print(f"{len(guides)} guides in {settings.guides_dir} are valid.")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="waypoint", description=__doc__)
    commands = top.add_subparsers(dest="command")

    def with_db(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--db", type=Path, help="SQLite file (WAYPOINT_DB_PATH)")
        sub.add_argument(
            "--database-url", help="sqlite:///file or postgresql://... (WAYPOINT_DATABASE_URL)"
        )
        return sub

    serve_cmd = with_db(commands.add_parser("serve", help="run the server (default)"))
    serve_cmd.add_argument("--host", help="address to listen on (WAYPOINT_HOST)")
    serve_cmd.add_argument("--port", type=int, help="port; 0 picks a free one (WAYPOINT_PORT)")
    serve_cmd.add_argument(
        "--workers", type=int, help="server processes; above 1 needs PostgreSQL (WAYPOINT_WORKERS)"
    )
    with_db(commands.add_parser("demo", help="create the demo account with ~120 days of data"))
    backup_cmd = with_db(commands.add_parser("backup", help="consistent copy of a live database"))
    backup_cmd.add_argument("target", type=Path)
    backup_cmd.add_argument(
        "--keys", action="store_true", help="copy the key store (<db>.keys) instead"
    )
    with_db(commands.add_parser("migrate", help="apply schema migrations"))
    copy_cmd = commands.add_parser(
        "copy", help="copy every table into an empty database (SQLite to PostgreSQL)"
    )
    copy_cmd.add_argument("--from", dest="source", required=True, help="sqlite:///file")
    copy_cmd.add_argument("--to", dest="target", required=True, help="postgresql://...")
    with_db(
        commands.add_parser(
            "rotate-key", help="re-wrap every data key under a new server key (servers may run)"
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
            return backup(settings, args.target, args.keys)
        case "copy":
            return copy(args.source, args.target)
        case "migrate":
            migrate(settings)
        case "rotate-key":
            rotate_key(settings)
        case "guides":
            return check_guides(settings)
    return 0
