"""Compute the lazy cube one slab at a time and write each slab into every layout.

A slab is one gridded variable over one history block (a year of periods): computed
by Dask into a reused float32 buffer, then written into the root group (the periods
asked for), the history (the whole block) and the overviews. Writing a slab overlaps
computing the next one, in a second thread, so that both cores stay busy; at most two
slabs (and the running total) are in memory, about 1.2 GB each for the 0.1 degree grid.
"""

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import dask.array as da
import numpy as np
import pandas as pd
import xarray as xr
import zarr

from methanemap.store.layout import (
    HISTORY,
    HISTORY_CHUNKS,
    OVERVIEW_LEVELS,
    Field,
    coarsen,
    extensive,
    gridded,
    overview_group,
)
from methanemap.store.schema import SECTORS, TOTAL, variable

#: Bytes of periods coarsened together into overviews (bounds the intermediates).
OVERVIEW_BATCH_BYTES = 256 * 2**20

Totals = dict[str, np.ndarray]


class SlabWriter:
    """Writes the periods of one history block, slab by slab, into `root`.

    Parameters
    ----------
    root
        The root group of a writable session's store.
    ds
        The lazy cube, on the new time axis.
    """

    def __init__(self, root: zarr.Group, ds: xr.Dataset) -> None:
        self.root = root
        self.ds = ds
        self._buffers: dict[str, Field] = {}
        self._coarsen_work: dict[str, Field] = {}

    def write_block(self, block: slice, wanted: list[int]) -> pd.DataFrame:
        """Compute `block` and write its `wanted` periods (time indices).

        The total is the sum of the sector slabs, as the schema defines it, rather than
        computed again from the allocation (which would double the work).

        Returns
        -------
        DataFrame
            Global total (t, float64) of each extensive variable in each wanted period.
        """
        runs = list(_runs([i - block.start for i in wanted]))
        parts = _parts_of_total(self.ds)
        order = sorted(gridded(self.ds), key=lambda n: n == variable(TOTAL))
        futures: list[Future[Totals]] = []
        with ThreadPoolExecutor(max_workers=1) as pool:
            for k, name in enumerate(order):
                if len(futures) >= 2:
                    futures[-2].result()  # its buffer is the one computed into next
                if parts and name == variable(TOTAL):
                    slab = self._buffer("total", block)
                else:
                    slab = self._compute(name, block, f"slab{k % 2}")
                    if name in parts:
                        self._accumulate(slab, block, first=name == parts[0])
                job = pool.submit(self._write_slab, name, slab, block, runs, wanted)
                futures.append(job)
            totals: Totals = {}
            for future in futures:
                totals.update(future.result())
        return pd.DataFrame(totals, index=pd.Index(wanted, name="time_index"))

    def _write_slab(
        self, name: str, slab: Field, block: slice, runs: list[slice], wanted: list[int]
    ) -> Totals:
        for run in runs:
            _array(self.root, name)[_shifted(run, block)] = slab[run]
        if name not in extensive(self.ds):
            return {}

        _array(self.root, f"{HISTORY}/{name}")[block] = slab
        for run in runs:
            self._write_overviews(name, slab[run], _shifted(run, block))
        sums = [slab[run].sum(axis=(1, 2), dtype=np.float64) for run in runs]
        return {name: np.concatenate(sums)}

    def _write_overviews(self, name: str, periods: Field, where: slice) -> None:
        step = max(1, OVERVIEW_BATCH_BYTES // max(periods[0].nbytes, 1))
        for start in range(0, len(periods), step):
            batch = periods[start : start + step]
            part = slice(where.start + start, where.start + start + len(batch))
            levels = coarsen(batch, len(OVERVIEW_LEVELS), self._coarsen_work)
            for level, fields in zip(OVERVIEW_LEVELS, levels, strict=True):
                _array(self.root, f"{overview_group(level)}/{name}")[part] = fields

    def _compute(self, name: str, block: slice, key: str) -> Field:
        """The values of variable `name` in the periods of `block`, in buffer `key`."""
        out = self._buffer(key, block)
        data = self.ds[name].data[block]
        if isinstance(data, da.Array):
            da.store(data, out, lock=False)  # the target's float32 casts each block
        else:
            out[...] = data
        return out

    def _accumulate(self, slab: Field, block: slice, first: bool) -> None:
        total = self._buffer("total", block)
        if first:
            total[...] = slab
        else:
            total += slab

    def _buffer(self, key: str, block: slice) -> Field:
        """A float32 buffer for one block, allocated once per writer."""
        shape = (HISTORY_CHUNKS["time"], self.ds.sizes["lat"], self.ds.sizes["lon"])
        if key not in self._buffers:
            self._buffers[key] = np.empty(shape, dtype=np.float32)
        return self._buffers[key][: block.stop - block.start]


def history_blocks(
    indices: Sequence[int], times: int
) -> Iterator[tuple[slice, list[int]]]:
    """The history blocks (slices of time) holding `indices`, and those in each."""
    step = HISTORY_CHUNKS["time"]
    chosen = sorted(set(indices))
    for start in sorted({i // step * step for i in chosen}):
        block = slice(start, min(start + step, times))
        yield block, [i for i in chosen if block.start <= i < block.stop]


def _parts_of_total(ds: xr.Dataset) -> list[str]:
    """The sector variables whose sum is the total, if the cube holds them all."""
    names = [variable(s) for s in SECTORS]
    if variable(TOTAL) in ds and all(n in ds for n in names):
        return names
    return []


def _array(root: zarr.Group, path: str) -> zarr.Array[Any]:
    array = root[path]
    assert isinstance(array, zarr.Array)
    return array


def _runs(offsets: Sequence[int]) -> Iterator[slice]:
    """Runs of consecutive offsets as slices."""
    start = previous = None
    for offset in offsets:
        if start is None or previous is None or offset != previous + 1:
            if start is not None and previous is not None:
                yield slice(start, previous + 1)
            start = offset
        previous = offset
    if start is not None and previous is not None:
        yield slice(start, previous + 1)


def _shifted(run: slice, block: slice) -> slice:
    return slice(run.start + block.start, run.stop + block.start)
