"""What a tile shows: emission per full-resolution cell, or flux per area, the same
quantity at every overview level so that zooms drawn from different levels agree.

The cube and its overviews hold mass (t per cell per period); an overview cell of level
``k`` holds the sum of ``2**k x 2**k`` full-resolution cells. Tiles show either

* ``emission``: t per full-resolution cell per period. At level ``k`` that is the
  overview cell's mass divided by ``4**k``, the mean of the cells it sums; at level 0 it
  is the stored value. A pale polar cell here is a small cell, not a weak source.
* ``flux``: t km-2 yr-1, mass over the cell's area on the authalic sphere, scaled from
  the period's days to its year's (365 or 366), as GFEI shows fluxes. Coarse cells
  divide summed mass by summed area, so every level gives the mass-weighted flux.
"""

from datetime import date
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from methanemap.errors import QueryError
from methanemap.grid import Grid
from methanemap.pipeline.periods import Period

Quantity = Literal["emission", "flux"]
QUANTITIES: tuple[Quantity, ...] = ("emission", "flux")
QUANTITY_UNITS: dict[Quantity, str] = {
    "emission": "t per cell per period",
    "flux": "t km-2 yr-1",
}
M2_PER_KM2 = 1e6

Factors = npt.NDArray[np.float32]


def validate_quantity(quantity: str) -> Quantity:
    """`quantity` if it is ``emission`` or ``flux``; raises QueryError otherwise."""
    for known in QUANTITIES:
        if quantity == known:
            return known
    raise QueryError(
        f"quantity {quantity!r} is unknown; allowed are {', '.join(QUANTITIES)}",
        parameter="quantity",
    )


def row_factors(
    quantity: Quantity, grid: Grid, level: int, period: Period
) -> Factors | None:
    """Per-row multipliers turning stored mass at `level` into `quantity`.

    Parameters
    ----------
    quantity
        ``emission`` (t per full-resolution cell per period) or ``flux``
        (t km-2 yr-1).
    grid
        The grid of that level (cells ``2**level`` times as wide as the full grid's).
    level
        Overview level; 0 is the full grid.
    period
        The period the values belong to (its length sets the flux's time scale).

    Returns
    -------
    numpy.ndarray or None
        One float32 factor per grid row, or None when the stored values already are
        the quantity (emission at level 0).
    """
    if quantity == "emission":
        return None if level == 0 else _constant(grid.nlat, 4.0**-level)
    return _flux_factors(grid, period.days, _year_days(period.year))


def to_quantity(
    values: npt.NDArray[np.float32],
    rows: npt.NDArray[np.int64],
    factors: Factors | None,
) -> npt.NDArray[np.float32]:
    """Values of a ``rows x columns`` window of stored mass, as the quantity."""
    if factors is None:
        return values
    return values * factors[rows][:, None]


@lru_cache(maxsize=64)
def _flux_factors(grid: Grid, period_days: int, year_days: int) -> Factors:
    area_km2 = grid.cell_area / M2_PER_KM2
    factors = (year_days / period_days) / area_km2
    frozen: Factors = factors.astype(np.float32)
    frozen.flags.writeable = False
    return frozen


@lru_cache(maxsize=16)
def _constant(rows: int, factor: float) -> Factors:
    factors = np.full(rows, factor, dtype=np.float32)
    factors.flags.writeable = False
    return factors


def _year_days(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days
