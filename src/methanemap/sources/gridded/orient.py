"""The canonical orientation of a gridded field: latitude ascending, longitude in
[-180, 180) ascending, no column twice. The cells themselves never move.
"""

import numpy as np
import xarray as xr

from methanemap.errors import InputFormatError
from methanemap.sources.gridded.axes import TOLERANCE_DEG

#: A longitude step this many times the median step is a gap, not a wider cell.
_GAP_FACTOR = 1.5


def orient(field: xr.DataArray, where: str) -> tuple[xr.DataArray, list[str]]:
    """`field` on dims (lat, lon) in canonical order, with notes of what changed.

    Parameters
    ----------
    field
        Dims (lat, lon) with 1-D cell-centre coordinates in degrees, any order and any
        longitude convention (0..360 or -180..180).
    where
        File and variable, named in errors.
    """
    notes: list[str] = []
    lon = field["lon"].to_numpy()
    wrapped = np.round((lon + 180.0) % 360.0 - 180.0, 10)
    if np.any(np.abs(wrapped - lon) > 1):
        notes.append(f"longitudes {lon.min():g}..{lon.max():g} moved into [-180, 180)")
    field = field.assign_coords(lon=wrapped)
    field = _drop_seam_duplicate(field, where, notes)

    if np.any(np.diff(field["lat"].to_numpy()) < 0):
        notes.append("latitudes flipped to ascending")
    field = field.sortby("lat").sortby("lon")
    _check_unique(field["lat"].to_numpy(), "latitude", where)
    _check_gaps(field["lon"].to_numpy(), where)
    return field, notes


def _drop_seam_duplicate(
    field: xr.DataArray, where: str, notes: list[str]
) -> xr.DataArray:
    """Drop a column that repeats another longitude (-180 and 180, 0 and 360).

    The repeated column must hold the same values as the one it repeats; a file
    whose two seam columns differ is refused, since either would be a guess.
    """
    lon = field["lon"].to_numpy()
    order = np.argsort(lon, kind="stable")
    repeats = np.flatnonzero(np.diff(lon[order]) < TOLERANCE_DEG)

    drop = []
    for at in repeats:
        first, second = order[at], order[at + 1]
        kept, dropped = field.isel(lon=first), field.isel(lon=second)
        if not np.allclose(kept, dropped, rtol=1e-6, atol=0, equal_nan=True):
            raise InputFormatError(
                f"{where}: longitude {lon[first]:g} appears twice (a seam column) with "
                "different values; methanemap cannot tell which is right: drop one "
                "column from the file"
            )
        drop.append(second)

    if drop:
        notes.append(f"dropped {len(drop)} duplicate seam column(s) at {lon[drop]}")
    return field.isel(lon=np.setdiff1d(np.arange(len(lon)), drop))


def _check_unique(values: np.ndarray, label: str, where: str) -> None:
    if np.any(np.diff(values) < TOLERANCE_DEG):
        raise InputFormatError(f"{where}: a {label} value appears twice")


def _check_gaps(lon: np.ndarray, where: str) -> None:
    """Refuse longitudes with a gap: a regional grid split by the antimeridian."""
    steps = np.diff(lon)
    if len(steps) < 2:
        return

    widest = int(np.argmax(steps))
    if steps[widest] > _GAP_FACTOR * np.median(steps):
        raise NotImplementedError(
            f"{where}: longitudes jump from {lon[widest]:g} to {lon[widest + 1]:g}, a "
            "regional grid across the antimeridian (or one with a gap); methanemap "
            "reads contiguous grids only: split the file at 180 degrees"
        )
