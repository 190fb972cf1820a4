"""Cell queries: the emission of each sector in the grid cell under a point.

A point ``(lon, lat)`` belongs to the cell whose half-open box ``[west, east) x [south,
north)`` contains it, so a point on a cell edge goes to the cell that starts there; the
north pole belongs to the top row and longitude 180 is longitude -180. Values are tonnes
CH4 per cell per period; a missing value (NaN in the cube) is None, never NaN.
"""

import math
from typing import TypedDict

import numpy as np

from methanemap.errors import QueryError
from methanemap.serve.catalog import (
    PeriodEntry,
    cube_grid,
    cube_periods,
    cube_sectors,
    period_entry,
    sector_units,
    select_period,
)
from methanemap.serve.fields import FieldCache, default_field_cache
from methanemap.store import CubeSnapshot
from methanemap.store.schema import variable


class Point(TypedDict):
    """A point in degrees: longitude east, latitude north."""

    lon: float
    lat: float


class Bounds(TypedDict):
    """A box in degrees."""

    west: float
    south: float
    east: float
    north: float


class Cell(TypedDict):
    """One grid cell: stable id (row-major from the south-west), position and box."""

    id: int
    row: int
    col: int
    bounds: Bounds
    centre: Point


class SectorValue(TypedDict):
    """One sector's emission in a cell and period; None where the cube has no data."""

    value: float | None
    units: str


class CellValues(TypedDict):
    """The emission of each sector in one cell in one period."""

    version: str
    point: Point
    cell: Cell
    period: PeriodEntry
    values: dict[str, SectorValue]


class SectorSeries(TypedDict):
    """One sector's emission in a cell in every period, in the order of ``periods``."""

    units: str
    values: list[float | None]


class CellHistory(TypedDict):
    """The emission of each sector in one cell in every period of the cube.

    ``missing`` lists the periods in which some sector has no data (None values).
    """

    version: str
    point: Point
    cell: Cell
    periods: list[PeriodEntry]
    values: dict[str, SectorSeries]
    missing: list[str]


def cell_values(
    snapshot: CubeSnapshot,
    lon: float,
    lat: float,
    period: str | None = None,
    *,
    cache: FieldCache | None = None,
) -> CellValues:
    """The emission of each sector in the cell containing a point, in one period.

    Parameters
    ----------
    snapshot
        An open cube version.
    lon, lat
        The point, in degrees east (-180..180) and north (-90..90).
    period
        A period id (``2022-P05``) or an ISO date inside it; the latest period if None.
    cache
        Where decoded fields are kept; the process-wide cache if None.

    Raises
    ------
    QueryError
        If the point is not finite or out of range, or the period is malformed.
    NotInCubeError
        If the cube does not hold the period.
    """
    row, col = locate_cell(snapshot, lon, lat)
    time_index, chosen = select_period(snapshot, period)
    cache = default_field_cache() if cache is None else cache

    at_row, at_col = np.array([row]), np.array([col])
    values: dict[str, SectorValue] = {}
    for sector in cube_sectors(snapshot):
        value = cache.read(snapshot, variable(sector), time_index, at_row, at_col)
        values[sector] = {
            "value": to_json_number(value[0, 0]),
            "units": sector_units(snapshot, sector),
        }

    return {
        "version": snapshot.version,
        "point": {"lon": lon, "lat": lat},
        "cell": cell_info(snapshot, row, col),
        "period": period_entry(chosen),
        "values": values,
    }


def cell_history(snapshot: CubeSnapshot, lon: float, lat: float) -> CellHistory:
    """The emission of each sector in the cell containing a point, in every period.

    Parameters and errors as `cell_values`; periods come oldest first.
    """
    row, col = locate_cell(snapshot, lon, lat)
    periods = cube_periods(snapshot)

    # Known limitation: chunks hold one period each, so this reads one chunk per period
    # and sector (about 1 ms each); a time-chunked copy of the cube would make it one.
    series: dict[str, SectorSeries] = {}
    for sector in cube_sectors(snapshot):
        column = snapshot.ds[variable(sector)].isel(lat=row, lon=col).values
        values = [to_json_number(v) for v in np.asarray(column)]
        series[sector] = {"units": sector_units(snapshot, sector), "values": values}

    missing = [
        p.id
        for i, p in enumerate(periods)
        if any(s["values"][i] is None for s in series.values())
    ]
    return {
        "version": snapshot.version,
        "point": {"lon": lon, "lat": lat},
        "cell": cell_info(snapshot, row, col),
        "periods": [period_entry(p) for p in periods],
        "values": series,
        "missing": missing,
    }


def validate_point(lon: float, lat: float) -> None:
    """Raise QueryError unless `lon` is in [-180, 180] and `lat` in [-90, 90]."""
    for name, value, limit in (("lon", lon, 180), ("lat", lat, 90)):
        if not (math.isfinite(value) and -limit <= value <= limit):
            raise QueryError(
                f"{name}={value!r} is out of range; give a finite number of degrees "
                f"from -{limit} to {limit}",
                parameter=name,
            )


def locate_cell(snapshot: CubeSnapshot, lon: float, lat: float) -> tuple[int, int]:
    """(row, col) of the cell containing a point, after validating the point."""
    validate_point(lon, lat)
    grid = cube_grid(snapshot)
    return int(grid.rows(lat)), int(grid.cols(lon))


def cell_info(snapshot: CubeSnapshot, row: int, col: int) -> Cell:
    """Id, position, box and centre of one cell of the cube's grid."""
    grid = cube_grid(snapshot)
    west, south, east, north = grid.cell_bounds(row, col)
    return {
        "id": grid.cell_id(row, col),
        "row": row,
        "col": col,
        "bounds": {"west": west, "south": south, "east": east, "north": north},
        "centre": {"lon": float(grid.lon[col]), "lat": float(grid.lat[row])},
    }


def to_json_number(value: object) -> float | None:
    """A stored value as JSON can carry it: None for NaN, and the shortest decimal that
    reads back as the same float32 (5.1, not 5.099999904632568)."""
    number = np.asarray(value)
    if not np.isfinite(number):
        return None
    if number.dtype == np.float32:
        return float(str(np.float32(number)))
    return float(number)
