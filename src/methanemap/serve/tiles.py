"""Map tiles of the cube: one sector in one period as a PNG of the WebMercatorQuad set.

Each pixel takes the value of the grid cell under its centre: the cell that contains
the centre by the grid's half-open rule. Cells with zero emission or no data are
transparent, and a tile with nothing to draw renders as None. Colours and default ranges
are in `methanemap.serve.colour`. Validation (`validate_tile`) reads nothing, so a
server can answer a bad request, or a request whose ETag matches, before touching the
cube.
"""

from dataclasses import dataclass
from functools import lru_cache
from math import isfinite

import morecantile
import numpy as np
import numpy.typing as npt

from methanemap.config import get_settings
from methanemap.errors import QueryError
from methanemap.grid import Grid
from methanemap.pipeline.periods import Period
from methanemap.serve.catalog import (
    cube_grid,
    select_period,
    validate_sector,
)
from methanemap.serve.colour import (
    Scale,
    ValueRange,
    colour_index,
    default_range,
    encode_png,
    palette,
    validate_scale,
)
from methanemap.serve.fields import FieldCache, default_field_cache
from methanemap.store import CubeSnapshot

TMS = morecantile.tms.get("WebMercatorQuad")
#: Radius of the sphere of EPSG:3857 (m), to turn pixel centres into degrees.
MERCATOR_RADIUS_M = 6_378_137.0
#: Tile widths in pixels a request may ask for.
MIN_SIZE, MAX_SIZE = 16, 1024

Axis = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]


@dataclass(frozen=True)
class TileRequest:
    """A validated tile request: what to draw, with the period resolved to an index."""

    z: int
    x: int
    y: int
    sector: str
    variable: str
    time_index: int
    period: Period
    colormap: str
    scale: Scale
    vmin: float | None
    vmax: float | None
    size: int

    def key(self) -> str:
        """A string naming everything that decides the tile's pixels in one version."""
        return (
            f"{self.z}/{self.x}/{self.y}@{self.size}|{self.sector}|{self.period.id}|"
            f"{self.colormap}|{self.scale}|{self.vmin!r}|{self.vmax!r}"
        )


def render_tile(
    snapshot: CubeSnapshot,
    z: int,
    x: int,
    y: int,
    *,
    sector: str = "total",
    period: str | None = None,
    colormap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    scale: str = "log",
    size: int = 256,
    max_zoom: int | None = None,
    cache: FieldCache | None = None,
) -> bytes | None:
    """A PNG tile of one sector's emission in one period; None if it is all transparent.

    Parameters
    ----------
    snapshot
        An open cube version.
    z, x, y
        Tile of the WebMercatorQuad set: zoom, column from the west, row from the north.
    sector
        ``coal``, ``oil``, ``gas`` or ``total``.
    period
        A period id (``2022-P05``) or an ISO date inside it; the latest period if None.
    colormap
        Name of a colormap of the `cmap` catalogue.
    vmin, vmax
        Values (tonnes CH4 per cell per period) at the two ends of the colormap; each
        defaults to the per-sector default range (see `methanemap.serve.colour`).
    scale
        ``log`` or ``linear`` mapping of values to colours.
    size
        Tile width and height in pixels.
    max_zoom
        Highest zoom served; the ``max_zoom`` setting if None.
    cache
        Where decoded fields are kept; the process-wide cache if None.

    Raises
    ------
    QueryError
        If a parameter is out of range or unknown (its name is in ``.parameter``).
    NotInCubeError
        If the period or sector is not in the cube.
    """
    request = validate_tile(
        snapshot,
        z,
        x,
        y,
        sector=sector,
        period=period,
        colormap=colormap,
        vmin=vmin,
        vmax=vmax,
        scale=scale,
        size=size,
        max_zoom=max_zoom,
    )
    return render(snapshot, request, cache)


def validate_tile(
    snapshot: CubeSnapshot,
    z: int,
    x: int,
    y: int,
    *,
    sector: str = "total",
    period: str | None = None,
    colormap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    scale: str = "log",
    size: int = 256,
    max_zoom: int | None = None,
) -> TileRequest:
    """Check a tile request without reading the cube; parameters as `render_tile`."""
    _validate_tile_index(
        z, x, y, get_settings().max_zoom if max_zoom is None else max_zoom
    )
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise QueryError(
            f"size {size} is out of range; allowed are {MIN_SIZE} to {MAX_SIZE} pixels",
            parameter="size",
        )

    checked_scale = validate_scale(scale)
    palette(colormap)
    _validate_range(vmin, vmax, checked_scale)

    name = validate_sector(snapshot, sector)
    time_index, chosen = select_period(snapshot, period)
    return TileRequest(
        z,
        x,
        y,
        sector,
        name,
        time_index,
        chosen,
        colormap,
        checked_scale,
        vmin,
        vmax,
        size,
    )


def render(
    snapshot: CubeSnapshot, request: TileRequest, cache: FieldCache | None = None
) -> bytes | None:
    """The PNG of a validated tile request; None if every pixel is transparent."""
    cache = default_field_cache() if cache is None else cache
    grid = cube_grid(snapshot)
    rows, pixel_rows = _rows_of_tile(grid, request.z, request.y, request.size)
    cols, pixel_cols = _cols_of_tile(grid, request.z, request.x, request.size)

    # Colour the distinct cells first: at high zoom a tile shows a few dozen of them.
    window = cache.read(snapshot, request.variable, request.time_index, rows, cols)
    index = colour_index(window, value_range(snapshot, request, cache), request.scale)
    if not index.any():
        return None
    return encode_png(index[np.ix_(pixel_rows, pixel_cols)], palette(request.colormap))


def value_range(
    snapshot: CubeSnapshot, request: TileRequest, cache: FieldCache | None = None
) -> ValueRange:
    """The values at the ends of the colormap: the request's, else sector defaults."""
    if request.vmin is not None and request.vmax is not None:
        return ValueRange(request.vmin, request.vmax)

    cache = default_field_cache() if cache is None else cache
    default = sector_default_range(snapshot, request.variable, cache)
    low = request.vmin
    if low is None:
        low = default.low if request.scale == "log" else 0.0
    high = default.high if request.vmax is None else request.vmax

    if not low < high:
        which = "vmin" if request.vmin is not None else "vmax"
        raise QueryError(
            f"{which} makes an empty range: vmin {low:g} is not below vmax {high:g}; "
            "give both or one on the right side of the other",
            parameter=which,
        )
    return ValueRange(low, high)


def sector_default_range(
    snapshot: CubeSnapshot, name: str, cache: FieldCache
) -> ValueRange:
    """Default range of variable `name`, from its latest period, once per version."""
    latest = snapshot.ds.sizes["time"] - 1
    return cache.remember(
        ("default_range", snapshot.version, name),
        lambda: default_range(cache.read_all(snapshot, name, latest)),
    )


def _validate_tile_index(z: int, x: int, y: int, max_zoom: int) -> None:
    if not 0 <= z <= max_zoom:
        raise QueryError(
            f"zoom z={z} is out of range; this server draws zooms 0 to {max_zoom}",
            parameter="z",
        )
    extent = TMS.minmax(z)
    for name, value in (("x", x), ("y", y)):
        low, high = extent[name]["min"], extent[name]["max"]
        if not low <= value <= high:
            raise QueryError(
                f"tile {name}={value} is out of range; at zoom {z} it runs from {low} "
                f"to {high}",
                parameter=name,
            )


def _validate_range(vmin: float | None, vmax: float | None, scale: Scale) -> None:
    for name, value in (("vmin", vmin), ("vmax", vmax)):
        if value is not None and not isfinite(value):
            raise QueryError(
                f"{name} must be a finite number; got {value!r}", parameter=name
            )
        if value is not None and scale == "log" and value <= 0:
            raise QueryError(
                f"{name}={value!r} cannot be drawn on a log scale; give a value "
                "above 0 or use scale=linear",
                parameter=name,
            )
    if vmin is not None and vmax is not None and not vmin < vmax:
        raise QueryError(
            f"vmin {vmin!r} is not below vmax {vmax!r}; give vmin < vmax",
            parameter="vmin",
        )


@lru_cache(maxsize=4096)
def _rows_of_tile(grid: Grid, z: int, y: int, size: int) -> Axis:
    """Distinct grid rows under the pixel centres of tile row `y`, and each pixel's."""
    _, bottom, _, top = TMS.xy_bounds(morecantile.Tile(0, y, z))
    centres_m = top - (np.arange(size) + 0.5) * ((top - bottom) / size)
    lat = np.degrees(np.arctan(np.sinh(centres_m / MERCATOR_RADIUS_M)))
    return _distinct(grid.rows(lat))


@lru_cache(maxsize=4096)
def _cols_of_tile(grid: Grid, z: int, x: int, size: int) -> Axis:
    """Distinct grid columns under the pixel centres of tile column `x`, and each's."""
    left, _, right, _ = TMS.xy_bounds(morecantile.Tile(x, 0, z))
    centres_m = left + (np.arange(size) + 0.5) * ((right - left) / size)
    lon = np.degrees(centres_m / MERCATOR_RADIUS_M)
    return _distinct(grid.cols(lon))


def _distinct(cells: npt.NDArray[np.int64]) -> Axis:
    unique, inverse = np.unique(cells, return_inverse=True)
    unique.flags.writeable = False
    inverse.flags.writeable = False
    return unique, inverse
