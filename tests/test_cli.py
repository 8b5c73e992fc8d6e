"""Settings from the environment, and the command line on a real database file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from api import cli
from api.settings import Settings, from_env
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
    assert settings.db_path == Path("/data/w.sqlite3") and settings.https is True
    assert settings.allowed_hosts == ("a.example", "b.example") and settings.port == 9100
    assert settings.public_url == "https://127.0.0.1:9100"


def test_bad_setting_names_itself() -> None:
    with pytest.raises(SystemExit, match="port"):
        from_env({"WAYPOINT_PORT": "eighty"})


def test_migrate_demo_and_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "w.sqlite3"
    assert cli.main(["migrate", "--db", str(db)]) == 0
    assert f"schema version {LATEST}." in capsys.readouterr().out
    assert cli.main(["demo", "--db", str(db)]) == 0
    assert "demo-password" in capsys.readouterr().out
    assert cli.main(["demo", "--db", str(db)]) == 0  # running it again replaces, never doubles
    target = tmp_path / "copy.sqlite3"
    assert cli.main(["backup", str(target), "--db", str(db)]) == 0
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 1
        counts = dict(conn.execute("SELECT kind, COUNT(*) FROM records GROUP BY kind"))
        assert counts["treatment"] == 9 and 90 <= counts["entry"] <= 120
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    finally:
        conn.close()
    with pytest.raises(FileExistsError):
        cli.main(["backup", str(target), "--db", str(db)])


def test_guides_check_passes_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.check_guides(Settings()) == 0
    assert "guides" in capsys.readouterr().out
