"""Wiring only: ``create_app(settings)`` builds the Litestar app from the feature modules."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from litestar import Litestar, get
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from api.domain.crisis import Crisis, load_crisis
from api.domain.guides.crisis_lines import fill_crisis_lines
from api.domain.guides.format import load_guides
from api.errors import EXCEPTION_HANDLERS, log_exception
from api.push import Pusher, Scheduler, load_vapid, vapid_path
from api.routes import (
    accounts,
    assessments,
    calendar,
    entries,
    exports,
    guides,
    imports,
    records,
    reminders,
    safety_plan,
    shared,
    shares,
    treatments,
    trends,
    web,
)
from api.security import (
    CrossSiteWriteMiddleware,
    HeadAsGetMiddleware,
    current_user,
    header_hook,
    require_json_body,
)
from api.settings import Settings
from api.state import AppState, Clock, utc_now
from api.store.encrypt_existing import encrypt_existing
from api.store.engine import open_database
from api.store.guide_search import index_library
from api.store.imports import keep_sweeping
from api.store.secrets import server_secret


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


@contextmanager
def collector_tuned() -> Iterator[None]:
    """The garbage collector set for serving, put back as it was at shutdown.

    What start-up loaded (guides, their index, the routes: ~130 000 objects) lives as long as
    the process, and a full collection scanned all of it in ~70 ms: that was the p99 of every
    route. Frozen, collections scan only what requests make; and a young generation of 10 000
    objects instead of 700 means far fewer collections of requests still in flight, whose
    survivors had set off a full collection every half second under load ("Performance").
    """
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()  # an app made again in this process (the tests) leaves nothing pinned


def create_app(settings: Settings, clock: Clock = utc_now) -> Litestar:
    """The whole application. ``clock`` is injectable so tests can move time (expiry)."""
    app_state = AppState(settings, clock, load_crisis(settings.crisis_file))

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        library = load_guides(settings.guides_dir)  # a broken guide stops start-up
        app_state.db = await open_database(settings)
        app_state.pusher = Pusher(
            load_vapid(vapid_path(settings.db_path, settings.vapid_file)),
            settings.vapid_subject,
            allow_local=settings.push_allow_local,
        )
        await app_state.pusher.start()
        app_state.scheduler = Scheduler(
            app_state.db, app_state.pusher, clock, settings.reminder_tick_seconds
        )
        ticking = (
            asyncio.create_task(app_state.scheduler.run(), name="waypoint-reminders")
            if settings.reminder_tick_seconds > 0
            else None
        )
        sweeping = asyncio.create_task(
            keep_sweeping(app_state.db, clock, settings.import_abandon_seconds),
            name="waypoint-import-sweep",
        )
        try:
            await encrypt_existing(app_state.db, clock())  # databases from before migration 0008
            # Every ::: crisis block shows this deployment's lines (guides, search, family links).
            app_state.guides = fill_crisis_lines(library, app_state.crisis)
            await index_library(app_state.db, app_state.guides)
            app_state.device_key = await app_state.db.write(server_secret, "device-cookies")
            with collector_tuned():
                yield
        finally:
            background = [task for task in (ticking, sweeping) if task is not None]
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await app_state.pusher.close()
            await app_state.db.close()

    app = Litestar(
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
            safety_plan.SafetyPlanController,
            trends.trends,
            guides.GuideController,
            shares.ShareController,
            shared.SharedController,
            exports.ExportController,
            *exports.CSV_ROUTES,
            imports.PortabilityController,
            reminders.push_key,
            reminders.PushSubscriptionController,
            reminders.ReminderController,
            calendar.CalendarLinkController,
            calendar.calendar_feed,
            *web.web_handlers(settings.pwa_dir),
        ],
        dependencies={
            "app_state": Provide(lambda: app_state, use_cache=True, sync_to_thread=False),
            "user": Provide(current_user),
        },
        lifespan=[lifespan],
        state=State({"app_state": app_state}),  # lets a test drive the scheduler
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[DefineMiddleware(CrossSiteWriteMiddleware, base_url=settings.base_url)],
        before_request=require_json_body,
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
            # An error a person can act on (4xx) is one INFO line with no traceback and no
            # submitted value; a 500 is logged at ERROR with its traceback (api/errors.py).
            exception_logging_handler=log_exception,
        ),
        debug=False,
    )
    # Route middleware runs after routing, which answers HEAD on a GET route with 405: HEAD is
    # turned into GET in front of the router instead.
    app.asgi_handler = HeadAsGetMiddleware(app.asgi_handler)
    return app
