"""Regridding: a flux field on its own regular lat/lon grid to emission per cell per
year on the canonical 0.1 degree grid, conservatively (xarray-regrid): totals survive.

Cells outside the field's extent, and cells that cover only no-data source cells, are
NaN (absent), never 0. A field already on the 0.1 degree lattice is placed, not
regridded.
"""

import logging

import numpy as np
import numpy.typing as npt
import xarray as xr
from xarray_regrid.regrid import Regridder

from methanemap.errors import InputFormatError
from methanemap.grid import CANONICAL, Grid
from methanemap.sources.gridded.cells import annual_total_t, cell_edges
from methanemap.units import FLUX_UNITS, SECONDS_PER_YEAR

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

#: Units of `to_canonical`'s output: tonnes CH4 per cell per 365-day year.
EMISSION_UNITS = "t a-1"

#: Zero cells added around a field so that xarray-regrid covers every target cell
#: that touches it (it masks targets beyond the outermost source centres), at least;
#: a field finer than the target gets enough to cover a whole target cell beyond its
#: edge, else the edge target's mean flux is taken over less than its width.
_PAD = 2
_ALIGNED_TOLERANCE_DEG = 1e-6
#: A field whose cells span 360 degrees within this goes round the globe (float32
#: coordinates of irregular grids add up to ~1e-5 degrees of error).
_SPAN_TOLERANCE_DEG = 1e-3


def to_canonical(field: xr.DataArray, grid: Grid = CANONICAL) -> xr.DataArray:
    """Emission per canonical cell (t a-1) of a flux field.

    Parameters
    ----------
    field
        Flux in kg m-2 s-1 on dims (lat, lon), ascending, longitudes in [-180, 180),
        NaN where there is no data: what `open_inventory` returns.
    grid
        The target grid (default: the canonical 0.1 degree grid).

    Returns
    -------
    DataArray on `grid` (dims lat, lon), float64 tonnes CH4 per cell per 365-day
    year; NaN outside the field's extent and where the field has no data. Attributes
    ``total_t`` and ``source_total_t`` give the totals after and before.
    """
    if field.attrs.get("units") != FLUX_UNITS or field.dims != ("lat", "lon"):
        raise InputFormatError(
            f"to_canonical needs a (lat, lon) flux in {FLUX_UNITS}, got dims "
            f"{field.dims} in {field.attrs.get('units')!r}; read it with open_inventory"
        )
    rows, cols, whole_lon = _window(field, grid)
    valid: FloatArray | None = None
    if _aligned(field, grid):
        flux, how = _placed(field, grid, rows, cols), "placed (0.1 lattice)"
    else:
        flux, valid = _regridded(
            field, grid.lat[rows], grid.lon[cols], whole_lon, grid.resolution
        )
        how = "xarray-regrid conservative"

    area = grid.cell_area[rows][:, np.newaxis]
    mass = flux * area * SECONDS_PER_YEAR / 1000.0
    if valid is not None:
        mass = np.where(valid > 0, mass, np.nan)
    out = np.full(grid.shape, np.nan)
    out[rows, cols] = mass
    return _emission(out, field, grid, how)


def _window(field: xr.DataArray, grid: Grid) -> tuple[slice, slice, bool]:
    """Canonical rows and columns that the field's cells touch; and whether the
    field goes round the globe in longitude."""
    lat_edges = np.clip(cell_edges(field["lat"].to_numpy()), -90, 90)
    lon_edges = cell_edges(field["lon"].to_numpy())

    south, north = int(grid.rows(lat_edges[0])), int(grid.rows(lat_edges[-1]))
    rows = _two_or_more(slice(south, north + 1), grid.nlat)
    if lon_edges[-1] - lon_edges[0] > 360 + _SPAN_TOLERANCE_DEG:
        raise InputFormatError(
            f"{field.attrs.get('source_file')}: cells span "
            f"{lon_edges[-1] - lon_edges[0]:g} degrees of longitude, more than 360"
        )

    if lon_edges[-1] - lon_edges[0] >= 360 - _SPAN_TOLERANCE_DEG:
        return rows, slice(0, grid.nlon), True
    if lon_edges[0] < -180 - 1e-9 or lon_edges[-1] > 180 + 1e-9:
        raise NotImplementedError(
            f"{field.attrs.get('source_file')}: a regional grid whose edge cells cross "
            "the antimeridian; split it at 180 degrees first"
        )
    last = int(np.floor((lon_edges[-1] + 180) / grid.resolution - 1e-9))
    cols = slice(int(grid.cols(lon_edges[0])), last + 1)
    return rows, _two_or_more(cols, grid.nlon), False


def _two_or_more(cells: slice, size: int) -> slice:
    """`cells` widened to two when the field lies inside one target row or column:
    xarray-regrid takes a target cell's width from its neighbour, and a lone target
    has none (the field's total was lost). The extra cell stays empty."""
    if cells.stop - cells.start >= 2:
        return cells
    if cells.start > 0:
        return slice(cells.start - 1, cells.stop)
    return slice(cells.start, cells.stop + 1)


def _aligned(field: xr.DataArray, grid: Grid) -> bool:
    """Whether every cell of `field` is a cell of `grid`."""
    lat, lon = field["lat"].to_numpy(), field["lon"].to_numpy()
    on_rows = np.abs(grid.lat[grid.rows(lat)] - lat) < _ALIGNED_TOLERANCE_DEG
    on_cols = np.abs(grid.lon[grid.cols(lon)] - lon) < _ALIGNED_TOLERANCE_DEG

    steps = np.concatenate([np.diff(lat), np.diff(lon)])
    regular = np.abs(steps - grid.resolution) < _ALIGNED_TOLERANCE_DEG
    return bool(on_rows.all() and on_cols.all() and regular.all())


def _placed(field: xr.DataArray, grid: Grid, rows: slice, cols: slice) -> FloatArray:
    placed = np.full((rows.stop - rows.start, cols.stop - cols.start), np.nan)
    r = grid.rows(field["lat"].to_numpy()) - rows.start
    c = grid.cols(field["lon"].to_numpy()) - cols.start
    placed[np.ix_(r, c)] = field.to_numpy()
    return placed


def _regridded(
    field: xr.DataArray,
    lat: FloatArray,
    lon: FloatArray,
    whole_lon: bool,
    resolution: float,
) -> tuple[FloatArray, FloatArray]:
    """Flux (no data as 0) and valid-area fraction, conservatively on (lat, lon).

    Dims are renamed to y/x so that xarray-regrid's own pole and seam padding stay
    off: the padding here is exact (zero cells, or the wrapped columns of a global
    field), and the spherical correction is still applied to y.
    """
    source = xr.Dataset(
        {
            "flux": field.fillna(0.0),
            "valid": field.notnull().astype(np.float64),
        }
    ).rename(lat="y", lon="x")
    source = _pad(source, "y", resolution, wrap=False)
    source = _pad(source, "x", resolution, wrap=whole_lon)
    source["flux"] = source["flux"] * xr.DataArray(
        _row_factors(source["y"].to_numpy(), lat), dims="y"
    )

    target = xr.Dataset(coords={"y": lat, "x": lon})
    out = Regridder(source).conservative(
        target, latitude_coord="y", time_dim=None, skipna=False
    )
    out = out.transpose("y", "x")
    return out["flux"].to_numpy(), out["valid"].to_numpy()


def _row_factors(source_lat: FloatArray, target_lat: FloatArray) -> FloatArray:
    """Per source row, its exact spherical band over the band xarray-regrid gives it.

    xarray-regrid weighs the part of a source row inside a target row by its share
    of degrees, times the row's spherical weight: close to the true area, but off by
    up to ~3e-4 of a 1 degree row at high latitudes. Regridding the identity matrix
    with the same weights gives each source row's effective band; scaling the row by
    true over effective makes every row's mass, and so the total, exact. Longitude
    overlaps need no such factor: degrees are area there.
    """
    count = len(source_lat)
    identity = xr.Dataset(
        {"w": (("y", "row"), np.eye(count))},
        coords={"y": source_lat, "row": np.arange(count)},
    )
    weights = (
        Regridder(identity)
        .conservative(
            xr.Dataset(coords={"y": target_lat}),
            latitude_coord="y",
            time_dim=None,
            skipna=False,
        )["w"]
        .transpose("y", "row")
    )

    target_band = _sin_band(target_lat)
    effective = np.nansum(weights.to_numpy() * target_band[:, np.newaxis], axis=0)
    exact = _sin_band(source_lat)
    safe = np.where(effective > 0, effective, 1.0)
    return np.where(effective > 0, exact / safe, 1.0)


def _sin_band(lat: FloatArray) -> FloatArray:
    """sin(north edge) - sin(south edge) of rows centred at `lat`, clipped to poles."""
    edges = np.deg2rad(np.clip(cell_edges(lat), -90, 90))
    band: FloatArray = np.diff(np.sin(edges))
    return band


def _pad(source: xr.Dataset, dim: str, resolution: float, wrap: bool) -> xr.Dataset:
    """Cells on each side of `dim` (see `_PAD`): zeros, or the other end of a global
    axis."""
    values = source[dim].to_numpy()
    finest = float(np.abs(np.diff(values)).min())
    count = max(_PAD, int(np.ceil(resolution / finest)) + 1)
    if wrap:
        count = min(count, values.size)
        padded = source.pad({dim: (count, count)}, mode="wrap")
        coords = np.concatenate([values[-count:] - 360, values, values[:count] + 360])
    else:
        padded = source.pad({dim: (count, count)}, mode="constant", constant_values=0.0)
        steps = np.arange(count, 0, -1)
        before = values[0] - steps * (values[1] - values[0])
        after = values[-1] + steps[::-1] * (values[-1] - values[-2])
        coords = np.concatenate([before, values, after])
    return padded.assign_coords({dim: coords})


def _emission(
    mass: FloatArray, field: xr.DataArray, grid: Grid, how: str
) -> xr.DataArray:
    total = float(np.nansum(mass, dtype=np.float64))
    source_total = annual_total_t(field)

    out = xr.DataArray(
        mass,
        dims=("lat", "lon"),
        coords={"lat": grid.lat, "lon": grid.lon},
        name="emission",
    )

    keep = ("inventory", "source_file", "source_variable", "original_units", "time")
    out.attrs = {k: field.attrs[k] for k in keep if k in field.attrs}
    out.attrs.update(
        units=EMISSION_UNITS,
        long_name="CH4 emission per cell per 365-day year",
        cell_methods="area: sum",
        regrid=how,
        total_t=total,
        source_total_t=source_total,
        cells_with_data=int(np.count_nonzero(~np.isnan(mass))),
    )

    log.info(
        "regridded %s to %s cells (%s): %.6g t a-1 (source %.6g t a-1)",
        field.attrs.get("inventory"),
        out.attrs["cells_with_data"],
        how,
        total,
        source_total,
    )
    return out
