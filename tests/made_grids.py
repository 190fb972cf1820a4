"""Small gridded files made to show one convention each, with totals known exactly.

Figures follow field-cases.md: authalic sphere R = 6,371,007.2 m, Earth 510,065,624.8
km2, a 1 degree cell at 40-41 N 9,401.8 km2, a 0.1 degree equator cell 123.643 km2.
"""

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

EARTH_KM2 = 510_065_624.8
CELL_40N_1DEG_KM2 = 9_401.8
MG_KM2_A = "Mg km-2 a-1"

#: 1 degree cell centres.
LAT_1DEG = np.arange(-89.5, 90, 1.0)
LON_1DEG = np.arange(-179.5, 180, 1.0)


def one_degree(fill: float = 1.0) -> np.ndarray:
    """A (lat, lon) 1 degree global field of `fill`."""
    return np.full((LAT_1DEG.size, LON_1DEG.size), fill)


def write_grid(
    path: Path,
    data: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    units: str | None = MG_KM2_A,
    dims: tuple[str, str] = ("lat", "lon"),
    coord_attrs: tuple[dict[str, Any], dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    name: str = "flux",
) -> Path:
    """Write `data` (lat, lon) as a netCDF variable `name` on dims `dims`."""
    lat_attrs, lon_attrs = coord_attrs or (
        {"units": "degrees_north"},
        {"units": "degrees_east"},
    )
    attrs = {"units": units} if units is not None else {}
    ds = xr.Dataset(
        {name: (dims, data, attrs)},
        coords={
            dims[0]: (dims[0], lat, lat_attrs),
            dims[1]: (dims[1], lon, lon_attrs),
        },
    )
    for key, value in (extra or {}).items():
        ds[key] = value
    ds.to_netcdf(path)
    return path


def box_total(field: xr.DataArray, bbox: tuple[float, float, float, float]) -> float:
    """Σ of a canonical emission field (t a-1) over whole 0.1 degree cells in `bbox`."""
    west, south, east, north = bbox
    inside = field.sel(lat=slice(south, north), lon=slice(west, east))
    return float(inside.sum(dtype=np.float64))


def box_km2(west: float, south: float, east: float, north: float) -> float:
    """Area of a lat/lon box on the authalic sphere (km2)."""
    radius_km = 6_371.0072
    sines = np.sin(np.deg2rad(north)) - np.sin(np.deg2rad(south))
    return float(radius_km**2 * np.deg2rad(east - west) * sines)
