"""The researchers' query routes in one router: areas, countries and reconciliation,
rankings, subsets and OGC API - EDR. At start it indexes the served cube version's
attribution in the background, so that the first country query need not wait.
"""

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from methanemap.errors import MethanemapError
from methanemap.serve.countries import country_index
from methanemap.service.cube import CubeHolder
from methanemap.service.routes import areas, countries, edr, rankings, subsets
from methanemap.store import CubeSnapshot

log = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    holder: CubeHolder = app.state.cube
    try:
        snapshot = holder.current()
    except MethanemapError:
        snapshot = None
    if snapshot is not None and snapshot.attribution is not None:
        threading.Thread(
            target=_index, args=(snapshot,), name="methanemap-index", daemon=True
        ).start()
    yield


def _index(snapshot: CubeSnapshot) -> None:
    """Build the indexes of a cube version; a failure only costs the first query."""
    try:
        country_index(snapshot)
    except (MethanemapError, NotImplementedError) as error:
        log.warning("could not index cube version %s: %s", snapshot.version, error)


router = APIRouter(lifespan=_lifespan)
for module in (areas, countries, rankings, subsets, edr):
    router.include_router(module.router)
