"""``GET /tiles/{z}/{x}/{y}.png``: map tiles of one sector in one period."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from methanemap.serve.colour import transparent_png
from methanemap.serve.tiles import render, validate_tile
from methanemap.service.caching import cache_headers, etag_for, etag_matches
from methanemap.service.deps import FieldCacheDep, SettingsDep, SnapshotDep

router = APIRouter(tags=["tiles"])

PNG_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {"image/png": {}},
        "description": "The tile; fully transparent where there is no emission.",
    },
    304: {"description": "The tile named by If-None-Match is still current."},
}


@router.get("/tiles/{z}/{x}/{y}.png", response_class=Response, responses=PNG_RESPONSES)
def get_tile(
    request: Request,
    snapshot: SnapshotDep,
    settings: SettingsDep,
    fields: FieldCacheDep,
    z: Annotated[int, Path(description="Zoom level of the WebMercatorQuad set.")],
    x: Annotated[int, Path(description="Tile column, 0 at the antimeridian (west).")],
    y: Annotated[int, Path(description="Tile row, 0 at the north edge.")],
    sector: Annotated[
        str, Query(description="coal, oil, gas or total.", max_length=16)
    ] = "total",
    period: Annotated[
        str | None,
        Query(
            description="Period id like 2022-P05, or an ISO date inside the period; "
            "the latest period when absent.",
            max_length=32,
        ),
    ] = None,
    colormap: Annotated[
        str, Query(description="A colormap name of the cmap catalogue.", max_length=64)
    ] = "viridis",
    vmin: Annotated[
        float | None,
        Query(
            description="Value (t per cell per period) at the low end of the colormap; "
            "default: 0 on the linear scale; on the log scale the 1st percentile of "
            "the latest period's non-zero cells, at most a thousandth of vmax.",
            allow_inf_nan=False,
        ),
    ] = None,
    vmax: Annotated[
        float | None,
        Query(
            description="Value (t per cell per period) at the high end of the "
            "colormap; default: the 99.5th percentile of the latest period.",
            allow_inf_nan=False,
        ),
    ] = None,
    scale: Annotated[
        str, Query(description="log or linear mapping of values to colours.")
    ] = "log",
) -> Response:
    """A map tile (PNG) of one sector's CH4 emission in one 8-day period."""
    tile = validate_tile(
        snapshot,
        z,
        x,
        y,
        sector=sector,
        period=period,
        colormap=colormap,
        vmin=vmin,
        vmax=vmax,
        scale=scale,
        max_zoom=settings.max_zoom,
    )
    headers = cache_headers(
        etag_for(snapshot.version, tile.key()), settings.tile_max_age
    )
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)

    # An empty tile is a transparent PNG with 200, not 204: map clients and tile
    # caches then treat every tile alike.
    png = render(snapshot, tile, fields) or transparent_png(tile.size)
    return Response(png, media_type="image/png", headers=headers)
