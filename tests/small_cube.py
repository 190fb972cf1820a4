"""Small cubes, updated the way `methanemap update` updates the real one.

A 1 degree global grid, whole years of 8-day periods, and a few cells per sector whose
values the tests know: each holds ``ANNUAL_T[sector] * scale[year]`` tonnes a year,
spread over the periods by their share of the year. A cube written here has every
layout, the CF/ACDD metadata and fingerprints (from the years' scales), so it passes
the same validation as a real one; `small_update` plans and applies a change with the
pipeline's own planner. Writing one year takes well under a second.

Run as a script (``python small_cube.py STORE YEARS [SCALE]``) it applies one update
in a process of its own, for the crash and concurrency tests.
"""

import hashlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from methanemap.errors import CubeNotFoundError
from methanemap.grid import Grid
from methanemap.pipeline.periods import periods_of_years, time_coords, year_fraction
from methanemap.pipeline.plan import plan_change, ranges, years_to_build
from methanemap.store import CubeSnapshot, open_cube
from methanemap.store.change import Change, apply_change
from methanemap.store.layout import LAYOUT_ATTR, LAYOUT_VERSION
from methanemap.store.metadata import cube_attrs
from methanemap.store.schema import (
    COORD_ATTRS,
    DIMS,
    SECTORS,
    TOTAL,
    variable,
    variable_attrs,
)

GRID = Grid(1.0)
#: Cells (row, col) of each sector on the 1 degree grid, and their annual tonnes.
CELLS = {
    "coal": [(127, 292), (128, 292), (60, 330)],
    "oil": [(121, 77), (115, 228)],
    "gas": [(121, 78), (150, 260), (40, 300)],
}
ANNUAL_T = {"coal": 3650.0, "oil": 1830.0, "gas": 730.0}


@dataclass(frozen=True)
class _Recipe:
    name: str = "small"
    title: str = "methanemap test cube"


def small_cube(
    years: list[int], scale: Mapping[int, float] | None = None
) -> xr.Dataset:
    """The cube of `years`, each year's values times ``scale[year]`` (default 1)."""
    periods = periods_of_years(years)
    factor = np.array([(scale or {}).get(p.year, 1.0) for p in periods])
    per_period = factor * year_fraction(periods)
    shape = (len(periods), GRID.nlat, GRID.nlon)

    data = {}
    total = np.zeros(shape, dtype=np.float32)
    for sector in SECTORS:
        field = np.zeros(shape, dtype=np.float32)
        for row, col in CELLS[sector]:
            field[:, row, col] = ANNUAL_T[sector] * per_period
        total += field
        data[variable(sector)] = (DIMS, field, variable_attrs(sector))
    data[variable(TOTAL)] = (DIMS, total, variable_attrs(TOTAL))

    starts, bounds = time_coords(periods)
    coords = {
        "time": ("time", starts, COORD_ATTRS["time"]),
        "lat": ("lat", GRID.lat, COORD_ATTRS["lat"]),
        "lon": ("lon", GRID.lon, COORD_ATTRS["lon"]),
        "time_bnds": (("time", "bnds"), bounds),
    }
    attrs = cube_attrs(_Recipe(), periods, {"date_created": "2026-01-01T00:00:00"})
    attrs[LAYOUT_ATTR] = LAYOUT_VERSION
    return xr.Dataset(data, coords=coords, attrs=attrs)


def expected_totals(ds: xr.Dataset) -> pd.DataFrame:
    """Each emission variable's total per period, exactly as the fields hold it."""
    names = [variable(s) for s in (*SECTORS, TOTAL)]
    sums = {n: ds[n].sum(("lat", "lon"), dtype=np.float64).to_numpy() for n in names}
    return pd.DataFrame(sums, index=pd.DatetimeIndex(ds.indexes["time"]))


def fingerprints(years: list[int], scale: Mapping[int, float] | None) -> np.ndarray:
    """A fingerprint per period: its id and its year's scale."""
    out = []
    for period in periods_of_years(years):
        text = f"{period.id} {(scale or {}).get(period.year, 1.0)!r}"
        digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
        out.append(int.from_bytes(digest, "little") or 1)
    return np.array(out, dtype=np.uint64)


def small_change(
    base: CubeSnapshot | None,
    years: list[int],
    scale: Mapping[int, float] | None = None,
    expected: pd.DataFrame | None = None,
) -> Change:
    """The change that brings `base` to the cube of `years` (kept ones included)."""
    years = years_to_build(years, base, replace=False)
    ds = small_cube(years, scale)
    periods = periods_of_years(years)
    prints = fingerprints(years, scale)
    plan = plan_change(base, ds, periods, prints, replace=False)
    return Change(
        cube=ds,
        rewritten=plan.rewritten,
        shift=plan.shift,
        rebuild=bool(plan.rebuild),
        fingerprints=prints,
        expected=expected_totals(ds) if expected is None else expected,
        message=f"small update: added {ranges(plan.added)}; revised "
        f"{ranges(plan.revised)}",
        metadata={"revised": [p.id for p in plan.revised]},
    )


def published(location: str) -> CubeSnapshot | None:
    """The published cube at `location`, or None."""
    try:
        return open_cube(location)
    except CubeNotFoundError:
        return None


def small_update(
    location: str, years: list[int], scale: Mapping[int, float] | None = None
) -> str:
    """Bring the small cube at `location` to `years` and `scale`; its new version."""
    base = published(location)
    return apply_change(location, base, small_change(base, years, scale))


def parse_scale(text: str) -> dict[int, float]:
    """``2021=1.5,2022=2`` as {2021: 1.5, 2022: 2.0}."""
    pairs = (part.split("=") for part in text.split(",") if part)
    return {int(year): float(value) for year, value in pairs}


if __name__ == "__main__":
    location, years_text = sys.argv[1], sys.argv[2]
    scale = parse_scale(sys.argv[3]) if len(sys.argv) > 3 else None
    version = small_update(location, [int(y) for y in years_text.split(",")], scale)
    print(version)
