"""Where bench's processes run: ``waypoint serve`` pinned to core 0, the load client on core 1.

The server is started by the project's one launcher, ``tests.server.ServerProcess`` (the test
suite's: bench imports tests, never the other way round), under ``taskset`` (and ``nice``), which
exec the server, so the process id the load client measures is the server's own.

The PostgreSQL section's servers are not pinned (``shared_server``): their worker processes,
PostgreSQL's own processes and the load client share every core, as a deployment of several
processes does. Bench itself runs on the client's core, and children inherit that, so "not
pinned" is said explicitly (``taskset -c 0-N``; ``place_tree`` for PostgreSQL's processes).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from bench.usage import process_tree
from tests.server import ServerProcess

PYTHON = sys.executable
SERVER_CORE = "0"
CLIENT_CORE = "1"
EVERY_CORE = f"0-{(os.cpu_count() or 1) - 1}"


def pinned(core: str, nice: int = 0) -> list[str]:
    """The command prefix that runs a program on one core (at a niceness)."""
    prefix = ["taskset", "-c", core]
    return ["nice", "-n", str(nice), *prefix] if nice else prefix


def pinned_server(db_path: Path, log_path: Path, nice: int = 0) -> ServerProcess:
    """A not-yet-started ``waypoint serve`` on ``db_path``, pinned to the server core."""
    return ServerProcess(
        db_path, log_path=log_path, command_prefix=pinned(SERVER_CORE, nice), start_timeout=60
    )


def shared_server(
    db_path: Path, log_path: Path, nice: int = 0, *, env: dict[str, str], args: tuple[str, ...]
) -> ServerProcess:
    """A not-yet-started ``waypoint serve`` (with ``args``: --workers, --database-url) free to
    run on every core."""
    return ServerProcess(
        db_path,
        env=env,
        args=args,
        log_path=log_path,
        command_prefix=pinned(EVERY_CORE, nice),
        start_timeout=60,
    )


def place_tree(pid: int, nice: int = 0) -> None:
    """Let a running process tree (PostgreSQL's postmaster, started from bench's own core) run
    on every core, at bench's niceness; backends it forks later inherit both."""
    cores = set(range(os.cpu_count() or 1))
    for each in process_tree(pid):
        try:
            os.sched_setaffinity(each, cores)
            if nice:
                os.setpriority(os.PRIO_PROCESS, each, nice)
        except OSError:
            continue  # a process that has just exited


def copy_db(source: Path, target: Path) -> Path:
    """A fresh copy of a seeded file (with its key file and key store), so every server starts
    from the same data."""
    for suffix in ("", "-wal", "-shm", ".key", ".keys", ".keys-wal", ".keys-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    for suffix in ("", ".key", ".keys"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(str(source) + suffix, str(target) + suffix)
    return target
