"""Cell edges, spherical cell areas and annual totals of a gridded field on its grid.

Edges are inferred from centres the way the regridder infers them (midway between
neighbours, the outer ones mirrored), so a total here and a total after regridding
measure the same cells. Latitude edges are clipped to the poles.
"""

import numpy as np
import numpy.typing as npt
import xarray as xr
from xarray_regrid.utils import to_intervalindex

from methanemap.errors import InputFormatError
from methanemap.grid import EARTH_RADIUS_M
from methanemap.units import FLUX_UNITS, SECONDS_PER_YEAR

FloatArray = npt.NDArray[np.float64]


def cell_edges(centres: FloatArray) -> FloatArray:
    """The ``n + 1`` edges of cells with ascending `centres` (degrees)."""
    if len(centres) < 2:
        raise InputFormatError(
            f"a grid axis has {len(centres)} cell; at least 2 are needed to know the "
            "cell size"
        )
    intervals = to_intervalindex(np.asarray(centres, dtype=np.float64))
    return np.append(intervals.left.to_numpy(), intervals.right.to_numpy()[-1])


def cell_area(field: xr.DataArray) -> xr.DataArray:
    """Area (m2) of each cell of a (lat, lon) field, on the authalic sphere."""
    lat_edges = np.deg2rad(np.clip(cell_edges(field["lat"].to_numpy()), -90, 90))
    lon_widths = np.deg2rad(np.diff(cell_edges(field["lon"].to_numpy())))
    bands = np.diff(np.sin(lat_edges))
    area = EARTH_RADIUS_M**2 * np.outer(bands, lon_widths)
    return xr.DataArray(
        area, dims=("lat", "lon"), coords={"lat": field["lat"], "lon": field["lon"]}
    )


def annual_total_t(field: xr.DataArray) -> float:
    """Sum of flux times cell area over a 365-day year, in tonnes (float64 sums).

    Parameters
    ----------
    field
        Flux in kg m-2 s-1 on dims (lat, lon), as `open_inventory` returns it. NaN
        cells (no data) add nothing.
    """
    if field.attrs.get("units") != FLUX_UNITS:
        raise InputFormatError(
            f"annual_total_t needs a flux in {FLUX_UNITS}, got units "
            f"{field.attrs.get('units')!r}; read the file with open_inventory"
        )
    mass = field.to_numpy().astype(np.float64) * cell_area(field).to_numpy()
    return float(np.nansum(mass, dtype=np.float64)) * SECONDS_PER_YEAR / 1000.0
