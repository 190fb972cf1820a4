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
