"""Where the pixels of a WebMercatorQuad tile fall on the cube's grids.

Tile bounds and matrix limits come from morecantile, the projection from pyproj. Each
pixel takes the grid cell under its centre (the grid's half-open rule), and a tile reads
the coarsest overview level whose cells are no wider than its pixels.
"""

import logging
from collections.abc import Iterable
from functools import lru_cache

import morecantile
import numpy as np
import numpy.typing as npt
import pyproj

from methanemap.errors import QueryError
from methanemap.grid import Grid
from methanemap.serve.catalog import cube_grid
from methanemap.store import CubeSnapshot

log = logging.getLogger(__name__)

TMS = morecantile.tms.get("WebMercatorQuad")
#: Tile widths in pixels a request may ask for.
TILE_SIZES = (256, 512)
#: Latitude of the north and south edges of the WebMercatorQuad square (degrees).
MERCATOR_MAX_LAT = 85.0511287798066

Axis = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]


def validate_tile_index(z: int, x: int, y: int, max_zoom: int) -> None:
    """Raise QueryError naming `z`, `x` or `y` if the tile is not in the matrix set."""
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


def validate_tile_size(size: int) -> int:
    """`size` if it is a tile width this server draws; raises QueryError otherwise."""
    if size not in TILE_SIZES:
        raise QueryError(
            f"tile_size {size} is not drawn; allowed are "
            f"{', '.join(map(str, TILE_SIZES))} pixels",
            parameter="tile_size",
        )
    return size


def overview_level(z: int, size: int, base: Grid, levels: Iterable[int]) -> int:
    """The coarsest of `levels` whose cells are no wider than a pixel of zoom `z`.

    Level ``k`` has cells ``2**k`` times as wide as `base`'s. A pixel at zoom `z` spans
    ``360 / (size * 2**z)`` degrees of longitude, so sampling that level at pixel
    centres shows the mean of the full-resolution cells under each pixel. Level 0 (the
    full grid) is always allowed.
    """
    pixel_degrees = 360.0 / (size * 2**z)
    fitting = [k for k in levels if base.resolution * 2**k <= pixel_degrees * 1.000001]
    return max([0, *fitting])


def level_grids(snapshot: CubeSnapshot) -> dict[int, Grid]:
    """The grid of each usable level of a cube version: 0 is the full grid.

    A level is usable when ``2**k`` divides the full grid's sides and its shape is the
    full grid's divided by ``2**k``. Other levels (the store pads the last row and
    column of such levels, for instance) are left out: their cells are wider than
    any pixel of the tile sizes served, and a malformed level never puts values in
    the wrong place.
    """
    shapes = tuple(
        sorted(
            (k, (ds.sizes.get("lat", 0), ds.sizes.get("lon", 0)))
            for k, ds in snapshot.overviews.items()
        )
    )
    return _usable_levels(cube_grid(snapshot), shapes)


@lru_cache(maxsize=64)
def _usable_levels(
    base: Grid, shapes: tuple[tuple[int, tuple[int, int]], ...]
) -> dict[int, Grid]:
    grids = {0: base}
    for level, shape in shapes:
        expected = (base.nlat >> level, base.nlon >> level)
        divides = (expected[0] << level, expected[1] << level) == base.shape
        if level > 0 and divides and shape == expected:
            grids[level] = _level_grid(base, level)
        elif divides:
            log.warning("overview %s is %s, not %s; not used", level, shape, expected)
        else:
            log.debug("overview level %s does not divide the grid; not used", level)
    return grids


@lru_cache(maxsize=4096)
def rows_of_tile(grid: Grid, z: int, y: int, size: int) -> Axis:
    """Distinct grid rows under the pixel centres of tile row `y`, and each pixel's."""
    return _distinct(grid.rows(pixel_lats(z, y, size)))


@lru_cache(maxsize=4096)
def cols_of_tile(grid: Grid, z: int, x: int, size: int) -> Axis:
    """Distinct grid columns under the pixel centres of tile column `x`, and each's."""
    return _distinct(grid.cols(pixel_lons(z, x, size)))


def pixel_lats(z: int, y: int, size: int) -> npt.NDArray[np.float64]:
    """Latitudes (degrees north) of the pixel-row centres of tile row `y`, top down."""
    _, bottom, _, top = TMS.xy_bounds(morecantile.Tile(0, y, z))
    centres = top - (np.arange(size) + 0.5) * ((top - bottom) / size)
    _, lat = _to_lonlat().transform(np.zeros(size), centres)
    return np.asarray(lat, dtype=np.float64)


def pixel_lons(z: int, x: int, size: int) -> npt.NDArray[np.float64]:
    """Longitudes (degrees east) of the pixel-column centres of tile column `x`."""
    left, _, right, _ = TMS.xy_bounds(morecantile.Tile(x, 0, z))
    centres = left + (np.arange(size) + 0.5) * ((right - left) / size)
    lon, _ = _to_lonlat().transform(centres, np.zeros(size))
    return np.asarray(lon, dtype=np.float64)


@lru_cache(maxsize=1)
def _to_lonlat() -> pyproj.Transformer:
    crs = pyproj.CRS.from_user_input(TMS.crs.root)
    return pyproj.Transformer.from_crs(crs, TMS.geographic_crs, always_xy=True)


@lru_cache(maxsize=16)
def _level_grid(base: Grid, level: int) -> Grid:
    return Grid(base.resolution * 2**level)


def _distinct(cells: npt.NDArray[np.int64]) -> Axis:
    unique, inverse = np.unique(cells, return_inverse=True)
    unique.flags.writeable = False
    inverse.flags.writeable = False
    return unique, inverse
