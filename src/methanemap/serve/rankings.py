"""Ranked lists: the countries and the cells that emit most of a sector in some periods.

Cells are ranked by mass. With an attribution every cell's mass comes from its entries
(the cube's values to float32 rounding) with an interval; without one the cube's
fields are read and summed (up to the read limit).
"""

from typing import TypedDict

import numpy as np
import numpy.typing as npt

from methanemap import uncertainty
from methanemap.errors import QueryError
from methanemap.serve.attribution import (
    AttributionIndex,
    attribution_index,
    cell_moments,
    cell_totals,
)
from methanemap.serve.catalog import PeriodEntry, cube_grid, period_entry
from methanemap.serve.cells import Cell, cell_info
from methanemap.serve.countries import country_index
from methanemap.serve.limits import Limits, check_read
from methanemap.serve.nationaltable import (
    DEFINITIONS,
    Basis,
    TableRow,
    rank_countries,
    reconciliation_table,
)
from methanemap.serve.outunits import OutputUnits, parse_output_units
from methanemap.serve.provenance import Provenance, provenance
from methanemap.serve.timespan import TimeSpan, select_span
from methanemap.serve.totals import (
    NO_UNCERTAINTY,
    UNCERTAINTY_RULE,
    number,
    select_sectors,
)
from methanemap.store import CubeSnapshot
from methanemap.store.schema import SECTORS, TOTAL, variable

FloatArray = npt.NDArray[np.float64]

#: Longest ranked list one request may ask for.
MAX_RANKED = 1000


class CountryShare(TypedDict):
    """A country covering a cell and the share of the cell's area it covers."""

    iso3: str
    share: float


class RankedCell(TypedDict):
    """One cell of a ranking: where it is, its total with interval, its countries."""

    rank: int
    cell: Cell
    value: float | None
    lower: float | None
    upper: float | None
    countries: list[CountryShare]


class TopCells(TypedDict):
    """The cells with the largest mass of one sector over some periods."""

    version: str
    provenance: Provenance
    sector: str
    units: str
    periods: list[PeriodEntry]
    method: str
    uncertainty: str
    cells: list[RankedCell]


class TopCountries(TypedDict):
    """The countries with the largest totals of one sector over some periods."""

    version: str
    provenance: Provenance
    sector: str
    units: str
    basis: str
    periods: list[PeriodEntry]
    uncertainty: str
    definitions: dict[str, str]
    countries: list[TableRow]


def validate_limit(limit: int) -> int:
    """`limit` if it is 1 to `MAX_RANKED`; QueryError naming it otherwise."""
    if not 1 <= limit <= MAX_RANKED:
        raise QueryError(
            f"limit {limit} is out of range; ask for 1 to {MAX_RANKED} entries",
            parameter="limit",
        )
    return limit


def top_countries(
    snapshot: CubeSnapshot,
    *,
    sector: str = TOTAL,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    datetime: str | None = None,
    units: str | None = None,
    basis: Basis = "geographic",
    limit: int = 10,
) -> TopCountries:
    """The `limit` countries with the largest `basis` totals (geographic or
    attributed) of a sector, summed over the periods asked; parameters as
    `methanemap.serve.nationaltable.reconciliation_table`."""
    validate_limit(limit)
    table = reconciliation_table(
        snapshot,
        sector=sector,
        period=period,
        start=start,
        end=end,
        datetime=datetime,
        units=units,
    )
    return {
        "version": table["version"],
        "provenance": table["provenance"],
        "sector": table["sector"],
        "units": table["units"],
        "basis": basis,
        "periods": table["periods"],
        "uncertainty": table["uncertainty"],
        "definitions": DEFINITIONS,
        "countries": rank_countries(table, basis, limit),
    }


def top_cells(
    snapshot: CubeSnapshot,
    *,
    sector: str = TOTAL,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    datetime: str | None = None,
    units: str | None = None,
    limit: int = 10,
    limits: Limits | None = None,
) -> TopCells:
    """The `limit` cells with the largest mass of a sector over the periods asked.

    Parameters
    ----------
    snapshot
        An open cube version.
    sector
        coal, oil, gas or total.
    period, start, end, datetime
        The periods (the latest if none); masses are summed over them.
    units
        Units of the values; a flux is per each cell's area.
    limit
        How many cells (1 to 1000).
    limits
        Query limits (the grid read when the cube has no attribution).
    """
    (chosen,) = select_sectors(snapshot, sector)
    span = select_span(snapshot, period=period, start=start, end=end, datetime=datetime)
    output = parse_output_units(units)
    validate_limit(limit)
    index = attribution_index(snapshot)
    grid = cube_grid(snapshot)

    if index is None:
        masses = _grid_masses(snapshot, chosen, span, limits or Limits())
    else:
        masses = _attributed_masses(index, chosen, span, grid.nlat * grid.nlon)
    count = min(limit, masses.size)
    best = np.argpartition(masses, -count)[-count:]
    best = best[np.argsort(masses[best])[::-1]]

    cells = [
        _ranked(snapshot, index, chosen, span, output, rank, cell, float(masses[cell]))
        for rank, cell in enumerate(best.tolist(), start=1)
    ]
    return {
        "version": snapshot.version,
        "provenance": provenance(snapshot),
        "sector": chosen,
        "units": output.text,
        "periods": [period_entry(p) for p in span.periods],
        "method": "grid" if index is None else "attribution",
        "uncertainty": NO_UNCERTAINTY if index is None else UNCERTAINTY_RULE,
        "cells": cells,
    }


def _ranked(
    snapshot: CubeSnapshot,
    index: AttributionIndex | None,
    sector: str,
    span: TimeSpan,
    output: OutputUnits,
    rank: int,
    cell: int,
    tonnes: float,
) -> RankedCell:
    """One cell of a ranking, its mass in the units asked (a flux per its area)."""
    grid = cube_grid(snapshot)
    row, col = divmod(cell, grid.nlon)
    area, seconds = float(grid.cell_area[row]), float(span.seconds().sum())
    sigma = None if index is None else _cell_sigma(index, sector, cell, span)
    low, high = (None, None) if sigma is None else uncertainty.interval(tonnes, sigma)

    def convert(mass: float | None) -> float | None:
        return None if mass is None else number(output.convert(mass, area, seconds))

    return {
        "rank": rank,
        "cell": cell_info(snapshot, row, col),
        "value": convert(tonnes),
        "lower": convert(low),
        "upper": convert(high),
        "countries": _countries(snapshot, cell),
    }


def _attributed_masses(
    index: AttributionIndex, sector: str, span: TimeSpan, cells: int
) -> FloatArray:
    sectors = SECTORS if sector == TOTAL else (sector,)
    total = np.zeros(cells)
    for name in sectors:
        if name in index.sectors:
            entries = index.sectors[name]
            summed = entries.weight[:, span.indices].sum(axis=1)
            total += cell_totals(entries, summed, cells)
    return total


def _grid_masses(
    snapshot: CubeSnapshot, sector: str, span: TimeSpan, limits: Limits
) -> FloatArray:
    data = snapshot.ds[variable(sector)]
    check_read(data.sizes["lat"] * data.sizes["lon"] * span.count, limits, "period")
    total = np.zeros(data.sizes["lat"] * data.sizes["lon"])
    for t in range(span.first, span.last + 1):
        field = data.isel(time=t).to_numpy().astype(np.float64).ravel()
        total += np.nan_to_num(field)
    return total


def _cell_sigma(
    index: AttributionIndex, sector: str, cell: int, span: TimeSpan
) -> float:
    sectors = SECTORS if sector == TOTAL else (sector,)
    sigmas = {}
    for name in sectors:
        if name in index.sectors:
            entries = index.sectors[name]
            summed = entries.weight[:, span.indices].sum(axis=1)
            moments = cell_moments(entries, cell)
            sigmas[name] = float(uncertainty.scaled_sigma(name, moments, summed))
    return uncertainty.sigma_of_sectors(sigmas)


def _countries(snapshot: CubeSnapshot, cell: int) -> list[CountryShare]:
    if snapshot.countries is None or attribution_index(snapshot) is None:
        return []
    found = country_index(snapshot).countries_of_cell(cell)
    return [{"iso3": code, "share": share} for code, share in found]
