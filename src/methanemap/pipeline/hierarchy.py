"""Hierarchy of patterns: inside a region, a gridded inventory's map replaces the
infrastructure allocation of each unit, while the unit's national total is kept.

This is how emission models stack a regional inventory over a global one (HEMCO's
hierarchies): the regional map decides *where* within each country; the recipe's
national tables still decide *how much*.
"""

import logging
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from methanemap.errors import (
    InputFormatError,
    InputQuirkWarning,
    MissingInputError,
    RecipeError,
)
from methanemap.grid import CANONICAL, Grid
from methanemap.pipeline.recipe import RegionalInventory
from methanemap.pipeline.regrid import to_canonical
from methanemap.sources.inventory import open_inventory
from methanemap.sources.registry import fetch, get_input

log = logging.getLogger(__name__)

#: Columns of a pattern that place mass, as opposed to naming what it belongs to.
_CELL_COLUMNS = ["row", "col", "emission_t", "method"]

#: Share of a country's area the inventory must cover (with data) to replace its map.
MIN_COVERED_SHARE = 0.95


def regional_pattern(
    pattern: pd.DataFrame,
    field_t: xr.DataArray,
    region_iso3: set[str],
    coverage: pd.DataFrame,
    sector: str,
    *,
    name: str | None = None,
    members: Mapping[str, tuple[str, ...]] | None = None,
    grid: Grid = CANONICAL,
) -> pd.DataFrame:
    """`pattern` with the region's units of `sector` placed by the inventory's map.

    Parameters
    ----------
    pattern
        Allocation pattern: columns ``unit, sector, row, col, emission_t, method``
        (t CH4 a-1 per unit and cell), and any other naming columns (``subsector``).
    field_t
        The inventory on `grid` (t a-1 per cell, NaN where it has no data), as
        `pipeline.regrid.to_canonical` returns it.
    region_iso3
        Countries the inventory speaks for. A unit is replaced when all its member
        countries are in the region.
    coverage
        Country coverage of cells: columns ``iso3, row, col, coverage`` (see
        `pipeline.countries.country_coverage`).
    sector
        The sector whose units are replaced; others pass through unchanged.
    name
        Inventory name for the ``method`` column (default: the ``inventory``
        attribute of `field_t`).
    members
        Member countries of group units; a unit not named here is the country whose
        ISO3 code is its name.

    Returns
    -------
    A pattern with the same columns. Each replaced unit keeps its total exactly; its
    cells become the inventory's cells in its countries, weighted by inventory
    emission times the share of each cell inside the country, and its method is
    ``"inventory:<name>"``. A unit the inventory does not cover (with data) over at
    least `MIN_COVERED_SHARE` of its area, or where it holds no emission, keeps its
    allocation, with an `InputQuirkWarning`.
    """
    if field_t.shape != grid.shape:
        raise RecipeError(
            f"regional_pattern needs the inventory on the {grid.shape} grid (t a-1 per "
            f"cell), got shape {field_t.shape}; put it there with to_canonical"
        )

    method = f"inventory:{name or field_t.attrs.get('inventory', 'unnamed')}"
    values = _weights_grid(field_t)
    members = members or {}
    keys = [c for c in pattern.columns if c not in _CELL_COLUMNS]
    by_country = {str(iso): cells for iso, cells in coverage.groupby("iso3")}

    chosen = pattern["sector"] == sector
    parts, replaced = [pattern[~chosen]], []
    for key, rows in pattern[chosen].groupby(keys, sort=False, dropna=False):
        unit = str(rows["unit"].iloc[0])
        countries = members.get(unit, (unit,))
        if not set(countries) <= region_iso3:
            parts.append(rows)
            continue
        placed = _place(rows, key, keys, countries, values, by_country, grid)
        if isinstance(placed, str):
            warnings.warn(
                f"unit {unit!r} keeps its infrastructure allocation: {placed}",
                InputQuirkWarning,
                stacklevel=2,
            )
            parts.append(rows)
        else:
            parts.append(placed.assign(method=method))
            replaced.append(unit)

    log.info("inventory %s places %d units of %s", method, len(replaced), sector)
    return pd.concat(parts, ignore_index=True)[list(pattern.columns)]


def inventory_pattern(
    pattern: pd.DataFrame,
    path: Path,
    *,
    region: Iterable[str],
    sectors: Iterable[str],
    coverage: pd.DataFrame,
    members: Mapping[str, tuple[str, ...]] | None = None,
    name: str | None = None,
    variable: str | None = None,
    units: str | None = None,
    registration: str | None = None,
    time: int | str | None = None,
    crs: str | None = None,
) -> pd.DataFrame:
    """`pattern` with a gridded inventory file placing `sectors` inside `region`.

    Reads the file (`read_regional_inventory`, with the read options given) and
    applies `regional_pattern` for each sector; the recipe's ``[[inventories]]``
    tables map one to one onto these arguments.
    """
    read = {"variable": variable, "units": units, "registration": registration}
    field_t = read_regional_inventory(path, name=name, time=time, crs=crs, **read)
    for sector in sectors:
        pattern = regional_pattern(
            pattern, field_t, set(region), coverage, sector, members=members
        )
    return pattern


def read_regional_inventory(path: Path, **options: Any) -> xr.DataArray:
    """A fossil inventory file on the canonical grid (t a-1 per cell), checked.

    `options` are those of `open_inventory`. NaN cells are no data (the inventory does
    not speak for them); a file with no data at all, or with a negative cell (a
    fossil source is never a sink), is refused with an `InputFormatError` naming it.
    """
    field = open_inventory(path, **options)
    where = f"{Path(path).name}:{field.attrs['source_variable']}"
    values = field.to_numpy()

    if np.isnan(values).all():
        raise InputFormatError(f"{where}: every cell is no data (NaN or _FillValue)")
    negative = values < 0
    if negative.any():
        row, col = np.argwhere(negative)[0]
        raise InputFormatError(
            f"{where}: {int(negative.sum())} cells hold negative emission (down to "
            f"{values[negative].min():g} {field.attrs['units']}, the first at lat "
            f"{float(field['lat'][row]):g}, lon {float(field['lon'][col]):g}); a "
            "fossil inventory has no sinks: fix the file or use another layer"
        )
    return to_canonical(field)


def inventory_file(spec: RegionalInventory) -> Path:
    """The local file of a recipe's inventory: its own path, or the fetched input."""
    if spec.path is not None:
        if not spec.path.is_file():
            raise MissingInputError(f"inventory file {spec.path} does not exist")
        return spec.path
    return fetch(str(spec.input))


def read_recipe_inventory(spec: RegionalInventory) -> xr.DataArray:
    """The inventory a recipe's ``[[inventories]]`` table names, as
    `read_regional_inventory` gives it."""
    registered = get_input(spec.input).units if spec.input else ""
    return read_regional_inventory(
        inventory_file(spec),
        name=spec.label,
        variable=spec.variable,
        units=spec.units or registered or None,
        registration=spec.registration,
        time=spec.time,
        crs=spec.crs,
    )


def _weights_grid(field_t: xr.DataArray) -> np.ndarray:
    """The inventory as non-negative weights; NaN (no data) kept as NaN."""
    values = field_t.to_numpy().astype(np.float64)

    negative = values < 0
    if negative.any():
        warnings.warn(
            f"inventory {field_t.attrs.get('inventory')}: {int(negative.sum())} cells "
            "with negative emission (a sink, down to "
            f"{values[negative].min():g} t a-1) "
            "weigh as 0 in the pattern",
            InputQuirkWarning,
            stacklevel=3,
        )
        values = np.where(negative, 0.0, values)
    return values


def _place(
    rows: pd.DataFrame,
    key: object,
    keys: list[str],
    countries: tuple[str, ...],
    values: np.ndarray,
    by_country: Mapping[str, pd.DataFrame],
    grid: Grid,
) -> pd.DataFrame | str:
    """The unit's total on the inventory's cells in its countries, or why not."""
    total = float(rows["emission_t"].sum())
    found = [by_country[iso] for iso in countries if iso in by_country]
    if not found:
        return "no boundary polygon for its countries"
    cells = pd.concat(found, ignore_index=True)
    cells = cells.groupby(["row", "col"], as_index=False)["coverage"].sum()
    r, c = cells["row"].to_numpy(), cells["col"].to_numpy()
    inventory = values[r, c]

    area = cells["coverage"].to_numpy() * grid.cell_area[r]
    covered = float(area[~np.isnan(inventory)].sum() / area.sum())
    weight = np.nan_to_num(inventory) * cells["coverage"].to_numpy()
    if covered < MIN_COVERED_SHARE:
        return f"the inventory has data over only {covered:.1%} of it"
    if weight.sum() <= 0:
        return "the inventory holds no emission there"

    keep = weight > 0
    named = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
    placed = pd.DataFrame({"row": r[keep], "col": c[keep]})
    placed["emission_t"] = total * weight[keep] / weight.sum()
    return placed.assign(**named)
