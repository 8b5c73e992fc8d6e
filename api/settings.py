"""Deployment settings: one frozen Struct, built by the CLI and passed to ``create_app``.

Nothing here reads the environment at import time; ``from_env`` is called explicitly by the CLI,
and tests build ``Settings`` directly on a temporary directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every setting of a deployment. Each one is listed in the README's configuration table."""

    db_path: Path = Path("waypoint.sqlite3")
    # sqlite:///relative/path, sqlite:////absolute/path or postgresql://user@host:port/db;
    # empty means the SQLite file at db_path.
    database_url: str = ""
    # PostgreSQL connections each server process keeps open (reads and writes share them).
    db_pool_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 10
    # Server processes (granian workers); more than 1 needs PostgreSQL.
    workers: Annotated[int, msgspec.Meta(ge=1, le=256)] = 1
    # The server key that unlocks every account's data key; empty means "<db_path>.key".
    key_file: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    # The address people use to reach the server; share links are built on it.
    base_url: str = ""
    # True behind HTTPS: cookies get Secure and the __Host- prefix, and HSTS is sent.
    https: bool = False
    allowed_hosts: tuple[str, ...] = ("*",)
    guides_dir: Path = PROJECT_DIR / "guides"
    pwa_dir: Path = PROJECT_DIR / "pwa"
    # JSON file with the crisis resources of this deployment; empty means the US defaults.
    crisis_file: str = ""
    session_idle_minutes: int = 60 * 24 * 14
    session_max_days: int = 90
    max_body_bytes: int = 2 * 1024 * 1024
    # Log-in / registration attempts allowed per client address and per username per window.
    login_attempts: int = 10
    login_window_seconds: int = 300
    # Log-ins allowed per window from a device that has logged in to the account before (it
    # carries a device cookie and is exempt from the per-username limit).
    device_attempts: int = 5
    # Share-token guesses allowed per client address per window.
    share_attempts: int = 30
    report_paper: Literal["A4", "Letter"] = "A4"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Web Push reminders. The VAPID key file; empty means `<db_path>.vapid.pem` beside the database.
    vapid_file: str = ""
    # The contact push services see: a mailto: address or an https:// host.
    vapid_subject: str = "mailto:waypoint@localhost"
    # Accept http:// push endpoints on 127.0.0.1 / localhost: for local tests only.
    push_allow_local: bool = False
    # How often the scheduler looks for due reminders; 0 turns it off in this process.
    reminder_tick_seconds: float = 60.0
    # An import whose last batch is older than this is taken for dead (a crash) and undone.
    import_abandon_seconds: Annotated[float, msgspec.Meta(gt=0)] = 30.0

    @property
    def key_path(self) -> Path:
        return (
            Path(self.key_file)
            if self.key_file
            else self.db_path.with_name(self.db_path.name + ".key")
        )

    @property
    def public_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        scheme = "https" if self.https else "http"
        return f"{scheme}://{self.host}:{self.port}"


ENV_PREFIX = "WAYPOINT_"


def _decode_path(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, (str, Path)):
        return Path(value)
    raise TypeError(f"cannot convert to {kind}")


def from_env(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from ``WAYPOINT_*`` variables, then apply explicit overrides (CLI flags).

    msgspec converts the strings ("true", "8000", "a,b") into the declared types, so a bad value
    fails here with the setting's name instead of somewhere deep in the app.
    """
    environ = dict(os.environ if environ is None else environ)
    raw: dict[str, Any] = {}
    for field in msgspec.structs.fields(Settings):
        value = environ.get(ENV_PREFIX + field.name.upper())
        if value is None:
            continue
        raw[field.name] = value.split(",") if field.name == "allowed_hosts" else value
    raw.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return msgspec.convert(raw, Settings, strict=False, dec_hook=_decode_path)
    except msgspec.ValidationError as exc:
        raise SystemExit(f"Invalid setting: {exc}") from exc
