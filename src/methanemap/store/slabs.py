"""Compute the lazy cube in bounded pieces and write each piece into every layout.

Each history block (a year of periods) is written in two passes of Dask tasks, each
task computing its piece and writing it itself, so that memory holds a few pieces at a
time whatever the number of years (a year of one variable is 1.2 GB at 0.1 degree):

- by period: every gridded variable of one period over the whole grid, into the root
  group and the overviews (whose chunks span the globe), with its global total;
- by tile: the extensive variables of the whole block over 600 x 600 cells, into the
  history (whose chunks hold a whole block).

So each value is computed twice, which costs less than holding a block. The tasks run
on the active Dask scheduler (see `methanemap.pipeline.cluster`): on threads they write
into the session; on a distributed cluster each writes into a fork of the session,
merged back as it completes (icechunk's cooperative writes), so that no grid value
passes through the client.

On threads the arrays are opened before any task runs: reading a node's metadata while
another thread writes into the same Icechunk session can deadlock zarr's event loop
(zarr formats the store's name on that loop, which waits for the session's lock that
the in-flight write holds).
"""

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import icechunk
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

#: Side of a history tile (cells) when the cube is not a Dask array: 10 x 10 chunks.
TILE = 600

#: Where a task writes: the arrays of the session's root group, opened beforehand
#: (threads), or a fork of the session.
Sink = Mapping[str, zarr.Array[Any]] | icechunk.ForkSession
#: Global total (t) of each extensive variable, and the fork a task wrote into.
Outcome = tuple[dict[str, float], icechunk.ForkSession | None]

_local = threading.local()  # coarsening buffers each thread keeps between tasks


@dataclass(frozen=True)
class Variables:
    """Which variables a task computes, sums into the total, and keeps in history."""

    computed: tuple[str, ...]  # in the order of the task's inputs
    parts: tuple[str, ...]  # the sectors whose sum is the total (none: computed)
    extensive: tuple[str, ...]

    def paths(self) -> list[str]:
        """Every array a task of these variables writes into."""
        written = [*self.computed, *([variable(TOTAL)] if self.parts else [])]
        groups = [overview_group(level) for level in OVERVIEW_LEVELS] + [HISTORY]
        return written + [f"{g}/{name}" for name in self.extensive for g in groups]

    def fields(self, values: Sequence[np.ndarray]) -> dict[str, Field]:
        """Each variable's values, the total summed from its parts in float32."""
        pairs = zip(self.computed, values, strict=True)
        fields = {name: np.asarray(v, np.float32) for name, v in pairs}
        if self.parts:
            total = fields[self.parts[0]].copy()
            for name in self.parts[1:]:
                total += fields[name]
            fields[variable(TOTAL)] = total
        return fields


class SlabWriter:
    """Writes the periods of one history block at a time into `root`.

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
        parts = _parts_of_total(ds)
        total = variable(TOTAL) if parts else None
        self.variables = Variables(
            computed=tuple(n for n in gridded(ds) if n != total),
            parts=tuple(parts),
            extensive=tuple(extensive(ds)),
        )

    def write_block(self, block: slice, wanted: list[int]) -> pd.DataFrame:
        """Compute `block` and write its `wanted` periods (time indices).

        The history holds whole blocks, so it is written for every period of `block`;
        the root group and the overviews only for the `wanted` periods. The total is
        the sum of the sector variables, as the schema defines it, rather than computed
        again from the allocation (which would double the work).

        Returns
        -------
        DataFrame
            Global total (t, float64) of each extensive variable in each wanted period.
        """
        client = active_client()
        sink: Sink
        if client is None:
            sink = {path: _array(self.root, path) for path in self.variables.paths()}
        else:
            sink = _session(self.root).fork()
        periods = [
            _task(_write_period, sink, index, self.variables, *self._inputs(index))
            for index in wanted
        ]
        sums = self._run(periods, client)
        if self.variables.extensive:
            tiles = [
                _task(_write_tile, sink, where, self.variables, *self._inputs(where))
                for where in self._tiles(block)
            ]
            self._run(tiles, client)
        return pd.DataFrame(sums, index=pd.Index(wanted, name="time_index"))

    def _inputs(self, where: int | tuple[slice, slice, slice]) -> list[Any]:
        """The lazy values of each computed variable at `where` (a time index, or a
        block of periods and cells)."""
        key = slice(where, where + 1) if isinstance(where, int) else where
        return [self.ds[name].data[key] for name in self.variables.computed]

    def _tiles(self, block: slice) -> Iterator[tuple[slice, slice, slice]]:
        """Tiles of `block` holding whole history chunks and whole Dask chunks, so
        that no chunk is written by two tasks and no block is computed twice."""
        data = self.ds[self.variables.computed[0]].data
        chunks = data.chunks if isinstance(data, da.Array) else (None, None, None)
        for rows in _edges(chunks[1], self.ds.sizes["lat"], HISTORY_CHUNKS["lat"]):
            for cols in _edges(chunks[2], self.ds.sizes["lon"], HISTORY_CHUNKS["lon"]):
                yield block, rows, cols

    def _run(self, tasks: list[Any], client: Any) -> list[dict[str, float]]:
        """Run `tasks` on the active scheduler; merge the forks they wrote into."""
        if client is None:
            done = dask.compute(*tasks)  # type: ignore[attr-defined,no-untyped-call]
            return [sums for sums, _ in done]

        from distributed import as_completed

        futures = client.compute(tasks)
        order = {future.key: i for i, future in enumerate(futures)}
        sums: list[dict[str, float]] = [{} for _ in tasks]
        session = _session(self.root)
        finished = as_completed(futures, with_results=True)  # type: ignore[no-untyped-call]
        for future, (result, fork) in finished:
            session.merge(fork)
            sums[order[future.key]] = result
            future.release()
        return sums


def _task(function: Any, sink: Sink, *args: Any) -> Any:
    """A Dask task of `function`; `sink` is never hashed (impure: a write)."""
    return dask.delayed(function, pure=False)(sink, *args)  # type: ignore[attr-defined]


def _write_period(
    sink: Sink, index: int, variables: Variables, *values: np.ndarray
) -> Outcome:
    """Write one period of every variable into the root group and the overviews."""
    arrays, fork = _open(sink, variables)
    fields = variables.fields(values)
    sums = {}
    for name, field in fields.items():
        arrays[name][index : index + 1] = field
        if name in variables.extensive:
            _write_overviews(arrays, name, field, index)
            sums[name] = float(field.sum(axis=(1, 2), dtype=np.float64)[0])
    return sums, fork


def _write_overviews(
    arrays: Mapping[str, zarr.Array[Any]], name: str, field: Field, index: int
) -> None:
    work = getattr(_local, "work", None)
    if work is None:
        work = _local.work = {}
    levels = coarsen(field, len(OVERVIEW_LEVELS), work)
    for level, values in zip(OVERVIEW_LEVELS, levels, strict=True):
        arrays[f"{overview_group(level)}/{name}"][index : index + 1] = values


def _write_tile(
    sink: Sink,
    where: tuple[slice, slice, slice],
    variables: Variables,
    *values: np.ndarray,
) -> Outcome:
    """Write one tile of a whole block of the extensive variables into the history."""
    arrays, fork = _open(sink, variables)
    for name, field in variables.fields(values).items():
        if name in variables.extensive:
            arrays[f"{HISTORY}/{name}"][where] = field
    return {}, fork


def _open(
    sink: Sink, variables: Variables
) -> tuple[Mapping[str, zarr.Array[Any]], icechunk.ForkSession | None]:
    """The arrays a task writes into, and its fork (a task's own copy, so opening its
    arrays races with no other task's writes)."""
    if not isinstance(sink, icechunk.ForkSession):
        return sink, None
    root = zarr.open_group(sink.store, mode="r+")
    return {path: _array(root, path) for path in variables.paths()}, sink


def _session(root: zarr.Group) -> icechunk.Session:
    store = root.store
    if not isinstance(store, icechunk.IcechunkStore):
        raise NotImplementedError(
            f"writing a cube on a distributed cluster needs an Icechunk store, not "
            f"{type(store).__name__}; use the threaded scheduler"
        )
    return store.session


def active_client() -> Any:
    """The distributed client `dask.compute` would use now, or None."""
    scheduler = dask.base.get_scheduler()  # type: ignore[no-untyped-call]
    owner = getattr(scheduler, "__self__", None)
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a dependency
        return None
    return owner if isinstance(owner, Client) else None


def _edges(chunks: tuple[int, ...] | None, size: int, step: int) -> Iterator[slice]:
    """Spans of an axis of `size` cells ending where a Dask chunk ends on a multiple
    of `step` (or every `TILE` cells when there are no Dask chunks)."""
    ends = np.cumsum(chunks) if chunks else np.arange(TILE, size + TILE, TILE)
    cuts = [int(e) for e in ends if e % step == 0 and e < size] + [size]
    start = 0
    for stop in cuts:
        yield slice(start, stop)
        start = stop


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
