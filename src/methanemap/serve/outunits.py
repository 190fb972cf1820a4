"""Units of an answer: a mass (kg, t, kt ... per period), a rate (mass per time) or a
flux (mass per area per time), converted by the project's pint registry
(`methanemap.units`).

The cube holds tonnes of CH4 per cell and period. A mass answer scales them; a rate
answer divides each value by the seconds of the periods it sums, and a flux answer
also by the area it covers (a year is 365 days, as everywhere in methanemap). Moles
convert through the molar mass of CH4.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pint

from methanemap.errors import QueryError
from methanemap.units import CH4_MOLAR_MASS, Quantity, ureg

Kind = Literal["mass", "rate", "flux"]
FloatArray = npt.NDArray[np.float64]

#: What the cube stores: tonnes of CH4 per cell per period.
STORED = "t"
#: Examples of units a client may ask for, shown in the API documentation.
EXAMPLES = ("t", "kg", "kt", "Mt", "kt yr-1", "t km-2 yr-1", "kg m-2 s-1")

# pint reads "kt" as the knot; in an emission answer it is the kilotonne.
_KILOTONNE = re.compile(r"(?<![A-Za-z])kt(?![A-Za-z])")


@dataclass(frozen=True)
class OutputUnits:
    """Units an answer is given in.

    Attributes
    ----------
    text
        The units as asked (and as the answer names them).
    kind
        ``mass`` (per period, or per range for a sum), ``rate`` or ``flux``.
    factor
        The value of one tonne (mass), of 1 kg s-1 (rate) or of 1 kg m-2 s-1 (flux).
    """

    text: str
    kind: Kind
    factor: float

    def convert(
        self,
        tonnes: npt.ArrayLike,
        area_m2: npt.ArrayLike = 1.0,
        seconds: npt.ArrayLike = 1.0,
    ) -> FloatArray:
        """Masses in tonnes in these units.

        A rate needs the `seconds` each mass was emitted in, a flux also the `area_m2`
        it was emitted from; a flux over no area is NaN.
        """
        mass = np.asarray(tonnes, dtype=np.float64)
        if self.kind == "mass":
            return mass * self.factor
        rate = mass * 1e3 / np.asarray(seconds, dtype=np.float64)
        if self.kind == "rate":
            return rate * self.factor
        area = np.asarray(area_m2, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            flux = np.where(area > 0, rate / area, np.nan)
        result: FloatArray = flux * self.factor
        return result


def parse_output_units(text: str | None) -> OutputUnits:
    """The units a request names; tonnes per period when None.

    Raises
    ------
    QueryError
        If `text` is not a mass, nor a mass (or moles) per area per time.
    """
    return _parse("t" if text is None else text.strip())


@lru_cache(maxsize=64)
def _parse(text: str) -> OutputUnits:
    try:
        unit = ureg.parse_units(_KILOTONNE.sub("kilotonne", text))
    except (pint.errors.PintError, AttributeError, TypeError, ValueError):
        raise _refuse(text, "are not understood") from None
    one: Any = Quantity(1.0, unit)
    if one.check("[mass]"):
        return OutputUnits(text, "mass", float(Quantity(1.0, "t").to(unit).magnitude))
    if one.check("[substance] / [time]") or one.check(
        "[substance] / [length] ** 2 / [time]"
    ):
        one = one * CH4_MOLAR_MASS
    if one.check("[mass] / [time]"):
        return OutputUnits(text, "rate", 1.0 / float(one.to("kg s**-1").magnitude))
    if one.check("[mass] / [length] ** 2 / [time]"):
        return OutputUnits(
            text, "flux", 1.0 / float(one.to("kg m**-2 s**-1").magnitude)
        )
    raise _refuse(text, f"are {one.dimensionality}, neither a mass, a rate nor a flux")


def _refuse(text: str, why: str) -> QueryError:
    return QueryError(
        f"units {text!r} {why}; give a mass such as t, kg or kt (per period), a "
        "rate such as 'kt yr-1' or a flux such as 't km-2 yr-1' or 'kg m-2 s-1'",
        parameter="units",
    )
