"""``GET /periods``: the periods and sectors a client may ask for."""

from fastapi import APIRouter

from methanemap.serve.catalog import Catalog, catalog
from methanemap.service.answers import CUBE_PROBLEMS
from methanemap.service.deps import SnapshotDep

router = APIRouter(tags=["catalog"], responses=CUBE_PROBLEMS)


@router.get("/periods", response_model=Catalog)
def get_periods(snapshot: SnapshotDep) -> Catalog:
    """The cube's 8-day periods (oldest first) and its sectors with their units."""
    return catalog(snapshot)
