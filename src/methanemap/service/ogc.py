"""OGC API - Tiles documents: landing page, conformance, tile matrix sets, collections
and their tilesets, so standard clients discover the tiles by following links.

Every sector is a collection. Its ``map`` tiles are the coloured PNG/WebP tiles, its
``coverage`` tiles the NPY values; both use WebMercatorQuad and the tile routes'
parameters (``datetime`` names the period as an ISO date).
"""

from typing import Any

from methanemap.errors import NotInCubeError, QueryError
from methanemap.serve.catalog import cube_periods, cube_sectors, sector_entry
from methanemap.serve.tilematrix import MERCATOR_MAX_LAT, TMS
from methanemap.store import CubeSnapshot

Document = dict[str, Any]

SPEC = "http://www.opengis.net/spec/"
REL = "http://www.opengis.net/def/rel/ogc/1.0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = [
    f"{SPEC}ogcapi-common-1/1.0/conf/core",
    f"{SPEC}ogcapi-common-1/1.0/conf/landing-page",
    f"{SPEC}ogcapi-common-1/1.0/conf/json",
    f"{SPEC}ogcapi-common-1/1.0/conf/oas30",
    f"{SPEC}ogcapi-common-2/1.0/conf/collections",
    f"{SPEC}ogcapi-tiles-1/1.0/conf/core",
    f"{SPEC}ogcapi-tiles-1/1.0/conf/tileset",
    f"{SPEC}ogcapi-tiles-1/1.0/conf/tilesets-list",
    f"{SPEC}ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    f"{SPEC}ogcapi-tiles-1/1.0/conf/datetime",
    f"{SPEC}ogcapi-tiles-1/1.0/conf/oas30",
    f"{SPEC}ogcapi-tiles-1/1.0/conf/png",
    f"{SPEC}tms/2.0/conf/tilematrixset",
    f"{SPEC}tms/2.0/conf/json-tilematrixset",
]
#: Media types of the tiles of each data type, the first one the default.
DATA_TYPES = {"map": ("png", "webp"), "coverage": ("npy",)}
MEDIA = {"png": "image/png", "webp": "image/webp", "npy": "application/x-npy"}
JSON = "application/json"


def landing_page(root: str, api_base: str) -> Document:
    """The OGC API landing page at `root` (the OGC API's URL, no trailing slash)."""
    return {
        "title": "methanemap",
        "description": "Fossil CH4 emissions (coal, oil, gas) on a global 0.1 degree "
        "grid in 8-day periods, as map and coverage tiles.",
        "links": [
            _link("self", root, JSON, "This document"),
            _link(
                "service-desc",
                f"{api_base}openapi.json",
                "application/vnd.oai.openapi+json;version=3.0",
                "The OpenAPI definition",
            ),
            _link("service-doc", f"{api_base}docs", "text/html", "API documentation"),
            _link(f"{REL}conformance", f"{root}/conformance", JSON, "Conformance"),
            _link(f"{REL}data", f"{root}/collections", JSON, "Collections"),
            _link(
                f"{REL}tiling-schemes", f"{root}/tileMatrixSets", JSON, "Tiling schemes"
            ),
        ],
    }


def conformance() -> Document:
    """The conformance classes this API implements."""
    return {"conformsTo": CONFORMANCE}


def tile_matrix_sets(root: str) -> Document:
    """The list of tile matrix sets: WebMercatorQuad only."""
    return {
        "tileMatrixSets": [
            {
                "id": TMS.id,
                "title": TMS.title,
                "uri": TMS.uri,
                "links": [
                    _link("self", f"{root}/tileMatrixSets/{TMS.id}", JSON, TMS.title)
                ],
            }
        ]
    }


def tile_matrix_set(tms_id: str) -> Document:
    """The definition of a tile matrix set (OGC TMS 2.0 JSON)."""
    validate_tms(tms_id)
    document: Document = TMS.model_dump(mode="json", exclude_none=True)
    return document


def collections(snapshot: CubeSnapshot, root: str, query: str) -> Document:
    """Every sector of the cube as a collection."""
    return {
        "collections": [
            collection(snapshot, sector, root, query)
            for sector in cube_sectors(snapshot)
        ],
        "links": [_link("self", f"{root}/collections", JSON, "Collections")],
    }


def collection(snapshot: CubeSnapshot, sector: str, root: str, query: str) -> Document:
    """One sector as a collection: extent in space and time, links to its tilesets."""
    entry = sector_entry(snapshot, validate_collection(snapshot, sector))
    periods = cube_periods(snapshot)
    here = f"{root}/collections/{sector}"
    interval = [[periods[0].start.isoformat(), periods[-1].end.isoformat()]]
    return {
        "id": sector,
        "title": f"CH4 emission: {sector}",
        "description": f"CH4 emitted by {entry['name']} ({entry['units']} per cell "
        f"and 8-day period), cube version {snapshot.version}.",
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]], "crs": CRS84},
            "temporal": {"interval": interval, "trs": GREGORIAN},
        },
        "crs": [CRS84],
        "links": [
            _link("self", here, JSON, sector),
            _link(f"{REL}tilesets-map", _q(f"{here}/map/tiles", query), JSON, "Maps"),
            _link(
                f"{REL}tilesets-coverage",
                _q(f"{here}/coverage/tiles", query),
                JSON,
                "Values",
            ),
        ],
    }


def tilesets(
    snapshot: CubeSnapshot, sector: str, data_type: str, root: str, query: str
) -> Document:
    """The tilesets of one collection and data type: one per tile matrix set."""
    validate_collection(snapshot, sector)
    validate_data_type(data_type)
    here = f"{root}/collections/{sector}/{data_type}/tiles"
    return {
        "tilesets": [
            {
                "title": f"{sector} {data_type} tiles in {TMS.id}",
                "dataType": data_type,
                "crs": TMS.crs.root,
                "tileMatrixSetURI": TMS.uri,
                "links": [
                    _link("self", _q(f"{here}/{TMS.id}", query), JSON, TMS.id),
                    _tiling_scheme(root),
                ],
            }
        ],
        "links": [_link("self", _q(here, query), JSON, "Tilesets")],
    }


def tileset(
    snapshot: CubeSnapshot,
    sector: str,
    data_type: str,
    tms_id: str,
    root: str,
    query: str,
    max_zoom: int,
) -> Document:
    """One tileset: its tile matrix set, the zooms served, and the tile URL template."""
    validate_collection(snapshot, sector)
    validate_data_type(data_type)
    validate_tms(tms_id)
    here = f"{root}/collections/{sector}/{data_type}/tiles/{tms_id}"
    template = f"{here}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"
    items = [
        {
            **_link("item", _q(f"{template}?f={fmt}", query, "&"), MEDIA[fmt], fmt),
            "templated": True,
        }
        for fmt in DATA_TYPES[data_type]
    ]
    return {
        "title": f"{sector} {data_type} tiles in {tms_id}",
        "dataType": data_type,
        "crs": TMS.crs.root,
        "tileMatrixSetURI": TMS.uri,
        "tileMatrixSetLimits": [_limits(z) for z in range(max_zoom + 1)],
        "boundingBox": {
            "lowerLeft": [-180.0, -MERCATOR_MAX_LAT],
            "upperRight": [180.0, MERCATOR_MAX_LAT],
            "crs": CRS84,
        },
        "links": [
            _link("self", _q(here, query), JSON, "This tileset"),
            _tiling_scheme(root),
            *items,
        ],
    }


def validate_collection(snapshot: CubeSnapshot, sector: str) -> str:
    """`sector` if the cube holds it; raises NotInCubeError naming collectionId."""
    return _one_of(sector, cube_sectors(snapshot), "collection", "collectionId")


def validate_data_type(data_type: str) -> str:
    """`data_type` if it is ``map`` or ``coverage``; raises NotInCubeError otherwise."""
    return _one_of(data_type, list(DATA_TYPES), "tiles of data type", "dataType")


def validate_tms(tms_id: str) -> str:
    """`tms_id` if it is WebMercatorQuad; raises NotInCubeError otherwise."""
    return _one_of(tms_id, [str(TMS.id)], "tile matrix set", "tileMatrixSetId")


def _one_of(value: str, held: list[str], what: str, parameter: str) -> str:
    """`value` if it is in `held`; else a NotInCubeError naming `parameter`."""
    if value not in held:
        raise NotInCubeError(
            f"{what} {value!r} does not exist; choose one of {', '.join(held)}",
            parameter=parameter,
        )
    return value


def validate_tile_format(data_type: str, f: str | None) -> str:
    """The tile format `f` names for `data_type` (its default if None); raises if
    that data type has no such format."""
    formats = DATA_TYPES[data_type]
    if f is None:
        return formats[0]
    if f not in formats:
        raise QueryError(
            f"f {f!r} is not a format of {data_type} tiles; allowed are "
            f"{', '.join(formats)}",
            parameter="f",
        )
    return f


def _limits(z: int) -> Document:
    last = 2**z - 1
    return {
        "tileMatrix": str(z),
        "minTileRow": 0,
        "maxTileRow": last,
        "minTileCol": 0,
        "maxTileCol": last,
    }


def _tiling_scheme(root: str) -> Document:
    return _link(
        f"{REL}tiling-scheme", f"{root}/tileMatrixSets/{TMS.id}", JSON, TMS.title
    )


def _link(rel: str, href: str, media_type: str, title: str | None) -> Document:
    return {"rel": rel, "href": href, "type": media_type, "title": title}


def _q(url: str, query: str, joiner: str = "?") -> str:
    return f"{url}{joiner}{query}" if query else url
