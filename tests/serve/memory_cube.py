"""Cubes held in memory for the tile tests: one period of one variable on the 0.1 degree
grid, with values the test chooses, and overviews made the way the store makes them
(``coarsen(...).sum()``, so each level keeps the mass).
"""

import numpy as np
import xarray as xr

from methanemap.grid import CANONICAL
from methanemap.pipeline.periods import time_coords
from methanemap.store import CubeSnapshot
from methanemap.store.schema import COORD_ATTRS, variable, variable_attrs
from synthetic_cube import PERIODS

PERIOD = PERIODS[0]


def memory_snapshot(
    values: np.ndarray,
    *,
    sector: str = "total",
    levels: tuple[int, ...] = (),
    version: str = "memory",
) -> CubeSnapshot:
    """A one-period cube whose `sector` holds `values` (lat x lon, south first)."""
    starts, bounds = time_coords([PERIOD])
    name = variable(sector)
    ds = xr.Dataset(
        {
            name: (
                ("time", "lat", "lon"),
                values[None].astype(np.float32),
                variable_attrs(sector),
            )
        },
        coords={
            "time": ("time", starts, COORD_ATTRS["time"]),
            "lat": ("lat", CANONICAL.lat, COORD_ATTRS["lat"]),
            "lon": ("lon", CANONICAL.lon, COORD_ATTRS["lon"]),
        },
    )
    ds["time_bnds"] = (("time", "bnds"), bounds)
    overviews = {k: coarsened(ds[[name]], k) for k in levels}
    return CubeSnapshot(ds=ds, version=version, location="memory", overviews=overviews)


def coarsened(ds: xr.Dataset, level: int) -> xr.Dataset:
    """Overview `level`: blocks of 2**level x 2**level cells summed."""
    factor = 2**level
    return ds.coarsen(lat=factor, lon=factor).sum()


def smooth_field() -> np.ndarray:
    """A field that varies slowly (0.5 to 1.5 t per cell), zero south of 58 S.

    The edge of the zeros falls on a block edge of every overview up to level 6.
    """
    lat = np.deg2rad(CANONICAL.lat)[:, None]
    lon = np.deg2rad(CANONICAL.lon)[None, :]
    field = 1.0 + 0.5 * np.sin(2 * lon) * np.cos(lat)
    field[CANONICAL.lat < -58] = 0.0
    return field.astype(np.float32)


def random_field(seed: int = 5) -> np.ndarray:
    """Every cell a different value (1 to 1001 t): shows which cell a pixel took."""
    rng = np.random.default_rng(seed)
    return (1 + 1000 * rng.random(CANONICAL.shape)).astype(np.float32)
