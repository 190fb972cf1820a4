"""Small cubes on the full 0.1 degree grid whose values the field cases know.

`regional_dataset`: a regional inventory's cube (FC-09, FC-10): 5 t in every cell of
lon -10..30, lat 35..70 but one (`HOLE`), and no data (NaN) elsewhere, in 2022-P01 and
2022-P04; no data anywhere in 2022-P02 and 2022-P03 (two missing periods).
`uniform_dataset` (FC-18): 3 t (float32) in every one of the 6,480,000 cells.
"""

import dask.array as da
import numpy as np
import xarray as xr

from methanemap.grid import CANONICAL
from methanemap.pipeline.periods import periods_of_year
from methanemap.store.schema import SECTORS, variable, variable_attrs
from synthetic_cube import canonical_dataset

#: The regional inventory's extent (west, south, east, north) and its value (t).
REGION = (-10.0, 35.0, 30.0, 70.0)
REGIONAL_T = 5.0
#: Centre (lon, lat) of the one cell inside the region without data.
HOLE = (20.05, 60.05)
#: Periods of the regional cube, and which of them hold no data at all.
REGIONAL_PERIODS = periods_of_year(2022)[:4]
MISSING = ("2022-P02", "2022-P03")
UNIFORM_T = 3.0


def regional_dataset() -> xr.Dataset:
    """Gas (and total) 5 t per cell inside `REGION`, NaN outside; coal and oil 0
    inside. Periods in `MISSING` are NaN everywhere."""
    west, south, east, north = REGION
    lat, lon = CANONICAL.lat, CANONICAL.lon
    inside = ((lat >= south) & (lat < north))[:, None] & ((lon >= west) & (lon < east))
    inside[CANONICAL.rows(HOLE[1]), CANONICAL.cols(HOLE[0])] = False
    fields = {}
    for sector in (*SECTORS, "total"):
        value = REGIONAL_T if sector in ("gas", "total") else 0.0
        fields[sector] = np.where(inside, np.float32(value), np.float32(np.nan))
    return _dataset(
        REGIONAL_PERIODS, fields, [p.id in MISSING for p in REGIONAL_PERIODS]
    )


def uniform_dataset() -> xr.Dataset:
    """`UNIFORM_T` t of coal (so of total) in every cell, one period (float32)."""
    field = np.full(CANONICAL.shape, np.float32(UNIFORM_T), dtype=np.float32)
    zero = np.zeros(CANONICAL.shape, dtype=np.float32)
    fields = {s: field if s in ("coal", "total") else zero for s in (*SECTORS, "total")}
    return _dataset(periods_of_year(2022)[:1], fields, [False])


def _dataset(periods, fields, missing) -> xr.Dataset:
    data = {}
    for sector, field in fields.items():
        layers = [
            da.full(field.shape, np.nan, dtype=np.float32, chunks=(600, 600))
            if gone
            else da.from_array(field, chunks=(600, 600))
            for gone in missing
        ]
        stack = da.stack(layers).rechunk((1, 600, 600))
        attrs = variable_attrs(sector)
        data[variable(sector)] = (("time", "lat", "lon"), stack, attrs)

    return canonical_dataset(data, periods)
