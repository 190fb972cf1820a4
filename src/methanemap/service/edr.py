"""OGC API - Environmental Data Retrieval documents and CoverageJSON, built from what
`methanemap.serve` returns, so that generic EDR clients can query the cube.

One collection, ``emissions``, whose parameters are the cube's variables. Position
queries answer a PointSeries at the centre of the cell holding the point; area and
cube queries answer a Grid of cells (NaN, encoded null, outside a polygon).
"""

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from methanemap.errors import QueryError
from methanemap.serve.catalog import cube_periods, cube_sectors, sector_units
from methanemap.serve.cells import CellHistory
from methanemap.serve.coverage import WindowValues
from methanemap.serve.geometry import Bbox
from methanemap.serve.provenance import provenance
from methanemap.store import CubeSnapshot
from methanemap.store.schema import SECTOR_NAMES, variable

COLLECTION = "emissions"
COVJSON = "application/prs.coverage+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-edr-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-edr-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-edr-1/1.0/conf/covjson",
    "http://www.opengis.net/spec/ogcapi-edr-1/1.0/conf/oas30",
]
QUERIES = ("position", "area", "cube")


def landing_page(root: str) -> dict[str, Any]:
    """The EDR landing page: links to the API, conformance and collections."""
    return {
        "title": "methanemap: OGC API - Environmental Data Retrieval",
        "description": "Fossil CH4 emissions per 0.1 degree cell and 8-day period.",
        "links": [
            _link(root, "self", "application/json", "this document"),
            _link(
                root + "/conformance", "conformance", "application/json", "conformance"
            ),
            _link(root + "/collections", "data", "application/json", "collections"),
            _link(
                _api_root(root) + "/openapi.json",
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
                "the API definition",
            ),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance classes implemented."""
    return {"conformsTo": CONFORMANCE}


def collections(snapshot: CubeSnapshot, root: str) -> dict[str, Any]:
    """The collections document (one collection)."""
    return {
        "links": [
            _link(root + "/collections", "self", "application/json", "collections")
        ],
        "collections": [collection(snapshot, root)],
    }


def collection(snapshot: CubeSnapshot, root: str) -> dict[str, Any]:
    """The ``emissions`` collection: extent, parameters and data queries."""
    periods = cube_periods(snapshot)
    base = f"{root}/collections/{COLLECTION}"
    interval = (
        [
            [
                periods[0].start.isoformat() + "T00:00:00Z",
                periods[-1].end.isoformat() + "T00:00:00Z",
            ]
        ]
        if periods
        else [[None, None]]
    )
    return {
        "id": COLLECTION,
        "title": "Fossil CH4 emissions",
        "description": "CH4 emitted per 0.1 degree cell and 8-day period by coal, oil "
        f"and gas (t); cube version {snapshot.version}.",
        "links": [_link(base, "self", "application/json", "this collection")],
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]], "crs": CRS84},
            "temporal": {
                "interval": interval,
                "values": [p.start.isoformat() + "T00:00:00Z" for p in periods],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            },
        },
        "data_queries": {
            query: {
                "link": {
                    "href": f"{base}/{query}",
                    "rel": "data",
                    "variables": {
                        "query_type": query,
                        "output_formats": ["CoverageJSON"],
                        "default_output_format": "CoverageJSON",
                        "crs_details": [{"crs": "CRS84", "wkt": "GEOGCS[WGS 84]"}],
                    },
                }
            }
            for query in QUERIES
        },
        "crs": ["CRS84"],
        "output_formats": ["CoverageJSON"],
        "parameter_names": {
            variable(s): _parameter(snapshot, s) for s in cube_sectors(snapshot)
        },
    }


def point_series(
    snapshot: CubeSnapshot, history: CellHistory, sectors: list[str]
) -> dict[str, Any]:
    """CoverageJSON PointSeries of a cell's history, at the cell's centre."""
    centre = history["cell"]["centre"]
    times = [p["start"] + "T00:00:00Z" for p in history["periods"]]
    return {
        "type": "Coverage",
        "domain": {
            "type": "Domain",
            "domainType": "PointSeries",
            "axes": {
                "x": {"values": [centre["lon"]]},
                "y": {"values": [centre["lat"]]},
                "t": {"values": times},
            },
            "referencing": _referencing(),
        },
        "parameters": {variable(s): _parameter(snapshot, s) for s in sectors},
        "ranges": {
            variable(s): {
                "type": "NdArray",
                "dataType": "float",
                "axisNames": ["t"],
                "shape": [len(times)],
                "values": history["values"][s]["values"],
            }
            for s in sectors
        },
        "methanemap": {"cell": history["cell"], "provenance": history["provenance"]},
    }


def grid(snapshot: CubeSnapshot, window: WindowValues) -> dict[str, Any]:
    """CoverageJSON Grid of a window's cell values (t per cell per period)."""
    times = [p.start.isoformat() + "T00:00:00Z" for p in window.periods]
    shape = [len(times), window.lat.size, window.lon.size]
    return {
        "type": "Coverage",
        "domain": {
            "type": "Domain",
            "domainType": "Grid",
            "axes": {
                "x": {"values": _rounded(window.lon)},
                "y": {"values": _rounded(window.lat)},
                "t": {"values": times},
            },
            "referencing": _referencing(),
        },
        "parameters": {variable(s): _parameter(snapshot, s) for s in window.values},
        "ranges": {
            variable(s): {
                "type": "NdArray",
                "dataType": "float",
                "axisNames": ["t", "y", "x"],
                "shape": shape,
                "values": _values(values),
            }
            for s, values in window.values.items()
        },
        "methanemap": {"provenance": provenance(snapshot)},
    }


def parse_point(coords: str) -> tuple[float, float]:
    """(lon, lat) of a WKT ``POINT(lon lat)``; a QueryError naming ``coords`` if not."""
    shape = _wkt(coords)
    if shape.geom_type != "Point" or shape.is_empty:
        raise QueryError(
            f"coords {coords[:80]!r} is not a WKT POINT; give POINT(lon lat)",
            parameter="coords",
        )
    # The cell query checks the numbers, naming lon or lat.
    return float(shape.x), float(shape.y)


def parse_polygon(coords: str) -> dict[str, Any]:
    """GeoJSON of a WKT POLYGON or MULTIPOLYGON; QueryError naming ``coords``."""
    shape = _wkt(coords)
    if shape.geom_type not in ("Polygon", "MultiPolygon"):
        raise QueryError(
            f"coords {coords[:80]!r} is not a WKT POLYGON or MULTIPOLYGON",
            parameter="coords",
        )
    if not np.isfinite(shapely.get_coordinates(shape)).all():
        raise QueryError(
            f"coords {coords[:80]!r} holds a coordinate that is not a finite number",
            parameter="coords",
        )
    geometry: dict[str, Any] = shapely.geometry.mapping(shape)
    return geometry


def wrapped_bbox(bounds: tuple[float, float, float, float]) -> Bbox:
    """The bbox (-180..180, west > east across the antimeridian) of polygon bounds
    whose longitudes may run past +-180."""
    west, south, east, north = bounds
    if east - west >= 360:
        return -180.0, south, 180.0, north
    if west >= -180 and east <= 180:
        return west, south, east, north
    wrap_west = (west + 180) % 360 - 180
    wrap_east = (east + 180) % 360 - 180
    return wrap_west, south, 180.0 if wrap_east == -180 else wrap_east, north


def _wkt(text: str) -> shapely.Geometry:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN in the text
            shape = shapely.from_wkt(text)
    except shapely.errors.ShapelyError:
        raise QueryError(
            f"coords {text[:80]!r} is not well-known text (WKT); give POINT(lon lat) "
            "or POLYGON((lon lat, ...))",
            parameter="coords",
        ) from None
    return shape


def _parameter(snapshot: CubeSnapshot, sector: str) -> dict[str, Any]:
    units = sector_units(snapshot, sector)
    return {
        "type": "Parameter",
        "description": {
            "en": f"CH4 emitted by {SECTOR_NAMES[sector]} in the cell "
            "during the 8-day period"
        },
        "unit": {"label": {"en": "tonnes CH4 per cell per period"}, "symbol": units},
        "observedProperty": {
            "id": f"methanemap:{variable(sector)}",
            "label": {"en": f"CH4 emission, {sector}"},
        },
    }


def _referencing() -> list[dict[str, Any]]:
    return [
        {"coordinates": ["x", "y"], "system": {"type": "GeographicCRS", "id": CRS84}},
        {
            "coordinates": ["t"],
            "system": {"type": "TemporalRS", "calendar": "Gregorian"},
        },
    ]


def _rounded(values: npt.NDArray[np.float64]) -> list[float]:
    return [round(float(v), 6) for v in values]


def _values(values: npt.NDArray[np.float32]) -> list[float | None]:
    flat = values.astype(np.float64).ravel()
    return [None if not np.isfinite(v) else float(v) for v in flat]


def _link(href: str, rel: str, media: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": media, "title": title}


def _api_root(root: str) -> str:
    return root.removesuffix("/edr")
