"""The lazy cube: building it computes nothing; computing it conserves mass."""

import dask
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from methanemap.grid import Grid
from methanemap.pipeline.activity import period_weights
from methanemap.pipeline.cube import build_cube, sector_patterns
from methanemap.pipeline.periods import periods_of_years

GRID = Grid(1.0)


class CountingScheduler:
    """A dask scheduler that counts how often it is asked to compute."""

    def __init__(self):
        self.calls = 0

    def __call__(self, dsk, keys, **kwargs):
        self.calls += 1
        return dask.get(dsk, keys, **kwargs)


def make_cube(masses, years=(2021, 2022), factor_2021=0.5):
    rows = [
        ("AAA", sector, r, c, m)
        for sector, cells in masses.items()
        for (r, c), m in cells.items()
    ]
    pattern = pd.DataFrame(rows, columns=["unit", "sector", "row", "col", "emission_t"])
    factors = pd.DataFrame(
        [
            ("AAA", s, y, factor_2021 if y == 2021 else 1.0)
            for s in ("coal", "oil", "gas")
            for y in years
        ],
        columns=["unit", "sector", "year", "factor"],
    )
    periods = periods_of_years(list(years))
    weights = period_weights(factors, periods)
    patterns = sector_patterns(pattern, weights, len(periods), GRID)
    return build_cube(patterns, periods, GRID)


def test_building_the_cube_computes_nothing():
    counter = CountingScheduler()
    with dask.config.set(scheduler=counter):
        cube = make_cube({"coal": {(10, 20): 5.0}, "oil": {}, "gas": {}})
    assert counter.calls == 0
    assert cube["emission_coal"].dims == ("time", "lat", "lon")
    assert cube.sizes == {"time": 92, "lat": 180, "lon": 360, "bnds": 2}


def test_periods_sum_to_the_scaled_annual_mass_in_the_right_cell():
    cube = make_cube({"coal": {(10, 20): 365.0}, "oil": {(170, 359): 730.0}, "gas": {}})
    coal = cube["emission_coal"].values.astype(np.float64)
    year_2021 = coal[:46].sum(axis=0)
    assert year_2021[10, 20] == pytest.approx(365.0 * 0.5, rel=1e-6)
    assert coal[46:].sum() == pytest.approx(365.0, rel=1e-6)
    assert coal[0, 10, 20] == pytest.approx(0.5 * 8, rel=1e-6)  # 8 of 365 days
    assert coal[45, 10, 20] == pytest.approx(0.5 * 5, rel=1e-6)
    assert np.count_nonzero(coal.sum(axis=0)) == 1
    total = cube["emission_total"].values.astype(np.float64)
    assert total[46:].sum() == pytest.approx(365.0 + 730.0, rel=1e-6)


@settings(max_examples=20, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(0, 179), st.integers(0, 359)),
        st.floats(0.001, 1e6),
        min_size=1,
        max_size=30,
    )
)
def test_binning_conserves_any_pattern(cells):
    cube = make_cube({"coal": {}, "oil": {}, "gas": cells}, years=(2022,))
    gas = cube["emission_gas"].values.astype(np.float64)
    assert gas.sum() == pytest.approx(sum(cells.values()), rel=1e-6)
    for (r, c), mass in cells.items():
        assert gas[:, r, c].sum() == pytest.approx(mass, rel=1e-6)
