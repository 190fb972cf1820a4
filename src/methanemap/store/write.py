"""Write a cube version into a writable Icechunk session: every layout, in one commit.

`VersionWriter` lays out a new cube (`create`) or makes room in an existing one
(`resize`, which grows the time axis and, for years added before the first, shifts the
stored chunks without copying them). `write_periods` then computes the requested periods
one history block (a year) at a time and writes each into the root group, the history
and the overviews (see `methanemap.store.layout`). Nothing is visible to readers until
the session is committed and published (`methanemap.store.transaction`).
"""

import logging
import math
import time
from collections.abc import Iterator, Sequence
from typing import Any

import icechunk
import numpy as np
import pandas as pd
import xarray as xr
import zarr
from xarray.coding.times import encode_cf_datetime

from methanemap.store.layout import (
    FINGERPRINT,
    HISTORY,
    OVERVIEW_LEVELS,
    PERIODS,
    encoding_for,
    extensive,
    global_total,
    gridded,
    history_template,
    overview_group,
    overview_template,
    root_template,
    time_encoding,
)
from methanemap.store.slabs import SlabWriter, history_blocks
from methanemap.store.transaction import begin, checkpoint

log = logging.getLogger(__name__)

#: The groups holding (time, lat, lon) arrays, root first.
GRIDDED_GROUPS = ("", HISTORY, *(overview_group(k) for k in OVERVIEW_LEVELS))


class VersionWriter:
    """Writes one new version of a cube into a writable session.

    Parameters
    ----------
    session
        A writable Icechunk session; the caller commits it.
    """

    def __init__(self, session: icechunk.Session) -> None:
        self.session = session

    def create(self, ds: xr.Dataset) -> None:
        """Lay out a new cube shaped like `ds`: every group and array, no data yet.

        Whatever the store held before is replaced (older versions keep it).
        """
        store, times = self.session.store, ds.sizes["time"]
        layouts = {"": root_template(ds), HISTORY: history_template(ds, times)}
        for level in OVERVIEW_LEVELS:
            layouts[overview_group(level)] = overview_template(ds, level, times)

        for group, template in layouts.items():
            template.to_zarr(
                store,
                group=group or None,
                mode="w",
                compute=False,
                encoding=encoding_for(template, group),
                consolidated=False,
            )

    def resize(self, times: int, shift: int) -> None:
        """Grow the time axis of every array along time to `times` periods.

        Parameters
        ----------
        times
            The new number of periods.
        shift
            Periods added before the first stored one; the stored chunks of the
            gridded arrays move by as many (a metadata operation), leaving room at
            the start. Other arrays along time are small and rewritten whole.
        """
        root = zarr.open_group(self.session.store, mode="r+")
        for path, array in _arrays_along_time(root):
            array.resize((times, *array.shape[1:]))
            if shift and array.ndim == 3:
                step = array.chunks[0]
                if shift % step:
                    raise NotImplementedError(
                        f"cannot shift {path} (chunks of {step} periods) by {shift} "
                        "periods; only whole chunks can move"
                    )
                self.session.shift_array(f"/{path}", (shift // step, 0, 0))

    def write_time_axis(self, ds: xr.Dataset) -> None:
        """Write the time coordinate and its bounds of `ds` into every group."""
        root = zarr.open_group(self.session.store, mode="r+")
        for group in GRIDDED_GROUPS:
            reference = root[_join(group, "time")]
            assert isinstance(reference, zarr.Array)
            for name in ("time", "time_bnds"):
                array = root[_join(group, name)]
                assert isinstance(array, zarr.Array)
                array[...] = _encode_times(ds[name].to_numpy(), reference, array)

    def write_periods(self, ds: xr.Dataset, indices: Sequence[int]) -> pd.DataFrame:
        """Compute the periods at `indices` of the lazy cube `ds` and write them.

        Returns
        -------
        DataFrame
            Global total (t, float64) of each extensive variable in each written
            period, indexed by time index.
        """
        slabs = SlabWriter(zarr.open_group(self.session.store, mode="r+"), ds)
        totals, period_bytes = [], self.period_bytes()
        for block, wanted in history_blocks(indices, ds.sizes["time"]):
            started = time.perf_counter()
            totals.append(slabs.write_block(block, wanted))
            seconds, nbytes = time.perf_counter() - started, len(wanted) * period_bytes
            log.info(
                "wrote %d periods from index %d in %.1f s (%.0f MB uncompressed)",
                len(wanted),
                wanted[0],
                seconds,
                nbytes / 1e6,
                extra={
                    "step": "write periods",
                    "periods": len(wanted),
                    "duration_s": round(seconds, 3),
                    "bytes_uncompressed": nbytes,
                },
            )
            checkpoint("write")
        return pd.concat(totals) if totals else pd.DataFrame(columns=extensive(ds))

    def period_bytes(self) -> int:
        """Uncompressed bytes that one period fills in every gridded layout (root,
        history and overviews, every variable)."""
        root = zarr.open_group(self.session.store, mode="r+")
        return sum(
            math.prod(array.shape[1:]) * array.dtype.itemsize
            for _, array in _arrays_along_time(root)
            if array.ndim == 3
        )

    def write_table(self, table: xr.Dataset) -> None:
        """Replace the `periods` group (fingerprints and global totals per period)."""
        encoding = {"time": time_encoding()}
        table.to_zarr(
            self.session.store,
            group=PERIODS,
            mode="w",
            encoding=encoding,
            consolidated=False,
        )

    def write_other(self, ds: xr.Dataset) -> None:
        """Rewrite whole the variables of `ds` that are not gridded (time flags,
        static fields); each must already exist with the same shape."""
        root = zarr.open_group(self.session.store, mode="r+")
        for name in ds.data_vars:
            if str(name) not in gridded(ds):
                var = ds[name]
                _array(root, str(name))[...] = np.asarray(var.values, dtype=var.dtype)

    def write_attrs(self, attrs: dict[str, Any]) -> None:
        """Replace the global attributes of the cube."""
        root = zarr.open_group(self.session.store, mode="r+")
        root.attrs.put(attrs)

    def write_group(self, group: str, ds: xr.Dataset) -> None:
        """Replace a whole extra group (for example ``attribution``) with `ds`."""
        ds.to_zarr(self.session.store, group=group, mode="w", consolidated=False)


def write_cube(
    ds: xr.Dataset,
    location: str,
    message: str,
    groups: dict[str, xr.Dataset] | None = None,
) -> str:
    """Replace the cube at `location` with `ds`, every layout, in one published commit.

    `groups` are written beside the cube in the same commit (for example the
    attribution), each as a Zarr group of that name. For tests and notebooks: nothing
    is validated, and the periods get no fingerprint (zero), so the next
    `methanemap update` rewrites them. Returns the version.
    """
    started = time.perf_counter()
    transaction = begin(location)
    writer = VersionWriter(transaction.session)
    writer.create(ds)
    totals = writer.write_periods(ds, range(ds.sizes["time"]))
    writer.write_table(period_table(ds, np.zeros(ds.sizes["time"]), totals))
    for name, group in (groups or {}).items():
        writer.write_group(name, group)
    version = transaction.commit(message)
    transaction.publish(version)
    log.info(
        "committed cube version %s to %s in %.1f s",
        version,
        location,
        time.perf_counter() - started,
        extra={"version": version, "store": location},
    )
    return version


def period_table(
    ds: xr.Dataset, fingerprints: np.ndarray, totals: pd.DataFrame
) -> xr.Dataset:
    """The `periods` group of a cube: a fingerprint and global totals per period."""
    data: dict[str, tuple[str, np.ndarray, dict[str, str]]] = {
        FINGERPRINT: (
            "time",
            np.asarray(fingerprints, dtype=np.uint64),
            {
                "long_name": "fingerprint of the inputs, recipe and code that produced "
                "the period (0: unknown)",
            },
        )
    }
    for name in totals.columns:
        data[global_total(name)] = (
            "time",
            totals[name].to_numpy(np.float64),
            {
                "units": str(ds[name].attrs.get("units", "")),
                "long_name": f"sum over all cells of {name}",
                "cell_methods": "area: sum",
            },
        )
    coords = {"time": ds["time"].variable.to_base_variable()}
    return xr.Dataset(data, coords=coords)


def _arrays_along_time(root: zarr.Group) -> Iterator[tuple[str, zarr.Array[Any]]]:
    """Arrays of the gridded groups whose first dimension is time."""
    for group in GRIDDED_GROUPS:
        node = root[group] if group else root
        assert isinstance(node, zarr.Group)
        for name, array in node.arrays():
            names = getattr(array.metadata, "dimension_names", None) or ()
            if names and names[0] == "time":
                yield _join(group, name), array


def _array(root: zarr.Group, path: str) -> zarr.Array[Any]:
    array = root[path]
    assert isinstance(array, zarr.Array)
    return array


def _join(group: str, name: str) -> str:
    return f"{group}/{name}" if group else name


def _encode_times(
    values: np.ndarray, reference: zarr.Array[Any], array: zarr.Array[Any]
) -> np.ndarray:
    """Datetimes as the numbers `array` stores, in the units of the time array."""
    default = {**time_encoding(), **reference.attrs}
    units = str(array.attrs.get("units", default["units"]))
    calendar = str(array.attrs.get("calendar", default["calendar"]))
    numbers, _, _ = encode_cf_datetime(values, units, calendar, dtype=array.dtype)
    return np.asarray(numbers)
