"""Gridded inventories as published (netCDF or GeoTIFF) to one (lat, lon) flux field.

The field comes out in the canonical orientation (latitude ascending, longitude in
[-180, 180) ascending, no seam column twice), as cell centres, in kg m-2 s-1 (float64),
with attributes naming the file, its units and every change made on the way. Cells
keep their positions: nothing here resamples. Regridding is `pipeline.regrid`.
"""

import logging
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import rioxarray
import xarray as xr
from rasterio.errors import RasterioError

from methanemap.errors import InputFormatError, RecipeError, UnitsError
from methanemap.sources.gridded.axes import find_axes
from methanemap.sources.gridded.cells import cell_area
from methanemap.sources.gridded.orient import orient
from methanemap.sources.gridded.registration import centres
from methanemap.sources.gridded.timeaxis import select_time
from methanemap.sources.tables import warn_quirk
from methanemap.units import (
    FLUX_UNITS,
    EmissionUnits,
    parse_emission_units,
    parse_quantity,
)

log = logging.getLogger(__name__)

STANDARD_NAME = "tendency_of_atmosphere_mass_content_of_methane_due_to_emission"
_GEOTIFF = {".tif", ".tiff"}
#: Finite values this large are nodata that no declaration masked (-3.4e38 ...).
_SENTINEL = 1e30
_ENCODING_ATTRS = {"units", "_FillValue", "missing_value", "scale_factor", "add_offset"}

Variables = Mapping[Hashable, xr.DataArray]


def open_inventory(
    path: str | Path,
    *,
    variable: str | None = None,
    units: str | None = None,
    registration: str | None = None,
    time: int | str | None = None,
    crs: str | None = None,
    name: str | None = None,
) -> xr.DataArray:
    """Read one gridded inventory layer as a flux field in kg m-2 s-1.

    The layer is read into memory (the checks need its values).

    Parameters
    ----------
    path
        A netCDF file, or a GeoTIFF (``.tif``) in geographic coordinates.
    variable
        The netCDF variable, or the GeoTIFF band number ("1"); needed when the file
        holds more than one field.
    units
        Units of the values (e.g. "Mg km-2 a-1") when the file states none or states
        some that cannot be parsed. When the file states parseable units these must
        agree with them.
    registration
        "centre" or "corner" (south-west corner of each cell), for netCDF coordinates
        without CF bounds whose meaning the file does not make clear.
    time
        The time step: its date ("2019-05-01") or position; needed when there are
        several.
    crs
        The CRS of a GeoTIFF that declares none (only "EPSG:4326"-like lon/lat CRSs).
    name
        Name of the inventory in attributes and pattern methods (default: file stem).

    Returns
    -------
    DataArray on dims (lat, lon), float64 flux in kg m-2 s-1, NaN where the file has
    no data; attributes ``inventory``, ``source_file``, ``source_variable``,
    ``original_units``, ``units_factor``, ``registration``, ``time``, ``conversions``.
    """
    path = Path(path)
    if path.suffix.lower() in _GEOTIFF:
        raw, variables = _read_geotiff(path, variable, crs, registration)
    else:
        raw, variables = _read_netcdf(path, variable)
    where = f"{path.name}:{raw.name}"

    raw, label = select_time(raw, variables, time, where)
    raw = _two_dims(raw, where)
    lat, lon = find_axes(raw, variables, where)
    lat_centres, lat_how = centres(lat, "lat", variables, registration, where)
    lon_centres, lon_how = centres(lon, "lon", variables, registration, where)

    values = raw.transpose(lat.dim, lon.dim).to_numpy().astype(np.float64)
    field = xr.DataArray(
        values, dims=("lat", "lon"), coords={"lat": lat_centres, "lon": lon_centres}
    )
    field, notes = orient(field, where)
    _check_sentinels(field, where)

    text = _units_text(raw, units, where, path)
    parsed = parse_emission_units(text, where)
    field = _to_flux(field, parsed)
    notes.append(_units_note(parsed))
    field.attrs = _attrs(raw, path, name, parsed, f"lat {lat_how}, lon {lon_how}")
    field.attrs.update(time=label or "none", conversions="; ".join(notes))
    log.info(
        "read inventory %s: %d x %d cells, %s to %s",
        where,
        field.sizes["lat"],
        field.sizes["lon"],
        text,
        FLUX_UNITS,
    )
    return field


def _read_netcdf(
    path: Path, variable: str | None
) -> tuple[xr.DataArray, dict[Hashable, xr.DataArray]]:
    """The chosen variable (CF masked and unpacked) and every variable of the file."""
    try:
        with xr.open_dataset(path, decode_times=False, decode_timedelta=False) as ds:
            ds = ds.load()
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise InputFormatError(f"{path} cannot be read as netCDF: {exc}") from None
    variables = {n: ds[n] for n in ds.variables}
    return ds[_choose_variable(ds, variable, path)], variables


def _choose_variable(ds: xr.Dataset, variable: str | None, path: Path) -> Hashable:
    if variable is not None:
        if variable not in ds.data_vars:
            raise InputFormatError(
                f"{path.name} has no variable {variable!r}; it has "
                f"{sorted(map(str, ds.data_vars))}"
            )
        return variable

    fields = [n for n, v in ds.data_vars.items() if v.ndim >= 2 and not _is_aux(v)]
    if len(fields) != 1:
        raise InputFormatError(
            f"{path.name} holds {len(fields)} gridded variables "
            f"({sorted(map(str, fields))}); name one with `variable`"
        )
    return fields[0]


def _is_aux(var: xr.DataArray) -> bool:
    """Bounds and 2-D coordinate arrays stored as data variables."""
    name = str(var.name).lower()
    units = str(var.attrs.get("units", "")).lower()
    return name.endswith(("_bnds", "_bounds")) or units.startswith("degree")


def _read_geotiff(
    path: Path, band: str | None, crs: str | None, registration: str | None
) -> tuple[xr.DataArray, dict[Hashable, xr.DataArray]]:
    """Band `band` of a lon/lat GeoTIFF with its nodata masked as NaN.

    rioxarray casts the declared nodata to the band's dtype before comparing, so a
    float32 sentinel written as a float64 string still matches (FC-13).
    """
    if registration is not None:
        raise RecipeError(
            f"{path.name}: registration applies to netCDF coordinates; a GeoTIFF's "
            "geotransform already gives its cell edges"
        )

    try:
        opened = rioxarray.open_rasterio(path, mask_and_scale=True)
        if not isinstance(opened, xr.DataArray):
            raise InputFormatError(f"{path.name} holds subdatasets; give one of them")
        with opened:
            raster: Any = opened.load()
    except RasterioError as exc:
        # GDAL's message of a truncated or garbled file names its tile or strip.
        raise InputFormatError(
            f"{path} cannot be read as a GeoTIFF: {str(exc).splitlines()[0]}"
        ) from None

    raster = _with_crs(raster, crs, path)
    if any(raster.rio.transform()[i] != 0 for i in (1, 3)):
        raise NotImplementedError(
            f"{path.name}: a rotated geotransform; methanemap reads north-up "
            "rasters only"
        )

    bands = list(raster["band"].values)
    chosen = int(band) if band is not None else bands[0]
    if band is None and len(bands) > 1:
        raise InputFormatError(
            f"{path.name} has {len(bands)} bands; name one with variable='1' ..."
        )

    layer = raster.sel(band=chosen, drop=True).rename(y="lat", x="lon")
    layer = layer.drop_vars("spatial_ref", errors="ignore")
    layer.name = f"band{chosen}"
    layer["lat"].attrs = {"standard_name": "latitude", "comment": "cell centre"}
    layer["lon"].attrs = {"standard_name": "longitude", "comment": "cell centre"}
    return layer, {"lat": layer["lat"], "lon": layer["lon"]}


def _with_crs(raster: Any, crs: str | None, path: Path) -> Any:
    if raster.rio.crs is None:
        if crs is None:
            raise InputFormatError(
                f"{path} declares no CRS; if its coordinates are lon/lat degrees, set "
                "crs = 'EPSG:4326' for this input in the recipe"
            )
        message = f"{path.name} declares no CRS; using {crs} from the recipe"
        log.warning(message)
        warn_quirk(message, stacklevel=4)
        raster = raster.rio.write_crs(crs)

    if not raster.rio.crs.is_geographic:
        raise NotImplementedError(
            f"{path.name} is in a projected CRS ({raster.rio.crs}); reproject it to "
            "lon/lat (EPSG:4326) first"
        )
    return raster


def _two_dims(raw: xr.DataArray, where: str) -> xr.DataArray:
    """Drop length-1 dimensions (band, level ...); two must be left."""
    raw = raw.squeeze(drop=True)
    if raw.ndim != 2:
        raise InputFormatError(
            f"{where}: after choosing a time step the variable still has dims "
            f"{dict(raw.sizes)}; methanemap reads one 2-D layer at a time"
        )
    return raw


def _check_sentinels(field: xr.DataArray, where: str) -> None:
    """Refuse infinite values and undeclared nodata; NaN is no data."""
    values = field.to_numpy()
    infinite = np.isinf(values)
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise InputFormatError(
            f"{where}: {int(infinite.sum())} cells hold infinite values (the first "
            f"at lat {float(field['lat'][row]):g}, lon {float(field['lon'][col]):g}); "
            "an emission is finite: fix the file, or mark cells without data as "
            "NaN or _FillValue"
        )
    bad = ~np.isnan(values) & ~(np.abs(values) < _SENTINEL)
    if bad.any():
        raise InputFormatError(
            f"{where}: {int(bad.sum())} cells hold {values[bad][0]:g} after masking, "
            "an undeclared nodata value; declare it (GeoTIFF nodata or netCDF "
            "_FillValue) so those cells read as no data"
        )


def _units_text(raw: xr.DataArray, units: str | None, where: str, path: Path) -> str:
    """The units to use: the file's, or the recipe's when the file has none usable."""
    stated = str(raw.attrs.get("units", "")).strip()
    if not stated:
        if units is None:
            raise UnitsError(
                f"{path}: variable {raw.name!r} states no units; methanemap does not "
                "guess them: give them for this input in the recipe (for example "
                "units = 'Mg km-2 a-1')"
            )
        return units

    if units is None:
        return stated
    try:
        from_file = parse_emission_units(stated, where)
    except UnitsError:
        warn_quirk(f"{where}: units {stated!r} not understood; using {units!r}")
        return units
    if not np.isclose(from_file.factor, parse_emission_units(units, where).factor):
        raise UnitsError(
            f"{where}: the file states units {stated!r} but the recipe gives "
            f"{units!r}; "
            "drop the recipe's units or correct them"
        )
    return stated


def _to_flux(field: xr.DataArray, parsed: EmissionUnits) -> xr.DataArray:
    flux = field * parsed.factor
    return flux / cell_area(field) if parsed.per_cell else flux


def _units_note(parsed: EmissionUnits) -> str:
    molar = " (CH4 16.04 g/mol)" if parsed.via_molar_mass else ""
    per_cell = " per cell, divided by the cell area" if parsed.per_cell else ""
    return f"units {parsed.text!r} x {parsed.factor:.9g}{molar}{per_cell}"


def _attrs(
    raw: xr.DataArray, path: Path, name: str | None, parsed: EmissionUnits, how: str
) -> dict[str, Any]:
    kept = {k: v for k, v in raw.attrs.items() if k not in _ENCODING_ATTRS}
    return {
        **kept,
        "units": FLUX_UNITS,
        "standard_name": STANDARD_NAME,
        "long_name": "CH4 emission flux",
        "inventory": name or path.stem,
        "source_file": str(path),
        "source_variable": str(raw.name),
        "original_units": parsed.text,
        "units_factor": parsed.factor,
        "registration": how,
    }


def declared_total_t(field: xr.DataArray) -> float | None:
    """The annual total a file states in a ``total_emi_*`` attribute (t a-1), if any.

    EDGAR writes its global total beside the grid ("3.65667e+011 kg/year"); it is the
    true total when the grid itself is a subsample.
    """
    stated = [v for k, v in field.attrs.items() if str(k).startswith("total_emi")]
    if not stated:
        return None
    return float(parse_quantity(str(stated[0])).to("t/a").magnitude)
