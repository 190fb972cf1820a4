"""Activity: annual factors per unit with a world fallback, monthly shapes, weights."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from methanemap.pipeline.activity import (
    COUNTRY,
    WORLD,
    monthly_shape,
    period_weights,
    unit_factors,
)
from methanemap.pipeline.attribution import provisional_flags
from methanemap.pipeline.periods import periods_of_year, periods_of_years, year_fraction
from methanemap.sources import eia
from methanemap.sources.registry import fetch


def series(rows):
    return pd.DataFrame(rows, columns=["iso3", "year", "value"])


UNITS = pd.DataFrame(
    {
        "unit": ["AAA", "BBB", "Group"],
        "members": [("AAA",), ("BBB",), ("CCC", "DDD")],
        "sector": ["coal"] * 3,
        "emission_t": [10.0, 30.0, 60.0],
    }
)
SERIES = series(
    [
        ("AAA", 2021, 50.0), ("AAA", 2022, 100.0),
        ("BBB", 2021, np.nan), ("BBB", 2022, 40.0),  # not estimated in 2021
        ("CCC", 2021, 30.0), ("CCC", 2022, 10.0),
        ("DDD", 2021, 10.0), ("DDD", 2022, 10.0),
    ]
)  # fmt: skip


def test_factors_scale_by_the_members_series_or_fall_back_to_the_world():
    factors = unit_factors(UNITS, {"coal": SERIES}, 2022, [2021, 2022]).set_index(
        ["unit", "year"]
    )
    assert factors.loc[("AAA", 2021), "factor"] == pytest.approx(0.5)
    assert factors.loc[("Group", 2021), "factor"] == pytest.approx(40 / 20)
    # BBB has no 2021 value: it takes the world ratio over countries with both years.
    assert factors.loc[("BBB", 2021), "factor"] == pytest.approx(90 / 120)
    assert factors.loc[("BBB", 2021), "method"] == WORLD
    assert factors.loc[("AAA", 2021), "method"] == COUNTRY
    assert (factors.xs(2022, level="year")["factor"] == 1.0).all()


def test_weights_spread_each_year_over_its_periods():
    factors = unit_factors(UNITS, {"coal": SERIES}, 2022, [2021, 2022])
    periods = periods_of_years([2021, 2022])
    weights = period_weights(factors, periods).set_index(["unit", "period"])["weight"]
    aaa = weights.xs("AAA", level="unit").to_numpy()
    assert aaa[:46].sum() == pytest.approx(0.5)
    assert aaa[46:].sum() == pytest.approx(1.0)
    assert aaa[46] == pytest.approx(8 / 365)


def test_us_crude_shape_keeps_each_year_and_shows_the_2020_dip():
    monthly = eia.read_monthly(fetch("eia_us_crude_monthly"))
    assert len(monthly) == 1224
    assert monthly["month"].iloc[0] == pd.Timestamp(1920, 1, 1)
    assert monthly["value"].max() == 12966  # November 2019
    periods = periods_of_years([2020, 2021, 2022])
    shape = monthly_shape(monthly, periods)
    fraction = year_fraction(periods)
    for year in range(3):
        chunk = slice(46 * year, 46 * (year + 1))
        assert (shape[chunk] * fraction[chunk]).sum() == pytest.approx(1.0, abs=1e-12)
    may_2020 = shape[16]  # 2020-P17 starts 2020-05-09
    assert may_2020 < 0.9 < shape[0]
    assert (shape[92:] == 1.0).all()  # 2022 is past the series: flat


def test_periods_are_provisional_while_recent_or_extrapolated():
    factors = unit_factors(UNITS, {"coal": SERIES}, 2022, [2021, 2022])
    periods = periods_of_year(2022)
    settled = provisional_flags(periods, factors, UNITS, date(2024, 1, 1))
    assert settled.sum() == 0
    recent = provisional_flags(periods, factors, UNITS, date(2023, 2, 1))
    assert recent[-1] == 1 and recent[0] == 0
    # In 2021 BBB (30 % of the mass) uses the world factor: below half, still final.
    periods_2021 = periods_of_year(2021)
    assert provisional_flags(periods_2021, factors, UNITS, date(2024, 1, 1)).sum() == 0
    heavy = UNITS.assign(emission_t=[10.0, 80.0, 10.0])
    flags = provisional_flags(periods_2021, factors, heavy, date(2024, 1, 1))
    assert flags.all()
