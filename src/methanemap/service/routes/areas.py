"""``GET /areas`` (a bbox) and ``POST /areas`` (a GeoJSON polygon): the CH4 emitted
inside an area per sector and period, with intervals.
"""

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from methanemap.serve.areas import AreaTotals, bbox_totals, polygon_totals
from methanemap.service.answers import CUBE_PROBLEMS, json_answer, problems
from methanemap.service.deps import SettingsDep, VersionedSnapshotDep
from methanemap.service.geojson import OPENAPI_BODY, read_geojson
from methanemap.service.queryparams import Bbox, LimitsDep, SelectionDep

router = APIRouter(tags=["areas"], responses={**CUBE_PROBLEMS, **problems(413)})


@router.get("/areas", response_model=AreaTotals)
async def get_area(
    snapshot: VersionedSnapshotDep,
    limits: LimitsDep,
    bbox: Bbox,
    selection: SelectionDep,
) -> Response:
    """CH4 emitted in a bbox per sector and period, with 95 % intervals."""
    answer = await run_in_threadpool(
        bbox_totals,
        snapshot,
        bbox,
        limits=limits,
        **selection.args(),
    )
    return json_answer(answer)


@router.post("/areas", response_model=AreaTotals, openapi_extra=OPENAPI_BODY)
async def post_area(
    request: Request,
    snapshot: VersionedSnapshotDep,
    settings: SettingsDep,
    limits: LimitsDep,
    selection: SelectionDep,
) -> Response:
    """CH4 emitted in a GeoJSON (multi)polygon per sector and period, with intervals."""
    geometry = await read_geojson(request, settings.max_body_bytes)
    answer = await run_in_threadpool(
        polygon_totals,
        snapshot,
        geometry,
        limits=limits,
        **selection.args(),
    )
    return json_answer(answer)
