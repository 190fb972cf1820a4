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
    mass = np.asarray(mass, dtype=np.float64)
    per_unit = pd.Series(mass).groupby(np.asarray(unit)).sum().to_numpy()
    alloc = np.where(
        np.asarray(uniform, dtype=bool),
        ALLOCATION["country-uniform"],
        ALLOCATION["infrastructure"],
    )
    variance = np.sum((NATIONAL[sector] * per_unit) ** 2) + np.sum((alloc * mass) ** 2)
    return float(np.sqrt(variance))


def sigma_of_sectors(sigmas: dict[str, float]) -> float:
    """1-sigma of a sum over sectors (independent by the rule above)."""
    return float(np.sqrt(sum(s**2 for s in sigmas.values())))


def interval(total: float, one_sigma: float) -> tuple[float, float]:
    """The 95 % interval of a total with the given 1-sigma, clipped at zero."""
    return max(0.0, total - Z95 * one_sigma), total + Z95 * one_sigma


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
            "alloc": np.where(np.asarray(uniform, dtype=bool), 1.0, 0.5),
        }
    )
    national = frame.groupby(["cell", "unit"])["mass"].sum() * NATIONAL[sector]
    national_var = (national**2).groupby(level="cell").sum()
    alloc_var = ((frame["alloc"] * frame["mass"]) ** 2).groupby(frame["cell"]).sum()
    total = frame.groupby("cell")["mass"].sum()
    return np.sqrt(national_var + alloc_var) / total
