"""Colours of the tiles: value scales, named colormaps as PNG palettes, default ranges.

A tile is a palette image of 256 entries:

* 0 is fully transparent and marks cells with no emission (zero) or no data (NaN);
* 1 is the colour of values below the range (``under``), 255 of values above it
  (``over``); by default the colormap's two end colours, so values outside the range
  take the end colours; ``transparent`` hides them;
* 2 to 254 run through the colormap from the low to the high end of the range.

Default range, when a request gives no ``vmin``/``vmax``: computed once per cube
version, sector and quantity from the latest period's non-zero cells. The high end
is their 99.5th percentile. The low end is 0 on the linear scale; on the log scale it is
the lower of their 1st percentile and a thousandth of the high end, so colours span at
least 3 decades.
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
RGBA = tuple[int, int, int, int]

#: Palette entries: transparent, under, the colormap's steps, over.
UNDER, FIRST_STEP, OVER = 1, 2, 255
STEPS = OVER - FIRST_STEP
#: Percentiles of the non-zero cells that make the default range (log scale).
DEFAULT_LOW_PERCENTILE = 1.0
DEFAULT_HIGH_PERCENTILE = 99.5
#: zlib level of tile PNGs: 1 is several times faster than the default 6 and, on
#: mostly transparent palette tiles, hardly larger.
PNG_COMPRESS_LEVEL = 1
#: libwebp effort for lossless WebP (0-6): 1 is fast and within a few % of 6 here.
WEBP_METHOD = 1

_COLORMAP_NAME = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_COLOUR_TEXT = re.compile(r"^[A-Za-z0-9#(),.%\s]{1,32}$")


@dataclass(frozen=True)
class ValueRange:
    """The values mapped to the two ends of a colormap, in the tile's units."""

    low: float
    high: float


def validate_scale(scale: str) -> Scale:
    """`scale` if it is ``log`` or ``linear``; raises QueryError otherwise."""
    for known in SCALES:
        if scale == known:
            return known
    raise QueryError(
        f"scale {scale!r} is unknown; allowed are {', '.join(SCALES)}",
        parameter="scale",
    )


def validate_colour(text: str | None, parameter: str) -> RGBA | None:
    """The RGBA of a CSS colour (``#f80``, ``#ff8800cc``, ``red``, ``transparent``).

    None stays None (the colormap's end colour). Raises QueryError naming `parameter`
    for anything else.
    """
    if text is None:
        return None
    try:
        if not _COLOUR_TEXT.match(text):
            raise ValueError(text)
        colour = cmap.Color(text.strip())
    except (ValueError, KeyError, TypeError):
        raise QueryError(
            f"{parameter} {text!r} is not a colour; give a CSS colour such as #ff0000, "
            "#ff000080, red or transparent",
            parameter=parameter,
        ) from None
    red, green, blue, alpha = (round(c * 255) for c in colour.rgba)
    return red, green, blue, alpha


@lru_cache(maxsize=256)
def palette(
    name: str, under: RGBA | None = None, over: RGBA | None = None
) -> npt.NDArray[np.uint8]:
    """The RGBA palette (256 x 4) of the named colormap, laid out as the module says.

    Parameters
    ----------
    name
        A colormap name of the `cmap` catalogue, such as ``viridis`` or ``magma_r``.
    under, over
        Colours of values below and above the range; the colormap's ends if None.

    Raises
    ------
    QueryError
        If no colormap has that name.
    """
    steps = colormap_steps(name)
    rgba = np.zeros((256, 4), dtype=np.uint8)
    rgba[FIRST_STEP:OVER] = steps
    rgba[UNDER] = steps[0] if under is None else under
    rgba[OVER] = steps[-1] if over is None else over
    rgba.flags.writeable = False
    return rgba


@lru_cache(maxsize=64)
def colormap_steps(name: str) -> npt.NDArray[np.uint8]:
    """The colormap sampled at the palette's steps, as RGBA bytes (STEPS x 4)."""
    if not _COLORMAP_NAME.match(name):
        raise _unknown_colormap(name)
    try:
        # Sampled by calling the colormap: `Colormap.lut(n)` gives n + 1 colours for
        # some maps (cmap 0.8).
        colours = cmap.Colormap(name)(np.linspace(0, 1, STEPS))
    except (ValueError, KeyError, TypeError):
        raise _unknown_colormap(name) from None
    steps = np.round(np.asarray(colours, dtype=np.float64) * 255).astype(np.uint8)
    steps.flags.writeable = False
    return steps


def scaled_position(
    values: npt.NDArray[np.float32], value_range: ValueRange, scale: Scale
) -> npt.NDArray[np.float32]:
    """Where each value sits in the range: 0 at the low end, 1 at the high end.

    Values outside the range fall outside 0..1; values that cannot be drawn (zero or
    below on the log scale, NaN) are NaN.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "log":
            low, high = np.log10(value_range.low), np.log10(value_range.high)
            logs = np.log10(np.where(values > 0, values, np.float32(np.nan)))
            position = (logs - np.float32(low)) * np.float32(1 / (high - low))
        else:
            low, high = value_range.low, value_range.high
            position = (values - np.float32(low)) * np.float32(1 / (high - low))
    return position.astype(np.float32, copy=False)


def colour_index(
    values: npt.NDArray[np.float32], value_range: ValueRange, scale: Scale
) -> npt.NDArray[np.uint8]:
    """Palette index of each value: 0 for zero or missing, else as the module says."""
    position = scaled_position(values, value_range, scale)
    with np.errstate(invalid="ignore"):
        # Step of each value; -1 below the range; the top value stays on the last step.
        steps = np.floor(np.clip(position * STEPS, -1, STEPS - 0.5))
        index = np.nan_to_num(steps, nan=-FIRST_STEP).astype(np.int16)
        index[position > 1] = STEPS
    index[values == 0] = -FIRST_STEP
    return (index + FIRST_STEP).astype(np.uint8)


def encode_png(
    index: npt.NDArray[np.uint8], rgba_palette: npt.NDArray[np.uint8]
) -> bytes:
    """A palette PNG of a 2-D array of palette indices."""
    image = Image.fromarray(np.ascontiguousarray(index))
    image.putpalette(rgba_palette.tobytes(), rawmode="RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def encode_webp(
    index: npt.NDArray[np.uint8], rgba_palette: npt.NDArray[np.uint8]
) -> bytes:
    """A lossless RGBA WebP of a 2-D array of palette indices."""
    image = Image.fromarray(np.take(rgba_palette, index, axis=0), "RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", lossless=True, method=WEBP_METHOD, exact=False)
    return buffer.getvalue()


@lru_cache(maxsize=8)
def transparent_image(size: int, image_format: str) -> bytes:
    """A fully transparent square PNG or WebP, `size` pixels wide (about 100 bytes)."""
    blank = np.zeros((size, size), dtype=np.uint8)
    if image_format == "webp":
        return encode_webp(blank, np.zeros((256, 4), dtype=np.uint8))
    image = Image.fromarray(blank)
    image.putpalette(bytes(4), rawmode="RGBA")  # one colour: clear
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=9)
    return buffer.getvalue()


def default_range(values: npt.NDArray[np.float32]) -> ValueRange:
    """The default value range of a field: see the module's docstring.

    Parameters
    ----------
    values
        One period of one sector, in the tile's units; zero and NaN are ignored.
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


def hex_colour(rgba: npt.NDArray[np.uint8] | RGBA) -> str:
    """``#rrggbbaa`` of an RGBA colour."""
    return "#" + "".join(f"{int(c):02x}" for c in rgba)


def _unknown_colormap(name: str) -> QueryError:
    return QueryError(
        f"colormap {name!r} is unknown; use a name of the cmap catalogue such as "
        "viridis, magma, inferno, cividis or a reversed one like viridis_r",
        parameter="colormap",
    )
