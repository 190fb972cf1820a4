"""Allocation: national totals placed on the grid by infrastructure proxies.

For each allocation unit (a country, or a remainder group of countries that a national
table reports together) and sub-sector, the unit's annual total is shared among the grid
cells of its proxy points in proportion to their weights. Where a sub-sector blends
several proxy sources, each source present in the unit contributes its blend share
(renormalised over the sources present). A unit with no proxy point falls back to a
country-uniform layer: its total spread over its countries' land in proportion to
covered cell area. Every tonne of every unit lands in some cell.
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
PATTERN_COLUMNS = ["unit", "sector", "subsector", "row", "col", "emission_t", "method"]


def allocate(
    units: pd.DataFrame,
    points: dict[str, pd.DataFrame],
    coverage: pd.DataFrame,
    grid: Grid = CANONICAL,
    blends: dict[str, dict[str, float]] | None = None,
) -> pd.DataFrame:
    """Annual emission pattern of every unit and sector.

    Parameters
    ----------
    units
        Columns ``unit``, ``members`` (tuple of iso3), ``sector``, ``subsector`` (the
        key of `points`; defaults to the sector) and ``emission_t`` (t CH4 a-1).
    points
        Proxy points per sub-sector, columns ``iso3``, ``lon``, ``lat``, ``weight``
        (non-negative; only shares within a unit and source matter) and ``source``.
    coverage
        Country coverage of cells (see `methanemap.pipeline.countries`).
    blends
        Per sub-sector, the share of each proxy source; a source not named shares
        equally with the others.

    Returns
    -------
    DataFrame with columns ``unit, sector, subsector, row, col, emission_t, method``;
    per unit and sub-sector its ``emission_t`` sums to the unit's total.
    """
    if "subsector" not in units:
        units = units.assign(subsector=units["sector"])
    by_country = {str(iso): cells for iso, cells in coverage.groupby("iso3")}
    cells = {key: _cells_of_points(frame, grid) for key, frame in points.items()}
    blends = blends or {}
    parts = [
        _allocate_unit(
            unit,
            cells.get(unit.subsector),
            blends.get(unit.subsector, {}),
            by_country,
            grid,
        )
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
    subsector: str
    emission_t: float

    @classmethod
    def from_row(cls, row: Any) -> "Unit":
        return cls(
            str(row.unit),
            tuple(row.members),
            str(row.sector),
            str(row.subsector),
            float(row.emission_t),
        )


def _allocate_unit(
    unit: Unit,
    points: pd.DataFrame | None,
    blend: dict[str, float],
    by_country: dict[str, pd.DataFrame],
    grid: Grid,
) -> pd.DataFrame:
    members = set(unit.members)
    cells = _blended_cells(points, members, blend)
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
            "subsector": unit.subsector,
            "row": cells["row"].to_numpy(),
            "col": cells["col"].to_numpy(),
            "emission_t": share.to_numpy() * unit.emission_t,
            "method": method,
        }
    )


def _cells_of_points(points: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """Proxy weight summed per country, source and cell."""
    points = points[points["weight"] > 0]
    if "source" not in points:
        points = points.assign(source="proxy")
    cells = pd.DataFrame(
        {
            "iso3": points["iso3"].to_numpy(),
            "source": points["source"].to_numpy(),
            "row": grid.rows(points["lat"].to_numpy()),
            "col": grid.cols(points["lon"].to_numpy()),
            "weight": points["weight"].to_numpy(np.float64),
        }
    )
    keys = ["iso3", "source", "row", "col"]
    return cells.groupby(keys, as_index=False)["weight"].sum()


def _blended_cells(
    cells: pd.DataFrame | None, members: set[str], blend: dict[str, float]
) -> pd.DataFrame:
    """Cell weights of `members`, each source normalised and given its blend share."""
    if cells is None:
        return pd.DataFrame(columns=["row", "col", "weight"])
    mine = cells[cells["iso3"].isin(members)]
    totals = mine.groupby("source")["weight"].sum()
    shares = pd.Series({s: blend.get(s, 1.0) for s in totals.index}, dtype=float)
    shares = shares / shares.sum() if len(shares) else shares
    weight = mine["weight"] / mine["source"].map(totals) * mine["source"].map(shares)
    mine = mine.assign(weight=weight)
    return mine.groupby(["row", "col"], as_index=False)["weight"].sum()


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
