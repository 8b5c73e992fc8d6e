"""Fuzzing every operation of the API from its own OpenAPI schema, logged in.

Schemathesis generates requests (valid and invalid) for every operation in ``/api/schema`` and
runs them against the real app in-process, with a live session cookie. Checks:

- ``not_a_server_error``: no input, however odd, gets a 500;
- ``response_schema_conformance``: a response with a documented status code has the documented
  shape (undocumented codes such as 401, 404, 409 and 429 are not checked by it);
- ``ignored_auth``: an operation that needs a session refuses the request without one, or with a
  made-up one. The app's schema declares no security scheme at all, which would make this check a
  no-op, so ``as_designed`` adds the session cookie scheme to every operation that the design
  says is private (all but ``PUBLIC_ROUTES``);
- ``use_after_free``: after a successful DELETE, reading the same record is a 404. It needs a
  sequence of calls, so it runs in a Schemathesis state machine over the versioned-record
  operations (``test_deleted_records_stay_deleted``).

Each operation gets 20 examples (derandomized, so a failure reproduces); a failure prints the
request as a curl command.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from schemathesis.checks import (
    ignored_auth,
    not_a_server_error,
    response_schema_conformance,
    use_after_free,
)
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.generation.stateful.state_machine import DEFAULT_STATE_MACHINE_SETTINGS
from schemathesis.python import asgi

from api.app import create_app
from api.settings import PROJECT_DIR, Settings
from tests.helpers import ENGINES, PASSWORD, PUBLIC_ROUTES, empty_journal, empty_pg_database

pytestmark = pytest.mark.slow
Case = schemathesis.Case[Any]

COOKIE = "waypoint_session"
PLACEHOLDER = "replaced-by-the-live-session-cookie"
USERNAME = "fuzzer"
RECORD_PATHS = r"/api/(entries|treatments|assessments)/\{record_id\}"


def _structs(cls: type[msgspec.Struct]) -> Iterator[type[msgspec.Struct]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _structs(sub)


API_STRUCTS = {
    cls.__name__: cls for cls in _structs(msgspec.Struct) if cls.__module__.startswith("api.")
}
FUZZ = settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def as_designed(raw: dict[str, Any]) -> dict[str, Any]:
    """The app's schema plus three things the app does that its schema leaves out:

    - the session cookie, as the security of every private operation (without it
      ``ignored_auth`` has nothing to check);
    - ``201`` on the versioned-record PUTs, which answer 201 when they create (only 200 is
      documented; Schemathesis follows links from a documented response only, so without this
      a created record is never read or deleted again and ``use_after_free`` has nothing to
      check);
    - ``additionalProperties: false`` on bodies whose Struct has ``forbid_unknown_fields``
      (otherwise most "valid" generated bodies carry an extra field and are rightly refused, and
      little valid data reaches the handlers).
    """
    raw = copy.deepcopy(raw)
    for name, component in raw["components"]["schemas"].items():
        struct = API_STRUCTS.get(name)
        if struct is not None and struct.__struct_config__.forbid_unknown_fields:
            component["additionalProperties"] = False
    raw.setdefault("components", {})["securitySchemes"] = {
        "session": {"type": "apiKey", "in": "cookie", "name": COOKIE}
    }
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            if (method.upper(), path) not in PUBLIC_ROUTES:
                operation["security"] = [{"session": []}]
            if method == "put" and re.fullmatch(RECORD_PATHS, path):
                # first: Schemathesis infers links from an operation's first 2xx response only
                responses = operation["responses"]
                operation["responses"] = {"201": responses["200"], **responses}
    return raw


class Session:
    """The fuzzing user's session, renewed when a fuzzed request ends it (``DELETE /api/session``
    is one of the operations under test)."""

    def __init__(self, app: Any, db_path: Path | Settings) -> None:
        self.app = app
        self.db_path = db_path
        self.cookie = ""

    def start(self) -> None:
        with asgi.get_client(self.app) as client:
            response = client.post(
                "/api/account", json={"username": USERNAME, "password": PASSWORD}
            )
            assert response.status_code == 201, response.text
            self.cookie = response.cookies.get(COOKIE) or ""

    def empty_journal(self) -> None:
        empty_journal(self.db_path)

    def live_cookie(self) -> str:
        with asgi.get_client(self.app) as client:
            client.cookies.set(COOKIE, self.cookie)
            if client.get("/api/account").status_code == 401:
                login = {"username": USERNAME, "password": PASSWORD}
                response = client.post("/api/session", json=login)
                assert response.status_code == 200, response.text
                self.cookie = response.cookies.get(COOKIE) or ""
        return self.cookie


def settings_for(db_path: Path, database_url: str = "") -> Settings:
    # Registration and log-in are fuzzed too; the rate limits would turn them into 429s after
    # ten tries, so they are raised here (their behaviour has its own tests).
    return Settings(
        db_path=db_path,
        database_url=database_url,
        guides_dir=PROJECT_DIR / "guides",
        login_attempts=1_000_000,
        share_attempts=1_000_000,
    )


def app_for(db_path: Path) -> Litestar:
    return create_app(settings_for(db_path))


class LiveApp:
    """The ASGI app Schemathesis calls: it forwards to the app the ``session`` fixture started.

    Schemathesis needs its app when tests are collected, but the real one belongs on a temporary
    database that only exists once the fixture runs. Schemathesis runs this app's lifespan (and so
    the real app's: the database opens in it) on first use and ends it in the fixture's teardown.
    (``schemathesis.pytest.from_fixture`` would load the schema from a fixture instead, but in
    Schemathesis 4.32 it reads ``request.node._nodeid``, which pytest 9 no longer has.)
    """

    def __init__(self) -> None:
        self.target: Litestar | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.target is not None, "the session fixture has not started the app"
        await self.target(scope, receive, send)


# The schema is built in memory, without opening a database at collection time; the fixture
# checks that the running app serves exactly this schema.
APP_SCHEMA = app_for(Path("not-opened.sqlite3")).openapi_schema.to_schema()
LIVE_APP = LiveApp()
schema = schemathesis.openapi.from_dict(as_designed(APP_SCHEMA))
schema.app = LIVE_APP
schema.config.update(base_url="http://testserver")


@schema.auth(refresh_interval=None)
class SessionCookie:
    """Marks every generated request as logged in (Schemathesis then knows the cookie is real
    credentials, which ``ignored_auth`` needs). Some cases are generated while tests are
    collected, before the app runs, so the value is a placeholder until the request is sent."""

    def get(self, _case: Case, _ctx: schemathesis.AuthContext) -> str:
        return PLACEHOLDER

    def set(self, case: Case, data: str, _ctx: schemathesis.AuthContext) -> None:
        case.cookies = {**(case.cookies or {}), COOKIE: data}


def log_in(case: Case, session: Session) -> None:
    """Swap the placeholder for the live session cookie."""
    if case.cookies and case.cookies.get(COOKIE) == PLACEHOLDER:
        case.cookies[COOKIE] = session.live_cookie()


@pytest.fixture(scope="module", params=ENGINES)
def session(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Session]:
    """The app on a fresh database (a SQLite file, then PostgreSQL), Schemathesis pointed at it,
    and the fuzzing user's session."""
    db_path = tmp_path_factory.mktemp("fuzz") / "waypoint.sqlite3"
    url = (
        empty_pg_database(request.getfixturevalue("postgres"))
        if request.param == "postgresql"
        else ""
    )
    settings = settings_for(db_path, url)
    LIVE_APP.target = create_app(settings)
    try:
        with asgi.get_client(LIVE_APP) as client:
            assert client.get("/api/schema/openapi.json").json() == APP_SCHEMA
        fuzzing_user = Session(LIVE_APP, settings)
        fuzzing_user.start()
        yield fuzzing_user
    finally:
        asgi.shutdown_lifespans()  # closes the database
        LIVE_APP.target = None


@schema.parametrize()
@FUZZ
def test_every_operation(case: Case, session: Session) -> None:
    log_in(case, session)
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, ignored_auth])


def test_deleted_records_stay_deleted(session: Session) -> None:
    """Sequences of PUT, GET and DELETE on the versioned records, following the links
    Schemathesis infers between them: a record read back after its DELETE must be a 404."""
    records = schema.include(path_regex=f"^{RECORD_PATHS}$")

    class LoggedInWorkflow(records.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            session.empty_journal()  # every scenario starts from the same state

        def before_call(self, case: Case) -> None:
            log_in(case, session)

        def validate_response(
            self,
            response: schemathesis.Response,
            case: Case,
            additional_checks: list[schemathesis.CheckFunction] | None = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance, use_after_free],
                additional_checks=additional_checks,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    run_state_machine_as_test(
        LoggedInWorkflow,
        # Schemathesis's own settings for state machines (generate only: its transitions draw
        # true randomness and depend on the server's state, which replaying cannot reproduce).
        settings=settings(
            DEFAULT_STATE_MACHINE_SETTINGS,
            max_examples=60,
            stateful_step_count=15,
            database=None,
        ),
    )
