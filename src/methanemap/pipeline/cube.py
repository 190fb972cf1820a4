"""From annual patterns to the 8-day cube, lazily with Dask.

A cell's emission in a period is the sum over the units allocated to it of the unit's
annual mass in the base year times the unit's weight for the period: its activity
factor for the period's year, times the period's share of its year (days in the period
over days in the year), times the unit's within-year shape where it has one (see
`methanemap.pipeline.activity.period_weights`).
"""

from dataclasses import dataclass

import dask
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
from methanemap.store.slabs import active_client

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
    cell: npt.NDArray[np.int64]  # row of `cells` holding each entry
    cells: npt.NDArray[np.int64]  # distinct cells, as block-local flat indices
    cell_block: npt.NDArray[np.int64]  # block id of each distinct cell, ascending

    def in_block(self, r0: int, c0: int, grid: Grid) -> slice:
        """Entries of the block whose first cell is (r0, c0)."""
        return _between(self.block, _block_id(np.int64(r0), np.int64(c0), grid))

    def block_sums(
        self, r0: int, c0: int, period: int, grid: Grid
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The distinct cells of one block (block-local flat indices) and their mass
        (t) in `period`: each cell's entries summed in float64, in entry order."""
        block = _block_id(np.int64(r0), np.int64(c0), grid)
        part, cells = _between(self.block, block), _between(self.cell_block, block)
        mass = self.annual_t[part] * self.weights[self.unit_index[part], period]
        index = self.cell[part] - cells.start
        sums = np.bincount(index, weights=mass, minlength=cells.stop - cells.start)
        return self.cells[cells], sums


def _between(
    sorted_ids: npt.NDArray[np.int64], value: npt.NDArray[np.int64] | np.int64
) -> slice:
    start, stop = np.searchsorted(sorted_ids, [value, value + 1])
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
        row, col, block = row[order], col[order], block[order]
        cell, cells, cell_block = _distinct_cells(row, col, block, grid)
        out[sector] = SectorPattern(
            row=row,
            col=col,
            annual_t=mine["emission_t"].to_numpy(np.float64)[order],
            unit_index=index.astype(np.int64)[order],
            weights=table.to_numpy(np.float64),
            units=tuple(str(u) for u in table.index),
            uniform=uniform[order],
            block=block,
            cell=cell,
            cells=cells,
            cell_block=cell_block,
        )
    return out


def _distinct_cells(
    row: npt.NDArray[np.int64],
    col: npt.NDArray[np.int64],
    block: npt.NDArray[np.int64],
    grid: Grid,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each entry's distinct cell, and those cells' block-local indices and blocks.

    A block's entries are summed per distinct cell (a few thousand) instead of over
    the block's 360,000 cells, which makes an empty or sparse block nearly free.
    """
    r0, c0 = row // BLOCK * BLOCK, col // BLOCK * BLOCK
    width = np.minimum(BLOCK, grid.nlon - c0)
    key = block * BLOCK * BLOCK + (row - r0) * width + (col - c0)
    distinct, cell = np.unique(key, return_inverse=True)
    return cell.astype(np.int64), distinct % (BLOCK * BLOCK), distinct // BLOCK**2


def build_cube(
    patterns: dict[str, SectorPattern],
    periods: list[Period],
    grid: Grid = CANONICAL,
    attrs: dict[str, str | float] | None = None,
) -> xr.Dataset:
    """The lazy cube: one variable per sector plus the total; nothing is computed.

    The patterns enter the graph once, as one task every block depends on, so that a
    distributed cluster ships them to each worker once rather than with every block.
    """
    shape = (len(periods), grid.nlat, grid.nlon)
    chunks = ((1,) * len(periods), _splits(grid.nlat), _splits(grid.nlon))
    shared = _shared(patterns)

    data = {}
    for sector in (*SECTORS, TOTAL):
        chosen = tuple(SECTORS) if sector == TOTAL else (sector,)
        array = da.map_blocks(  # type: ignore[no-untyped-call]
            scatter_block,
            shared,
            chosen,
            grid,
            dtype=np.float32,
            chunks=chunks,
            meta=np.array((), dtype=np.float32),
            name=f"{variable(sector)}-{dask.base.tokenize(shared, chosen, grid)}",
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


def _shared(patterns: dict[str, SectorPattern]) -> object:
    """The patterns as one dependency of the graph: scattered once to every worker of
    an active distributed client (so no graph carries them), else one task."""
    client = active_client()
    if client is not None:
        return client.scatter(dict(patterns), broadcast=True, hash=True)
    return dask.delayed(dict(patterns), pure=True)  # type: ignore[attr-defined]


def _splits(n: int) -> tuple[int, ...]:
    full, rest = divmod(n, BLOCK)
    return (BLOCK,) * full + ((rest,) if rest else ())


def scatter_block(
    patterns: dict[str, SectorPattern],
    sectors: tuple[str, ...],
    grid: Grid,
    block_info: dict | None = None,  # type: ignore[type-arg]
) -> npt.NDArray[np.float32]:
    """One (1, rows, cols) block of the cube: the mass (t) of `sectors` in each cell.

    Sectors are added in float64 and the sum rounded to float32 once.
    """
    (t0, _), (r0, r1), (c0, c1) = block_info[None]["array-location"]  # type: ignore[index]
    out = np.zeros((r1 - r0) * (c1 - c0), dtype=np.float64)
    for sector in sectors:
        cells, sums = patterns[sector].block_sums(r0, c0, t0, grid)
        out[cells] += sums
    return out.astype(np.float32).reshape(1, r1 - r0, c1 - c0)
