"""GeoJSON request bodies: read with a size cap before parsing, and described for the
OpenAPI document (Polygon, MultiPolygon, or a Feature holding one).
"""

from typing import Any

import orjson
from fastapi import Request

from methanemap.errors import QueryError, TooLargeError

MEDIA_TYPES = ("application/geo+json", "application/json")

_POSITION = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 2,
    "maxItems": 3,
    "description": "[lon, lat] in degrees; longitudes beyond +-180 cross the "
    "antimeridian.",
}
_RING = {"type": "array", "items": _POSITION, "minItems": 4}
_POLYGON = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Polygon"]},
        "coordinates": {"type": "array", "items": _RING, "minItems": 1},
    },
}
_MULTIPOLYGON = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["MultiPolygon"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "array", "items": _RING, "minItems": 1},
            "minItems": 1,
        },
    },
}
_FEATURE = {
    "type": "object",
    "required": ["type", "geometry"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "geometry": {"oneOf": [_POLYGON, _MULTIPOLYGON]},
        "properties": {"type": ["object", "null"]},
    },
}
SCHEMA = {"oneOf": [_POLYGON, _MULTIPOLYGON, _FEATURE]}

EXAMPLES = {
    "shanxi": {
        "summary": "A polygon over the Shanxi coal basin",
        "value": {
            "type": "Polygon",
            "coordinates": [
                [
                    [110.2, 34.6],
                    [114.6, 34.6],
                    [114.6, 40.7],
                    [110.2, 40.7],
                    [110.2, 34.6],
                ]
            ],
        },
    },
    "with_hole": {
        "summary": "A square with a hole",
        "value": {
            "type": "Polygon",
            "coordinates": [
                [[-104, 30], [-100, 30], [-100, 34], [-104, 34], [-104, 30]],
                [[-103, 31], [-101, 31], [-101, 33], [-103, 33], [-103, 31]],
            ],
        },
    },
    "antimeridian": {
        "summary": "A box across the antimeridian (longitudes beyond 180)",
        "value": {
            "type": "Polygon",
            "coordinates": [[[170, 60], [190, 60], [190, 70], [170, 70], [170, 60]]],
        },
    },
}

OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The area: a GeoJSON Polygon or MultiPolygon, or a Feature "
        "holding one (lon/lat degrees). Holes are left out. At most "
        "`max_polygon_vertices` vertices and `max_body_bytes` bytes.",
        "content": {
            media: {"schema": SCHEMA, "examples": EXAMPLES} for media in MEDIA_TYPES
        },
    }
}


async def read_geojson(request: Request, max_bytes: int) -> dict[str, Any]:
    """The request body as a JSON object, read up to `max_bytes`.

    Raises
    ------
    TooLargeError
        If the body is longer than `max_bytes` (checked as it arrives).
    QueryError
        If the body is not a JSON object.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(int(declared), max_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise _too_large(len(body), max_bytes)

    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise QueryError(
            f"the body is not JSON ({error}); send a GeoJSON Polygon, MultiPolygon or "
            "Feature",
            parameter="geometry",
        ) from None
    if not isinstance(value, dict):
        raise QueryError(
            "the body is not a JSON object; send a GeoJSON Polygon, MultiPolygon or "
            "Feature",
            parameter="geometry",
        )
    return value


def _too_large(size: int, limit: int) -> TooLargeError:
    return TooLargeError(
        f"the body has {size:,} bytes or more, more than the limit of {limit:,}; "
        "simplify the polygon",
        parameter="geometry",
    )
