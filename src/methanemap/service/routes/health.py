"""``GET /healthz``: whether the service has a cube to answer from, and its version."""

from typing import TypedDict

from fastapi import APIRouter

from methanemap.service.deps import SnapshotDep

router = APIRouter(tags=["health"])


class Health(TypedDict):
    """The service is up and serves this cube version."""

    status: str
    version: str
    periods: int


@router.get("/healthz", response_model=Health)
def get_health(snapshot: SnapshotDep) -> Health:
    """Ok and the cube version served; 503 while there is no cube."""
    return {
        "status": "ok",
        "version": snapshot.version,
        "periods": snapshot.ds.sizes["time"],
    }
