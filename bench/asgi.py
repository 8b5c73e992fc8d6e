"""The app for ASGI servers started by their own command line (uvicorn, granian).

``waypoint serve`` builds the app from its flags; other servers import a module instead, so this
one builds ``Settings`` from the ``WAYPOINT_*`` environment when imported (a benchmark's choice:
the app itself never reads the environment at import time).

    WAYPOINT_DB_PATH=bench.sqlite3 uvicorn bench.asgi:app
    WAYPOINT_DB_PATH=bench.sqlite3 granian --interface asgi --factory bench.asgi:make_app
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from litestar import Litestar

from api.app import create_app
from api.settings import Settings, from_env

PATH_SETTINGS = ("db_path", "guides_dir", "pwa_dir")


def settings_from_env() -> Settings:
    """``from_env``, with the path settings handed over as ``Path`` objects: msgspec's
    ``convert`` does not turn a string into a ``Path``, so ``WAYPOINT_DB_PATH`` alone fails."""
    environ = dict(os.environ)
    paths = {
        name: Path(environ.pop(f"WAYPOINT_{name.upper()}"))
        for name in PATH_SETTINGS
        if f"WAYPOINT_{name.upper()}" in environ
    }
    return from_env(environ, **paths)


def make_app() -> Litestar:
    return create_app(settings_from_env())


if "uvicorn" in sys.modules or "granian" in sys.modules:  # imported by a server
    app = make_app()
