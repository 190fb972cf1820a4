"""The uncertainty rule: full correlation within a unit, independence between units."""

import numpy as np
import pytest

from methanemap import uncertainty


def test_one_unit_sums_its_national_error_linearly():
    # Two cells of one country: national parts add linearly, allocation in quadrature.
    sigma = uncertainty.sigma("coal", [60.0, 40.0], ["A", "A"], [False, False])
    expected = np.sqrt((0.30 * 100) ** 2 + (0.5 * 60) ** 2 + (0.5 * 40) ** 2)
    assert sigma == pytest.approx(expected)


def test_independent_units_add_in_quadrature():
    sigma = uncertainty.sigma("oil", [100.0, 100.0], ["A", "B"], [False, True])
    expected = np.sqrt(2 * (0.35 * 100) ** 2 + (0.5 * 100) ** 2 + (1.0 * 100) ** 2)
    assert sigma == pytest.approx(expected)


def test_relative_error_of_a_sum_falls_with_more_independent_units():
    one = uncertainty.sigma("gas", [100.0], ["A"], [False]) / 100
    many = uncertainty.sigma("gas", [1.0] * 100, list(range(100)), [False] * 100) / 100
    assert many < one / 5


def test_cell_relative_matches_sigma_of_that_cell():
    cells = [7, 7, 8]
    mass = [30.0, 10.0, 5.0]
    units = ["A", "B", "A"]
    uniform = [False, True, False]
    relative = uncertainty.cell_relative("coal", cells, mass, units, uniform)
    assert relative[7] == pytest.approx(
        uncertainty.sigma("coal", mass[:2], units[:2], uniform[:2]) / 40
    )
    assert relative[8] == pytest.approx(np.hypot(0.30, 0.5))


def test_interval_is_95_percent_and_never_negative():
    low, high = uncertainty.interval(100.0, 10.0)
    assert (low, high) == pytest.approx((80.40036, 119.59964))
    assert uncertainty.interval(1.0, 10.0)[0] == 0.0


def test_scaled_sigma_is_sigma_of_the_scaled_entries():
    # A unit's entries scaled by one factor keep the rule: the same sigma as listing
    # the scaled entries one by one.
    mass, units, uniform = (
        [30.0, 10.0, 5.0, 8.0],
        [0, 0, 1, 2],
        [False, True, False, True],
    )
    scale = np.array([2.0, 0.5, 3.0])
    moments = uncertainty.unit_moments(mass, units, uniform, 3)
    scaled = np.asarray(mass) * scale[units]
    direct = uncertainty.sigma("gas", scaled, units, uniform)
    assert uncertainty.scaled_sigma("gas", moments, scale) == pytest.approx(direct)


def test_scaled_sigma_takes_many_sums_and_many_scales_at_once():
    rng = np.random.default_rng(3)
    mass = rng.random((4, 5)) * 100  # four sums (say, countries) over five units
    alloc = rng.random((4, 5)) * 100
    scales = rng.random((5, 6))  # six periods
    many = uncertainty.scaled_sigma(
        "coal", uncertainty.UnitMoments(mass, alloc), scales
    )
    assert many.shape == (4, 6)
    one = uncertainty.UnitMoments(mass[2], alloc[2])
    assert many[2, 4] == pytest.approx(
        uncertainty.scaled_sigma("coal", one, scales[:, 4])
    )


def test_interval_arrays_match_the_scalar_interval():
    low, high = uncertainty.intervals([100.0, 1.0], [10.0, 10.0])
    assert (low[0], high[0]) == pytest.approx(uncertainty.interval(100.0, 10.0))
    assert low[1] == 0.0
