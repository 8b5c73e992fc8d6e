"""A throwaway PostgreSQL cluster for the tests: Debian's server, run as the ``postgres`` user.

``start()`` installs Debian's ``postgresql`` package when no server is found (CI on a fresh
machine), runs ``initdb`` into a new temporary folder, starts the server on a free port with its
socket in that folder, and returns a ``Cluster``; ``stop()`` ends it and removes the folder.
``pg_ctl``'s output goes to a file: a server that inherits a captured pipe keeps the caller
waiting forever.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg


def _bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if found:
        return found[0].parent
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env, capture_output=True
    )
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if not found:
        raise RuntimeError("Debian's postgresql package did not install a server")
    return found[0].parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(*command: str) -> list[str]:
    # Root runs the server as the postgres user (PostgreSQL refuses to run as root).
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@dataclass
class Cluster:
    folder: Path
    port: int
    bin_dir: Path

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        with open(self.folder / "pg_ctl.out", "ab") as out:
            subprocess.run(
                _as_postgres(
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.folder / "data"),
                    "-m",
                    "fast",
                    "stop",
                ),
                stdout=out,
                stderr=out,
                check=False,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Cluster:
    bin_dir = _bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="waypoint-pg-"))
    os.chmod(folder, 0o777)  # noqa: S103 - the postgres user writes its data, socket and log here
    data, port = folder / "data", _free_port()
    with open(folder / "pg_ctl.out", "wb") as out:
        subprocess.run(
            _as_postgres(
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--locale=C.UTF-8",
                "-E",
                "UTF8",
            ),
            stdout=out,
            stderr=out,
            check=True,
        )
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
        subprocess.run(
            _as_postgres(
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "log"),
                "-o",
                options,
                "-w",
                "start",
            ),
            stdout=out,
            stderr=out,
            check=True,
        )
    return Cluster(folder, port, bin_dir)


if __name__ == "__main__":  # a cluster for trying things by hand: prints its URL, Enter stops it
    cluster = start()
    try:
        input()
    finally:
        cluster.stop()
