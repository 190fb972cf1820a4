"""``GET /countries.geojson``: country outlines for the web map, from Natural Earth."""

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from methanemap.errors import InputError
from methanemap.serve.outlines import country_outlines
from methanemap.service.answers import problems
from methanemap.service.deps import SettingsDep
from methanemap.service.errors import Problem, problem_response

router = APIRouter(tags=["countries"])

GEOJSON = "application/geo+json"
#: Without its input the outlines are unavailable, not broken: the map works without.
UNAVAILABLE = Problem(503, "outlines-unavailable", "Country outlines unavailable")


@router.get(
    "/countries.geojson",
    response_class=Response,
    responses={
        200: {"content": {GEOJSON: {}}, "description": "A FeatureCollection."},
        503: {
            **problems(503)[503],
            "description": "The Natural Earth input is not available here.",
        },
    },
)
async def get_country_outlines(settings: SettingsDep) -> Response:
    """Country outlines (Natural Earth 1:110m, simplified) as GeoJSON."""
    try:
        body = await run_in_threadpool(country_outlines, settings.data_mirror)
    except InputError as error:
        return problem_response(UNAVAILABLE, str(error))
    return Response(
        body, media_type=GEOJSON, headers={"Cache-Control": "public, max-age=86400"}
    )
