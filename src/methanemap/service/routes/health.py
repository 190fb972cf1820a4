"""``GET /healthz`` (ready and serving this version, or 503) and ``GET /readyz``.

Both answer 503 while no cube version is open, so a load balancer sends no traffic to
a worker that cannot answer; ``/livez`` only says that the process runs.
"""

from typing import TypedDict

from fastapi import APIRouter

from methanemap.service.answers import CUBE_PROBLEMS
from methanemap.service.deps import SnapshotDep

router = APIRouter(tags=["health"])


class Health(TypedDict):
    """The service is up and serves this cube version."""

    status: str
    version: str
    periods: int


@router.get("/livez")
def get_live() -> dict[str, str]:
    """The process is up (whether or not it has a cube to serve)."""
    return {"status": "alive"}


@router.get("/readyz", response_model=Health, responses=CUBE_PROBLEMS)
@router.get("/healthz", response_model=Health, responses=CUBE_PROBLEMS)
def get_health(snapshot: SnapshotDep) -> Health:
    """Ok and the cube version served; 503 while there is no cube."""
    return {
        "status": "ok",
        "version": snapshot.version,
        "periods": snapshot.ds.sizes["time"],
    }
