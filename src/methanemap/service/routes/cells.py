"""``GET /cells`` and ``GET /cells/history``: emission in the cell under a point."""

from typing import Annotated

from fastapi import APIRouter, Query

from methanemap.serve.cells import CellHistory, CellValues, cell_history, cell_values
from methanemap.service.deps import FieldCacheDep, SnapshotDep

router = APIRouter(tags=["cells"])

Lat = Annotated[
    float,
    Query(
        ge=-90,
        le=90,
        allow_inf_nan=False,
        description="Latitude of the point, degrees north (-90 to 90).",
    ),
]
Lon = Annotated[
    float,
    Query(
        ge=-180,
        le=180,
        allow_inf_nan=False,
        description="Longitude of the point, degrees east (-180 to 180; 180 is -180).",
    ),
]
Period = Annotated[
    str | None,
    Query(
        description="Period id like 2022-P05, or an ISO date inside the period; the "
        "latest period when absent.",
        max_length=32,
    ),
]


@router.get("/cells", response_model=CellValues)
def get_cell(
    snapshot: SnapshotDep,
    fields: FieldCacheDep,
    lat: Lat,
    lon: Lon,
    period: Period = None,
) -> CellValues:
    """Each sector's CH4 emission (t) in the cell containing a point, in one period."""
    return cell_values(snapshot, lon, lat, period, cache=fields)


@router.get("/cells/history", response_model=CellHistory)
def get_cell_history(snapshot: SnapshotDep, lat: Lat, lon: Lon) -> CellHistory:
    """Each sector's CH4 emission (t) in the cell containing a point, every period."""
    return cell_history(snapshot, lon, lat)
