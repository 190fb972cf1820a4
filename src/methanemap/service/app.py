"""The FastAPI application: settings in, routes and error table on, cube opened.

Run it with ``methanemap serve`` or ``gunicorn -c api/gunicorn.conf.py``, which add the
server's guards on request heads (`methanemap.service.server`). Plain ``uvicorn
methanemap.service.app:create_app --factory`` (or the module-level
``methanemap.service.app:app``, built on first use) serves it without them. The cube
location is the ``store`` setting (``METHANEMAP_STORE``).
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from importlib.metadata import PackageNotFoundError, version

import anyio.to_thread
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from methanemap.config import Settings, get_settings
from methanemap.errors import MethanemapError
from methanemap.logs import configure
from methanemap.serve.fields import FieldCache, cache_from_settings
from methanemap.serve.tiles import warm_up
from methanemap.service import admin, metrics
from methanemap.service.answers import REQUEST_PROBLEMS
from methanemap.service.cube import CubeHolder, watch
from methanemap.service.errors import install_error_handlers
from methanemap.service.guard import QuerySlot, QuerySlots, RequestGuardMiddleware
from methanemap.service.middleware import RequestLogMiddleware
from methanemap.service.routes import (
    catalog,
    cells,
    health,
    ogc,
    outlines,
    queries,
    tiles,
    versions,
    zarr,
)
from methanemap.service.web import find_web_dir, mount_web
from methanemap.store import CubeSnapshot

log = logging.getLogger(__name__)

#: Request headers browsers may send from other origins: conditional and range reads
#: (map clients, zarr.js), GeoJSON bodies, request ids.
CORS_REQUEST_HEADERS = [
    "Accept",
    "Content-Type",
    "If-None-Match",
    "If-Range",
    "Range",
    "X-Request-ID",
]
#: Answer headers browser scripts may read (CORS exposes few by default).
CORS_EXPOSED_HEADERS = [
    "Content-Length",
    "Content-Range",
    "ETag",
    "Retry-After",
    "X-Methanemap-Version",
    "X-Request-ID",
]
#: Seconds a browser may reuse a preflight answer.
CORS_MAX_AGE = 600


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new service application.

    Parameters
    ----------
    settings
        Settings to run with; those of the environment (`get_settings`) if None.
    """
    settings = get_settings() if settings is None else settings
    app = FastAPI(
        title="methanemap",
        summary="Fossil CH4 emissions on a global 0.1 degree grid in 8-day periods.",
        version=_package_version(),
        lifespan=_lifespan,
        responses=REQUEST_PROBLEMS,  # the guard's answers, declared for every route
    )
    app.state.settings = settings
    app.state.cube = CubeHolder(settings.store)
    app.state.fields = cache_from_settings()

    app.state.query_slots = QuerySlots(
        settings.max_concurrent_queries, settings.query_wait
    )

    _add_middleware(app, settings)
    for module in (tiles, ogc, cells, catalog, versions, outlines, health):
        app.include_router(module.router)
    # Area, country, ranking, subset and EDR queries can each take a while: bounded.
    app.include_router(queries.router, dependencies=[QuerySlot])
    app.include_router(zarr.router)
    app.include_router(metrics.router)
    if settings.admin_token is not None:
        app.include_router(admin.router)
    mount_web(app, find_web_dir(settings.web_dir))
    return app


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Outermost first: request log, CORS, guard, gzip, then the error answers."""
    install_error_handlers(app)
    # JSON and NPY shrink several times; PNG and WebP are compressed already.
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=5)
    app.add_middleware(RequestGuardMiddleware, settings=settings)
    # Outside the guard, so that browsers may read its refusals too.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[
            o.strip() for o in settings.cors_origins.split(",") if o.strip()
        ],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=CORS_REQUEST_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
        max_age=CORS_MAX_AGE,
    )
    app.add_middleware(RequestLogMiddleware)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the cube once at start; a missing cube is a warning, answered with 503."""
    if not logging.getLogger().handlers:
        configure()
    holder: CubeHolder = app.state.cube
    # Requests queue for a few threads in order rather than dozens of threads taking
    # turns at the interpreter lock (README, Running it as a service: Load).
    threads = anyio.to_thread.current_default_thread_limiter()
    threads.total_tokens = app.state.settings.worker_threads
    snapshot = await run_in_threadpool(holder.open)
    if snapshot is not None:
        await run_in_threadpool(_warm_up, snapshot, app.state.fields)
    interval = app.state.settings.reload_interval
    watcher = asyncio.create_task(watch(holder, interval)) if interval > 0 else None
    yield
    if watcher is not None:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


def _warm_up(snapshot: CubeSnapshot, fields: FieldCache) -> None:
    """Start the cube reader before the first request; a failure only costs speed."""
    try:
        warm_up(snapshot, fields)
    except MethanemapError as error:
        log.warning("could not warm up the tile renderer: %s", error)


def _package_version() -> str:
    try:
        return version("methanemap")
    except PackageNotFoundError:
        return "0+unknown"


@cache
def _default_app() -> FastAPI:
    return create_app()


def __getattr__(name: str) -> FastAPI:
    # `methanemap.service.app:app` for servers that want an instance, built on first
    # use so that importing this module reads no settings.
    if name == "app":
        return _default_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
