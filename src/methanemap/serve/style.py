"""What a map layer draws and how: the sector, period and quantity (a `Layer`), and the
colormap, scale, range and out-of-range colours (a `Style`), checked before any read.
Tiles, legends and tile metadata share them, so a legend always matches its tiles.
"""

from dataclasses import dataclass
from math import isfinite

from methanemap.errors import QueryError
from methanemap.pipeline.periods import Period
from methanemap.serve.catalog import select_period, validate_sector
from methanemap.serve.colour import (
    RGBA,
    Scale,
    ValueRange,
    colormap_steps,
    default_range,
    validate_colour,
    validate_scale,
)
from methanemap.serve.fields import FieldCache, default_field_cache
from methanemap.serve.quantity import (
    QUANTITY_UNITS,
    Quantity,
    row_factors,
    validate_quantity,
)
from methanemap.serve.tilematrix import level_grids
from methanemap.store import CubeSnapshot


@dataclass(frozen=True)
class Layer:
    """One sector's values in one period, as one quantity."""

    sector: str
    variable: str
    time_index: int
    period: Period
    quantity: Quantity

    @property
    def units(self) -> str:
        """Units of the drawn values."""
        return QUANTITY_UNITS[self.quantity]

    def key(self) -> str:
        """A string naming the layer within one cube version."""
        return f"{self.sector}|{self.period.id}|{self.quantity}"


@dataclass(frozen=True)
class Style:
    """How values become colours; None range ends take the sector's defaults."""

    colormap: str = "viridis"
    scale: Scale = "log"
    vmin: float | None = None
    vmax: float | None = None
    under: RGBA | None = None
    over: RGBA | None = None

    def key(self) -> str:
        """A string naming everything that decides the colours of given values."""
        return (
            f"{self.colormap}|{self.scale}|{self.vmin!r}|{self.vmax!r}|"
            f"{self.under}|{self.over}"
        )


def validate_layer(
    snapshot: CubeSnapshot,
    sector: str = "total",
    period: str | None = None,
    quantity: str = "emission",
) -> Layer:
    """Check what to draw against the cube, reading no values.

    Parameters
    ----------
    snapshot
        An open cube version.
    sector
        ``coal``, ``oil``, ``gas`` or ``total``.
    period
        A period id (``2022-P05``) or an ISO date inside it; the latest period if None.
    quantity
        ``emission`` (t per cell per period) or ``flux`` (t km-2 yr-1); see
        `methanemap.serve.quantity`.

    Raises
    ------
    QueryError
        If a parameter is unknown or malformed (its name is in ``.parameter``).
    NotInCubeError
        If the cube does not hold the sector or the period.
    """
    checked = validate_quantity(quantity)
    name = validate_sector(snapshot, sector)
    time_index, chosen = select_period(snapshot, period)
    return Layer(sector, name, time_index, chosen, checked)


def validate_style(
    colormap: str = "viridis",
    scale: str = "log",
    vmin: float | None = None,
    vmax: float | None = None,
    under: str | None = None,
    over: str | None = None,
) -> Style:
    """Check how to draw, reading nothing.

    Parameters
    ----------
    colormap
        Name of a colormap of the `cmap` catalogue.
    scale
        ``log`` or ``linear`` mapping of values to colours.
    vmin, vmax
        Values at the two ends of the colormap, in the layer's units; None takes the
        sector's default (see `methanemap.serve.colour`).
    under, over
        CSS colours of values below and above the range (``transparent`` hides
        them); None takes the colormap's end colours.

    Raises
    ------
    QueryError
        If a parameter is unknown or malformed (its name is in ``.parameter``).
    """
    checked_scale = validate_scale(scale)
    colormap_steps(colormap)
    for name, value in (("vmin", vmin), ("vmax", vmax)):
        if value is not None and not isfinite(value):
            raise QueryError(
                f"{name} must be a finite number; got {value!r}", parameter=name
            )
        if value is not None and checked_scale == "log" and value <= 0:
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
    return Style(
        colormap,
        checked_scale,
        vmin,
        vmax,
        validate_colour(under, "under"),
        validate_colour(over, "over"),
    )


def value_range(
    snapshot: CubeSnapshot, layer: Layer, style: Style, cache: FieldCache | None = None
) -> ValueRange:
    """The values at the ends of the colormap: the style's, else the defaults."""
    if style.vmin is not None and style.vmax is not None:
        return ValueRange(style.vmin, style.vmax)

    cache = default_field_cache() if cache is None else cache
    default = default_layer_range(snapshot, layer, cache)
    low = style.vmin
    if low is None:
        low = default.low if style.scale == "log" else 0.0
    high = default.high if style.vmax is None else style.vmax

    if not low < high:
        which = "vmin" if style.vmin is not None else "vmax"
        raise QueryError(
            f"{which} makes an empty range: vmin {low:g} is not below vmax {high:g}; "
            "give both or one on the right side of the other",
            parameter=which,
        )
    return ValueRange(low, high)


def default_layer_range(
    snapshot: CubeSnapshot, layer: Layer, cache: FieldCache
) -> ValueRange:
    """Default range of a layer's sector and quantity, from the latest period.

    Computed once per cube version, sector and quantity, so every period of a sector
    is drawn on the same colours.
    """
    latest_index = snapshot.ds.sizes["time"] - 1
    _, latest = select_period(snapshot, None)

    def compute() -> ValueRange:
        values = cache.read_all(snapshot, layer.variable, latest_index)
        factors = row_factors(layer.quantity, level_grids(snapshot)[0], 0, latest)
        return default_range(values if factors is None else values * factors[:, None])

    key = ("default_range", snapshot.version, layer.variable, layer.quantity)
    return cache.remember(key, compute)
