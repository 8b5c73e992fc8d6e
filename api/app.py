"""Wiring only: ``create_app(settings)`` builds the Litestar app from the feature modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.compression import CompressionConfig
from litestar.di import NamedDependency, Provide
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from api.domain.crisis import Crisis, load_crisis
from api.domain.errors import DomainError
from api.domain.guides.format import load_guides
from api.errors import EXCEPTION_HANDLERS
from api.routes import (
    accounts,
    assessments,
    entries,
    exports,
    guides,
    imports,
    records,
    shared,
    shares,
    treatments,
    trends,
    web,
)
from api.security import CrossSiteWriteMiddleware, current_user, header_hook
from api.settings import Settings
from api.state import AppState, Clock, utc_now
from api.store.db import Database
from api.store.guide_search import index_library
from api.store.records import encrypt_existing


@get("/healthz", tags=["ops"], summary="Liveness: the process answers and the database opens")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/api/crisis",
    tags=["safety"],
    summary="Crisis resources of this deployment (public; the web app caches them for offline)",
    cache_control=None,
)
async def crisis_resources(app_state: NamedDependency[AppState]) -> Crisis:
    return app_state.crisis


def create_app(settings: Settings, clock: Clock = utc_now) -> Litestar:
    """The whole application. ``clock`` is injectable so tests can move time (expiry)."""
    app_state = AppState(settings, clock, load_crisis(settings.crisis_file))

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        library = load_guides(settings.guides_dir)  # a broken guide stops start-up
        app_state.db = await Database.open(settings.db_path, settings.key_path)
        try:
            await encrypt_existing(app_state.db, clock())  # databases from before migration 0005
            await index_library(app_state.db, library)
            app_state.guides = library
            yield
        finally:
            await app_state.db.close()

    return Litestar(
        route_handlers=[
            healthz,
            crisis_resources,
            accounts.AccountController,
            accounts.SessionController,
            *records.RECORD_CONTROLLERS,
            entries.list_entries,
            treatments.list_treatments,
            assessments.list_assessments,
            assessments.list_instruments,
            records.ChangesController,
            trends.trends,
            guides.GuideController,
            shares.ShareController,
            shared.SharedController,
            exports.ExportController,
            *exports.CSV_ROUTES,
            imports.PortabilityController,
            *web.web_handlers(settings.pwa_dir),
        ],
        dependencies={
            "app_state": Provide(lambda: app_state, use_cache=True, sync_to_thread=False),
            "user": Provide(current_user),
        },
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[CrossSiteWriteMiddleware],
        before_send=[header_hook(settings)],
        allowed_hosts=AllowedHostsConfig(allowed_hosts=list(settings.allowed_hosts)),
        # Level 9 costs ten times level 5 for a few percent smaller JSON (measured in bench/).
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, gzip_compress_level=5
        ),
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Waypoint API",
            version="1",
            path="/api/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="always",
            # Errors a person can act on are logged as one line, without a traceback.
            disable_stack_trace={400, 401, 403, 404, 405, 409, 413, 422, 429, DomainError},
        ),
        debug=False,
    )
