"""The browser tests' cube: the synthetic cube's known cells, plus smooth fields of
emission around a few real producing basins, so that a screenshot looks like a map.

The basins lie away from the synthetic cube's known cells (more than 2 degrees), so a
box drawn around one of those holds only its own value.
"""

from pathlib import Path

import numpy as np

from methanemap.grid import CANONICAL
from methanemap.store import write_cube
from methanemap.store.schema import SECTORS, variable
from synthetic_cube import PERIODS, synthetic_dataset

#: (lon, lat of the centre, sector, radius in degrees, peak t per cell per period)
BASINS = [
    (116.5, 34.5, "coal", 1.2, 40.0),
    (-80.5, 38.5, "coal", 1.5, 15.0),
    (148.5, -22.5, "coal", 2.0, 20.0),
    (74.0, 62.0, "gas", 4.0, 12.0),
    (50.0, 27.0, "oil", 3.0, 25.0),
    (6.5, 5.0, "oil", 1.5, 18.0),
    (52.0, 54.0, "oil", 2.5, 10.0),
    (5.0, 31.0, "gas", 2.0, 8.0),
    (-98.0, 35.0, "gas", 2.5, 9.0),
]


def _basin(radius: float, peak: float, seed: int) -> np.ndarray:
    """A patchy bump `2 radius` degrees a side: a Gaussian times lognormal noise."""
    n = round(2 * radius / CANONICAL.resolution)
    offsets = (np.arange(n) - n / 2 + 0.5) * CANONICAL.resolution
    distance2 = offsets[:, None] ** 2 + offsets[None, :] ** 2
    noise = np.random.default_rng(seed).lognormal(0.0, 1.0, (n, n))
    field = peak * np.exp(-distance2 / (radius / 2) ** 2) * noise
    return np.where(field > peak * 0.02, field, 0.0).astype("float32")


def write_browser_cube(location: Path) -> str:
    """Write the cube at `location`; returns its version."""
    ds = synthetic_dataset()
    fields = {name: ds[variable(name)].data for name in (*SECTORS, "total")}
    for seed, (lon, lat, sector, radius, peak) in enumerate(BASINS):
        block = _basin(radius, peak, seed)
        row = int(CANONICAL.rows(lat - radius))
        col = int(CANONICAL.cols(lon - radius))
        rows, cols = slice(row, row + len(block)), slice(col, col + len(block))
        for t in range(len(PERIODS)):
            growth = np.float32(1 + 0.15 * t)  # periods differ, so play shows change
            for name in (sector, "total"):
                fields[name][t, rows, cols] += block * growth

    for name, field in fields.items():
        ds[variable(name)] = (ds[variable(name)].dims, field, ds[variable(name)].attrs)
    return write_cube(ds, str(location), "browser test cube")
