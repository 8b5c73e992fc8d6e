"""Wiring only: ``create_app(settings)`` builds the Litestar app from the feature modules."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.compression import CompressionConfig
from litestar.di import NamedDependency, Provide
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from api import (
    accounts,
    assessments,
    crisis,
    entries,
    exports,
    guides,
    portability,
    progress,
    records,
    sharing,
    treatments,
    web,
)
from api.db import Database
from api.errors import Conflict, conflict_response
from api.security import CrossSiteWriteMiddleware, header_hook
from api.services import Services, current_user
from api.sessions import Clock, utc_now
from api.settings import Settings


@get("/healthz", tags=["ops"], summary="Liveness: the process answers and the database opens")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/api/crisis",
    tags=["safety"],
    summary="Crisis resources of this deployment (public; the web app caches them for offline)",
    cache_control=None,
)
async def crisis_resources(services: NamedDependency[Services]) -> crisis.Crisis:
    return services.crisis


def create_app(settings: Settings, clock: Clock = utc_now) -> Litestar:
    """The whole application. ``clock`` is injectable so tests can move time (expiry)."""
    services = Services(settings, clock, crisis.load_crisis(settings.crisis_file))

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        library = guides.load_guides(settings.guides_dir)  # a broken guide stops start-up
        services.db = await Database.open(settings.db_path)
        try:
            services.guides = await guides.start(services.db, library, services.crisis)
            yield
        finally:
            await services.db.close()

    return Litestar(
        route_handlers=[
            healthz,
            crisis_resources,
            accounts.AccountController,
            accounts.SessionController,
            entries.EntryController,
            treatments.TreatmentController,
            records.ChangesController,
            assessments.AssessmentController,
            assessments.list_instruments,
            progress.trends,
            guides.GuideController,
            sharing.ShareController,
            sharing.SharedController,
            exports.ExportController,
            portability.PortabilityController,
            *web.web_handlers(settings.pwa_dir),
        ],
        dependencies={
            "services": Provide(lambda: services, use_cache=True, sync_to_thread=False),
            "user": Provide(current_user),
        },
        lifespan=[lifespan],
        exception_handlers={Conflict: conflict_response},
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
            disable_stack_trace={400, 401, 403, 404, 405, 409, 413, 422, 429},
        ),
        debug=False,
    )


logging.getLogger("aiosqlite").setLevel(logging.WARNING)
