"""Decoded 2-D emission fields kept in memory between requests, read chunk by chunk.

Tiles and cells read the cube through a `FieldCache`. It keeps the last fields used, one
per (cube version, variable, time index, overview level), each a full-size float32 array
of which only the storage chunks some request touched have been read; the rest of the
array is untouched zero pages. So the cache is bounded twice: by a number of fields and
by the bytes of the chunks read into them, the memory it really holds. A new cube
version gets new keys: a reader never mixes versions. Level 0 is the full-resolution
cube, level ``k`` its overview ``k``.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
import xarray as xr

from methanemap.config import get_settings
from methanemap.store import CubeSnapshot

Values = npt.NDArray[np.float32]
Indices = npt.NDArray[np.int64]
FieldKey = tuple[str, str, int, int]
T = TypeVar("T")

#: Derived values (such as default colour ranges) kept per cache, newest last.
MAX_DERIVED = 256


@dataclass
class _Field:
    """One period of one variable: its values and which storage chunks were read."""

    values: Values
    loaded: npt.NDArray[np.bool_]
    block: tuple[int, int]
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def nbytes(self) -> int:
        """Bytes of the chunks read into this field (at most the whole field's)."""
        chunk = self.block[0] * self.block[1] * self.values.itemsize
        return min(int(self.loaded.sum()) * chunk, self.values.nbytes)


class FieldCache:
    """A least-recently-used store of decoded fields, shared by the threads of a server.

    Parameters
    ----------
    max_fields
        How many fields to keep; 0 reads every window from the cube afresh. A fully read
        0.1 degree field takes 26 MB, one storage chunk of it 1.4 MB.
    max_bytes
        Most bytes of chunks read to keep, over all fields; the least recently used
        fields go first, never the one just read.
    """

    def __init__(self, max_fields: int, max_bytes: int | None = None) -> None:
        self.max_fields = max_fields
        self.max_bytes = max_bytes
        self._fields: OrderedDict[FieldKey, _Field] = OrderedDict()
        self._derived: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        #: Look-ups that found their field decoded already, and those that did not.
        self.hits = 0
        self.misses = 0

    def read(
        self,
        snapshot: CubeSnapshot,
        name: str,
        time_index: int,
        rows: Indices,
        cols: Indices,
        level: int = 0,
    ) -> Values:
        """Values of variable `name` at each cell of ``rows x cols`` in one period.

        `rows` and `cols` index the grid of overview `level` (0: the full grid). Only
        the storage chunks under those cells are read, and only once per field.
        """
        data = level_dataset(snapshot, level)[name]
        if self.max_fields == 0:
            return _read_window(data, time_index, rows, cols)

        entry = self._entry(snapshot, name, time_index, level)
        if _load_blocks(data, time_index, entry, rows, cols):
            self._trim(keep=entry)
        return entry.values[np.ix_(rows, cols)]

    def read_all(
        self, snapshot: CubeSnapshot, name: str, time_index: int, level: int = 0
    ) -> Values:
        """The whole field of variable `name` in one period (read-only when cached)."""
        data = level_dataset(snapshot, level)[name]
        if self.max_fields == 0:
            return np.asarray(data.isel(time=time_index).values)

        entry = self._entry(snapshot, name, time_index, level)
        everything = [np.arange(n, dtype=np.int64) for n in entry.values.shape]
        if _load_blocks(data, time_index, entry, *everything):
            self._trim(keep=entry)
        view = entry.values.view()
        view.flags.writeable = False
        return view

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value cached under `key`, computed by `compute` on first use."""
        with self._lock:
            if key in self._derived:
                self._derived.move_to_end(key)
                return cast(T, self._derived[key])

        value = compute()
        with self._lock:
            self._derived[key] = value
            while len(self._derived) > MAX_DERIVED:
                self._derived.popitem(last=False)
        return value

    def nbytes(self) -> int:
        """Bytes of chunks read into the cached fields."""
        with self._lock:
            return sum(entry.nbytes for entry in self._fields.values())

    def _trim(self, keep: _Field) -> None:
        """Drop the least recently used fields until the chunks read fit `max_bytes`."""
        if self.max_bytes is None:
            return
        with self._lock:
            held = sum(entry.nbytes for entry in self._fields.values())
            for key in list(self._fields):
                if held <= self.max_bytes:
                    break
                if self._fields[key] is not keep:
                    held -= self._fields.pop(key).nbytes

    def loaded_blocks(self) -> dict[FieldKey, tuple[int, int]]:
        """For each cached field, (chunks read, chunks in the field)."""
        with self._lock:
            entries = list(self._fields.items())
        return {key: (int(e.loaded.sum()), e.loaded.size) for key, e in entries}

    def _entry(
        self, snapshot: CubeSnapshot, name: str, time_index: int, level: int
    ) -> _Field:
        key = (snapshot.version, name, time_index, level)
        with self._lock:
            entry = self._fields.get(key)
            if entry is None:
                self.misses += 1
                data = level_dataset(snapshot, level)[name]
                entry = self._fields[key] = _new_field(data)
            else:
                self.hits += 1
            self._fields.move_to_end(key)

            while len(self._fields) > self.max_fields:
                self._fields.popitem(last=False)
        return entry


def level_dataset(snapshot: CubeSnapshot, level: int) -> xr.Dataset:
    """The dataset of overview `level` of a cube version; 0 is the full cube."""
    return snapshot.ds if level == 0 else snapshot.overviews[level]


@lru_cache(maxsize=1)
def default_field_cache() -> FieldCache:
    """The cache of this process, sized by the ``tile_cache_fields`` and
    ``tile_cache_mb`` settings."""
    return cache_from_settings()


def cache_from_settings() -> FieldCache:
    """A new cache sized by the ``tile_cache_fields`` and ``tile_cache_mb`` settings."""
    settings = get_settings()
    return FieldCache(settings.tile_cache_fields, settings.tile_cache_mb * 2**20)


def _new_field(data: xr.DataArray) -> _Field:
    shape = (data.sizes["lat"], data.sizes["lon"])
    chunks = data.encoding.get("preferred_chunks", {})
    block = (chunks.get("lat", shape[0]), chunks.get("lon", shape[1]))
    nblocks = (-(-shape[0] // block[0]), -(-shape[1] // block[1]))
    # Only cells of chunks read are ever looked at (`loaded`), so the rest may hold
    # anything: np.empty neither zeroes 26 MB (calloc must, when glibc reuses a freed
    # field) nor faults pages in; a fresh mapping still costs no memory until written.
    values = np.empty(shape, dtype=np.float32)
    return _Field(values, np.zeros(nblocks, dtype=bool), block)


def _load_blocks(
    data: xr.DataArray, time_index: int, entry: _Field, rows: Indices, cols: Indices
) -> bool:
    """Read the chunks under ``rows x cols`` not read yet; whether any were."""
    brows = np.unique(rows // entry.block[0])
    bcols = np.unique(cols // entry.block[1])
    if entry.loaded[np.ix_(brows, bcols)].all():
        return False

    with entry.lock:
        missing = ~entry.loaded[np.ix_(brows, bcols)]
        if not missing.any():
            return False
        # One read of the box around the missing chunks lets zarr fetch them together.
        need_r, need_c = brows[missing.any(axis=1)], bcols[missing.any(axis=0)]
        r0, r1 = int(need_r[0]) * entry.block[0], (int(need_r[-1]) + 1) * entry.block[0]
        c0, c1 = int(need_c[0]) * entry.block[1], (int(need_c[-1]) + 1) * entry.block[1]

        box = data.isel(time=time_index, lat=slice(r0, r1), lon=slice(c0, c1))
        window = np.asarray(box.values, dtype=np.float32)
        if window.shape == entry.values.shape and window.flags.writeable:
            # The whole field: keep the read's array rather than copy it into fresh
            # pages, which costs as much as the read (page faults on 26 MB).
            entry.values = window
        else:
            entry.values[r0:r1, c0:c1] = window
        entry.loaded[need_r[0] : need_r[-1] + 1, need_c[0] : need_c[-1] + 1] = True
    return True


def _read_window(
    data: xr.DataArray, time_index: int, rows: Indices, cols: Indices
) -> Values:
    r0, r1 = int(rows.min()), int(rows.max()) + 1
    c0, c1 = int(cols.min()), int(cols.max()) + 1
    window = data.isel(time=time_index, lat=slice(r0, r1), lon=slice(c0, c1)).values
    return np.asarray(window, dtype=np.float32)[np.ix_(rows - r0, cols - c0)]
