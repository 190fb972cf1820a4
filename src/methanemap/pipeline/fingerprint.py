"""What produced each period, as a number: the fingerprint an update compares, and the
totals a new version must hold (its mass balance).

A period's fingerprint hashes the code and layout versions, everything the allocation
holds that is not per period (the national totals per unit and the cell pattern, so
every spatial input), the period itself, the activity factors of its year, and its
per-unit scaled totals (annual tonnes x the unit's weight in the period: activity
factor x share of the year x within-year shape). A change to one year's activity
therefore changes only that year's fingerprints, while a change to the national totals
or to any proxy changes them all.
"""

import dataclasses
import hashlib
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from methanemap import __version__
from methanemap.pipeline.periods import Period, time_coords
from methanemap.store.layout import LAYOUT_VERSION
from methanemap.store.schema import TOTAL, variable

#: Bytes of a fingerprint (stored as uint64; 0 means unknown).
FINGERPRINT_BYTES = 8
#: Fields of the allocation that vary by period, hashed per period, not for all.
PER_PERIOD = ("factors", "weights", "periods")


def period_fingerprints(
    allocation: Any, periods: list[Period]
) -> npt.NDArray[np.uint64]:
    """The fingerprint of each period (uint64, never 0).

    Parameters
    ----------
    allocation
        The pipeline's `Allocation` (``units``, ``pattern``, ``factors``, ``weights``
        and whatever else it holds; every field not in `PER_PERIOD` counts for every
        period).
    periods
        The periods of the cube, in order.
    """
    shared = hashlib.blake2b(digest_size=32)
    shared.update(f"methanemap {__version__} layout {LAYOUT_VERSION}".encode())
    for item in dataclasses.fields(allocation):
        if item.name not in PER_PERIOD:
            shared.update(item.name.encode())
            shared.update(_digest(getattr(allocation, item.name)))

    scaled = scaled_unit_totals(allocation.units, allocation.weights, periods)
    factors = dict(iter(allocation.factors.groupby("year")))
    out = np.empty(len(periods), dtype=np.uint64)
    for i, period in enumerate(periods):
        one = shared.copy()
        one.update(period.id.encode())
        one.update(_digest(scaled[i]))
        one.update(_digest(factors[period.year].reset_index(drop=True)))
        value = int.from_bytes(one.digest()[:FINGERPRINT_BYTES], "little")
        out[i] = value or 1
    return out


def scaled_unit_totals(
    units: pd.DataFrame, weights: pd.DataFrame, periods: list[Period]
) -> list[pd.DataFrame]:
    """For each period, each unit's tonnes in it by sector (``unit, sector, period_t``).

    A unit's tonnes in a period are its annual base-year tonnes times its weight in
    the period (``weights``: columns ``unit, sector, period, weight``, ``period`` the
    position in `periods`).
    """
    annual = units.groupby(["unit", "sector"], as_index=False)["emission_t"].sum()
    scaled = annual.merge(weights, on=["unit", "sector"])
    scaled["period_t"] = scaled["emission_t"] * scaled["weight"]
    by_period = dict(iter(scaled.groupby("period")))
    empty = pd.DataFrame(columns=["unit", "sector", "period_t"])
    return [
        by_period[i]
        .sort_values(["sector", "unit"])[["unit", "sector", "period_t"]]
        .reset_index(drop=True)
        if i in by_period
        else empty
        for i in range(len(periods))
    ]


def expected_totals(
    units: pd.DataFrame, weights: pd.DataFrame, periods: list[Period]
) -> pd.DataFrame:
    """Tonnes each emission variable must hold in each period, from the national
    totals: the sum over units of annual tonnes x the unit's weight in the period.

    Returns
    -------
    DataFrame
        Index: period starts; columns ``emission_<sector>`` and ``emission_total``.
    """
    scaled = scaled_unit_totals(units, weights, periods)
    rows = [s.groupby("sector")["period_t"].sum().rename(variable) for s in scaled]
    table = pd.DataFrame(rows).fillna(0.0).reset_index(drop=True)
    table[variable(TOTAL)] = table.sum(axis=1)
    starts, _ = time_coords(periods)
    return table.set_axis(pd.DatetimeIndex(starts))


def _digest(value: object) -> bytes:
    """A stable digest of a table, array or plain value."""
    if isinstance(value, pd.DataFrame):
        plain = value.astype(
            {c: str for c in value.columns if value[c].dtype == object}
        )
        hashed = pd.util.hash_pandas_object(plain, index=False).to_numpy()
        names = "\x1f".join(map(str, value.columns)).encode()
        return hashlib.blake2b(names + hashed.tobytes(), digest_size=32).digest()
    if isinstance(value, xr.Dataset | xr.DataArray):
        data = value.to_dataset(name="_") if isinstance(value, xr.DataArray) else value
        parts = [
            _digest(np.asarray(data[n].values))
            for n in sorted(map(str, data.variables))
        ]
        return hashlib.blake2b(b"".join(parts), digest_size=32).digest()
    if isinstance(value, np.ndarray):
        return hashlib.blake2b(np.ascontiguousarray(value).tobytes()).digest()
    return hashlib.blake2b(repr(value).encode()).digest()
