"""Activity scaling: how much each unit emits in each year relative to the base year.

The factor of a unit (a country or a group of countries) for a year is the sum of its
members' activity series in that year over the same sum in the base year, counting only
members estimated in both years. A unit with no usable series (not estimated, or zero in
the base year) takes the sector's world factor: the same ratio over every country.
"""

import numpy as np
import pandas as pd

COUNTRY = "country series"
WORLD = "world series (no country series)"


def unit_factors(
    units: pd.DataFrame,
    series: dict[str, pd.DataFrame],
    base_year: int,
    years: list[int],
) -> pd.DataFrame:
    """Factor of every unit, sector and year.

    Parameters
    ----------
    units
        Columns ``unit``, ``members`` (tuple of iso3) and ``sector``.
    series
        Activity per sector, columns ``iso3``, ``year`` and ``value`` (any unit; NaN
        means not estimated).
    base_year
        Year of the national totals the factors scale.

    Returns
    -------
    DataFrame with columns ``unit, sector, year, factor, method``.
    """
    rows = []
    for sector, group in units.groupby("sector"):
        table = _wide(series[sector], [base_year, *years])
        world = _ratio(table, years, base_year)
        for unit in group.drop_duplicates("unit").itertuples(index=False):
            own = table.loc[table.index.intersection(list(unit.members))]
            ratio = _ratio(own, years, base_year)
            for year in years:
                usable = bool(np.isfinite(ratio[year]) and ratio[year] >= 0)
                factor = ratio[year] if usable else world[year]
                rows.append(
                    (
                        unit.unit,
                        sector,
                        year,
                        float(factor),
                        COUNTRY if usable else WORLD,
                    )
                )
    return pd.DataFrame(rows, columns=["unit", "sector", "year", "factor", "method"])


def _wide(series: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Series as a table of iso3 by year, for the years asked."""
    table = series.pivot_table(
        index="iso3", columns="year", values="value", aggfunc="sum"
    )
    return table.reindex(columns=sorted(set(years)))


def _ratio(table: pd.DataFrame, years: list[int], base_year: int) -> dict[int, float]:
    """Sum over rows estimated in both years, year over base year (NaN if unusable)."""
    out = {}
    base = table[base_year].to_numpy(np.float64)
    for year in years:
        this = table[year].to_numpy(np.float64)
        both = np.isfinite(base) & np.isfinite(this)
        total = base[both].sum()
        out[year] = float(this[both].sum() / total) if total > 0 else float("nan")
    return out
