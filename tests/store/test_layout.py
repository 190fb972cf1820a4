"""Layouts: overview levels keep the mass of the full grid and tile the globe."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from methanemap.grid import CANONICAL
from methanemap.store.layout import chunks_of, coarsen, overview_coords

fields = arrays(
    np.float32,
    st.tuples(st.integers(1, 3), st.integers(1, 70), st.integers(1, 70)),
    elements=st.floats(0, 1e6, width=32),
)


@settings(max_examples=60, deadline=None)
@given(fields)
def test_every_overview_level_keeps_the_mass(values):
    levels = coarsen(values, 5)

    full = values.sum(axis=(1, 2), dtype=np.float64)
    for k, level in enumerate(levels, start=1):
        assert level.dtype == np.float32
        assert level.shape[1:] == (
            -(-values.shape[1] // 2**k),
            -(-values.shape[2] // 2**k),
        )
        np.testing.assert_allclose(
            level.sum(axis=(1, 2), dtype=np.float64), full, rtol=1e-5, atol=1e-3
        )


def test_a_coarse_cell_is_the_sum_of_its_fine_cells():
    values = np.arange(2 * 8 * 12, dtype=np.float32).reshape(2, 8, 12)
    level2 = coarsen(values, 2)[1]

    assert level2[1, 1, 2] == values[1, 4:8, 8:12].sum()


@pytest.mark.parametrize(
    ("level", "count", "last"),
    [
        (1, 900, (89.8, 90.0)),
        (3, 225, (89.2, 90.0)),
        (4, 113, (89.2, 90.0)),
        (5, 57, (89.2, 90.0)),
    ],
)
def test_overview_cells_of_the_canonical_grid_tile_the_globe(level, count, last):
    lat = xr.DataArray(CANONICAL.lat, dims="lat")
    centres, bounds = overview_coords(lat, level)

    assert centres.size == count
    assert tuple(bounds[0]) == (-90.0, -90.0 + 0.1 * 2**level)
    assert tuple(bounds[-1]) == last
    assert (bounds[1:, 0] == bounds[:-1, 1]).all()
    assert ((bounds[:, 0] < centres) & (centres < bounds[:, 1])).all()


def test_chunks_suit_tiles_histories_and_overviews():
    shape = (46, 1800, 3600)
    assert chunks_of("", shape) == (1, 600, 600)
    assert chunks_of("history", shape) == (46, 60, 60)
    assert chunks_of("overviews/1", (46, 900, 1800)) == (1, 450, 900)
    assert chunks_of("overviews/5", (46, 57, 113)) == (1, 57, 113)
