"""Legends of a tile layer: a PNG colour bar and JSON colour stops, made from the same
palette and value range as its tiles, so a legend always matches its map.
"""

from typing import TypedDict

import numpy as np
import numpy.typing as npt

from methanemap.errors import QueryError
from methanemap.serve.catalog import PeriodEntry, period_entry
from methanemap.serve.colour import (
    FIRST_STEP,
    OVER,
    STEPS,
    UNDER,
    ValueRange,
    encode_png,
    hex_colour,
    palette,
)
from methanemap.serve.fields import FieldCache
from methanemap.serve.style import Layer, Style, value_range
from methanemap.store import CubeSnapshot

#: Stops a JSON legend lists, evenly spaced on the layer's scale.
LEGEND_STOPS = 11
#: Smallest and largest side of a legend image, in pixels.
MIN_SIDE, MAX_SIDE = 4, 2048


class LegendStop(TypedDict):
    """A value, where it sits on the bar (0 to 1) and its colour (``#rrggbbaa``)."""

    value: float
    position: float
    color: str


class Legend(TypedDict):
    """What a layer's colours mean: range, scale, units and colour stops."""

    version: str
    sector: str
    period: PeriodEntry
    quantity: str
    units: str
    colormap: str
    scale: str
    range: list[float]
    under: str
    over: str
    nodata: str
    stops: list[LegendStop]


def legend_stops(
    snapshot: CubeSnapshot,
    layer: Layer,
    style: Style,
    cache: FieldCache | None = None,
    count: int = LEGEND_STOPS,
) -> Legend:
    """The colours of a layer as JSON: `count` stops from the low to the high end.

    Parameters
    ----------
    snapshot
        An open cube version.
    layer, style
        What is drawn and how, as the tiles get them (`validate_layer`,
        `validate_style`).
    cache
        Where decoded fields are kept (the default range reads the latest period).
    count
        Number of stops, at least 2; on the log scale they are log-spaced.
    """
    ends = value_range(snapshot, layer, style, cache)
    colours = palette(style.colormap, style.under, style.over)
    positions = np.linspace(0.0, 1.0, max(count, 2))
    stops: list[LegendStop] = [
        {
            "value": _value_at(p, ends, style),
            "position": round(float(p), 6),
            "color": hex_colour(colours[_step_index(np.array([p]))[0]]),
        }
        for p in positions
    ]
    return {
        "version": snapshot.version,
        "sector": layer.sector,
        "period": period_entry(layer.period),
        "quantity": layer.quantity,
        "units": layer.units,
        "colormap": style.colormap,
        "scale": style.scale,
        "range": [ends.low, ends.high],
        "under": hex_colour(colours[UNDER]),
        "over": hex_colour(colours[OVER]),
        "nodata": hex_colour(colours[0]),
        "stops": stops,
    }


def legend_png(
    snapshot: CubeSnapshot,
    layer: Layer,
    style: Style,
    width: int = 256,
    height: int = 16,
    cache: FieldCache | None = None,
) -> bytes:
    """A colour bar of a layer, low end left (or bottom when taller than wide).

    Explicit ``under``/``over`` colours of the style get a square box at their end.
    `width` and `height` are in pixels. The value at each end is in `legend_stops`.
    """
    for name, side in (("width", width), ("height", height)):
        if not MIN_SIDE <= side <= MAX_SIDE:
            raise QueryError(
                f"{name} {side} is out of range; allowed are {MIN_SIDE} to "
                f"{MAX_SIDE} pixels",
                parameter=name,
            )
    value_range(snapshot, layer, style, cache)  # raises if the range is empty

    vertical = height > width
    length, thickness = (height, width) if vertical else (width, height)
    bar = _bar_indices(length, thickness, style)
    index = np.repeat(bar[None, :], thickness, axis=0)
    if vertical:
        index = np.ascontiguousarray(index.T[::-1])
    return encode_png(index, palette(style.colormap, style.under, style.over))


def _bar_indices(length: int, thickness: int, style: Style) -> npt.NDArray[np.uint8]:
    """Palette index along the bar, with end boxes for explicit under/over colours."""
    box = min(thickness, length // 4)
    start = box if style.under is not None else 0
    end = length - box if style.over is not None else length

    bar = np.empty(length, dtype=np.uint8)
    bar[:start], bar[end:] = UNDER, OVER
    positions = (np.arange(end - start) + 0.5) / max(end - start, 1)
    bar[start:end] = _step_index(positions)
    return bar


def _step_index(positions: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
    steps = np.clip(np.floor(positions * STEPS), 0, STEPS - 1)
    return (steps + FIRST_STEP).astype(np.uint8)


def _value_at(position: float, ends: ValueRange, style: Style) -> float:
    if style.scale == "log":
        low, high = np.log10(ends.low), np.log10(ends.high)
        return float(10 ** (low + position * (high - low)))
    return float(ends.low + position * (ends.high - ends.low))
