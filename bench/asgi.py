"""The app for ASGI servers started by their own command line (uvicorn, granian).

``waypoint serve`` builds the app from its flags; other servers import a module instead, so this
one builds ``Settings`` from the ``WAYPOINT_*`` environment when imported (a benchmark's choice:
the app itself never reads the environment at import time).

    WAYPOINT_DB_PATH=bench.sqlite3 uvicorn bench.asgi:app
    WAYPOINT_DB_PATH=bench.sqlite3 granian --interface asgi --factory bench.asgi:make_app
"""

from __future__ import annotations

from litestar import Litestar

from api.app import create_app
from api.settings import from_env


def make_app() -> Litestar:
    return create_app(from_env())


app = make_app()
