"""``GET /ogc/...``: OGC API - Tiles, so standard clients discover and fetch the tiles.

The documents are built in `methanemap.service.ogc`; tiles come from the same code as
``/tiles/{z}/{x}/{y}.{format}``, with the path in OGC order (matrix, row, column).
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from methanemap.errors import QueryError
from methanemap.service import ogc
from methanemap.service.answers import CUBE_PROBLEMS, get_and_head, problems
from methanemap.service.deps import FieldCacheDep, SettingsDep, VersionedSnapshotDep
from methanemap.service.routes.tiles import (
    NOT_MODIFIED,
    TILE_RESPONSES,
    cached_json,
    tile_response,
)
from methanemap.service.tilequery import TileQueryDep

router = APIRouter(prefix="/ogc", tags=["OGC API - Tiles"])

#: The answers of the documents that depend on the cube version (cached, with ETags).
DOCUMENT_RESPONSES = {**NOT_MODIFIED, **CUBE_PROBLEMS}
#: OGC names of the tile routes' parameters, for the problems they raise.
OGC_NAMES = {"z": "tileMatrix", "y": "tileRow", "x": "tileCol"}

CollectionId = Annotated[
    str, Path(alias="collectionId", description="A sector: coal, oil, gas or total.")
]
DataType = Annotated[
    str,
    Path(alias="dataType", description="map (PNG, WebP) or coverage (NPY values)."),
]
TmsId = Annotated[
    str,
    Path(alias="tileMatrixSetId", description="The tile matrix set: WebMercatorQuad."),
]
Datetime = Annotated[
    str | None,
    Query(
        max_length=32,
        description="An ISO date inside the period to show (OGC name for period).",
    ),
]


@router.get("")
async def get_landing_page(request: Request) -> Response:
    """The OGC API landing page: links to conformance, collections, tiling schemes."""
    return JSONResponse(ogc.landing_page(_root(request), str(request.base_url)))


@router.get("/conformance")
async def get_conformance() -> Response:
    """The OGC API conformance classes this service implements."""
    return JSONResponse(ogc.conformance())


@router.get("/tileMatrixSets")
async def get_tile_matrix_sets(request: Request) -> Response:
    """The tile matrix sets served: WebMercatorQuad."""
    return JSONResponse(ogc.tile_matrix_sets(_root(request)))


@router.get("/tileMatrixSets/{tileMatrixSetId}", responses=problems(404, 422))
async def get_tile_matrix_set(tms_id: TmsId) -> Response:
    """The definition of one tile matrix set (OGC Two Dimensional Tile Matrix Set)."""
    return JSONResponse(ogc.tile_matrix_set(tms_id))


@router.get("/collections", responses=DOCUMENT_RESPONSES)
async def get_collections(
    request: Request, snapshot: VersionedSnapshotDep, settings: SettingsDep
) -> Response:
    """Every sector of the cube as a collection, with links to its tiles."""
    document = ogc.collections(snapshot, _root(request), request.url.query)
    return cached_json(request, snapshot, settings, document)


@router.get("/collections/{collectionId}", responses=DOCUMENT_RESPONSES)
async def get_collection(
    request: Request,
    snapshot: VersionedSnapshotDep,
    settings: SettingsDep,
    collection_id: CollectionId,
) -> Response:
    """One sector: its extent in space and time and links to its tilesets."""
    document = ogc.collection(
        snapshot, collection_id, _root(request), request.url.query
    )
    return cached_json(request, snapshot, settings, document)


@router.get(
    "/collections/{collectionId}/{dataType}/tiles", responses=DOCUMENT_RESPONSES
)
async def get_tilesets(
    request: Request,
    snapshot: VersionedSnapshotDep,
    settings: SettingsDep,
    collection_id: CollectionId,
    data_type: DataType,
) -> Response:
    """The tilesets of a sector: one per tile matrix set."""
    document = ogc.tilesets(
        snapshot, collection_id, data_type, _root(request), request.url.query
    )
    return cached_json(request, snapshot, settings, document)


@router.get(
    "/collections/{collectionId}/{dataType}/tiles/{tileMatrixSetId}",
    responses=DOCUMENT_RESPONSES,
)
async def get_tileset(
    request: Request,
    snapshot: VersionedSnapshotDep,
    settings: SettingsDep,
    collection_id: CollectionId,
    data_type: DataType,
    tms_id: TmsId,
) -> Response:
    """One tileset: zoom limits, bounds and the templated tile URL."""
    document = ogc.tileset(
        snapshot,
        collection_id,
        data_type,
        tms_id,
        _root(request),
        request.url.query,
        settings.max_zoom,
    )
    return cached_json(request, snapshot, settings, document)


@get_and_head(
    router,
    "/collections/{collectionId}/{dataType}/tiles/{tileMatrixSetId}"
    "/{tileMatrix}/{tileRow}/{tileCol}",
    response_class=Response,
    responses={**TILE_RESPONSES, **CUBE_PROBLEMS},
)
async def get_collection_tile(
    request: Request,
    snapshot: VersionedSnapshotDep,
    settings: SettingsDep,
    fields: FieldCacheDep,
    collection_id: CollectionId,
    data_type: DataType,
    tms_id: TmsId,
    z: Annotated[int, Path(alias="tileMatrix", description="Zoom level.")],
    y: Annotated[int, Path(alias="tileRow", description="Row, 0 at the north edge.")],
    x: Annotated[int, Path(alias="tileCol", description="Column, 0 at the west edge.")],
    query: TileQueryDep,
    f: Annotated[
        str | None,
        Query(max_length=8, description="png or webp for maps; npy for coverage."),
    ] = None,
    datetime: Datetime = None,
) -> Response:
    """One tile of a sector: a coloured map tile or a coverage tile of values."""
    ogc.validate_collection(snapshot, collection_id)
    ogc.validate_data_type(data_type)
    ogc.validate_tms(tms_id)
    tile_format = ogc.validate_tile_format(data_type, f)

    chosen = query.model_copy(
        update={"sector": collection_id, "period": query.period or datetime}
    )
    try:
        return await tile_response(
            request, snapshot, settings, fields, (z, x, y), tile_format, chosen
        )
    except QueryError as error:
        error.parameter = OGC_NAMES.get(error.parameter or "", error.parameter)
        raise


def _root(request: Request) -> str:
    return f"{request.base_url}ogc"
