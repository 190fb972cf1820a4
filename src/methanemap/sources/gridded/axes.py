"""Which coordinates of a gridded file are latitude and longitude, as 1-D cell centres.

Axes are found from CF attributes first (``standard_name``, then ``units``, then
``axis``) and from the names lat/latitude/lon/longitude last, never by position. 2-D
latitude and longitude that are in fact rectilinear become 1-D; truly curvilinear grids
are refused.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import xarray as xr

from methanemap.errors import InputFormatError

FloatArray = npt.NDArray[np.float64]

#: Coordinates that agree to this many degrees are the same (float32 files keep ~1e-5).
TOLERANCE_DEG = 1e-6

_KINDS = {
    "lat": (
        "latitude",
        {
            "degrees_north",
            "degree_north",
            "degrees_n",
            "degree_n",
            "degreesn",
            "degreen",
        },
        "Y",
        {"lat", "latitude", "nav_lat"},
    ),
    "lon": (
        "longitude",
        {"degrees_east", "degree_east", "degrees_e", "degree_e", "degreese", "degreee"},
        "X",
        {"lon", "longitude", "long", "nav_lon"},
    ),
}


@dataclass(frozen=True)
class Axis:
    """One spatial axis of a field: its 1-D values along one dimension of the data."""

    dim: Hashable
    values: FloatArray
    name: Hashable
    attrs: Mapping[Hashable, object]


def find_axes(
    field: xr.DataArray, variables: Mapping[Hashable, xr.DataArray], where: str
) -> tuple[Axis, Axis]:
    """The latitude and longitude axes of `field`, reduced to 1-D.

    Parameters
    ----------
    field
        The data variable, already cut to its two spatial dimensions.
    variables
        Every variable of the file (coordinates too), to find 2-D lat/lon arrays that
        are stored as data variables.
    where
        File and variable, named in errors.
    """
    spatial = {
        name: var
        for name, var in variables.items()
        if var.ndim in (1, 2) and set(var.dims) <= set(field.dims) and var.ndim > 0
    }

    lat = _pick(spatial, "lat", field, where)
    lon = _pick(spatial, "lon", field, where)

    if lat.ndim == 1 and lon.ndim == 1:
        if lat.dims == lon.dims:
            raise InputFormatError(
                f"{where}: latitude {lat.name!r} and longitude {lon.name!r} share the "
                f"dimension {lat.dims[0]!r}; a list of points is not a grid"
            )
        return _axis(lat, lat.dims[0]), _axis(lon, lon.dims[0])
    return _reduce_2d(lat, lon, where)


def _score(var: xr.DataArray, kind: str) -> int:
    """How surely `var` is a `kind` ("lat" or "lon") coordinate: 4 sure, 0 not."""
    standard_name, units, axis, names = _KINDS[kind]
    attrs = var.attrs
    if str(attrs.get("standard_name", "")).lower() == standard_name:
        return 4
    if str(attrs.get("units", "")).lower().replace(" ", "_") in units:
        return 3
    if str(attrs.get("axis", "")).upper() == axis:
        return 2
    return 1 if str(var.name).lower() in names else 0


def _pick(
    spatial: Mapping[Hashable, xr.DataArray], kind: str, field: xr.DataArray, where: str
) -> xr.DataArray:
    scored = [(_score(v, kind), v.ndim == 1, str(n), v) for n, v in spatial.items()]
    scored = sorted((s for s in scored if s[0] > 0), key=lambda s: s[:2], reverse=True)

    if not scored:
        label = "latitude" if kind == "lat" else "longitude"
        raise InputFormatError(
            f"{where}: no {label} coordinate among {sorted(map(str, spatial))} (dims "
            f"{list(map(str, field.dims))}); name it {kind} or give it "
            f"standard_name={_KINDS[kind][0]!r} or CF degrees units"
        )
    if len(scored) > 1 and scored[0][:2] == scored[1][:2]:
        raise InputFormatError(
            f"{where}: both {scored[0][2]!r} and {scored[1][2]!r} look like {kind}; "
            "give the intended one its CF standard_name"
        )
    return scored[0][3]


def _axis(var: xr.DataArray, dim: Hashable) -> Axis:
    return Axis(dim=dim, values=exact_values(var), name=var.name, attrs=var.attrs)


def exact_values(var: xr.DataArray) -> FloatArray:
    """Values as float64; float32 ones as the shortest decimal they stand for.

    A float32 0.05 is 0.0500000007 in float64; read as 0.05 it lines up with the
    0.1 degree lattice it was written for.
    """
    values = np.asarray(var.values)
    if values.dtype == np.float32:
        flat = [float(str(v)) for v in values.ravel()]
        return np.asarray(flat, dtype=np.float64).reshape(values.shape)
    return values.astype(np.float64)


def _reduce_2d(lat: xr.DataArray, lon: xr.DataArray, where: str) -> tuple[Axis, Axis]:
    """1-D axes of 2-D lat/lon that are rectilinear (each row one latitude ...)."""
    if lat.ndim != 2 or lon.ndim != 2 or set(lat.dims) != set(lon.dims):
        raise InputFormatError(
            f"{where}: latitude {lat.name!r} {lat.dims} and longitude {lon.name!r} "
            f"{lon.dims} are neither both 1-D nor both 2-D on the same dimensions"
        )

    lat = lat.transpose(*lon.dims)
    lat_values, lon_values = exact_values(lat), exact_values(lon)
    for lat_dim in (0, 1):
        lon_dim = 1 - lat_dim
        if _constant_along(lat_values, lon_dim) and _constant_along(
            lon_values, lat_dim
        ):
            lat_1d = np.take(lat_values, 0, axis=lon_dim)
            lon_1d = np.take(lon_values, 0, axis=lat_dim)
            return (
                Axis(lon.dims[lat_dim], lat_1d, lat.name, lat.attrs),
                Axis(lon.dims[lon_dim], lon_1d, lon.name, lon.attrs),
            )

    raise NotImplementedError(
        f"{where}: curvilinear grid: 2-D latitude {lat.name!r} and longitude "
        f"{lon.name!r} vary along both dimensions {lon.dims} (a rotated or projected "
        "grid); methanemap reads regular lat/lon grids only: regrid the file to one "
        "first (for example with xESMF)"
    )


def _constant_along(values: FloatArray, axis: int) -> bool:
    spread = np.ptp(values, axis=axis)
    return bool(np.all(spread <= TOLERANCE_DEG))
