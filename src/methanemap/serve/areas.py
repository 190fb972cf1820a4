"""Area totals: the CH4 emitted inside a bbox or a polygon, per sector and period.

Each cell counts by the exact share of it inside the area (`methanemap.serve.geometry`).
With an attribution the totals come from it without reading the grid, with their
uncertainty (`methanemap.serve.attribution`); without one, the cube's cells are read
(up to the read limit) and no interval is given. Both give the same numbers: the cube's
cells are the sums of their attribution entries.
"""

from collections.abc import Mapping
from typing import Any, Literal, TypedDict

import numpy as np

from methanemap.serve.attribution import area_moments, attribution_index
from methanemap.serve.catalog import PeriodEntry, cube_grid, period_entry
from methanemap.serve.geometry import (
    Area,
    Bbox,
    bbox_area,
    parse_bbox,
    polygon_area,
    validate_bbox,
)
from methanemap.serve.limits import Limits, check_read
from methanemap.serve.outunits import OutputUnits, parse_output_units
from methanemap.serve.provenance import Provenance, provenance
from methanemap.serve.timespan import TimeSpan, select_span
from methanemap.serve.totals import (
    NO_UNCERTAINTY,
    UNCERTAINTY_RULE,
    Masses,
    SectorTotals,
    from_moments,
    select_sectors,
    to_sector_totals,
    with_total,
)
from methanemap.store import CubeSnapshot
from methanemap.store.schema import SECTORS, variable

Method = Literal["auto", "attribution", "grid"]
M2_PER_KM2 = 1e6


class AreaInfo(TypedDict):
    """The area of a query: how it was given, its bounds and its size."""

    kind: str
    bbox: list[float]
    area_km2: float
    parts: int


class AreaTotals(TypedDict):
    """Totals of an area per sector and period, with where they come from."""

    version: str
    provenance: Provenance
    area: AreaInfo
    periods: list[PeriodEntry]
    method: str
    uncertainty: str
    sectors: dict[str, SectorTotals]


def bbox_totals(
    snapshot: CubeSnapshot,
    bbox: str | Bbox,
    *,
    sector: str | None = None,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    datetime: str | None = None,
    units: str | None = None,
    limits: Limits | None = None,
) -> AreaTotals:
    """Totals in a bbox ``west,south,east,north`` (degrees; west > east crosses the
    antimeridian), per sector and period.

    Parameters
    ----------
    snapshot
        An open cube version.
    bbox
        The box, as text or as four numbers.
    sector
        One of coal, oil, gas, total; all of them when None.
    period, start, end, datetime
        The periods (see `methanemap.serve.timespan.select_span`); the latest if none.
    units
        Units of the answer (``t`` per period by default; see
        `methanemap.serve.outunits`).
    limits
        Query limits; the defaults when None.

    Raises
    ------
    QueryError
        If a parameter is malformed (the error names it).
    NotInCubeError
        If a period or sector is not in the cube.
    TooLargeError
        If the cube has no attribution and the grid read would pass the limit.
    """
    box = parse_bbox(bbox) if isinstance(bbox, str) else validate_bbox(bbox)
    area = bbox_area(box, cube_grid(snapshot))
    return area_totals(
        snapshot,
        area,
        sector=sector,
        span=select_span(
            snapshot, period=period, start=start, end=end, datetime=datetime
        ),
        units=parse_output_units(units),
        limits=limits or Limits(),
    )


def polygon_totals(
    snapshot: CubeSnapshot,
    geometry: Mapping[str, Any],
    *,
    sector: str | None = None,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    datetime: str | None = None,
    units: str | None = None,
    limits: Limits | None = None,
) -> AreaTotals:
    """Totals in a GeoJSON Polygon or MultiPolygon (or a Feature of one), per sector
    and period. Parameters and errors as `bbox_totals`; the polygon's vertices are
    limited too."""
    limits = limits or Limits()
    span = select_span(snapshot, period=period, start=start, end=end, datetime=datetime)
    output = parse_output_units(units)
    wanted = select_sectors(snapshot, sector)
    area = polygon_area(geometry, cube_grid(snapshot), limits)
    return area_totals(
        snapshot, area, sector=wanted, span=span, units=output, limits=limits
    )


def area_totals(
    snapshot: CubeSnapshot,
    area: Area,
    *,
    sector: str | list[str] | None,
    span: TimeSpan,
    units: OutputUnits,
    limits: Limits,
    method: Method = "auto",
) -> AreaTotals:
    """Totals of a parsed area; `method` forces the attribution or the grid read."""
    wanted = sector if isinstance(sector, list) else select_sectors(snapshot, sector)
    grid = cube_grid(snapshot)
    use_grid = method == "grid" or attribution_index(snapshot) is None
    if use_grid:
        masses = grid_masses(snapshot, area, wanted, span, limits)
    else:
        masses = attribution_masses(snapshot, area, wanted, span)

    area_m2 = area.area_m2(grid)
    return {
        "version": snapshot.version,
        "provenance": provenance(snapshot),
        "area": {
            "kind": area.kind,
            "bbox": [float(v) for v in area.bbox],
            "area_km2": area_m2 / M2_PER_KM2,
            "parts": len(area.parts),
        },
        "periods": [period_entry(p) for p in span.periods],
        "method": "grid" if use_grid else "attribution",
        "uncertainty": NO_UNCERTAINTY if use_grid else UNCERTAINTY_RULE,
        "sectors": {
            s: to_sector_totals(m, units, span, area_m2) for s, m in masses.items()
        },
    }


def attribution_masses(
    snapshot: CubeSnapshot, area: Area, wanted: list[str], span: TimeSpan
) -> dict[str, Masses]:
    """Masses of each wanted sector in the area, from the attribution."""
    index = attribution_index(snapshot)
    assert index is not None
    needed = SECTORS if "total" in wanted else wanted
    masses = {
        s: from_moments(index.sectors[s], area_moments(index.sectors[s], area), span)
        for s in needed
        if s in index.sectors
    }
    return with_total(masses, wanted)


def grid_masses(
    snapshot: CubeSnapshot,
    area: Area,
    wanted: list[str],
    span: TimeSpan,
    limits: Limits,
) -> dict[str, Masses]:
    """Masses of each wanted sector in the area, by reading the cube's cells."""
    values = area.window_cells() * span.count * len(wanted)
    check_read(values, limits, "bbox" if area.kind == "bbox" else "geometry")
    out = {}
    for sector in wanted:
        data = snapshot.ds[variable(sector)]
        per_period = np.zeros(span.count)
        for part in area.parts:
            nrows, ncols = part.shape
            window = data.isel(
                time=span.indices,
                lat=slice(part.row0, part.row0 + nrows),
                lon=slice(part.col0, part.col0 + ncols),
            ).to_numpy()
            weights = part.dense()
            # A cell outside the area (weight 0) counts for nothing, no data included;
            # no data inside it makes the period's total unknown (None).
            inside = np.where(weights > 0, window, np.float32(0))
            # float64 accumulation: float32 sums drift on millions of cells (FC-18).
            per_period += np.einsum(
                "tij,ij->t", inside, weights, dtype=np.float64, optimize=False
            )
        out[sector] = Masses(per_period, None, float(per_period.sum()), None)
    return out
