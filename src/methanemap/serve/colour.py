"""Colours of the tiles: value scales, named colormaps as PNG palettes, default ranges.

A tile is a palette PNG. Index 0 of every palette is fully transparent and marks cells
with no emission (zero) or no data (NaN); indices 1 to 255 run through the colormap from
the low to the high end of the value range, values outside it taking the end colours.

Default range, when a request gives no ``vmin``/``vmax``: computed once per cube version
and sector from the latest period's non-zero cells. The high end is their 99.5th
percentile. The low end is 0 on the linear scale; on the log scale it is the lower of
their 1st percentile and a thousandth of the high end, so colours span >= 3 decades.
"""

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import cmap
import numpy as np
import numpy.typing as npt
from PIL import Image

from methanemap.errors import QueryError

Scale = Literal["log", "linear"]
SCALES: tuple[Scale, ...] = ("log", "linear")

#: Colours of a palette after the transparent index 0.
PALETTE_COLOURS = 255
#: Percentiles of the non-zero cells that make the default range (log scale).
DEFAULT_LOW_PERCENTILE = 1.0
DEFAULT_HIGH_PERCENTILE = 99.5
#: zlib level of tile PNGs: 1 is several times faster than the default 6 and, on
#: mostly transparent palette tiles, hardly larger.
PNG_COMPRESS_LEVEL = 1

_COLORMAP_NAME = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


@dataclass(frozen=True)
class ValueRange:
    """The values (tonnes per cell per period) mapped to the two ends of a colormap."""

    low: float
    high: float


def validate_scale(scale: str) -> Scale:
    """`scale` if it is ``log`` or ``linear``; raises QueryError otherwise."""
    if scale == "log":
        return "log"
    if scale == "linear":
        return "linear"
    raise QueryError(
        f"scale {scale!r} is unknown; allowed are {', '.join(SCALES)}",
        parameter="scale",
    )


@lru_cache(maxsize=64)
def palette(name: str) -> bytes:
    """The RGBA palette (256 x 4 bytes) of the named colormap, index 0 transparent.

    Parameters
    ----------
    name
        A colormap name of the `cmap` catalogue, such as ``viridis`` or ``magma_r``.

    Raises
    ------
    QueryError
        If no colormap has that name.
    """
    if not _COLORMAP_NAME.match(name):
        raise _unknown_colormap(name)
    try:
        # Sampled by calling the colormap: `Colormap.lut(255)` gives 256 colours for
        # some maps (cmap 0.8), one too many for a palette with a transparent entry.
        colours = cmap.Colormap(name)(np.linspace(0, 1, PALETTE_COLOURS))
    except (ValueError, KeyError, TypeError):
        raise _unknown_colormap(name) from None

    rgba = np.vstack([np.zeros((1, 4)), np.asarray(colours, dtype=np.float64)])
    return bytes(np.round(rgba * 255).astype(np.uint8).tobytes())


def colour_index(
    values: npt.NDArray[np.float32], value_range: ValueRange, scale: Scale
) -> npt.NDArray[np.uint8]:
    """Palette index of each value: 0 for zero or missing, else 1..255 by `scale`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "log":
            blank = ~(values > 0)
            low, high = np.log10(value_range.low), np.log10(value_range.high)
            scaled = (np.log10(values) - low) / (high - low)
        else:
            blank = (values == 0) | np.isnan(values)
            low, high = value_range.low, value_range.high
            scaled = (values - low) / (high - low)

    levels = np.clip(
        np.where(blank, 0, scaled) * PALETTE_COLOURS, 0, PALETTE_COLOURS - 1
    )
    index: npt.NDArray[np.uint8] = levels.astype(np.uint8) + np.uint8(1)
    index[blank] = 0
    return index


def encode_png(index: npt.NDArray[np.uint8], rgba_palette: bytes) -> bytes:
    """A palette PNG of a 2-D array of palette indices."""
    image = Image.fromarray(np.ascontiguousarray(index))
    image.putpalette(rgba_palette, rawmode="RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


@lru_cache(maxsize=8)
def transparent_png(size: int) -> bytes:
    """A fully transparent square PNG, `size` pixels wide."""
    return encode_png(np.zeros((size, size), dtype=np.uint8), bytes(4 * 256))


def default_range(values: npt.NDArray[np.float32]) -> ValueRange:
    """The default value range of a field: see the module's docstring.

    Parameters
    ----------
    values
        One period of one sector (tonnes per cell per period); zero and NaN are ignored.
    """
    positive = values[values > 0]
    if positive.size == 0:
        return ValueRange(1e-3, 1.0)

    low, high = np.percentile(
        positive, [DEFAULT_LOW_PERCENTILE, DEFAULT_HIGH_PERCENTILE]
    )
    high = float(high)
    low = min(float(low), high / 1000)
    return ValueRange(low, high)


def _unknown_colormap(name: str) -> QueryError:
    return QueryError(
        f"colormap {name!r} is unknown; use a name of the cmap catalogue such as "
        "viridis, magma, inferno, cividis or a reversed one like viridis_r",
        parameter="colormap",
    )
