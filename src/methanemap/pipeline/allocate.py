"""Allocation: national totals placed on the grid by infrastructure proxies.

For each allocation unit (a country, or a remainder group of countries that a national
table reports together) and sector, the unit's annual total is shared among the grid
cells of its proxy points in proportion to their weights. A unit with no proxy point
falls back to a country-uniform layer: its total spread over its countries' land in
proportion to covered cell area. Every tonne of every unit lands in some cell.
"""

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from methanemap.errors import InputQuirkWarning, RecipeError
from methanemap.grid import CANONICAL, Grid

log = logging.getLogger(__name__)

INFRASTRUCTURE = "infrastructure"
UNIFORM = "country-uniform"
PATTERN_COLUMNS = ["unit", "sector", "row", "col", "emission_t", "method"]


def allocate(
    units: pd.DataFrame,
    points: dict[str, pd.DataFrame],
    coverage: pd.DataFrame,
    grid: Grid = CANONICAL,
) -> pd.DataFrame:
    """Annual emission pattern of every unit and sector.

    Parameters
    ----------
    units
        Columns ``unit``, ``members`` (tuple of iso3), ``sector`` and ``emission_t``
        (tonnes CH4 per year).
    points
        Proxy points per sector, columns ``iso3``, ``lon``, ``lat``, ``weight`` (any
        non-negative unit; only shares within a unit matter).
    coverage
        Country coverage of cells (see `methanemap.pipeline.countries`).

    Returns
    -------
    DataFrame with columns ``unit, sector, row, col, emission_t, method``; per unit and
    sector its ``emission_t`` sums to the unit's total.
    """
    by_country = {str(iso): cells for iso, cells in coverage.groupby("iso3")}
    parts = [
        _allocate_unit(unit, points.get(unit.sector), by_country, grid)
        for unit in map(Unit.from_row, units.itertuples(index=False))
        if unit.emission_t > 0
    ]
    pattern = pd.concat(parts, ignore_index=True)
    fallback = pattern.loc[pattern["method"] == UNIFORM, "unit"].unique()
    log.info(
        "allocated %d units onto %d cells; %d units use the country-uniform fallback",
        len(parts),
        len(pattern),
        len(fallback),
    )
    return pattern[PATTERN_COLUMNS]


@dataclass(frozen=True)
class Unit:
    """One allocation unit and sector: a country or a group, with its annual total."""

    unit: str
    members: tuple[str, ...]
    sector: str
    emission_t: float

    @classmethod
    def from_row(cls, row: Any) -> "Unit":
        return cls(str(row.unit), tuple(row.members), str(row.sector), row.emission_t)


def _allocate_unit(
    unit: Unit,
    points: pd.DataFrame | None,
    by_country: dict[str, pd.DataFrame],
    grid: Grid,
) -> pd.DataFrame:
    members = set(unit.members)
    cells = _point_cells(points, members, grid)
    method = INFRASTRUCTURE
    if cells.empty:
        cells, method = _uniform_cells(by_country, members, grid), UNIFORM
    if cells.empty:
        raise RecipeError(
            f"unit {unit.unit!r} ({unit.sector}, {unit.emission_t:.0f} t) has "
            f"neither proxy points nor a country polygon for {sorted(members)}; "
            "map it to a country or a remainder group in the recipe"
        )
    share = cells["weight"] / cells["weight"].sum()
    return pd.DataFrame(
        {
            "unit": unit.unit,
            "sector": unit.sector,
            "row": cells["row"].to_numpy(),
            "col": cells["col"].to_numpy(),
            "emission_t": share.to_numpy() * unit.emission_t,
            "method": method,
        }
    )


def _point_cells(
    points: pd.DataFrame | None, members: set[str], grid: Grid
) -> pd.DataFrame:
    """Proxy weight summed per cell over the points of `members`."""
    if points is None:
        return pd.DataFrame(columns=["row", "col", "weight"])
    mine = points[points["iso3"].isin(members) & (points["weight"] > 0)]
    cells = pd.DataFrame(
        {
            "row": grid.rows(mine["lat"].to_numpy()),
            "col": grid.cols(mine["lon"].to_numpy()),
            "weight": mine["weight"].to_numpy(np.float64),
        }
    )
    return cells.groupby(["row", "col"], as_index=False)["weight"].sum()


def _uniform_cells(
    by_country: dict[str, pd.DataFrame], members: set[str], grid: Grid
) -> pd.DataFrame:
    """Covered area per cell over the polygons of `members` (m2)."""
    found = [by_country[iso] for iso in sorted(members) if iso in by_country]
    if not found:
        return pd.DataFrame(columns=["row", "col", "weight"])
    cells = pd.concat(found, ignore_index=True)
    cells["weight"] = cells["coverage"] * grid.cell_area[cells["row"].to_numpy()]
    return cells.groupby(["row", "col"], as_index=False)["weight"].sum()


def warn_missing_members(units: pd.DataFrame, coverage: pd.DataFrame) -> None:
    """Warn about units whose countries have no polygon (they need proxy points)."""
    known = set(coverage["iso3"])
    for row in units.itertuples(index=False):
        missing = sorted(set(row.members) - known)
        if missing:
            warnings.warn(
                f"unit {row.unit!r}: no boundary polygon for {missing}; only its proxy "
                "points can place it",
                InputQuirkWarning,
                stacklevel=2,
            )
