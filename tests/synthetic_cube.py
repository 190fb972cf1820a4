"""A small synthetic cube for the serve and service tests: the full 0.1 degree grid,
three periods of 2022, zero everywhere except a few cells whose values the tests know.

Written with dask zeros, so writing it takes about a second.
"""

from dataclasses import dataclass
from pathlib import Path

import dask.array as da
import numpy as np
import xarray as xr

from methanemap.grid import CANONICAL
from methanemap.pipeline.periods import periods_of_year, time_coords
from methanemap.store import write_cube
from methanemap.store.schema import COORD_ATTRS, SECTORS, variable, variable_attrs

PERIODS = periods_of_year(2022)[:3]


@dataclass(frozen=True)
class Spot:
    """A known cell: its centre (lon, lat), and its value in each period per sector."""

    lon: float
    lat: float
    values: dict[str, tuple[float, float, float]]

    @property
    def row(self) -> int:
        return int(CANONICAL.rows(self.lat))

    @property
    def col(self) -> int:
        return int(CANONICAL.cols(self.lon))


#: Coal mines of Shanxi, China.
SHANXI = Spot(112.55, 37.85, {"coal": (120.5, 130.25, 140.0)})
#: Permian basin, USA; oil has no data (NaN) in the second period.
PERMIAN = Spot(-102.05, 31.95, {"gas": (10.0, 20.0, 30.0), "oil": (5.0, np.nan, 7.1)})
#: Four gas cells meeting at (10 E, 40 N): the point on the corner belongs to NE_CELL.
NE_CELL = Spot(10.05, 40.05, {"gas": (7.0, 7.0, 7.0)})
NW_CELL = Spot(9.95, 40.05, {"gas": (2.0, 2.0, 2.0)})
SE_CELL = Spot(10.05, 39.95, {"gas": (3.0, 3.0, 3.0)})
SW_CELL = Spot(9.95, 39.95, {"gas": (1.0, 1.0, 1.0)})
SPOTS = (SHANXI, PERMIAN, NE_CELL, NW_CELL, SE_CELL, SW_CELL)


def expected(spot: Spot, sector: str, period_index: int) -> float:
    """The value the cube holds for `spot` (total: the sum of the sectors)."""
    if sector == "total":
        parts = [expected(spot, s, period_index) for s in SECTORS]
        return float(np.sum(np.float32(parts)))
    return float(np.float32(spot.values.get(sector, (0.0, 0.0, 0.0))[period_index]))


def synthetic_dataset() -> xr.Dataset:
    """The cube as a lazy dataset."""
    shape = (len(PERIODS), CANONICAL.nlat, CANONICAL.nlon)
    data = {}
    for sector in (*SECTORS, "total"):
        field = da.zeros(shape, dtype="float32", chunks=(1, 600, 600))
        for spot in SPOTS:
            for t in range(len(PERIODS)):
                field[t, spot.row, spot.col] = expected(spot, sector, t)
        data[variable(sector)] = (("time", "lat", "lon"), field, variable_attrs(sector))

    return canonical_dataset(data, PERIODS)


def canonical_dataset(data: dict, periods: list) -> xr.Dataset:
    """The gridded variables `data` on the canonical grid and the periods' time axis."""
    starts, bounds = time_coords(periods)
    coords = {
        "time": ("time", starts, COORD_ATTRS["time"]),
        "lat": ("lat", CANONICAL.lat, COORD_ATTRS["lat"]),
        "lon": ("lon", CANONICAL.lon, COORD_ATTRS["lon"]),
    }
    ds = xr.Dataset(data, coords=coords)
    ds["time_bnds"] = (("time", "bnds"), bounds)
    return ds


def write_synthetic_cube(location: Path) -> str:
    """Write the synthetic cube at `location`; returns its version."""
    return write_cube(synthetic_dataset(), str(location), "synthetic test cube")
