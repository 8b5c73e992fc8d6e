"""The real server as a child process, for tests that need a real process (crash safety, browsers).

The project's one launcher: ``bench/`` starts its servers with it too. It lives in ``tests/`` so
the test suite stays self-contained (bench imports tests, never the other way round), and it
imports neither pytest nor Playwright, so bench can use it without them.

``python -m api serve --port 0`` binds a free port and prints ``Waypoint is running at <url>/``;
``ServerProcess`` waits for that line and then for ``/healthz`` (the database is opened by the
app's lifespan before uvicorn accepts connections), so ``start()`` returns a server ready for
requests. ``kill()`` is a crash (SIGKILL: no shutdown, no final checkpoint); ``stop()`` is a
normal shutdown (SIGTERM), escalating to SIGKILL if the server hangs.

    with ServerProcess(tmp_path / "waypoint.sqlite3") as server:
        httpx.get(server.url + "/healthz")
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

from api.settings import PROJECT_DIR

READY_PREFIX = "Waypoint is running at "


class ServerError(RuntimeError):
    """The server did not start, or did not stop, as expected (the message holds its log)."""


class ServerProcess:
    def __init__(
        self,
        db_path: Path,
        *,
        env: dict[str, str] | None = None,
        log_level: str = "WARNING",
        start_timeout: float = 30.0,
        log_path: Path | None = None,
        command_prefix: Sequence[str] = (),
        listen_port: int = 0,
        args: tuple[str, ...] = (),
    ) -> None:
        """``command_prefix`` runs the server under another command that execs it (bench pins
        it to a core with ``taskset -c 0``), so the process id is still the server's.
        ``listen_port`` 0 picks a free port at every start; a fixed one lets a test restart a
        server at the same origin (a browser's service worker and cookies stay with it)."""
        self.db_path = db_path
        self.log_path = log_path or db_path.with_name(db_path.name + ".server.log")
        self.command_prefix = list(command_prefix)
        self.listen_port = listen_port
        self.args = args  # more `serve` flags (--workers N)
        self.start_timeout = start_timeout
        # Only the settings this test chooses: no WAYPOINT_* variable leaks in from the caller.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WAYPOINT_")}
        self.env.update({"WAYPOINT_LOG_LEVEL": log_level, "PYTHONUNBUFFERED": "1"})
        self.env.update(env or {})
        self.url = ""
        self.process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None
        self._pump: threading.Thread | None = None

    def start(self) -> str:
        """Start the server and return its base URL (no trailing slash) once it answers."""
        if self.process is not None:
            raise ServerError("already running")
        self._log = self.log_path.open("a", encoding="utf-8")
        port = str(self.listen_port)
        command = ["serve", "--host", "127.0.0.1", "--port", port, "--db", str(self.db_path)]
        command += self.args
        self.process = subprocess.Popen(
            [*self.command_prefix, sys.executable, "-m", "api", *command],
            cwd=PROJECT_DIR,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            start_new_session=True,  # a Ctrl-C in the terminal reaches pytest, not the server
        )
        try:
            self.url = self._wait_for_url()
            self._wait_until_healthy()
        except BaseException:
            self.kill()
            raise
        return self.url

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def pid(self) -> int:
        if self.process is None:
            raise ServerError("not running")
        return self.process.pid

    def kill(self) -> None:
        """Crash the server: SIGKILL, then reap it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self._reap(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the server down normally (SIGTERM); SIGKILL it if it does not exit in time."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise ServerError(f"server ignored SIGTERM for {timeout} s\n{self.log()}") from None
        self._reap(timeout=1)

    def log(self) -> str:
        """What the server wrote to stderr (all its runs on this database)."""
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- internals ---------------------------------------------------------------------------

    def _wait_for_url(self) -> str:
        assert self.process is not None
        assert self.process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        stdout = self.process.stdout

        def pump() -> None:  # keeps draining stdout so the child can never block on a full pipe
            with stdout:
                for line in stdout:
                    lines.put(line)
            lines.put(None)

        self._pump = threading.Thread(target=pump, name="waypoint-server-stdout", daemon=True)
        self._pump.start()
        deadline = time.monotonic() + self.start_timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise ServerError(f"server exited with {self.process.wait()}\n{self.log()}")
            if line.startswith(READY_PREFIX):
                return line.removeprefix(READY_PREFIX).strip().rstrip("/")
        raise ServerError(f"no address printed within {self.start_timeout} s\n{self.log()}")

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"server exited with {self.process.returncode}\n{self.log()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet: the lifespan (migrations, guides) is still running
            time.sleep(0.02)
        raise ServerError(f"/healthz did not answer within {self.start_timeout} s\n{self.log()}")

    def _reap(self, timeout: float) -> None:
        assert self.process is not None
        self.process.wait(timeout)
        if self._pump is not None:
            self._pump.join(timeout)  # the child is gone, so its stdout is at end of file
        elif self.process.stdout is not None:
            self.process.stdout.close()
        if self._log is not None:
            self._log.close()
        self.process = None
        self._log = None
        self._pump = None
