"""Activity scaling: how much each unit emits in each year relative to the base year.

The factor of a unit (a country or a group of countries) for a year is the sum of its
members' activity series in that year over the same sum in the base year, counting only
members estimated in both years. A unit with no usable series (not estimated, or zero in
the base year) takes the sector's world factor: the same ratio over every country.
"""

import numpy as np
import numpy.typing as npt
import pandas as pd

from methanemap.pipeline.periods import Period, year_fraction

FloatArray = npt.NDArray[np.float64]

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
    # min_count keeps "not estimated" (NaN) apart from a real zero.
    summed = series.groupby(["iso3", "year"])["value"].sum(min_count=1)
    return summed.unstack("year").reindex(columns=sorted(set(years)))


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


def monthly_shape(monthly: pd.DataFrame, periods: list[Period]) -> FloatArray:
    """Within-year shape of a monthly series over `periods`.

    Each period's value is the series' mean over the period's days (a month's value
    holds on each of its days) divided by its mean over the period's whole year, so
    that the shape weighted by days averages 1 over every year and annual totals are
    kept. A year the series does not cover entirely gets a flat shape (1).
    """
    shape = np.ones(len(periods))
    if monthly.empty:
        return shape
    first = monthly["month"].min()
    end = monthly["month"].max() + pd.offsets.MonthBegin(1)
    daily = monthly.set_index("month")["value"].resample("D").ffill()
    daily = daily.reindex(
        pd.date_range(first, end - pd.Timedelta(days=1)), method="ffill"
    )

    for year in sorted({p.year for p in periods}):
        if pd.Timestamp(year, 1, 1) < first or pd.Timestamp(year + 1, 1, 1) > end:
            continue
        year_mean = daily[str(year)].mean()
        for i, period in enumerate(periods):
            if period.year == year:
                days = daily[pd.Timestamp(period.start) : pd.Timestamp(period.end)]
                shape[i] = days.iloc[:-1].mean() / year_mean if len(days) > 1 else 1.0
    return shape


def period_weights(
    factors: pd.DataFrame,
    periods: list[Period],
    shapes: dict[tuple[str, str], FloatArray] | None = None,
) -> pd.DataFrame:
    """What multiplies a unit's base-year mass in each period.

    ``weight = factor(unit, year) x days(period) / days(year) x shape(unit, period)``,
    with the shape 1 unless `shapes` gives one for the (unit, sector).

    Returns
    -------
    DataFrame with columns ``unit, sector, period, weight`` (``period`` is the
    position in `periods`).
    """
    fraction = year_fraction(periods)
    years = np.array([p.year for p in periods])
    table = factors.pivot_table(
        index=["unit", "sector"], columns="year", values="factor"
    )
    annual = table.reindex(columns=sorted(set(years))).to_numpy()[
        :, np.searchsorted(sorted(set(years)), years)
    ]
    weight = annual * fraction[None, :]
    for row, key in enumerate(table.index):
        if shapes and key in shapes:
            weight[row] *= shapes[key]
    frame = pd.DataFrame(weight, index=table.index).rename_axis(columns="period")
    return frame.stack().rename("weight").reset_index()
