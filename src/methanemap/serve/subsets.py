"""Subsets for download: the cube's cells in a bbox over some periods, as one netCDF
file or a zipped Zarr store, with the cube's metadata and provenance.

A subset holds every cell the bbox touches, whole (no cell is split). A bbox across the
antimeridian gives longitudes beyond 180 east of it, so the axis stays ascending. The
size (cells x periods x variables x 4 bytes) is checked against the limit before
anything is read.
"""

import math
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr

from methanemap.errors import QueryError, TooLargeError
from methanemap.grid import Grid
from methanemap.serve.catalog import cube_grid
from methanemap.serve.geometry import Bbox, parse_bbox, validate_bbox
from methanemap.serve.limits import Limits
from methanemap.serve.timespan import TimeSpan, select_span
from methanemap.serve.totals import select_sectors
from methanemap.store import CubeSnapshot
from methanemap.store.schema import variable

Format = Literal["netcdf", "zarr"]
FORMATS: tuple[Format, ...] = ("netcdf", "zarr")
MEDIA_TYPES = {"netcdf": "application/x-netcdf", "zarr": "application/zip"}
SUFFIXES = {"netcdf": ".nc", "zarr": ".zarr.zip"}
BYTES_PER_VALUE = 4


def validate_format(fmt: str) -> Format:
    """`fmt` if it is netcdf or zarr; QueryError naming ``format`` otherwise."""
    for known in FORMATS:
        if fmt == known:
            return known
    raise QueryError(
        f"format {fmt!r} is unknown; allowed are {', '.join(FORMATS)}",
        parameter="format",
    )


def subset_dataset(
    snapshot: CubeSnapshot,
    bbox: str | Bbox,
    *,
    sector: str | None = None,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    datetime: str | None = None,
    limits: Limits | None = None,
) -> xr.Dataset:
    """The cells of a bbox over some periods, lazily, with the cube's metadata.

    Parameters
    ----------
    snapshot
        An open cube version.
    bbox
        ``west,south,east,north`` in degrees (west > east crosses the antimeridian).
    sector
        One sector, or all of them when None.
    period, start, end, datetime
        The periods (see `methanemap.serve.timespan.select_span`); the latest if none.
    limits
        The size limit (``max_subset_bytes``).

    Raises
    ------
    QueryError
        If a parameter is malformed.
    TooLargeError
        If the subset would pass the size limit.
    """
    box = parse_bbox(bbox) if isinstance(bbox, str) else validate_bbox(bbox)
    span = select_span(snapshot, period=period, start=start, end=end, datetime=datetime)
    names = [variable(s) for s in select_sectors(snapshot, sector)]
    grid = cube_grid(snapshot)
    rows, columns = _rows(box, grid), _columns(box, grid)
    _check_size(len(names), rows, columns, span, limits or Limits())

    pieces = [
        _piece(snapshot.ds, names, span, rows, cols, shift) for cols, shift in columns
    ]
    ds = (
        pieces[0] if len(pieces) == 1 else xr.concat(pieces, dim="lon", data_vars="all")
    )
    return _describe(ds, snapshot, box, span, grid)


def subset_cells(snapshot: CubeSnapshot, bbox: Bbox) -> int:
    """How many cells a subset of a (validated) bbox holds."""
    grid = cube_grid(snapshot)
    rows = _rows(bbox, grid)
    width = sum(int(c.stop - c.start) for c, _ in _columns(bbox, grid))
    return int(rows.stop - rows.start) * width


def _rows(box: Bbox, grid: Grid) -> slice:
    first = math.floor(round((box[1] + 90) / grid.resolution, 9))
    stop = math.ceil(round((box[3] + 90) / grid.resolution, 9))
    return slice(max(first, 0), min(stop, grid.nlat))


def _columns(box: Bbox, grid: Grid) -> list[tuple[slice, float]]:
    """Column ranges of the bbox and the longitude shift of each (360 past 180)."""
    west, _, east, _ = box
    spans = (
        [(west, east, 0.0)]
        if west < east
        else [(west, 180.0, 0.0), (-180.0, east, 360.0)]
    )
    out = []
    for low, high, shift in spans:
        first = math.floor(round((low + 180) / grid.resolution, 9))
        stop = math.ceil(round((high + 180) / grid.resolution, 9))
        if stop > first:
            out.append((slice(first, min(stop, grid.nlon)), shift))
    return out


def _check_size(
    variables: int,
    rows: slice,
    columns: list[tuple[slice, float]],
    span: TimeSpan,
    limits: Limits,
) -> None:
    cells = (rows.stop - rows.start) * sum(c.stop - c.start for c, _ in columns)
    size = cells * span.count * variables * BYTES_PER_VALUE
    if size > limits.max_subset_bytes:
        raise TooLargeError(
            f"the subset would hold {size:,} bytes ({cells:,} cells x {span.count} "
            f"periods x {variables} variables), more than the limit of "
            f"{limits.max_subset_bytes:,}; ask for a smaller bbox, fewer periods or "
            "one sector",
            parameter="bbox",
        )


def _piece(
    ds: xr.Dataset,
    names: list[str],
    span: TimeSpan,
    rows: slice,
    cols: slice,
    shift: float,
) -> xr.Dataset:
    extra = [n for n in ds.data_vars if str(n).startswith("relative_uncertainty_")]
    keep = [*names, *[n for n in extra if variable(str(n).rsplit("_", 1)[1]) in names]]
    if "provisional" in ds:
        keep.append("provisional")
    piece = ds[keep].isel(time=span.indices, lat=rows, lon=cols)
    if shift:
        piece = piece.assign_coords(lon=piece["lon"] + shift)
    return piece


def _describe(
    ds: xr.Dataset, snapshot: CubeSnapshot, box: Bbox, span: TimeSpan, grid: Grid
) -> xr.Dataset:
    """The subset with CF cell bounds and the cube's attributes, updated to it."""
    half = grid.resolution / 2
    ds = ds.assign_coords(
        lat_bnds=(("lat", "bnds"), np.stack([ds["lat"] - half, ds["lat"] + half], 1)),
        lon_bnds=(("lon", "bnds"), np.stack([ds["lon"] - half, ds["lon"] + half], 1)),
    )
    ds["lat"].attrs = {**snapshot.ds["lat"].attrs, "bounds": "lat_bnds"}
    ds["lon"].attrs = {**snapshot.ds["lon"].attrs, "bounds": "lon_bnds"}
    if "time_bnds" in snapshot.ds:
        ds = ds.assign_coords(
            time_bnds=snapshot.ds["time_bnds"].isel(time=span.indices)
        )

    created = datetime.now(UTC).isoformat(timespec="seconds")
    attrs = dict(snapshot.ds.attrs)
    history = str(attrs.get("history", ""))
    attrs.update(
        {
            "methanemap_cube_version": snapshot.version,
            "methanemap_subset": f"bbox={list(box)} periods={span.periods[0].id}"
            f"..{span.periods[-1].id}",
            "geospatial_lat_min": float(ds["lat_bnds"].min()),
            "geospatial_lat_max": float(ds["lat_bnds"].max()),
            "geospatial_lon_min": float(ds["lon_bnds"].min()),
            "geospatial_lon_max": float(ds["lon_bnds"].max()),
            "time_coverage_start": span.periods[0].start.isoformat(),
            "time_coverage_end": span.periods[-1].end.isoformat(),
            "history": f"{history}\n{created} methanemap subset of cube version "
            f"{snapshot.version}".strip(),
        }
    )
    attrs.pop("geospatial_bounds", None)
    ds.attrs = attrs
    for var in ds.variables.values():
        var.encoding = {}  # the store's Zarr v3 codecs fit neither netCDF nor Zarr v2
    return ds


def to_bytes(ds: xr.Dataset, fmt: Format) -> bytes:
    """A subset as the bytes of a netCDF-4 file or of a zip of a Zarr v2 store."""
    with tempfile.TemporaryDirectory(prefix="methanemap-subset-") as work:
        path = Path(work) / f"subset{SUFFIXES[fmt]}"
        if fmt == "netcdf":
            _write_netcdf(ds, path)
        else:
            _write_zarr_zip(ds, path, Path(work) / "subset.zarr")
        return path.read_bytes()


def _write_netcdf(ds: xr.Dataset, path: Path) -> None:
    encoding: dict[str, dict[str, object]] = {
        str(name): {"zlib": True, "complevel": 4}
        for name, var in ds.data_vars.items()
        if var.dtype.kind == "f"
    }
    encoding["time"] = {
        "units": "days since 1970-01-01",
        "calendar": "proleptic_gregorian",
    }
    ds.load().to_netcdf(path, engine="netcdf4", format="NETCDF4", encoding=encoding)


def _write_zarr_zip(ds: xr.Dataset, path: Path, store: Path) -> None:
    encoding: dict[str, dict[str, object]] = {
        "time": {"units": "days since 1970-01-01", "calendar": "proleptic_gregorian"}
    }
    ds.load().to_zarr(
        store, mode="w", zarr_format=2, consolidated=True, encoding=encoding
    )
    # Entries at the zip's root, uncompressed: zarr's ZipStore and fsspec read it so.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for file in sorted(store.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(store).as_posix())
