"""Planning a change: the years it covers, and which periods it adds or revises."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from methanemap.errors import RecipeError
from methanemap.pipeline.fingerprint import expected_totals, period_fingerprints
from methanemap.pipeline.periods import Period, periods_of_years
from methanemap.pipeline.plan import plan_change, ranges, years_to_build
from methanemap.store import open_cube
from small_cube import fingerprints, small_cube, small_update


@pytest.fixture(scope="module")
def cube_2021(tmp_path_factory):
    location = str(tmp_path_factory.mktemp("plan") / "cube")
    small_update(location, [2021])
    return open_cube(location)


def test_update_keeps_the_cube_years_and_adds_those_asked(cube_2021):
    assert years_to_build([2022], cube_2021, replace=False) == [2021, 2022]
    assert years_to_build([2019, 2020], cube_2021, replace=False) == [2019, 2020, 2021]
    assert years_to_build([2019], cube_2021, replace=True) == [2019]


def test_years_that_would_leave_a_gap_are_refused(cube_2021):
    with pytest.raises(RecipeError, match=r"gap \(\[2020\]\).*2019-2021"):
        years_to_build([2019], cube_2021, replace=False)


def test_a_year_before_the_cube_is_added_with_a_shift(cube_2021):
    years = [2020, 2021]
    plan = plan_change(
        cube_2021,
        small_cube(years),
        periods_of_years(years),
        fingerprints(years, None),
        replace=False,
    )

    assert plan.rebuild == "" and plan.shift == 46
    assert plan.added == periods_of_years([2020]) and plan.revised == []
    assert plan.rewritten == list(range(46))


def test_only_periods_with_a_new_fingerprint_are_revised(cube_2021):
    years = [2021, 2022]
    prints = fingerprints(years, None)
    prints[3] += 1
    plan = plan_change(
        cube_2021, small_cube(years), periods_of_years(years), prints, replace=False
    )

    assert plan.revised == [Period(2021, 4)]
    assert plan.added == periods_of_years([2022])
    assert plan.rewritten == [3, *range(46, 92)]


def test_new_variables_lay_the_cube_out_afresh(cube_2021):
    new = small_cube([2021]).assign(extra=(("lat", "lon"), np.zeros((180, 360))))
    plan = plan_change(
        cube_2021, new, periods_of_years([2021]), fingerprints([2021], None), False
    )

    assert "variables change" in plan.rebuild
    assert len(plan.revised) == 46


def test_period_runs_read_as_ranges():
    periods = [Period(2021, 45), Period(2021, 46), Period(2022, 1), Period(2022, 9)]
    assert ranges(periods) == "2021-P45..2022-P01, 2022-P09"


@dataclass(frozen=True)
class Allocation:
    units: pd.DataFrame
    pattern: pd.DataFrame
    factors: pd.DataFrame
    periods: list[Period]
    weights: pd.DataFrame


def allocation(factor_2021: float = 1.0) -> Allocation:
    periods = periods_of_years([2021, 2022])
    units = pd.DataFrame(
        {"unit": ["A", "B"], "sector": ["coal", "gas"], "emission_t": [365.0, 730.0]}
    )
    factors = pd.DataFrame(
        [
            (u, s, y, factor_2021 if y == 2021 else 1.0)
            for u, s in (("A", "coal"), ("B", "gas"))
            for y in (2021, 2022)
        ],
        columns=["unit", "sector", "year", "factor"],
    )
    weights = pd.DataFrame(
        [
            (u, s, i, (factor_2021 if p.year == 2021 else 1.0) * p.days / 365)
            for u, s in (("A", "coal"), ("B", "gas"))
            for i, p in enumerate(periods)
        ],
        columns=["unit", "sector", "period", "weight"],
    )
    pattern = pd.DataFrame({"unit": ["A", "B"], "row": [1, 2], "col": [3, 4]})
    return Allocation(units, pattern, factors, periods, weights)


def test_a_changed_year_changes_only_its_fingerprints():
    before, after = allocation(), allocation(factor_2021=1.2)
    old = period_fingerprints(before, before.periods)
    new = period_fingerprints(after, after.periods)

    assert (old != 0).all() and len(set(old)) == 92
    assert (old[:46] != new[:46]).all()
    assert (old[46:] == new[46:]).all()


def test_a_changed_pattern_changes_every_fingerprint():
    before = allocation()
    moved = before.pattern.assign(row=[5, 2])
    old = period_fingerprints(before, before.periods)
    new = period_fingerprints(
        Allocation(before.units, moved, before.factors, before.periods, before.weights),
        before.periods,
    )

    assert (old != new).all()


def test_expected_totals_are_annual_mass_times_weights():
    alloc = allocation(factor_2021=2.0)
    table = expected_totals(alloc.units, alloc.weights, alloc.periods)

    assert table["emission_coal"].iloc[0] == pytest.approx(365 * 2 * 8 / 365)
    assert table["emission_gas"].iloc[46] == pytest.approx(730 * 8 / 365)
    assert table["emission_total"].iloc[46:].sum() == pytest.approx(365 + 730)
