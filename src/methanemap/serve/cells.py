"""Cell queries: the emission of each sector in the grid cell under a point.

A point ``(lon, lat)`` belongs to the cell whose half-open box ``[west, east) x [south,
north)`` contains it, so a point on a cell edge goes to the cell that starts there; the
north pole belongs to the top row and longitude 180 is longitude -180. Values are tonnes
CH4 per cell per period unless other units are asked; a missing value (NaN in the
cube) is None, never NaN. Where the cube has an attribution, each value carries its
95 % interval by the rule of `methanemap.uncertainty`.
"""

import math
from collections.abc import Mapping
from typing import NotRequired, TypedDict

import numpy as np
import numpy.typing as npt

from methanemap import uncertainty
from methanemap.errors import QueryError
from methanemap.serve.attribution import attribution_index, cell_moments
from methanemap.serve.catalog import (
    PeriodEntry,
    cube_grid,
    cube_sectors,
    period_entry,
    sector_units,
)
from methanemap.serve.fields import FieldCache, default_field_cache
from methanemap.serve.outunits import OutputUnits, parse_output_units
from methanemap.serve.provenance import Provenance, provenance
from methanemap.serve.timespan import TimeSpan, select_span
from methanemap.serve.totals import UNCERTAINTY_RULE
from methanemap.store import CubeSnapshot
from methanemap.store.schema import SECTORS, TOTAL, variable

FloatArray = npt.NDArray[np.float64]


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
    """One sector's emission in a cell and period; None where the cube has no data.

    ``lower`` and ``upper`` (the 95 % interval) are there when the cube has an
    attribution.
    """

    value: float | None
    units: str
    lower: NotRequired[float | None]
    upper: NotRequired[float | None]


class CellValues(TypedDict):
    """The emission of each sector in one cell in one period."""

    version: str
    provenance: Provenance
    point: Point
    cell: Cell
    period: PeriodEntry
    values: dict[str, SectorValue]
    uncertainty: NotRequired[str]


class SectorSeries(TypedDict):
    """One sector's emission in a cell in every period asked, in the order of
    ``periods``, with the 95 % intervals when the cube has an attribution."""

    units: str
    values: list[float | None]
    lower: NotRequired[list[float | None]]
    upper: NotRequired[list[float | None]]


class CellHistory(TypedDict):
    """The emission of each sector in one cell in several periods.

    ``missing`` lists the periods in which some sector has no data (None values).
    """

    version: str
    provenance: Provenance
    point: Point
    cell: Cell
    periods: list[PeriodEntry]
    values: dict[str, SectorSeries]
    missing: list[str]
    uncertainty: NotRequired[str]


def cell_values(
    snapshot: CubeSnapshot,
    lon: float,
    lat: float,
    period: str | None = None,
    *,
    units: str | None = None,
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
    units
        Units of the values: ``t`` (per period, the default), another mass, a rate
        or a flux (per the cell's area).
    cache
        Where decoded fields are kept; the process-wide cache if None.

    Raises
    ------
    QueryError
        If the point is not finite or out of range, or the period or units are
        malformed.
    NotInCubeError
        If the cube does not hold the period.
    """
    row, col = locate_cell(snapshot, lon, lat)
    span = select_span(snapshot, period=period)
    output = parse_output_units(units)
    cache = default_field_cache() if cache is None else cache

    at_row, at_col = np.array([row]), np.array([col])
    stored = {
        sector: cache.read(snapshot, variable(sector), span.first, at_row, at_col)[0]
        for sector in cube_sectors(snapshot)
    }
    series = _present(snapshot, row, col, span, output, stored)
    values: dict[str, SectorValue] = {}
    for sector, one in series.items():
        values[sector] = {"value": one["values"][0], "units": one["units"]}
        if "lower" in one and "upper" in one:
            values[sector] |= {"lower": one["lower"][0], "upper": one["upper"][0]}

    answer: CellValues = {
        "version": snapshot.version,
        "provenance": provenance(snapshot),
        "point": {"lon": lon, "lat": lat},
        "cell": cell_info(snapshot, row, col),
        "period": period_entry(span.periods[0]),
        "values": values,
    }
    if attribution_index(snapshot) is not None:
        answer["uncertainty"] = UNCERTAINTY_RULE
    return answer


def cell_history(
    snapshot: CubeSnapshot,
    lon: float,
    lat: float,
    *,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    datetime: str | None = None,
    units: str | None = None,
) -> CellHistory:
    """The emission of each sector in the cell containing a point, period by period.

    Every period of the cube unless some are named (see
    `methanemap.serve.timespan.select_span`); oldest first. The values come from
    the cube's time-chunked layout when it has one, which reads one chunk per year
    and sector. Other parameters and errors as `cell_values`.
    """
    row, col = locate_cell(snapshot, lon, lat)
    span = select_span(
        snapshot, period=period, start=start, end=end, datetime=datetime, default="all"
    )
    output = parse_output_units(units)
    series = _present(
        snapshot, row, col, span, output, _read_series(snapshot, row, col, span)
    )

    missing = [
        p.id
        for i, p in enumerate(span.periods)
        if any(s["values"][i] is None for s in series.values())
    ]
    answer: CellHistory = {
        "version": snapshot.version,
        "provenance": provenance(snapshot),
        "point": {"lon": lon, "lat": lat},
        "cell": cell_info(snapshot, row, col),
        "periods": [period_entry(p) for p in span.periods],
        "values": series,
        "missing": missing,
    }
    if attribution_index(snapshot) is not None:
        answer["uncertainty"] = UNCERTAINTY_RULE
    return answer


def _read_series(
    snapshot: CubeSnapshot, row: int, col: int, span: TimeSpan
) -> dict[str, npt.NDArray[np.float32]]:
    """Each stored sector's values in one cell over the span (time-chunked layout)."""
    layer = snapshot.history if snapshot.history is not None else snapshot.ds
    names = [variable(s) for s in cube_sectors(snapshot) if variable(s) in layer]
    window = layer[names].isel(time=span.indices, lat=row, lon=col).load()
    return {
        sector: np.asarray(window[variable(sector)].to_numpy())
        for sector in cube_sectors(snapshot)
        if variable(sector) in window
    }


def _present(
    snapshot: CubeSnapshot,
    row: int,
    col: int,
    span: TimeSpan,
    units: OutputUnits,
    stored: Mapping[str, npt.ArrayLike],
) -> dict[str, SectorSeries]:
    """Stored values (t) of a cell as series in the units asked, with intervals."""
    grid = cube_grid(snapshot)
    area, seconds = float(grid.cell_area[row]), span.seconds()
    sigmas = _cell_sigmas(snapshot, grid.cell_id(row, col), span)
    out: dict[str, SectorSeries] = {}
    for sector, values in stored.items():
        mass = np.atleast_1d(np.asarray(values))
        shown = _show(mass, units, area, seconds)
        out[sector] = {"units": _units_text(snapshot, sector, units), "values": shown}
        if sector in sigmas:
            low, high = uncertainty.intervals(mass.astype(np.float64), sigmas[sector])
            out[sector]["lower"] = _show(low, units, area, seconds)
            out[sector]["upper"] = _show(high, units, area, seconds)
    return out


def _cell_sigmas(
    snapshot: CubeSnapshot, cell: int, span: TimeSpan
) -> dict[str, FloatArray]:
    """Per sector (and the total), the 1-sigma of the cell's mass in each period."""
    index = attribution_index(snapshot)
    if index is None:
        return {}
    sigmas = {
        sector: uncertainty.scaled_sigma(
            sector, cell_moments(entries, cell), entries.weight[:, span.indices]
        )
        for sector, entries in index.sectors.items()
    }
    if all(s in sigmas for s in SECTORS):
        sigmas[TOTAL] = uncertainty.sigma_of_sector_arrays(list(sigmas.values()))
    return sigmas


def _show(
    mass: npt.ArrayLike, units: OutputUnits, area_m2: float, seconds: FloatArray
) -> list[float | None]:
    values = np.asarray(mass)
    if units.text == "t":
        return [to_json_number(v) for v in values]
    converted = units.convert(values.astype(np.float64), area_m2, seconds)
    return [to_json_number(v) for v in converted]


def _units_text(snapshot: CubeSnapshot, sector: str, units: OutputUnits) -> str:
    return sector_units(snapshot, sector) if units.text == "t" else units.text


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
