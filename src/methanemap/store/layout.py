"""How a cube version is laid out for its readers: groups, chunks and overview levels.

One commit holds every layout of the same data, so readers never see them disagree:

- the root group: ``emission_<sector>`` (time, lat, lon) in chunks of one period and
  600 x 600 cells, for tiles and maps;
- ``overviews/{k}`` for k = 1..5: the extensive variables summed over blocks of
  ``2**k`` x ``2**k`` fine cells (0.2 to 3.2 degrees), for low zooms; each level keeps
  the mass of the full grid. A grid side that ``2**k`` does not divide ends in a
  narrower cell (its ``lat_bnds``/``lon_bnds`` say how narrow);
- ``history``: the same emission variables in chunks of one year (46 periods) and
  60 x 60 cells, so one cell's whole history reads one chunk per year;
- ``periods``: per period, the fingerprint of what produced it and the global total of
  each emission variable (t), so updates and version diffs read no grid.
"""

import math

import dask.array as da
import numpy as np
import numpy.typing as npt
import xarray as xr
from zarr.codecs import ZstdCodec

from methanemap.pipeline.periods import PERIODS_PER_YEAR
from methanemap.store.schema import DIMS

#: Version of this layout; a cube written with another one is rebuilt by `update`.
LAYOUT_VERSION = 1
LAYOUT_ATTR = "methanemap_layout"

HISTORY = "history"
PERIODS = "periods"
OVERVIEW_LEVELS = (1, 2, 3, 4, 5)

#: Chunks of the root group: one period, 600 x 600 cells (1.4 MB of float32).
SPATIAL_CHUNKS = {"time": 1, "lat": 600, "lon": 600}
#: Chunks of `history`: a year of periods, 60 x 60 cells (0.7 MB of float32).
HISTORY_CHUNKS = {"time": PERIODS_PER_YEAR, "lat": 60, "lon": 60}
#: Largest chunk of an overview level: one period, 450 x 900 coarse cells.
OVERVIEW_CHUNKS = {"time": 1, "lat": 450, "lon": 900}

FINGERPRINT = "fingerprint"
#: Zstandard at level 1: as small as the default level on these sparse fields, and
#: more than twice as fast to write.
COMPRESSOR = ZstdCodec(level=1)

Field = npt.NDArray[np.float32]


def overview_group(level: int) -> str:
    """Group path of overview `level`."""
    return f"overviews/{level}"


def global_total(name: str) -> str:
    """Name, in the `periods` group, of the global total of variable `name`."""
    return f"global_{name}"


def is_extensive(var: xr.DataArray) -> bool:
    """Whether a variable is a mass per cell and period (its cells add up)."""
    return var.dims == DIMS and "area: sum" in str(var.attrs.get("cell_methods", ""))


def gridded(ds: xr.Dataset) -> list[str]:
    """Names of the (time, lat, lon) variables of a cube, in storage order."""
    return [str(n) for n, v in ds.data_vars.items() if v.dims == DIMS]


def extensive(ds: xr.Dataset) -> list[str]:
    """Names of the extensive variables: those kept in history and overviews."""
    return [str(n) for n, v in ds.data_vars.items() if is_extensive(v)]


def chunks_of(group: str, shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """Chunk shape of a (time, lat, lon) array of `shape` in `group`."""
    if group == HISTORY:
        return HISTORY_CHUNKS["time"], HISTORY_CHUNKS["lat"], HISTORY_CHUNKS["lon"]
    table = SPATIAL_CHUNKS if group == "" else OVERVIEW_CHUNKS
    return (1, min(table["lat"], shape[1]), min(table["lon"], shape[2]))


def coarsen(
    fields: npt.NDArray[np.floating], levels: int, work: dict[str, Field] | None = None
) -> list[Field]:
    """Overview levels 1..`levels` of a stack of 2-D fields (n, lat, lon), float32.

    Each level sums pairs of rows, then pairs of columns, of the level below it; an
    odd side is padded with zeros first, so every level holds the fields' whole mass.
    Pairwise sums keep float32 rounding near 1e-7 of a cell's value at every level,
    and it averages out over the grid. `work` keeps buffers between calls (allocating
    them afresh costs more than the sums); the levels returned are views of them,
    valid until the next call with the same `work`.
    """
    work = {} if work is None else work
    current: npt.NDArray[np.floating] = np.asarray(fields, dtype=np.float32)
    out = []
    for level in range(1, levels + 1):
        current = _halve(current, work, str(level))
        out.append(current)
    return out


def _halve(
    fields: npt.NDArray[np.floating], work: dict[str, Field], key: str
) -> npt.NDArray[np.floating]:
    count, rows, cols = fields.shape
    if rows % 2 or cols % 2:
        padded = np.zeros((count, rows + rows % 2, cols + cols % 2), fields.dtype)
        padded[:, :rows, :cols] = fields
        fields, rows, cols = padded, rows + rows % 2, cols + cols % 2
    # Strided pair sums into kept buffers run several times faster than a reshape-sum.
    pairs = _work(work, f"{key} rows", (count, rows // 2, cols), fields.dtype)
    np.add(fields[:, 0::2, :], fields[:, 1::2, :], out=pairs)
    halved = _work(work, key, (count, rows // 2, cols // 2), fields.dtype)
    np.add(pairs[:, :, 0::2], pairs[:, :, 1::2], out=halved)
    return halved


def _work(
    work: dict[str, Field], key: str, shape: tuple[int, int, int], dtype: np.dtype
) -> npt.NDArray[np.floating]:
    """A buffer of `work` with this shape and type (a view of a larger one, made on
    first use, when fewer fields come)."""
    buffer = work.get(key)
    if (
        buffer is None
        or buffer.dtype != dtype
        or buffer.shape[1:] != shape[1:]
        or buffer.shape[0] < shape[0]
    ):
        buffer = work[key] = np.empty(shape, dtype=dtype)
    return buffer[: shape[0]]


def overview_coords(coord: xr.DataArray, level: int) -> tuple[np.ndarray, np.ndarray]:
    """Centres and bounds of the coarse cells of `level` along one fine axis.

    A coarse cell covers ``2**level`` fine cells, or fewer at the end of the axis; its
    centre is the middle of what it covers.
    """
    fine = coord.to_numpy().astype(np.float64)
    step = float(fine[1] - fine[0]) if fine.size > 1 else 1.0
    edges = np.append(fine - step / 2, fine[-1] + step / 2)
    factor = 2**level
    count = math.ceil(fine.size / factor)
    lower = edges[np.arange(count) * factor]
    upper = edges[np.minimum((np.arange(count) + 1) * factor, fine.size)]
    bounds = np.round(np.stack([lower, upper], axis=1), 6)
    return np.round(bounds.mean(axis=1), 6), bounds


def overview_template(ds: xr.Dataset, level: int, times: int) -> xr.Dataset:
    """An empty (lazy) overview level of the extensive variables of `ds`."""
    lat, lat_bnds = overview_coords(ds["lat"], level)
    lon, lon_bnds = overview_coords(ds["lon"], level)
    shape = (times, lat.size, lon.size)
    data = {name: (DIMS, _empty(shape), ds[name].attrs) for name in extensive(ds)}
    coords = {
        "time": ds["time"],
        "time_bnds": ds["time_bnds"],
        "lat": ("lat", lat, {**ds["lat"].attrs, "bounds": "lat_bnds"}),
        "lon": ("lon", lon, {**ds["lon"].attrs, "bounds": "lon_bnds"}),
        "lat_bnds": (("lat", "bnds"), lat_bnds),
        "lon_bnds": (("lon", "bnds"), lon_bnds),
    }
    attrs = {
        "title": f"overview level {level} of the methanemap cube",
        "overview_level": level,
        "fine_cells_per_side": 2**level,
        "comment": "Each cell holds the sum of the fine cells it covers, so each level "
        "keeps the mass of the full-resolution grid.",
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def root_template(ds: xr.Dataset) -> xr.Dataset:
    """`ds` with its gridded variables replaced by empty lazy arrays of the same type.

    Writing a template with ``compute=False`` lays out the arrays and writes the
    coordinates; other variables are loaded, so that they are written whole.
    """
    template = ds.copy()
    for name in gridded(ds):
        var = ds[name]
        template[name] = (DIMS, _empty(var.shape, var.dtype), var.attrs)
    other = [n for n in template.data_vars if n not in gridded(ds)]
    return template.assign({n: template[n].load() for n in other})


def history_template(ds: xr.Dataset, times: int) -> xr.Dataset:
    """An empty (lazy) time-chunked copy of the extensive variables of `ds`."""
    shape = (times, ds.sizes["lat"], ds.sizes["lon"])
    data = {name: (DIMS, _empty(shape), ds[name].attrs) for name in extensive(ds)}
    coords = {k: ds[k] for k in ("time", "time_bnds", "lat", "lon")}
    attrs = {
        "title": "time-chunked copy of the methanemap cube, for cell histories",
        "comment": "Same values as the root group, chunked by year and 60 x 60 cells.",
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _empty(shape: tuple[int, ...], dtype: npt.DTypeLike = np.float32) -> da.Array:
    # One dask chunk: a template is never computed, and a small graph builds fast.
    empty: da.Array = da.zeros(shape, dtype=dtype, chunks=shape)
    return empty


def time_encoding() -> dict[str, object]:
    """Zarr encoding of the time coordinate of every group."""
    return {"units": "days since 1970-01-01", "calendar": "proleptic_gregorian"}


def encoding_for(ds: xr.Dataset, group: str = "") -> dict[str, dict[str, object]]:
    """Zarr encoding of the variables of `ds` written into `group`."""
    encoding: dict[str, dict[str, object]] = {}
    for name, var in ds.data_vars.items():
        if var.dims == DIMS:
            shape = (var.sizes["time"], var.sizes["lat"], var.sizes["lon"])
            encoding[str(name)] = {
                "chunks": chunks_of(group, shape),
                "fill_value": 0.0,
                "compressors": (COMPRESSOR,),
            }
    encoding["time"] = time_encoding()
    if "time_bnds" in ds.variables:
        encoding["time_bnds"] = time_encoding()
    return encoding
