"""Totals over periods with their 95 % intervals, as every area and country answer
gives them: per period, summed over the range, in the units asked.

Masses come in tonnes per period with their 1-sigma; sums over periods keep the rule
of `methanemap.uncertainty` (a unit's national part is fully correlated across the
periods), so the sigma of a sum is not that of independent periods.
"""

import math
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from methanemap import uncertainty
from methanemap.errors import NotInCubeError, QueryError
from methanemap.serve.attribution import SectorEntries
from methanemap.serve.catalog import cube_sectors
from methanemap.serve.outunits import OutputUnits
from methanemap.serve.timespan import TimeSpan
from methanemap.store import CubeSnapshot
from methanemap.store.schema import SECTORS, TOTAL, all_sectors
from methanemap.uncertainty import UnitMoments

FloatArray = npt.NDArray[np.float64]

#: The rule behind every interval, as answers state it.
UNCERTAINTY_RULE = (
    "95 % interval: total -/+ 1.96 sigma, clipped at 0. sigma^2 = sum over units of "
    "(r_nat * E_unit)^2 + sum over (unit, cell) entries of (r_alloc * E_entry)^2, "
    "with r_nat = 30 % (coal), 35 % (oil, gas) and r_alloc = 50 % on infrastructure "
    "proxies, 100 % on the country-uniform fallback. Correlation assumption: the "
    "national part is fully correlated across all cells and periods of one unit and "
    "sector and independent between units and sectors; the allocation part is "
    "independent between cells. See docs/method.md, section 4."
)
NO_UNCERTAINTY = "not available: this cube version has no attribution"


class Bound(TypedDict):
    """A value with its 95 % interval (None where undefined)."""

    value: float | None
    lower: float | None
    upper: float | None


class SectorTotals(TypedDict):
    """One sector's totals: per period, and summed over the periods asked."""

    units: str
    values: list[float | None]
    lower: list[float | None] | None
    upper: list[float | None] | None
    sum: Bound


@dataclass(frozen=True)
class Masses:
    """Per-period masses (t) of one sector and their 1-sigma (None: unknown)."""

    values: FloatArray
    sigma: FloatArray | None
    total: float
    total_sigma: float | None


def select_sectors(snapshot: CubeSnapshot, sector: str | None) -> list[str]:
    """The sectors a request asks for: one, or every stored one when None.

    Raises
    ------
    QueryError
        If `sector` is none of coal, oil, gas or total.
    NotInCubeError
        If the cube version does not hold it.
    """
    stored = cube_sectors(snapshot)
    if sector is None:
        return stored
    if sector not in all_sectors():
        raise QueryError(
            f"sector {sector!r} is unknown; allowed are {', '.join(all_sectors())}",
            parameter="sector",
        )
    if sector not in stored:
        raise NotInCubeError(
            f"sector {sector!r} is not in cube version {snapshot.version}",
            parameter="sector",
        )
    return [sector]


def from_moments(
    entries: SectorEntries, moments: UnitMoments, span: TimeSpan
) -> Masses:
    """The masses of a sum of entries of one sector, from its per-unit moments."""
    weight = entries.weight[:, span.indices]
    summed = weight.sum(axis=1)
    sigma = uncertainty.scaled_sigma(entries.sector, moments, weight)
    total_sigma = uncertainty.scaled_sigma(entries.sector, moments, summed)
    return Masses(
        values=moments.mass @ weight,
        sigma=sigma,
        total=float(moments.mass @ summed),
        total_sigma=float(total_sigma),
    )


def combine(parts: list[Masses]) -> Masses:
    """Masses of several sectors together (sectors are independent)."""
    values = np.sum([p.values for p in parts], axis=0)
    known = all(p.sigma is not None for p in parts)
    sigmas = [p.sigma for p in parts if p.sigma is not None]
    total_sigmas = {str(i): p.total_sigma or 0.0 for i, p in enumerate(parts)}
    return Masses(
        values=values,
        sigma=uncertainty.sigma_of_sector_arrays(sigmas) if known else None,
        total=float(sum(p.total for p in parts)),
        total_sigma=uncertainty.sigma_of_sectors(total_sigmas) if known else None,
    )


def with_total(masses: dict[str, Masses], wanted: list[str]) -> dict[str, Masses]:
    """The wanted sectors of `masses` (coal, oil, gas), the total made from them."""
    out = {s: masses[s] for s in wanted if s != TOTAL}
    if TOTAL in wanted:
        out[TOTAL] = combine([masses[s] for s in SECTORS if s in masses])
    return out


def to_sector_totals(
    masses: Masses, units: OutputUnits, span: TimeSpan, area_m2: float = 1.0
) -> SectorTotals:
    """Masses in the units asked, with lists JSON can carry (None for NaN)."""
    seconds = span.seconds()
    values = units.convert(masses.values, area_m2, seconds)
    total = float(units.convert(masses.total, area_m2, seconds.sum()))
    if masses.sigma is None or masses.total_sigma is None:
        return {
            "units": units.text,
            "values": numbers(values),
            "lower": None,
            "upper": None,
            "sum": {"value": number(total), "lower": None, "upper": None},
        }

    low, high = uncertainty.intervals(masses.values, masses.sigma)
    sum_low, sum_high = uncertainty.interval(masses.total, masses.total_sigma)
    sum_bounds = units.convert([sum_low, sum_high], area_m2, seconds.sum())
    return {
        "units": units.text,
        "values": numbers(values),
        "lower": numbers(units.convert(low, area_m2, seconds)),
        "upper": numbers(units.convert(high, area_m2, seconds)),
        "sum": {
            "value": number(total),
            "lower": number(sum_bounds[0]),
            "upper": number(sum_bounds[1]),
        },
    }


def number(value: npt.ArrayLike) -> float | None:
    """A float (or a one-value array) JSON can carry: None for NaN or infinity."""
    result = float(np.asarray(value, dtype=np.float64))
    return result if math.isfinite(result) else None


def numbers(values: npt.ArrayLike) -> list[float | None]:
    """Floats JSON can carry, None for NaN or infinity."""
    return [number(v) for v in np.asarray(values, dtype=np.float64).ravel()]
