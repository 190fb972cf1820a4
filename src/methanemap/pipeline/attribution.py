"""What each cell's mass is made of: the allocation stored beside the cube.

For each sector the attribution holds one entry per (unit, cell) of the allocation: the
cell, the unit (country or group), the base-year mass, and whether the country-uniform
fallback placed it; and per unit and period the weight that scales the base-year mass
into that period (see `methanemap.pipeline.cube`). So the mass of unit ``u`` in period
``t`` is ``sum(annual[entries of u]) * weight[u, t]`` exactly as the cube was built, and
a cell's value is the sum of its entries. It also carries each cell's relative 1-sigma
(see `methanemap.uncertainty`) and each period's provisional flag.
"""

import json
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from methanemap import uncertainty
from methanemap.grid import CANONICAL, Grid
from methanemap.pipeline.activity import WORLD
from methanemap.pipeline.cube import SectorPattern
from methanemap.pipeline.periods import Period, time_coords

#: A period stays provisional until this many days after its end (activity revisions).
SETTLING_DAYS = 90
#: ... or while more than this share of its year's mass is scaled by world factors.
WORLD_FACTOR_SHARE = 0.5


def attribution_dataset(
    patterns: dict[str, SectorPattern],
    units: pd.DataFrame,
    periods: list[Period],
    grid: Grid = CANONICAL,
) -> xr.Dataset:
    """The attribution of every sector, as 1-D arrays (no strings but in attributes)."""
    starts, _ = time_coords(periods)
    data: dict[str, tuple[tuple[str, ...], npt.NDArray[np.generic]]] = {}
    attrs: dict[str, str] = {}
    for sector, p in patterns.items():
        entry, unit_dim = f"{sector}_entry", f"{sector}_unit"
        cell = (p.row * grid.nlon + p.col).astype(np.int32)
        data[f"{sector}_cell"] = ((entry,), cell)
        data[f"{sector}_unit_index"] = ((entry,), p.unit_index.astype(np.int32))
        data[f"{sector}_annual"] = ((entry,), p.annual_t)
        data[f"{sector}_uniform"] = ((entry,), p.uniform.astype(np.int8))
        data[f"{sector}_weight"] = ((unit_dim, "time"), p.weights)
        attrs[f"{sector}_units"] = json.dumps(list(p.units))
    members = units.drop_duplicates("unit").set_index("unit")["members"]
    attrs["unit_members"] = json.dumps({u: list(m) for u, m in members.items()})
    attrs["cell_index"] = f"row * {grid.nlon} + col, rows from the south"
    return xr.Dataset(data, coords={"time": starts}, attrs=attrs)


def countries_dataset(
    coverage: pd.DataFrame, boundaries: pd.DataFrame, grid: Grid = CANONICAL
) -> xr.Dataset:
    """Which countries cover each cell, by exact fraction (Natural Earth polygons).

    Variables ``cell`` (row * nlon + col), ``country`` (index into the ``iso3``
    attribute) and ``coverage`` (share of the cell's area in the country, 0..1); the
    uncovered rest of a cell is sea or no country's land ("offshore").
    """
    codes = sorted(coverage["iso3"].unique())
    index = {code: i for i, code in enumerate(codes)}
    names = boundaries.drop_duplicates("iso3").set_index("iso3")["name"]
    data = {
        "cell": (
            ("entry",),
            (coverage["row"] * grid.nlon + coverage["col"]).to_numpy(np.int32),
        ),
        "country": (("entry",), coverage["iso3"].map(index).to_numpy(np.int16)),
        "coverage": (("entry",), coverage["coverage"].to_numpy(np.float64)),
    }
    attrs = {
        "iso3": json.dumps(codes),
        "names": json.dumps({c: str(names.get(c, c)) for c in codes}),
        "source": "Natural Earth admin-0 1:50m, exact coverage by exactextract",
    }
    return xr.Dataset(data, attrs=attrs)


def relative_uncertainty(
    patterns: dict[str, SectorPattern], grid: Grid = CANONICAL
) -> dict[str, npt.NDArray[np.float32]]:
    """Each sector's relative 1-sigma per cell (lat, lon); 0 where none is emitted."""
    out = {}
    for sector, p in patterns.items():
        cell = p.row * grid.nlon + p.col
        rel = uncertainty.cell_relative(
            sector, cell, p.annual_t, p.unit_index, p.uniform
        )
        field = np.zeros(grid.nlat * grid.nlon, dtype=np.float32)
        field[rel.index.to_numpy()] = rel.to_numpy(np.float32)
        out[sector] = field.reshape(grid.shape)
    return out


def provisional_flags(
    periods: list[Period],
    factors: pd.DataFrame,
    units: pd.DataFrame,
    today: date,
) -> npt.NDArray[np.int8]:
    """1 for a provisional period, 0 for a final one.

    A period is provisional while it ended less than `SETTLING_DAYS` before `today`
    (activity data for it may still be revised), or while more than
    `WORLD_FACTOR_SHARE` of its year's base-year mass is scaled by world factors (no
    country series for that year yet).
    """
    mass = units.groupby(["unit", "sector"])["emission_t"].sum()
    keyed = factors.set_index(["unit", "sector"])
    world_share = {}
    for year, rows in keyed.groupby("year"):
        weight = mass.reindex(rows.index).fillna(0.0)
        world_share[year] = weight[rows["method"] == WORLD].sum() / weight.sum()

    recent = [p.end + timedelta(days=SETTLING_DAYS) > today for p in periods]
    extrapolated = [world_share.get(p.year, 1.0) > WORLD_FACTOR_SHARE for p in periods]
    return np.array(
        [r or e for r, e in zip(recent, extrapolated, strict=True)], dtype=np.int8
    )
