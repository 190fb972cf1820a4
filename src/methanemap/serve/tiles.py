"""Map tiles of the cube: one layer as a PNG, WebP or NPY tile of WebMercatorQuad.

Each pixel takes the value of the grid cell under its centre, read from the coarsest
overview level whose cells are no wider than a pixel (`methanemap.serve.tilematrix`),
as the quantity the request names (`methanemap.serve.quantity`), so zooms agree
whichever level they read. Image tiles leave cells with zero emission or no data
transparent; an image tile with nothing to draw renders as None. NPY tiles hold the
float32 values (NaN: no data) for clients that colour on the GPU.

Validation (`validate_tile`) reads no values, so a server can answer a bad request, or
a request whose ETag matches, before touching the cube.
"""

import io
from dataclasses import dataclass
from typing import Any, Literal, TypedDict, Unpack

import numpy as np
import numpy.typing as npt

from methanemap.config import get_settings
from methanemap.errors import QueryError
from methanemap.serve.colour import colour_index, encode_png, encode_webp, palette
from methanemap.serve.fields import FieldCache, default_field_cache
from methanemap.serve.quantity import row_factors, to_quantity
from methanemap.serve.style import (
    Layer,
    Style,
    validate_layer,
    validate_style,
    value_range,
)
from methanemap.serve.tilematrix import (
    cols_of_tile,
    level_grids,
    overview_level,
    rows_of_tile,
    validate_tile_index,
    validate_tile_size,
)
from methanemap.store import CubeSnapshot

TileFormat = Literal["png", "webp", "npy"]
TILE_FORMATS: tuple[TileFormat, ...] = ("png", "webp", "npy")
MEDIA_TYPES: dict[TileFormat, str] = {
    "png": "image/png",
    "webp": "image/webp",
    "npy": "application/x-npy",
}

Values = npt.NDArray[np.float32]
PixelMap = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]


class TileOptions(TypedDict, total=False):
    """What a tile draws (see `validate_layer`) and how (see `validate_style`)."""

    sector: str
    period: str | None
    quantity: str
    colormap: str
    scale: str
    vmin: float | None
    vmax: float | None
    under: str | None
    over: str | None


@dataclass(frozen=True)
class TileRequest:
    """A validated tile request: which tile, in which format, of which layer, how."""

    z: int
    x: int
    y: int
    size: int
    format: TileFormat
    layer: Layer
    style: Style

    def key(self) -> str:
        """A string naming everything that decides the tile's bytes in one version."""
        tile = f"{self.z}/{self.x}/{self.y}@{self.size}.{self.format}"
        drawn = f"{tile}|{self.layer.key()}"
        return drawn if self.format == "npy" else f"{drawn}|{self.style.key()}"


def render_tile(
    snapshot: CubeSnapshot,
    z: int,
    x: int,
    y: int,
    *,
    tile_format: str = "png",
    size: int = 256,
    max_zoom: int | None = None,
    cache: FieldCache | None = None,
    **options: Unpack[TileOptions],
) -> bytes | None:
    """A tile of one sector's emission in one period; None if an image is all clear.

    Parameters
    ----------
    snapshot
        An open cube version.
    z, x, y
        Tile of the WebMercatorQuad set: zoom, column from the west, row from the north.
    tile_format
        ``png``, ``webp`` (palette colours) or ``npy`` (float32 values, NaN no data).
    size
        Tile width and height in pixels: 256 or 512.
    max_zoom
        Highest zoom served; the ``max_zoom`` setting if None.
    cache
        Where decoded fields are kept; the process-wide cache if None.
    **options
        What to draw (``sector``, ``period``, ``quantity``; see `validate_layer`) and
        how (``colormap``, ``scale``, ``vmin``, ``vmax``, ``under``, ``over``; see
        `validate_style`).

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
        tile_format=tile_format,
        size=size,
        max_zoom=max_zoom,
        **options,
    )
    return render(snapshot, request, cache)


def validate_tile(
    snapshot: CubeSnapshot,
    z: int,
    x: int,
    y: int,
    *,
    tile_format: str = "png",
    size: int = 256,
    max_zoom: int | None = None,
    **options: Unpack[TileOptions],
) -> TileRequest:
    """Check a tile request without reading values; parameters as `render_tile`."""
    highest = get_settings().max_zoom if max_zoom is None else max_zoom
    validate_tile_index(z, x, y, highest)
    validate_tile_size(size)
    checked_format = validate_tile_format(tile_format)

    style = validate_style(
        options.get("colormap", "viridis"),
        options.get("scale", "log"),
        options.get("vmin"),
        options.get("vmax"),
        options.get("under"),
        options.get("over"),
    )
    layer = validate_layer(
        snapshot,
        options.get("sector", "total"),
        options.get("period"),
        options.get("quantity", "emission"),
    )
    return TileRequest(z, x, y, size, checked_format, layer, style)


def validate_tile_format(tile_format: str) -> TileFormat:
    """`tile_format` if this server makes it; raises QueryError otherwise."""
    for known in TILE_FORMATS:
        if tile_format == known:
            return known
    raise QueryError(
        f"tile format {tile_format!r} is unknown; allowed are "
        f"{', '.join(TILE_FORMATS)}",
        parameter="format",
    )


def render(
    snapshot: CubeSnapshot, request: TileRequest, cache: FieldCache | None = None
) -> bytes | None:
    """The bytes of a validated tile request; None if an image would be all clear."""
    cache = default_field_cache() if cache is None else cache
    values, (pixel_rows, pixel_cols) = sample(snapshot, request, cache)
    if request.format == "npy":
        return encode_npy(_expand(values, pixel_rows, pixel_cols))

    # Colour the distinct cells first: at high zoom a tile shows a few dozen of them.
    style = request.style
    ends = value_range(snapshot, request.layer, style, cache)
    index = colour_index(values, ends, style.scale)
    if not index.any():
        return None

    pixels = _expand(index, pixel_rows, pixel_cols)
    colours = palette(style.colormap, style.under, style.over)
    if request.format == "webp":
        return encode_webp(pixels, colours)
    return encode_png(pixels, colours)


def sample(
    snapshot: CubeSnapshot, request: TileRequest, cache: FieldCache
) -> tuple[Values, PixelMap]:
    """The layer's values at the distinct cells under a tile, and each pixel's cell.

    Returns
    -------
    values
        The quantity at each (distinct row, distinct column) of the chosen level.
    pixel map
        For each pixel row and column, its index into `values`' rows and columns.
    """
    grids = level_grids(snapshot)
    level = overview_level(request.z, request.size, grids[0], grids)
    grid = grids[level]
    rows, pixel_rows = rows_of_tile(grid, request.z, request.y, request.size)
    cols, pixel_cols = cols_of_tile(grid, request.z, request.x, request.size)

    layer = request.layer
    window = cache.read(snapshot, layer.variable, layer.time_index, rows, cols, level)
    factors = row_factors(layer.quantity, grid, level, layer.period)
    return to_quantity(window, rows, factors), (pixel_rows, pixel_cols)


def warm_up(snapshot: CubeSnapshot, cache: FieldCache | None = None) -> None:
    """Draw the world tile of the latest total, the map page's first view.

    The first read of a process pays for starting the store's reader (about 0.7 s with
    zarr and Icechunk); a server that calls this before it answers keeps that off its
    first request, and has the default view's field and colour range cached.
    """
    render(snapshot, validate_tile(snapshot, 0, 0, 0, max_zoom=0), cache)


def encode_npy(values: Values) -> bytes:
    """NPY bytes (format 1.0, little-endian float32) of a 2-D array."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(values, dtype="<f4"), allow_pickle=False)
    return buffer.getvalue()


def _expand(
    cells: npt.NDArray[Any], rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]
) -> npt.NDArray[Any]:
    """Pixels from the values of distinct cells and each pixel's row and column."""
    return np.take(np.take(cells, rows, axis=0), cols, axis=1)
