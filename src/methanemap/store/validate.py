"""Checks a committed but unpublished cube version must pass before it is published.

Each check reads the version back from the store and raises `ValidationError` naming
itself:

- ``time axis``: periods sorted and contiguous, whole years, the same in every layout;
- ``metadata``: the CF and ACDD attributes, and a time coverage matching the periods;
- ``mass balance``: every period's global total per emission variable, as written,
  against the national totals (0.01 %), and the grids read back for a sample of
  periods against those totals;
- ``layouts``: for the same sample, each overview level holds the mass of the full
  grid, and the history holds the full grid's values (on a lattice of its chunks).

Reading every grid back would cost as much as writing it; the sample (the first and
last rewritten and kept periods, and a few between) catches misplaced, missing or
shifted periods, which is what a faulty write leaves.

Before any byte is written, `conform_cube` holds a change's cube to the store's schema
(check ``schema``, FC-23): the same emission variables, float32, the store's latitudes
and longitudes, and a time axis of sorted, contiguous periods.
"""

import logging
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from methanemap.errors import ValidationError
from methanemap.pipeline.periods import period_of_date
from methanemap.store.layout import (
    FINGERPRINT,
    HISTORY,
    HISTORY_CHUNKS,
    OVERVIEW_LEVELS,
    PERIODS,
    extensive,
    global_total,
    overview_group,
)

log = logging.getLogger(__name__)

#: Relative tolerance of a period's total against the national totals (0.01 %).
MASS_TOLERANCE = 1e-4
#: Relative tolerance between two sums of the same float32 values.
SUM_TOLERANCE = 1e-6
#: Periods whose grids are read back, at most.
SAMPLE_PERIODS = 6
#: History chunks compared with the full grid: every n-th chunk row and column.
HISTORY_LATTICE = 6

REQUIRED_ATTRS = (
    "Conventions",
    "title",
    "summary",
    "license",
    "references",
    "creator_name",
    "time_coverage_start",
    "time_coverage_end",
    "geospatial_lat_min",
    "geospatial_lat_max",
    "geospatial_lon_min",
    "geospatial_lon_max",
)
VARIABLE_ATTRS = ("units", "long_name", "cell_methods")
COORD_ATTRS = ("standard_name", "axis")


def conform_cube(cube: xr.Dataset, stored: xr.Dataset | None) -> xr.Dataset:
    """A change's new cube in the store's schema, or a `ValidationError`; no value is
    read unless a cast must be checked.

    Latitudes are put ascending and longitudes into [-180, 180) ascending, values
    moving with their coordinates; float64 emissions become float32 once every value
    is known to fit (NaN is no data).

    Parameters
    ----------
    cube
        The lazy cube of the change, on its whole new time axis.
    stored
        The published cube the change updates in place; None when the cube is laid
        out afresh (its variables and grid are then the change's own).
    """
    check_time_axis({"": cube})
    cube = _oriented(cube)
    if stored is not None:
        _check_same_schema(cube, stored)
        # Wrapped longitudes differ from the stored ones in their last bits.
        cube = cube.assign_coords(lat=stored["lat"], lon=stored["lon"])
    return cube.assign({name: _float32(cube[name]) for name in extensive(cube)})


def _oriented(cube: xr.Dataset) -> xr.Dataset:
    """`cube` with latitudes ascending and longitudes in [-180, 180) ascending."""
    lon = cube["lon"].to_numpy()
    outside = (lon < -180) | (lon >= 180)
    if outside.any():
        wrapped = np.where(outside, np.round((lon + 180.0) % 360.0 - 180.0, 10), lon)
        cube = cube.assign_coords(lon=("lon", wrapped, cube["lon"].attrs))
    for dim in ("lat", "lon"):
        values = cube[dim].to_numpy()
        if len(np.unique(values)) != len(values):
            raise ValidationError(f"a {dim} value appears twice", check="schema")
        if np.any(np.diff(values) < 0):
            cube = cube.sortby(dim)
    return cube


def _check_same_schema(cube: xr.Dataset, stored: xr.Dataset) -> None:
    """The change's emission variables and grid are the store's."""
    have, want = set(extensive(cube)), set(extensive(stored))
    if have != want:
        raise ValidationError(
            f"the change holds {sorted(have)} but the cube holds {sorted(want)}: "
            f"missing {sorted(want - have)}, unknown {sorted(have - want)}; every "
            "period needs every variable (lay the cube out afresh to change them)",
            check="schema",
        )
    for dim in ("lat", "lon"):
        new, old = cube[dim].to_numpy(), stored[dim].to_numpy()
        if new.shape != old.shape or not np.allclose(new, old, rtol=0, atol=1e-6):
            raise ValidationError(
                f"the change's {dim} ({len(new)} values, {new.min():g} to "
                f"{new.max():g}) is not the cube's ({len(old)} values, "
                f"{old.min():g} to {old.max():g})",
                check="schema",
            )


def _float32(field: xr.DataArray) -> xr.DataArray:
    """`field` as float32, after checking that float64 values fit."""
    if field.dtype == np.float32:
        return field
    if field.dtype != np.float64:
        raise ValidationError(
            f"{field.name} is {field.dtype}; emissions are stored as float32 (NaN for "
            "no data), so give floats",
            check="schema",
        )
    largest = float(abs(field).max(skipna=True))
    if not largest <= np.finfo(np.float32).max:
        raise ValidationError(
            f"{field.name} holds {largest:g}, which float32 cannot store; emissions "
            "are finite",
            check="schema",
        )
    return field.astype(np.float32)


def validate_version(
    store: object, expected: pd.DataFrame, rewritten: Sequence[int]
) -> None:
    """Check the cube in `store` (an Icechunk session's store) before publishing it.

    Parameters
    ----------
    store
        The store of a read-only session on the committed version.
    expected
        Expected total (t) of each emission variable (columns) in each period (index:
        period start), from the national totals and activity.
    rewritten
        Time indices this change wrote.

    Raises
    ------
    ValidationError
        Naming the first check that fails.
    """
    started = time.perf_counter()
    layers = {group: _open(store, group) for group in _groups()}
    check_time_axis(layers)
    check_metadata(layers[""])
    table = stored_totals(layers[""], layers[PERIODS])
    check_mass_balance(table, expected)

    sample = sample_periods(layers[""].sizes["time"], rewritten)
    sums = _read_back_sums(layers, sample)
    check_read_back(sums[""], table.iloc[sample])
    check_layouts(sums)
    check_history(layers[""], layers[HISTORY], sample)
    log.info(
        "validated %d periods (%d read back) in %.1f s",
        len(table),
        len(sample),
        time.perf_counter() - started,
    )


def check_time_axis(layers: dict[str, xr.Dataset]) -> None:
    """Periods sorted and contiguous, starting a year, the same in every layout."""
    root = layers[""]
    starts = pd.DatetimeIndex(root.indexes["time"])
    bounds = root["time_bnds"].to_numpy()
    periods = [period_of_date(s.date()) for s in starts]
    if not periods:
        raise ValidationError("the cube holds no period", check="time axis")
    if periods[0].number != 1:
        raise ValidationError(
            f"the cube starts at {periods[0].id}; it must start with a year's first "
            "period",
            check="time axis",
        )

    for i, period in enumerate(periods):
        start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
        if starts[i] != start or bounds[i, 0] != start or bounds[i, 1] != end:
            raise ValidationError(
                f"period {i} starts {starts[i]} with bounds {bounds[i]}; the 8-day "
                f"period starting then is {period.id}, {start} to {end}",
                check="time axis",
            )
        if i and periods[i - 1].end != period.start:
            raise ValidationError(
                f"{periods[i - 1].id} is followed by {period.id}: periods must be "
                "sorted and contiguous, without gaps or repeats",
                check="time axis",
            )

    for group, ds in layers.items():
        if group and not ds.indexes["time"].equals(root.indexes["time"]):
            raise ValidationError(
                f"group {group!r} holds {ds.sizes['time']} periods, not the "
                f"{root.sizes['time']} of the root group",
                check="time axis",
            )


def check_metadata(root: xr.Dataset) -> None:
    """CF and ACDD attributes present, and a time coverage matching the periods."""
    missing = [a for a in REQUIRED_ATTRS if not str(root.attrs.get(a, "")).strip()]
    if missing:
        raise ValidationError(
            f"global attributes {missing} are missing or empty", check="metadata"
        )
    for name in extensive(root):
        absent = [a for a in VARIABLE_ATTRS if a not in root[name].attrs]
        if absent:
            raise ValidationError(f"{name} lacks {absent}", check="metadata")
    for name in ("lat", "lon", "time"):
        absent = [a for a in COORD_ATTRS if a not in root[name].attrs]
        if absent:
            raise ValidationError(f"coordinate {name} lacks {absent}", check="metadata")

    first = period_of_date(root.indexes["time"][0].date())
    last = period_of_date(root.indexes["time"][-1].date())
    coverage = (root.attrs["time_coverage_start"], root.attrs["time_coverage_end"])
    if coverage != (first.start.isoformat(), last.end.isoformat()):
        raise ValidationError(
            f"time coverage {coverage} differs from the periods {first.id} to "
            f"{last.id}",
            check="metadata",
        )


def stored_totals(root: xr.Dataset, table: xr.Dataset) -> pd.DataFrame:
    """The global totals the `periods` group holds, by period start."""
    if table[FINGERPRINT].to_numpy().min() == 0:
        raise ValidationError("a period has no fingerprint", check="mass balance")
    return pd.DataFrame(
        {n: table[global_total(n)].to_numpy() for n in extensive(root)},
        index=pd.DatetimeIndex(root.indexes["time"]),
    )


def check_mass_balance(table: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Every period's total per variable matches the national totals (0.01 %)."""
    if not expected.index.equals(table.index):
        raise ValidationError(
            f"the national totals cover {len(expected)} periods, the cube {len(table)}",
            check="mass balance",
        )
    _compare(table, expected, MASS_TOLERANCE, "mass balance", "the national totals")


def check_read_back(grids: pd.DataFrame, table: pd.DataFrame) -> None:
    """The grids read back hold the totals recorded for their periods."""
    _compare(
        grids.set_axis(table.index),
        table[grids.columns],
        SUM_TOLERANCE,
        "mass balance",
        "the total recorded when it was written",
    )


def check_layouts(sums: dict[str, pd.DataFrame]) -> None:
    """Each overview level holds the mass of the full grid, period by period."""
    root = sums[""]
    for group, table in sums.items():
        if group:
            _compare(table, root, SUM_TOLERANCE, "layouts", f"the full grid ({group})")


def check_history(root: xr.Dataset, history: xr.Dataset, sample: list[int]) -> None:
    """The history holds the full grid's values, on a lattice of its chunks."""
    rows = _lattice(root.sizes["lat"], HISTORY_CHUNKS["lat"])
    cols = _lattice(root.sizes["lon"], HISTORY_CHUNKS["lon"])
    for name in extensive(root):
        full = root[name].isel(time=sample, lat=rows, lon=cols)
        kept = history[name].isel(time=sample, lat=rows, lon=cols)
        if not np.array_equal(full.values, kept.values, equal_nan=True):
            raise ValidationError(
                f"history/{name} differs from the full grid in periods {sample}",
                check="layouts",
            )


def sample_periods(times: int, rewritten: Sequence[int]) -> list[int]:
    """Time indices whose grids are read back: the ends of the rewritten and of the
    kept periods, then evenly spread rewritten ones, at most `SAMPLE_PERIODS`."""
    written = sorted(rewritten)
    kept = sorted(set(range(times)) - set(written))
    chosen = {p for group in (written, kept) if group for p in (group[0], group[-1])}
    spread = np.linspace(0, len(written) - 1, SAMPLE_PERIODS).round().astype(int)
    for i in spread if written else []:
        if len(chosen) >= SAMPLE_PERIODS:
            break
        chosen.add(written[i])
    return sorted(chosen)


def _compare(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    tolerance: float,
    check: str,
    what: str,
) -> None:
    for name in expected.columns:
        have, want = actual[name].to_numpy(), expected[name].to_numpy()
        off = np.abs(have - want) / np.maximum(np.abs(want), 1e-9)
        if off.size and np.nanmax(off) > tolerance:
            i = int(np.nanargmax(off))
            period = period_of_date(expected.index[i].date()).id
            raise ValidationError(
                f"{period} {name} holds {have[i]:,.1f} t, {what} {want[i]:,.1f} t "
                f"({(have[i] - want[i]) / want[i]:+.4%}; allowed {tolerance:.4%})",
                check=check,
            )


def _lattice(size: int, chunk: int) -> np.ndarray:
    """Indices of every `HISTORY_LATTICE`-th chunk along an axis of `size`."""
    starts = range(0, size, chunk * HISTORY_LATTICE)
    return np.concatenate([np.arange(s, min(s + chunk, size)) for s in starts])


def _groups() -> list[str]:
    return ["", HISTORY, PERIODS, *(overview_group(k) for k in OVERVIEW_LEVELS)]


def _open(store: object, group: str) -> xr.Dataset:
    try:
        ds: xr.Dataset = xr.open_zarr(
            store, group=group or None, consolidated=False, chunks=None
        )
    except (FileNotFoundError, KeyError) as exc:
        raise ValidationError(f"group {group!r} is missing", check="layouts") from exc
    return ds


def _read_back_sums(
    layers: dict[str, xr.Dataset], indices: list[int]
) -> dict[str, pd.DataFrame]:
    """Global total of each extensive variable in the periods at `indices`, read back
    from the root group and each overview level."""
    names = extensive(layers[""])
    index = layers[""].indexes["time"][indices]
    sums = {}
    for group, ds in layers.items():
        if group in (PERIODS, HISTORY):
            continue
        columns = {}
        for name in names:
            values = np.asarray(ds[name][indices].values)
            columns[name] = values.sum(axis=(1, 2), dtype=np.float64)
        sums[group] = pd.DataFrame(columns, index=index)
    return sums
