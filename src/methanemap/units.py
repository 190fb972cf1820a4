"""Units of every input, parsed by one pint registry before anything goes on the grid.

A year (``a``, ``yr``, ``year``) is 365 days, the catalogue's convention; CH4 has a
molar mass of 16.04 g/mol; ``cell`` is a dimension of its own, so "kg per cell per
year" parses and is told apart from a flux. Gridded inventories are held as flux in
``FLUX_UNITS``.
"""

import re
from dataclasses import dataclass
from typing import Any

import pint

from methanemap.errors import UnitsError

#: The internal unit of every gridded flux: kg CH4 per square metre per second.
FLUX_UNITS = "kg m-2 s-1"

#: Seconds in the 365-day year that "per year" means throughout methanemap.
SECONDS_PER_YEAR = 365 * 86_400


def _preprocess(text: str) -> str:
    """UDUNITS and CF spellings to pint's: ``m-2`` -> ``m**-2``, ``per`` -> ``/``."""
    text = re.sub(r"\(?\b[cC][hH]4\b\)?", " ", text)  # the species is always CH4
    text = re.sub(r"\bper\b", "/", text)
    return re.sub(r"(?<=[A-Za-z])(-?\d+)", r"**\1", text)


ureg = pint.UnitRegistry(on_redefinition="ignore", preprocessors=[_preprocess])
ureg.define("year = 365 * day = a = yr = annum")
ureg.define("grid_cell = [grid_cell] = cell = gridcell")
ureg.define("parts_per_billion = 1e-9 = ppb")

Quantity = ureg.Quantity

#: Molar mass of CH4, for fluxes given in moles or molecules.
CH4_MOLAR_MASS = Quantity(16.04, "g/mol")

_FLUX = ureg.parse_units("kg m**-2 s**-1")
_CELL_RATE = ureg.parse_units("kg s**-1")


@dataclass(frozen=True)
class EmissionUnits:
    """How values in some units become flux in `FLUX_UNITS`.

    ``factor`` turns a value into kg m-2 s-1 or, when ``per_cell``, into kg s-1 for the
    whole cell (divide by the cell area in m2 to get a flux).
    """

    text: str
    factor: float
    per_cell: bool
    via_molar_mass: bool


def parse_emission_units(text: str, where: str) -> EmissionUnits:
    """Parse an emission flux or a mass rate per cell, or refuse it.

    Parameters
    ----------
    text
        Units as written, for example ``"Mg km-2 a-1"``, ``"mol/m2/s"``,
        ``"molecules cm-2 s-1"`` or ``"kg/cell/yr"``.
    where
        What carries the units (file and variable), named in any error.
    """
    try:
        unit = ureg.parse_units(text)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError) as exc:
        raise UnitsError(
            f"{where}: units {text!r} are not understood ({exc}); give them as CF "
            "units such as 'kg m-2 s-1', 'Mg km-2 a-1' or 'mol m-2 s-1'"
        ) from None

    if "month" in str(unit):
        raise UnitsError(
            f"{where}: units {text!r} are per month, which has no fixed length; "
            "convert to a rate per second or per (365-day) year first"
        )
    return _emission_units(text, Quantity(1.0, unit), where)


def _emission_units(text: str, one: Any, where: str) -> EmissionUnits:
    """The factor to kg m-2 s-1 (or kg s-1 per cell) of one unit of `one`."""
    via_molar_mass = one.check("[substance] / [time]") or one.check(
        "[substance] / [length] ** 2 / [time]"
    )
    if via_molar_mass:
        one = one * CH4_MOLAR_MASS

    per_cell = one.check("[mass] / [time]") or one.check(
        "[mass] / [time] / [grid_cell]"
    )
    if per_cell:
        one = one * Quantity(1.0, "cell") if "grid_cell" in str(one.units) else one
        return EmissionUnits(
            text, float(one.to(_CELL_RATE).magnitude), True, via_molar_mass
        )

    if one.check("[mass] / [length] ** 2 / [time]"):
        return EmissionUnits(
            text, float(one.to(_FLUX).magnitude), False, via_molar_mass
        )
    raise UnitsError(
        f"{where}: units {text!r} ({one.dimensionality}) are not an emission flux "
        "unit; "
        "allowed are mass or moles per area per time (kg m-2 s-1, Mg km-2 a-1, "
        "mol m-2 s-1) or mass per cell per time (kg/cell/yr)"
    )


def parse_quantity(text: str) -> Any:
    """A quantity written as text, for example ``"3.65667e+011 kg/year"``."""
    # The number is split off first: the preprocessor would read "e-10" as a power.
    found = re.fullmatch(r"\s*([-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*(.*?)\s*", text)
    try:
        if found is None:
            raise ValueError("no leading number")
        return float(found[1]) * Quantity(1.0, found[2])
    except (pint.errors.PintError, AttributeError, TypeError, ValueError) as exc:
        raise UnitsError(f"cannot read {text!r} as a quantity: {exc}") from None
