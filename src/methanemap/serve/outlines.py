"""Country outlines for the web map: Natural Earth 1:110m polygons, one simplified
GeoJSON feature per country, read once per input file and kept.

They only draw borders and say which country a click falls in; country totals come from
the cube's own boundaries (`methanemap.serve.national`).
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from methanemap.sources.countries import read_boundaries
from methanemap.sources.registry import fetch

#: Registry name of the outlines input.
OUTLINES_INPUT = "naturalearth_110m"
#: Simplification tolerance, degrees: far below a pixel at the zooms borders matter.
TOLERANCE_DEG = 0.02
#: Decimal places kept in coordinates (about 100 m).
DECIMALS = 3


def country_outlines(mirror: Path | None = None) -> bytes:
    """Country outlines as a GeoJSON FeatureCollection, UTF-8 encoded.

    Parameters
    ----------
    mirror
        Data mirror directory; the ``data_mirror`` setting when None.

    Returns
    -------
    A FeatureCollection of (Multi)Polygons in lon/lat degrees, each with properties
    ``iso3`` (ISO 3166-1 alpha-3), ``name`` and ``bbox`` (west, south, east, north).

    Raises
    ------
    methanemap.errors.InputError
        When the Natural Earth input cannot be found, downloaded or read.
    """
    return _outlines_of(fetch(OUTLINES_INPUT, mirror))


@lru_cache(maxsize=2)
def _outlines_of(path: Path) -> bytes:
    # lru_cache keeps answers, never errors: a missing input is tried again next time.
    boundaries = read_boundaries(path)
    boundaries = boundaries[boundaries["iso3"].notna()]
    countries = boundaries.dissolve(by="iso3", as_index=False, aggfunc="first")
    countries["geometry"] = countries.geometry.simplify(
        TOLERANCE_DEG, preserve_topology=True
    )

    features = [
        _feature(
            row.iso3, row.name, row.geometry.__geo_interface__, row.geometry.bounds
        )
        for row in countries.itertuples()
    ]
    document = {"type": "FeatureCollection", "features": features}
    return json.dumps(document, separators=(",", ":")).encode()


def _feature(
    iso3: str, name: str, geometry: dict[str, Any], bounds: tuple[float, ...]
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": iso3,
        "properties": {
            "iso3": iso3,
            "name": name,
            "bbox": [round(b, DECIMALS) for b in bounds],
        },
        "geometry": {
            "type": geometry["type"],
            "coordinates": _rounded(geometry["coordinates"]),
        },
    }


def _rounded(coordinates: Any) -> Any:
    """Nested coordinate lists with every number rounded to `DECIMALS`."""
    if isinstance(coordinates, (int, float)):
        return round(float(coordinates), DECIMALS)
    return [_rounded(part) for part in coordinates]
