"""Uncertainty of emissions and of their sums: the one rule every aggregation uses.

The inputs publish no uncertainty, so methanemap states a rule. A unit's (country's or
group's) emission in a cell has two independent error parts, as relative 1-sigma:

* the **national** part, the error of the unit's national total: coal 30 %, oil 35 %,
  gas 35 % (the spread between inventories of fossil CH4 is of this size: IEA, CEDS,
  EDGAR and Climate TRACE differ by 20-50 % per sector);
* the **allocation** part, the error of placing the total within the unit: 50 % on
  infrastructure proxies, 100 % on the country-uniform fallback.

Correlation assumption. The national part is fully correlated across all cells and
periods of one unit and sector (they share one national total) and independent between
units and between sectors. The allocation part is independent between cells. So for
any sum over cells and periods:

    sigma^2 = sum_units (r_nat * E_unit)^2 + sum_entries (r_alloc * E_entry)^2

where ``E_unit`` is the unit's mass inside the sum and ``E_entry`` the mass of each
(unit, cell) entry. A 95 % interval is ``E -/+ 1.96 sigma``, clipped at zero.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

NATIONAL = {"coal": 0.30, "oil": 0.35, "gas": 0.35}
ALLOCATION = {"infrastructure": 0.5, "country-uniform": 1.0}
Z95 = 1.959963984540054

FloatArray = npt.NDArray[np.float64]


def sigma(
    sector: str,
    mass: npt.ArrayLike,
    unit: npt.ArrayLike,
    uniform: npt.ArrayLike,
) -> float:
    """1-sigma (same unit as `mass`) of the sum of `mass` over entries of one sector.

    Parameters
    ----------
    sector
        "coal", "oil" or "gas".
    mass
        Mass of each entry (one unit in one cell, summed over the periods asked).
    unit
        The unit of each entry (any hashable labels or integer codes).
    uniform
        True where the entry comes from the country-uniform fallback.
    """
    codes, labels = pd.factorize(np.asarray(unit))
    moments = unit_moments(mass, codes, uniform, len(labels))
    return float(scaled_sigma(sector, moments, np.ones(len(labels)))[()])


@dataclass(frozen=True)
class UnitMoments:
    """What the rule needs of the entries of one sector inside a sum, per unit.

    Attributes
    ----------
    mass
        Per unit, the mass of its entries inside the sum (any mass unit).
    alloc_variance
        Per unit, the sum of ``(r_alloc * mass)**2`` over its entries (squared mass).
    """

    mass: FloatArray
    alloc_variance: FloatArray


def unit_moments(
    mass: npt.ArrayLike,
    unit: npt.ArrayLike,
    uniform: npt.ArrayLike,
    n_units: int,
) -> UnitMoments:
    """Per-unit mass and allocation variance of entries (unit: integer codes)."""
    mass = np.asarray(mass, dtype=np.float64)
    codes = np.asarray(unit, dtype=np.int64)
    alloc = allocation_relative(uniform) * mass
    return UnitMoments(
        mass=np.bincount(codes, weights=mass, minlength=n_units),
        alloc_variance=np.bincount(codes, weights=alloc**2, minlength=n_units),
    )


def allocation_relative(uniform: npt.ArrayLike) -> FloatArray:
    """Relative 1-sigma of the allocation of each entry (by its placing method)."""
    return np.where(
        np.asarray(uniform, dtype=bool),
        ALLOCATION["country-uniform"],
        ALLOCATION["infrastructure"],
    )


def scaled_sigma(sector: str, moments: UnitMoments, scale: npt.ArrayLike) -> FloatArray:
    """1-sigma of sums whose entries are the moments' entries times a per-unit scale.

    A unit's entries scaled by one factor (its weight summed over the periods of the
    sum) keep the rule: the national part stays fully correlated within the unit and
    each entry's allocation part scales with it. `moments` may carry a leading axis
    (several sums, for example one per country: shape ``(k, units)``).

    Parameters
    ----------
    sector
        "coal", "oil" or "gas".
    moments
        Per-unit base mass and allocation variance of the entries of the sum.
    scale
        Per unit ``(units,)``, or per unit and sum ``(units, n)`` for n sums at once.

    Returns
    -------
    numpy.ndarray
        1-sigma of each sum, in the unit of the scaled mass; the shape of the
        moments' leading axes followed by `scale`'s trailing axis.
    """
    scale = np.asarray(scale, dtype=np.float64)
    per_unit = (NATIONAL[sector] * moments.mass) ** 2 + moments.alloc_variance
    variance = per_unit @ scale**2
    result: FloatArray = np.sqrt(np.maximum(variance, 0.0))
    return result


def sigma_of_sectors(sigmas: dict[str, float]) -> float:
    """1-sigma of a sum over sectors (independent by the rule above)."""
    return float(np.sqrt(sum(s**2 for s in sigmas.values())))


def interval(total: float, one_sigma: float) -> tuple[float, float]:
    """The 95 % interval of a total with the given 1-sigma, clipped at zero."""
    return max(0.0, total - Z95 * one_sigma), total + Z95 * one_sigma


def sigma_of_sector_arrays(sigmas: list[FloatArray]) -> FloatArray:
    """1-sigma of sums over sectors, element by element (sectors independent)."""
    stacked = np.asarray(sigmas, dtype=np.float64)
    combined: FloatArray = np.sqrt((stacked**2).sum(axis=0))
    return combined


def intervals(
    total: npt.ArrayLike, one_sigma: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The 95 % intervals of totals with the given 1-sigmas, clipped at zero."""
    total = np.asarray(total, dtype=np.float64)
    spread = Z95 * np.asarray(one_sigma, dtype=np.float64)
    return np.maximum(total - spread, 0.0), total + spread


def cell_relative(
    sector: str,
    cell: npt.ArrayLike,
    mass: npt.ArrayLike,
    unit: npt.ArrayLike,
    uniform: npt.ArrayLike,
) -> pd.Series:
    """Relative 1-sigma of each cell's mass (index: cell), by the same rule."""
    frame = pd.DataFrame(
        {
            "cell": np.asarray(cell),
            "unit": np.asarray(unit),
            "mass": np.asarray(mass, dtype=np.float64),
            "alloc": allocation_relative(uniform),
        }
    )
    national = frame.groupby(["cell", "unit"])["mass"].sum() * NATIONAL[sector]
    national_var = (national**2).groupby(level="cell").sum()
    alloc_var = ((frame["alloc"] * frame["mass"]) ** 2).groupby(frame["cell"]).sum()
    total = frame.groupby("cell")["mass"].sum()
    return np.sqrt(national_var + alloc_var) / total
