"""What an open cube offers a reader: its grid, periods and sectors, and the checks that
pick one of them from a request. The tile and cell functions of `serve` start here.
"""

from functools import lru_cache
from typing import TypedDict

import numpy as np
import pandas as pd

from methanemap.errors import NotInCubeError, QueryError
from methanemap.grid import Grid
from methanemap.pipeline.periods import Period, parse_period, period_of_date
from methanemap.store import CubeSnapshot
from methanemap.store.schema import EMISSION_UNITS, SECTOR_NAMES, all_sectors, variable


class PeriodEntry(TypedDict):
    """One period as the API shows it: id and ISO dates, `end` exclusive."""

    id: str
    start: str
    end: str
    days: int


class SectorEntry(TypedDict):
    """One sector as the API shows it: id, a readable name and units of its values."""

    id: str
    name: str
    units: str


class Catalog(TypedDict):
    """Everything a client needs to ask for tiles and cells of one cube version."""

    version: str
    periods: list[PeriodEntry]
    sectors: list[SectorEntry]


def catalog(snapshot: CubeSnapshot) -> Catalog:
    """The periods and sectors of the cube, oldest period first.

    Parameters
    ----------
    snapshot
        An open cube version.

    Returns
    -------
    Catalog
        The version, every period (id, start, exclusive end) and every sector with the
        units of its values (``t``: tonnes CH4 per cell per period).
    """
    return {
        "version": snapshot.version,
        "periods": [period_entry(p) for p in cube_periods(snapshot)],
        "sectors": [sector_entry(snapshot, s) for s in cube_sectors(snapshot)],
    }


def period_entry(period: Period) -> PeriodEntry:
    """The API view of one period."""
    return {
        "id": period.id,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "days": period.days,
    }


def sector_entry(snapshot: CubeSnapshot, sector: str) -> SectorEntry:
    """The API view of one sector of the cube."""
    return {
        "id": sector,
        "name": SECTOR_NAMES.get(sector, sector),
        "units": sector_units(snapshot, sector),
    }


def cube_periods(snapshot: CubeSnapshot) -> list[Period]:
    """The periods of the cube in time order (its time is each period's start)."""
    starts = snapshot.ds.indexes["time"]
    return list(_periods_of_starts(starts.asi8.tobytes()))


@lru_cache(maxsize=32)
def _periods_of_starts(starts: bytes) -> tuple[Period, ...]:
    # Keyed by the time axis itself (ns since 1970): a new axis gets new periods.
    days = np.frombuffer(starts, dtype=np.int64).astype("datetime64[ns]")
    return tuple(period_of_date(day.date()) for day in pd.DatetimeIndex(days))


def cube_sectors(snapshot: CubeSnapshot) -> list[str]:
    """The sectors stored in the cube, the total last."""
    return [s for s in all_sectors() if variable(s) in snapshot.ds.data_vars]


def sector_units(snapshot: CubeSnapshot, sector: str) -> str:
    """Units of the values of `sector` as the cube declares them."""
    return str(snapshot.ds[variable(sector)].attrs.get("units", EMISSION_UNITS))


def cube_grid(snapshot: CubeSnapshot) -> Grid:
    """The global grid the cube is on (the canonical 0.1 degree grid for real cubes)."""
    return _grid_of_shape(snapshot.ds.sizes["lat"], snapshot.ds.sizes["lon"])


@lru_cache(maxsize=8)
def _grid_of_shape(nlat: int, nlon: int) -> Grid:
    grid = Grid(180 / nlat)
    if grid.nlon != nlon:
        raise NotImplementedError(
            f"the cube has {nlat} x {nlon} cells, not a global grid of square cells; "
            "only such grids can be served"
        )
    return grid


def validate_sector(snapshot: CubeSnapshot, sector: str) -> str:
    """The cube variable of `sector`; raises if the sector is unknown or not stored.

    Raises
    ------
    QueryError
        If `sector` is none of coal, oil, gas or total.
    NotInCubeError
        If the sector is known but this cube version does not hold it.
    """
    if sector not in all_sectors():
        raise QueryError(
            f"sector {sector!r} is unknown; allowed are {', '.join(all_sectors())}",
            parameter="sector",
        )
    if variable(sector) not in snapshot.ds.data_vars:
        raise NotInCubeError(
            f"sector {sector!r} is not in cube version {snapshot.version}; it holds "
            f"{', '.join(cube_sectors(snapshot))}",
            parameter="sector",
        )
    return variable(sector)


def select_period(snapshot: CubeSnapshot, period: str | None) -> tuple[int, Period]:
    """The time index and the period a request names; the latest period when None.

    Parameters
    ----------
    snapshot
        An open cube version.
    period
        A period id (``2022-P05``), an ISO date inside the period, or None.

    Raises
    ------
    QueryError
        If `period` is neither a period id nor an ISO date.
    NotInCubeError
        If the cube does not hold that period (or holds no period at all).
    """
    starts = snapshot.ds.indexes["time"]
    if len(starts) == 0:
        raise NotInCubeError("the cube holds no period yet", parameter="period")
    if period is None:
        return len(starts) - 1, period_of_date(starts[-1].date())

    wanted = parse_period(period)
    try:
        return int(starts.get_loc(pd.Timestamp(wanted.start))), wanted
    except KeyError:
        held = cube_periods(snapshot)
        raise NotInCubeError(
            f"period {period!r} ({wanted.id}) is not in the cube, which holds "
            f"{held[0].id} to {held[-1].id}; list them at /periods",
            parameter="period",
        ) from None
