"""``GET /tiles/{z}/{x}/{y}.{format}``, ``/tiles/tilejson.json``, ``/tiles/legend.*``:
map tiles of one layer, the TileJSON that lets web map clients find them, and legends.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from methanemap.config import Settings
from methanemap.serve.colour import transparent_image
from methanemap.serve.fields import FieldCache
from methanemap.serve.legend import Legend, legend_png, legend_stops
from methanemap.serve.style import Style, validate_layer, validate_style
from methanemap.serve.tilematrix import MERCATOR_MAX_LAT, validate_tile_size
from methanemap.serve.tiles import (
    MEDIA_TYPES,
    render,
    validate_tile,
    validate_tile_format,
)
from methanemap.service.answers import CUBE_PROBLEMS, OpenApiResponses, get_and_head
from methanemap.service.caching import cache_headers, etag_for, etag_matches
from methanemap.service.deps import FieldCacheDep, SettingsDep, VersionedSnapshotDep
from methanemap.service.tilequery import TileQuery, TileQueryDep
from methanemap.store import CubeSnapshot

router = APIRouter(tags=["tiles"], responses=CUBE_PROBLEMS)

NOT_MODIFIED: OpenApiResponses = {
    304: {"description": "The answer named by If-None-Match is still current."}
}
TILE_RESPONSES: OpenApiResponses = {
    200: {
        "content": {media: {} for media in MEDIA_TYPES.values()},
        "description": "The tile; image tiles are transparent where there is no "
        "emission, and a tile with none at all is a transparent image (200, not 204).",
    },
    **NOT_MODIFIED,
}
ATTRIBUTION = (
    '<a href="https://github.com/methanemap">methanemap</a> (CC-BY-4.0), from IEA, '
    "Global Energy Monitor and Climate TRACE data"
)


@get_and_head(
    router,
    "/tiles/{z}/{x}/{y}.{format}",
    response_class=Response,
    responses=TILE_RESPONSES,
)
async def get_tile(
    request: Request,
    snapshot: VersionedSnapshotDep,
    settings: SettingsDep,
    fields: FieldCacheDep,
    z: Annotated[int, Path(description="Zoom level of the WebMercatorQuad set.")],
    x: Annotated[int, Path(description="Tile column, 0 at the antimeridian (west).")],
    y: Annotated[int, Path(description="Tile row, 0 at the north edge.")],
    tile_format: Annotated[
        str,
        Path(
            alias="format",
            description="png or webp (colours), npy (float32 values, NaN no data).",
        ),
    ],
    query: TileQueryDep,
) -> Response:
    """A map tile of one sector's CH4 in one 8-day period: PNG, WebP or NPY values."""
    return await tile_response(
        request, snapshot, settings, fields, (z, x, y), tile_format, query
    )


@router.get("/tiles/tilejson.json", responses=NOT_MODIFIED)
async def get_tilejson(
    request: Request,
    snapshot: VersionedSnapshotDep,
    settings: SettingsDep,
    query: TileQueryDep,
    tile_format: Annotated[
        str, Query(alias="format", max_length=8, description="png, webp or npy.")
    ] = "png",
) -> Response:
    """TileJSON 3.0 of one sector in one period, its tiles pinned to this version."""
    validate_tile_format(tile_format)
    validate_tile_size(query.tile_size)
    layer = validate_layer(snapshot, query.sector, query.period, query.quantity)
    _style(query)

    base = str(request.base_url)
    pinned = query.to_url_query(period=layer.period.id, version=snapshot.version)
    document = {
        "tilejson": "3.0.0",
        "name": f"methanemap {layer.sector} {layer.period.id}",
        "description": f"CH4 {layer.quantity} of {layer.sector} in {layer.units}, "
        f"{layer.period.start} to {layer.period.end} (exclusive), cube version "
        f"{snapshot.version}.",
        "version": "1.0.0",
        "attribution": ATTRIBUTION,
        "scheme": "xyz",
        "tiles": [f"{base}tiles/{{z}}/{{x}}/{{y}}.{tile_format}?{pinned}"],
        "minzoom": 0,
        "maxzoom": settings.max_zoom,
        "bounds": [-180.0, -MERCATOR_MAX_LAT, 180.0, MERCATOR_MAX_LAT],
        "center": [0.0, 20.0, 1],
        "legend": f"{base}tiles/legend.png?{pinned}",
        "tileSize": query.tile_size,
        "methanemap": {
            "version": snapshot.version,
            "sector": layer.sector,
            "period": layer.period.id,
            "quantity": layer.quantity,
            "units": layer.units,
            "legend_json": f"{base}tiles/legend.json?{pinned}",
        },
    }
    return cached_json(request, snapshot, settings, document)


@router.get(
    "/tiles/legend.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **NOT_MODIFIED},
)
async def get_legend_png(
    request: Request,
    snapshot: VersionedSnapshotDep,
    settings: SettingsDep,
    fields: FieldCacheDep,
    query: TileQueryDep,
    width: Annotated[int, Query(description="Width in pixels.")] = 256,
    height: Annotated[int, Query(description="Height in pixels.")] = 16,
) -> Response:
    """A colour bar of a tile layer, low values left (bottom when taller than wide)."""
    layer = validate_layer(snapshot, query.sector, query.period, query.quantity)
    style = _style(query)
    headers = _headers(request, snapshot, settings, f"legend/{width}x{height}")
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)

    png = await run_in_threadpool(
        legend_png, snapshot, layer, style, width, height, fields
    )
    return Response(png, media_type="image/png", headers=headers)


@router.get("/tiles/legend.json", response_model=Legend, responses=NOT_MODIFIED)
async def get_legend_json(
    request: Request,
    snapshot: VersionedSnapshotDep,
    settings: SettingsDep,
    fields: FieldCacheDep,
    query: TileQueryDep,
) -> Response:
    """The colour stops of a tile layer: values, positions and colours."""
    layer = validate_layer(snapshot, query.sector, query.period, query.quantity)
    style = _style(query)
    legend = await run_in_threadpool(legend_stops, snapshot, layer, style, fields)
    return cached_json(request, snapshot, settings, dict(legend))


async def tile_response(
    request: Request,
    snapshot: CubeSnapshot,
    settings: Settings,
    fields: FieldCache,
    tile: tuple[int, int, int],
    tile_format: str,
    query: TileQuery,
) -> Response:
    """The answer to a tile request: the tile, a 304, or an error raised as it goes."""
    request_tile = validate_tile(
        snapshot,
        *tile,
        tile_format=tile_format,
        size=query.tile_size,
        max_zoom=settings.max_zoom,
        **query.options(),
    )
    headers = cache_headers(
        etag_for(snapshot.version, request_tile.key()),
        settings.tile_max_age,
        versioned=_names_its_version(request, snapshot),
    )
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)

    body = await run_in_threadpool(render, snapshot, request_tile, fields)
    if body is None:
        body = transparent_image(request_tile.size, request_tile.format)
    return Response(body, media_type=MEDIA_TYPES[request_tile.format], headers=headers)


def _style(query: TileQuery) -> Style:
    return validate_style(
        query.colormap, query.scale, query.vmin, query.vmax, query.under, query.over
    )


def _headers(
    request: Request, snapshot: CubeSnapshot, settings: Settings, *parts: str
) -> dict[str, str]:
    etag = etag_for(snapshot.version, str(request.url), *parts)
    versioned = _names_its_version(request, snapshot)
    return cache_headers(etag, settings.tile_max_age, versioned=versioned)


def _names_its_version(request: Request, snapshot: CubeSnapshot) -> bool:
    # Only a version id names one version forever; a tag or a date may move.
    return request.query_params.get("version") == snapshot.version


def cached_json(
    request: Request, snapshot: CubeSnapshot, settings: Settings, document: Any
) -> Response:
    """A JSON answer with an ETag and caching headers, or 304 if the client has it."""
    headers = _headers(request, snapshot, settings)
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return JSONResponse(document, headers=headers)
