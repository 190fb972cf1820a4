"""``/rankings/countries`` and ``/rankings/cells``: who and where emits most."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from methanemap.serve.nationaltable import Basis
from methanemap.serve.rankings import TopCells, TopCountries, top_cells, top_countries
from methanemap.service.answers import CUBE_PROBLEMS, json_answer, problems
from methanemap.service.deps import VersionedSnapshotDep
from methanemap.service.queryparams import (
    Limit,
    LimitsDep,
    OneSector,
    TimeSpanDep,
    Units,
)

router = APIRouter(prefix="/rankings", tags=["rankings"], responses=CUBE_PROBLEMS)

BasisParam = Annotated[
    Basis,
    Query(
        description="Rank by the geographic total (inside the polygons) or the "
        "attributed one (the national table's unit)."
    ),
]


@router.get("/countries", response_model=TopCountries, responses=problems(501))
async def get_top_countries(
    snapshot: VersionedSnapshotDep,
    span: TimeSpanDep,
    sector: OneSector = "total",
    units: Units = None,
    basis: BasisParam = "geographic",
    limit: Limit = 10,
) -> Response:
    """The countries emitting most of a sector over some periods, with intervals."""
    answer = await run_in_threadpool(
        top_countries,
        snapshot,
        sector=sector,
        units=units,
        basis=basis,
        limit=limit,
        **span.args(),
    )
    return json_answer(answer)


@router.get("/cells", response_model=TopCells, responses=problems(413))
async def get_top_cells(
    snapshot: VersionedSnapshotDep,
    limits: LimitsDep,
    span: TimeSpanDep,
    sector: OneSector = "total",
    units: Units = None,
    limit: Limit = 10,
) -> Response:
    """The cells emitting most of a sector over some periods, by mass."""
    answer = await run_in_threadpool(
        top_cells,
        snapshot,
        sector=sector,
        units=units,
        limit=limit,
        limits=limits,
        **span.args(),
    )
    return json_answer(answer)
