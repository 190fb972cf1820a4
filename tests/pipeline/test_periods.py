"""8-day periods: 46 a year, starting on days 1, 9, 17 ...; none crosses a year end."""

import itertools
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from methanemap.errors import QueryError
from methanemap.pipeline.periods import (
    Period,
    parse_period,
    period_of_date,
    periods_of_year,
    time_coords,
    year_fraction,
)


@pytest.mark.parametrize(("year", "last_days"), [(2022, 5), (2024, 6)])
def test_a_year_has_46_periods_and_a_short_last_one(year, last_days):
    periods = periods_of_year(year)
    assert len(periods) == 46
    assert [p.start.timetuple().tm_yday for p in periods[:3]] == [1, 9, 17]
    assert periods[-1].start == date(year, 12, 27 if year == 2022 else 26)
    assert periods[-1].end == date(year + 1, 1, 1)
    assert periods[-1].days == last_days
    assert sum(p.days for p in periods) == (366 if year == 2024 else 365)


def test_periods_are_contiguous_and_fractions_sum_to_one():
    periods = periods_of_year(2023)
    assert all(a.end == b.start for a, b in itertools.pairwise(periods))
    assert year_fraction(periods).sum() == pytest.approx(1.0, abs=1e-15)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_falls_in_exactly_its_period(day):
    period = period_of_date(day)
    assert period.start <= day < period.end
    assert period.year == day.year


def test_parse_period_takes_an_id_or_a_date():
    assert parse_period("2022-P05") == Period(2022, 5)
    assert parse_period("2022-02-03") == Period(2022, 5)
    assert parse_period("2022-12-31") == Period(2022, 46)
    with pytest.raises(QueryError, match="allowed are 01 to 46"):
        parse_period("2022-P47")
    with pytest.raises(QueryError, match="neither a period id"):
        parse_period("last week")


def test_time_bounds_are_period_start_and_end():
    starts, bounds = time_coords(periods_of_year(2022)[-2:])
    assert starts[0] == np.datetime64("2022-12-19")
    assert bounds[1, 0] == np.datetime64("2022-12-27")
    assert bounds[1, 1] == np.datetime64("2023-01-01")
