"""``/edr/...``: OGC API - Environmental Data Retrieval (position, area and cube
queries of the ``emissions`` collection, answered in CoverageJSON).
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from methanemap.errors import NotInCubeError, QueryError
from methanemap.serve.catalog import cube_grid
from methanemap.serve.cells import cell_history
from methanemap.serve.coverage import parameter_sectors, window_values
from methanemap.serve.geometry import parse_bbox, polygon_area
from methanemap.serve.timespan import select_span
from methanemap.service import edr
from methanemap.service.answers import (
    CUBE_PROBLEMS,
    OpenApiResponses,
    json_answer,
    problems,
)
from methanemap.service.deps import VersionedSnapshotDep
from methanemap.service.queryparams import LimitsDep

router = APIRouter(prefix="/edr", tags=["OGC API - EDR"])

TOO_LARGE = problems(413)

CollectionId = Annotated[
    str,
    Path(
        alias="collectionId",
        description="The collection: emissions.",
        examples=["emissions"],
    ),
]
EdrDatetime = Annotated[
    str | None,
    Query(
        description="An instant or interval (`start/end`, `../end`, `start/..`); the "
        "latest period when absent (position: every period).",
        max_length=80,
        examples=["2022-01-01/2022-03-31"],
    ),
]
ParameterName = Annotated[
    str | None,
    Query(
        alias="parameter-name",
        description="Comma-separated parameters (emission_coal, emission_oil, "
        "emission_gas, emission_total); all when absent.",
        max_length=200,
        examples=["emission_coal,emission_gas"],
    ),
]
OutputFormat = Annotated[
    str | None,
    Query(
        alias="f",
        description="Output format: CoverageJSON (the only one).",
        max_length=20,
        examples=["CoverageJSON"],
    ),
]
Crs = Annotated[
    str | None,
    Query(
        description="Coordinate reference system: CRS84 (the only one).",
        max_length=80,
        examples=["CRS84"],
    ),
]
Z = Annotated[
    str | None,
    Query(
        description="Vertical level: the cube has none; ignored.",
        max_length=40,
        examples=["0"],
    ),
]
CovJson: OpenApiResponses = {
    200: {"content": {edr.COVJSON: {}}, "description": "CoverageJSON."},
    **CUBE_PROBLEMS,
}


@dataclass(frozen=True)
class EdrQuery:
    """What the position, area and cube queries share, once checked."""

    datetime: str | None
    parameter_name: str | None


async def edr_query(
    collection_id: CollectionId,
    datetime: EdrDatetime = None,
    parameter_name: ParameterName = None,
    f: OutputFormat = None,
    crs: Crs = None,
    z: Z = None,
) -> EdrQuery:
    """The shared parameters of a data query, its collection, format and CRS checked."""
    _check_request(collection_id, f, crs)
    return EdrQuery(datetime, parameter_name)


EdrQueryDep = Annotated[EdrQuery, Depends(edr_query)]


@router.get("")
async def get_landing(request: Request) -> Response:
    """The EDR landing page."""
    return json_answer(edr.landing_page(_root(request)))


@router.get("/conformance")
async def get_conformance() -> Response:
    """The conformance classes implemented."""
    return json_answer(edr.conformance())


@router.get("/collections", responses=CUBE_PROBLEMS)
async def get_collections(request: Request, snapshot: VersionedSnapshotDep) -> Response:
    """The collections: one, ``emissions``."""
    return json_answer(edr.collections(snapshot, _root(request)))


@router.get("/collections/{collectionId}", responses=CUBE_PROBLEMS)
async def get_collection(
    request: Request, snapshot: VersionedSnapshotDep, collection_id: CollectionId
) -> Response:
    """The ``emissions`` collection: extent, parameters and queries."""
    _check_collection(collection_id)
    return json_answer(edr.collection(snapshot, _root(request)))


@router.get("/collections/{collectionId}/position", responses=CovJson)
async def get_position(
    snapshot: VersionedSnapshotDep,
    query: EdrQueryDep,
    coords: Annotated[
        str,
        Query(
            description="WKT point, lon lat: POINT(lon lat).",
            max_length=200,
            examples=["POINT(112.55 37.85)"],
        ),
    ],
) -> Response:
    """The cell containing a point, period by period, as a CoverageJSON PointSeries."""
    lon, lat = edr.parse_point(coords)
    sectors = parameter_sectors(snapshot, query.parameter_name)
    history = await run_in_threadpool(
        cell_history, snapshot, lon, lat, datetime=query.datetime
    )
    return json_answer(edr.point_series(snapshot, history, sectors), edr.COVJSON)


@router.get("/collections/{collectionId}/area", responses={**CovJson, **TOO_LARGE})
async def get_area(
    snapshot: VersionedSnapshotDep,
    limits: LimitsDep,
    query: EdrQueryDep,
    coords: Annotated[
        str,
        Query(
            description="WKT polygon or multipolygon in lon lat; longitudes beyond "
            "+-180 cross the antimeridian.",
            max_length=20_000,
            examples=["POLYGON((110 34, 115 34, 115 41, 110 41, 110 34))"],
        ),
    ],
) -> Response:
    """The cells a polygon touches (others null), as a CoverageJSON Grid."""
    geometry = edr.parse_polygon(coords)

    def answer() -> dict[str, Any]:
        span = select_span(snapshot, datetime=query.datetime)
        sectors = parameter_sectors(snapshot, query.parameter_name)
        area = polygon_area(geometry, cube_grid(snapshot), limits)
        box = edr.wrapped_bbox(area.bbox)
        window = window_values(snapshot, box, sectors, span, limits, area)
        return edr.grid(snapshot, window)

    return json_answer(await run_in_threadpool(answer), edr.COVJSON)


@router.get("/collections/{collectionId}/cube", responses={**CovJson, **TOO_LARGE})
async def get_cube(
    snapshot: VersionedSnapshotDep,
    limits: LimitsDep,
    query: EdrQueryDep,
    bbox: Annotated[
        str,
        Query(
            description="west,south,east,north in degrees (west > east crosses the "
            "antimeridian).",
            max_length=120,
            examples=["110,34,115,41"],
        ),
    ],
) -> Response:
    """The cells of a bbox over some periods, as a CoverageJSON Grid."""

    def answer() -> dict[str, Any]:
        box = parse_bbox(bbox)
        span = select_span(snapshot, datetime=query.datetime)
        sectors = parameter_sectors(snapshot, query.parameter_name)
        return edr.grid(snapshot, window_values(snapshot, box, sectors, span, limits))

    return json_answer(await run_in_threadpool(answer), edr.COVJSON)


def _check_collection(collection_id: str) -> None:
    if collection_id != edr.COLLECTION:
        raise NotInCubeError(
            f"collection {collection_id!r} does not exist; the only one is "
            f"{edr.COLLECTION!r}",
            parameter="collectionId",
        )


def _check_request(collection_id: str, f: str | None, crs: str | None) -> None:
    _check_collection(collection_id)
    if f is not None and f.lower() not in ("coveragejson", "covjson"):
        raise QueryError(
            f"f {f!r} is not an output format of this collection; the only one is "
            "CoverageJSON",
            parameter="f",
        )
    if crs is not None and crs not in ("CRS84", edr.CRS84, "EPSG:4326"):
        raise QueryError(
            f"crs {crs!r} is not supported; the only one is CRS84", parameter="crs"
        )


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/edr"
