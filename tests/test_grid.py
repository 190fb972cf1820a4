"""The canonical grid: centres, cell areas and the containing-cell rule."""

import numpy as np
import pytest

from methanemap.grid import CANONICAL, EARTH_RADIUS_M, Grid


def test_centres_are_at_point_05_and_ascend():
    assert CANONICAL.shape == (1800, 3600)
    assert CANONICAL.lat[0] == pytest.approx(-89.95)
    assert CANONICAL.lat[-1] == pytest.approx(89.95)
    assert CANONICAL.lon[0] == pytest.approx(-179.95)
    assert CANONICAL.lon[1800] == pytest.approx(0.05)
    assert np.all(np.diff(CANONICAL.lat) > 0)


def test_cell_areas_match_reference_values():
    # Reference areas from the field cases (authalic sphere).
    equator_row = CANONICAL.rows(0.05)[()]
    assert CANONICAL.cell_area[equator_row] / 1e6 == pytest.approx(123.643, rel=1e-4)
    assert CANONICAL.cell_area[-1] / 1e6 == pytest.approx(0.1079, rel=1e-3)
    earth = CANONICAL.cell_area.sum() * CANONICAL.nlon
    assert earth == pytest.approx(4 * np.pi * EARTH_RADIUS_M**2, rel=1e-12)
    assert Grid(1.0).cell_area[130] / 1e6 == pytest.approx(9401.8, rel=1e-4)


@pytest.mark.parametrize(
    ("lon", "lat", "row", "col"),
    [
        (112.55, 37.85, 1278, 2925),
        (-180.0, -90.0, 0, 0),
        (180.0, 90.0, 1799, 0),  # lon 180 is lon -180; the pole is in the top row
        (0.0, 0.0, 900, 1800),  # a point on an edge belongs to the cell it starts
        (-0.0001, -0.0001, 899, 1799),
        (10.1, 20.3, 1103, 1901),  # decimal edges despite binary floats
    ],
)
def test_point_goes_to_the_cell_that_contains_it(lon, lat, row, col):
    assert CANONICAL.rows(lat)[()] == row
    assert CANONICAL.cols(lon)[()] == col
    west, south, east, north = CANONICAL.cell_bounds(row, col)
    assert south <= lat <= north
    if lon != 180.0:
        assert west <= lon < east


def test_cell_id_is_row_major_from_the_south_west():
    assert CANONICAL.cell_id(0, 0) == 0
    assert CANONICAL.cell_id(1, 0) == 3600
    assert CANONICAL.cell_id(1799, 3599) == 1800 * 3600 - 1
