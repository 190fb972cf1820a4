"""From annual patterns to the 8-day cube, lazily with Dask.

A cell's emission in a period is the sum over the units allocated to it of the unit's
annual mass in the base year times the unit's weight for the period: its activity
factor for the period's year, times the period's share of its year (days in the period
over days in the year), times the unit's within-year shape where it has one (see
`methanemap.pipeline.activity.period_weights`).
"""

from collections.abc import Callable
from dataclasses import dataclass

import dask.array as da
import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from methanemap.grid import CANONICAL, Grid
from methanemap.pipeline.periods import Period, time_coords
from methanemap.store.schema import (
    COORD_ATTRS,
    DIMS,
    SECTORS,
    TOTAL,
    variable,
    variable_attrs,
)

BLOCK = 600  # cells per block side; matches the store's spatial chunks


@dataclass(frozen=True)
class SectorPattern:
    """One sector's allocation as flat arrays sorted by block, with unit factors."""

    row: npt.NDArray[np.int64]
    col: npt.NDArray[np.int64]
    annual_t: npt.NDArray[np.float64]  # base-year tonnes per entry
    unit_index: npt.NDArray[np.int64]  # row of `weights` for each entry
    weights: npt.NDArray[np.float64]  # (unit, period) multipliers of annual_t
    units: tuple[str, ...]  # unit names, in the order of `weights`
    uniform: npt.NDArray[np.bool_]  # entry placed by the country-uniform fallback
    block: npt.NDArray[np.int64]  # block id of each entry, ascending

    def in_block(self, r0: int, c0: int, grid: Grid) -> slice:
        """Entries of the block whose first cell is (r0, c0)."""
        block = _block_id(np.int64(r0), np.int64(c0), grid)
        start, stop = np.searchsorted(self.block, [block, block + 1])
        return slice(int(start), int(stop))


def _block_id(
    row: npt.ArrayLike, col: npt.ArrayLike, grid: Grid
) -> npt.NDArray[np.int64]:
    per_row = -(-grid.nlon // BLOCK)
    block: npt.NDArray[np.int64] = (
        np.asarray(row) // BLOCK * per_row + np.asarray(col) // BLOCK
    )
    return block


def sector_patterns(
    pattern: pd.DataFrame, weights: pd.DataFrame, n_periods: int, grid: Grid
) -> dict[str, SectorPattern]:
    """Flatten the allocation of each sector for fast per-block scattering.

    Parameters
    ----------
    pattern
        Allocation: columns ``unit, sector, row, col, emission_t`` (base-year t).
    weights
        Columns ``unit, sector, period, weight`` (see `period_weights`).
    """
    out = {}
    for sector in SECTORS:
        mine = pattern[pattern["sector"] == sector]
        table = weights[weights["sector"] == sector].pivot(
            index="unit", columns="period", values="weight"
        )
        table = table.reindex(columns=range(n_periods))
        index = table.index.get_indexer(mine["unit"])
        if (index < 0).any():
            missing = sorted(set(mine["unit"][index < 0]))
            raise ValueError(f"no period weights for units {missing} ({sector})")
        row, col = mine["row"].to_numpy(np.int64), mine["col"].to_numpy(np.int64)
        block = _block_id(row, col, grid)
        order = np.argsort(block, kind="stable")
        uniform = (
            mine["method"].eq("country-uniform").to_numpy()
            if "method" in mine
            else np.zeros(len(mine), dtype=bool)
        )
        out[sector] = SectorPattern(
            row=row[order],
            col=col[order],
            annual_t=mine["emission_t"].to_numpy(np.float64)[order],
            unit_index=index.astype(np.int64)[order],
            weights=table.to_numpy(np.float64),
            units=tuple(str(u) for u in table.index),
            uniform=uniform[order],
            block=block[order],
        )
    return out


def build_cube(
    patterns: dict[str, SectorPattern],
    periods: list[Period],
    grid: Grid = CANONICAL,
    attrs: dict[str, str | float] | None = None,
) -> xr.Dataset:
    """The lazy cube: one variable per sector plus the total; nothing is computed."""
    shape = (len(periods), grid.nlat, grid.nlon)
    chunks = ((1,) * len(periods), _splits(grid.nlat), _splits(grid.nlon))

    data = {}
    for sector in (*SECTORS, TOTAL):
        chosen = list(SECTORS) if sector == TOTAL else [sector]
        block = _block_function([patterns[s] for s in chosen], grid)
        array = da.map_blocks(  # type: ignore[no-untyped-call]
            block, dtype=np.float32, chunks=chunks, meta=np.array(())
        )
        assert array.shape == shape
        data[variable(sector)] = (DIMS, array, variable_attrs(sector))

    starts, bounds = time_coords(periods)
    coords = {
        "time": ("time", starts, COORD_ATTRS["time"]),
        "lat": ("lat", grid.lat, COORD_ATTRS["lat"]),
        "lon": ("lon", grid.lon, COORD_ATTRS["lon"]),
        "time_bnds": (("time", "bnds"), bounds),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs or {})


def _splits(n: int) -> tuple[int, ...]:
    full, rest = divmod(n, BLOCK)
    return (BLOCK,) * full + ((rest,) if rest else ())


def _block_function(
    patterns: list[SectorPattern], grid: Grid
) -> Callable[..., npt.NDArray[np.float32]]:
    """A map_blocks function scattering the patterns into one (1, rows, cols) block."""

    def block(block_info: dict | None = None) -> npt.NDArray[np.float32]:  # type: ignore[type-arg]
        (t0, _), (r0, r1), (c0, c1) = block_info[None]["array-location"]  # type: ignore[index]
        out = np.zeros((r1 - r0) * (c1 - c0), dtype=np.float64)
        for p in patterns:
            part = p.in_block(r0, c0, grid)
            local = (p.row[part] - r0) * (c1 - c0) + (p.col[part] - c0)
            mass = p.annual_t[part] * p.weights[p.unit_index[part], t0]
            out += np.bincount(local, weights=mass, minlength=out.size)
        return out.astype(np.float32).reshape(1, r1 - r0, c1 - c0)

    return block
