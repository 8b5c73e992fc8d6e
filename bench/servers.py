"""Start the app under one ASGI server as a real process, pinned to one core.

Every variant serves the same ``create_app(settings)`` on a copy of the same seeded file:
``waypoint`` is the project's own command (``python -m api serve``, uvicorn with its automatic
choices: uvloop and httptools when they are installed); the others import ``bench.asgi``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

PYTHON = sys.executable
SERVER_CORE = "0"
CLIENT_CORE = "1"
VENV_BIN = Path(PYTHON).parent


def has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def uvicorn_argv(loop: str, http: str) -> list[str]:
    return [
        PYTHON,
        "-m",
        "uvicorn",
        "bench.asgi:app",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--loop",
        loop,
        "--http",
        http,
        "--no-access-log",
        "--lifespan",
        "on",
        "--no-server-header",
        "--log-level",
        "warning",
    ]


def granian_argv(loop: str) -> list[str]:
    granian = str(VENV_BIN / "granian") if (VENV_BIN / "granian").exists() else "granian"
    return [
        granian,
        "--interface",
        "asgi",
        "--factory",
        "bench.asgi:make_app",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        "1",
        "--runtime-threads",
        "1",
        "--loop",
        loop,
        "--http",
        "1",
        "--no-ws",
        "--no-access-log",
        "--log-level",
        "warning",
        "--backlog",
        "2048",
    ]


def variants() -> dict[str, list[str]]:
    """Server name -> command line ('{port}' is filled in); only what is installed."""
    found = {
        "waypoint serve": [PYTHON, "-m", "api", "serve", "--host", "127.0.0.1", "--port", "0"],
        "uvicorn asyncio+h11": uvicorn_argv("asyncio", "h11"),
    }
    if has_module("httptools"):
        found["uvicorn asyncio+httptools"] = uvicorn_argv("asyncio", "httptools")
    if has_module("uvloop") and has_module("httptools"):
        found["uvicorn uvloop+httptools"] = uvicorn_argv("uvloop", "httptools")
    if has_module("granian"):
        found["granian asyncio"] = granian_argv("asyncio")
        if has_module("uvloop"):
            found["granian uvloop"] = granian_argv("uvloop")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_db(source: Path, target: Path) -> Path:
    """A fresh copy of a seeded file (with its key file and key store), so every server starts
    from the same data."""
    for suffix in ("", "-wal", "-shm", ".key", ".keys", ".keys-wal", ".keys-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    for suffix in ("", ".key", ".keys"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(str(source) + suffix, str(target) + suffix)
    return target


def http_get(port: int, path: str, timeout: float = 2.0) -> int:
    """Status of one GET (a bare socket: no client library start-up on the hot path)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        data = sock.recv(64)
    return int(data[9:12])


def _drain(source: IO[bytes], sink: IO[bytes]) -> None:
    for line in source:
        sink.write(line)


@dataclass
class Server:
    name: str
    argv: list[str]
    db_path: Path
    log_path: Path
    renice: int = 0
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        waypoint = "{port}" not in self.argv
        port = 0 if waypoint else free_port()
        argv = [arg.replace("{port}", str(port)) for arg in self.argv]
        if waypoint:
            argv += ["--db", str(self.db_path)]
        prefix = ["taskset", "-c", SERVER_CORE]
        if self.renice:
            prefix = ["nice", "-n", str(self.renice), *prefix]
        env = {
            **os.environ,
            "WAYPOINT_DB_PATH": str(self.db_path),
            "WAYPOINT_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [*prefix, *argv],
            stdout=subprocess.PIPE if waypoint else log,
            stderr=log,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
        )
        deadline = time.monotonic() + timeout
        if waypoint:
            assert self.process.stdout is not None
            line = self.process.stdout.readline().decode()
            if "running at" not in line:
                self.stop()
                raise RuntimeError(f"{self.name} did not start: {line!r}; see {self.log_path}")
            self.port = int(line.rsplit(":", 1)[1].strip().strip("/"))
            threading.Thread(target=_drain, args=(self.process.stdout, log), daemon=True).start()
        else:
            self.port = port
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            with contextlib.suppress(OSError, ValueError):
                if http_get(self.port, "/healthz") == 200:
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz in {timeout} s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash: no shutdown code runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
