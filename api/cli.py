"""The ``waypoint`` command: serve (the default), demo, backup, migrate, guides check."""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sqlite3
import sys
from pathlib import Path
from typing import Any

import msgspec

from api.settings import Settings, from_env
from api.store import db as database


def _settings(args: argparse.Namespace) -> Settings:
    return from_env(
        db_path=getattr(args, "db", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
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


def serve(settings: Settings) -> None:
    import uvloop
    from granian.constants import Interfaces
    from granian.server.embed import Server

    from api.app import create_app

    settings = msgspec.structs.replace(settings, port=claim_port(settings.host, settings.port))
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
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    try:
        database.configure(conn)
        applied = database.migrate(conn)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    print(f"Applied {', '.join(applied) or 'nothing'}; schema version {version}.")


def backup(settings: Settings, target: Path) -> None:
    database.backup(settings.db_path, target)
    print(f"Backed up {settings.db_path} to {target}.")


def demo(settings: Settings) -> None:
    from api.demo import create_demo

    username, password = asyncio.run(create_demo(settings))
    print(
        f"Demo account ready: username {username!r}, password {password!r}.\n"
        f"Start the server with `waypoint serve` and open {settings.public_url}/"
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
        return sub

    serve_cmd = with_db(commands.add_parser("serve", help="run the server (default)"))
    serve_cmd.add_argument("--host", help="address to listen on (WAYPOINT_HOST)")
    serve_cmd.add_argument("--port", type=int, help="port; 0 picks a free one (WAYPOINT_PORT)")
    with_db(commands.add_parser("demo", help="create the demo account with ~120 days of data"))
    backup_cmd = with_db(commands.add_parser("backup", help="consistent copy of a live database"))
    backup_cmd.add_argument("target", type=Path)
    with_db(commands.add_parser("migrate", help="apply schema migrations"))
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
            backup(settings, args.target)
        case "migrate":
            migrate(settings)
        case "guides":
            return check_guides(settings)
    return 0
