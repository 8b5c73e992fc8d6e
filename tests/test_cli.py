"""Settings from the environment, and the command line on a real database file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from api import cli
from api.settings import Settings, from_env
from api.store import engine
from api.store.db import migrations

LATEST = migrations()[-1][0]


def test_settings_from_environment_and_flags() -> None:
    settings = from_env(
        {
            "WAYPOINT_DB_PATH": "/data/w.sqlite3",
            "WAYPOINT_HTTPS": "true",
            "WAYPOINT_ALLOWED_HOSTS": "a.example,b.example",
            "WAYPOINT_PORT": "9000",
        },
        port=9100,
    )
    assert settings.db_path == Path("/data/w.sqlite3")
    assert settings.https is True
    assert settings.allowed_hosts == ("a.example", "b.example")
    assert settings.port == 9100
    assert settings.public_url == "https://127.0.0.1:9100"


def test_bad_setting_names_itself() -> None:
    with pytest.raises(SystemExit, match="port"):
        from_env({"WAYPOINT_PORT": "eighty"})


def test_migrate_demo_and_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "w.sqlite3"
    assert cli.main(["migrate", "--db", str(db)]) == 0
    latest = migrations()[-1][0]
    assert f"schema version {latest}." in capsys.readouterr().out
    assert cli.main(["demo", "--db", str(db)]) == 0
    said = capsys.readouterr().out
    # scripts/run.sh starts the server right after the demo: no advice to start one.
    assert "demo-password" in said
    assert "waypoint serve" not in said
    assert cli.main(["demo", "--db", str(db)]) == 0  # running it again replaces, never doubles
    target = tmp_path / "copy.sqlite3"
    assert cli.main(["backup", str(target), "--db", str(db)]) == 0
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 1
        counts = dict(conn.execute("SELECT kind, COUNT(*) FROM records GROUP BY kind"))
        assert counts["treatment"] == 9
        assert 90 <= counts["entry"] <= 120
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest
    finally:
        conn.close()
    with pytest.raises(FileExistsError):
        cli.main(["backup", str(target), "--db", str(db)])


def test_guides_check_passes_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.check_guides(Settings()) == 0
    assert "guides" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///waypoint.sqlite3", Path("waypoint.sqlite3")),
        ("sqlite:////data/w.sqlite3", Path("/data/w.sqlite3")),
        ("postgresql://clinic@db:5432/waypoint", None),
        ("postgres://clinic@db/waypoint", None),
    ],
)
def test_database_url_names_a_file_or_a_server(url: str, expected: Path | None) -> None:
    assert engine.sqlite_path(url) == expected


def test_database_url_defaults_to_the_sqlite_file_and_refuses_other_schemes() -> None:
    assert engine.url_of(from_env({"WAYPOINT_DB_PATH": "/d/w.sqlite3"})) == "sqlite:////d/w.sqlite3"
    for bad in ("mysql://x/y", "sqlite:///", "waypoint.sqlite3"):
        with pytest.raises(engine.BadDatabaseUrl, match="database_url"):
            engine.sqlite_path(bad)


def test_migrate_and_backup_use_the_file_the_url_names(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'named.sqlite3'}"
    assert cli.main(["migrate", "--database-url", url]) == 0
    assert (tmp_path / "named.sqlite3").exists()
    assert cli.main(["backup", str(tmp_path / "copy.sqlite3"), "--database-url", url]) == 0
    assert (tmp_path / "copy.sqlite3").exists()


def test_pool_size_and_workers_must_be_positive() -> None:
    for name in ("DB_POOL_SIZE", "WORKERS"):
        with pytest.raises(SystemExit, match=name.lower()):
            from_env({f"WAYPOINT_{name}": "0"})


def test_the_server_starts_without_the_experimental_warning(tmp_path: Path) -> None:
    # Granian logs to stdout: read it until the worker has started, then stop the server.
    env = {**os.environ, "WAYPOINT_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "api", "serve", "--port", "0", "--db", str(tmp_path / "w")]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as server:
        assert server.stdout is not None
        said = []
        for line in server.stdout:
            said.append(line)
            if "Started worker" in line:
                break
        server.send_signal(signal.SIGTERM)
        said.append(server.communicate(timeout=30)[0])
    output = "".join(said)
    assert "Waypoint is running at" in output
    assert "Listening at" in output
    assert "experimental" not in output
