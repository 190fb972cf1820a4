"""Where tile pixels land: the cell under each pixel centre, at the antimeridian, at the
edges of the mercator square, and in raw NPY tiles whose values are the cube's."""

import io

import morecantile
import numpy as np
import pytest
from memory_cube import PERIOD, memory_snapshot, random_field
from test_tiles import decode

from methanemap.grid import CANONICAL
from methanemap.serve.fields import FieldCache
from methanemap.serve.tilematrix import MERCATOR_MAX_LAT, pixel_lats, pixel_lons
from methanemap.serve.tiles import render_tile

TMS = morecantile.tms.get("WebMercatorQuad")


def read_npy(tile: bytes | None) -> np.ndarray:
    assert tile is not None
    return np.load(io.BytesIO(tile), allow_pickle=False)


def cells_under(tile: morecantile.Tile, size: int = 256) -> tuple[np.ndarray, ...]:
    """Grid rows and columns under each pixel centre, from morecantile's own maths."""
    left, bottom, right, top = TMS.xy_bounds(tile)
    steps = (np.arange(size) + 0.5) / size
    lons = np.array([TMS.lnglat(left + f * (right - left), top).x for f in steps])
    lats = np.array([TMS.lnglat(left, top - f * (top - bottom)).y for f in steps])
    return CANONICAL.rows(lats), CANONICAL.cols(lons)


@pytest.fixture(scope="module")
def random_cube():
    return memory_snapshot(random_field(), version="random")


@pytest.mark.parametrize(
    ("z", "x", "y", "size"), [(3, 0, 3, 256), (5, 26, 12, 256), (8, 211, 97, 512)]
)
def test_npy_values_are_the_cube_values_under_the_pixel_centres(
    random_cube, z, x, y, size
):
    values = read_npy(
        render_tile(
            random_cube, z, x, y, tile_format="npy", size=size, cache=FieldCache(2)
        )
    )

    rows, cols = cells_under(morecantile.Tile(x, y, z), size)
    expected = random_field()[np.ix_(rows, cols)]
    assert values.dtype == np.float32
    assert values.shape == (size, size)
    np.testing.assert_array_equal(values, expected)


def test_the_antimeridian_columns_sit_at_the_outer_edges_of_the_end_tiles():
    field = np.zeros(CANONICAL.shape, dtype=np.float32)
    field[:, [0, CANONICAL.nlon - 1]] = 50.0  # the columns at -179.95 and 179.95
    cube = memory_snapshot(field, version="antimeridian")
    cache = FieldCache(2)

    west = decode(render_tile(cube, 3, 0, 3, vmin=1, vmax=100, cache=cache))
    east = decode(render_tile(cube, 3, 7, 3, vmin=1, vmax=100, cache=cache))

    assert (west[:, 0, 3] == 255).all() and (west[:, 1:, 3] == 0).all()
    assert (east[:, 255, 3] == 255).all() and (east[:, :255, 3] == 0).all()
    assert pixel_lons(3, 0, 256)[0] > -180 and pixel_lons(3, 7, 256)[-1] < 180


@pytest.mark.parametrize(("y", "edge_row"), [(0, 0), (7, -1)])
def test_the_edges_of_the_mercator_square_show_the_last_rows_it_covers(y, edge_row):
    field = np.zeros(CANONICAL.shape, dtype=np.float32)
    # The cells 85.0 to 85.1 N and S hold the square's edges at +-85.0511 degrees.
    field[[CANONICAL.rows(85.0), CANONICAL.rows(-85.05)], :] = 50.0
    cube = memory_snapshot(field, version=f"edge{y}")

    values = read_npy(
        render_tile(cube, 3, 4, y, tile_format="npy", cache=FieldCache(1))
    )

    rows, cols = cells_under(morecantile.Tile(4, y, 3))
    np.testing.assert_array_equal(values, field[np.ix_(rows, cols)])
    assert (values[edge_row] == 50.0).all()
    assert (
        MERCATOR_MAX_LAT - 0.1 < abs(pixel_lats(3, y, 256)[edge_row]) < MERCATOR_MAX_LAT
    )


def test_an_empty_npy_tile_is_zeros_not_missing():
    cube = memory_snapshot(np.zeros(CANONICAL.shape, np.float32), version="empty")
    values = read_npy(
        render_tile(cube, 2, 0, 1, tile_format="npy", cache=FieldCache(1))
    )
    assert values.shape == (256, 256) and not values.any()


def test_missing_values_stay_nan_in_npy_and_transparent_in_png():
    field = np.full(CANONICAL.shape, 3.0, dtype=np.float32)
    field[:, : CANONICAL.nlon // 2] = np.nan
    cube = memory_snapshot(field, version="nan")
    cache = FieldCache(2)

    values = read_npy(render_tile(cube, 1, 0, 0, tile_format="npy", cache=cache))
    assert np.isnan(values).all()
    assert render_tile(cube, 1, 0, 0, vmin=1, vmax=5, cache=cache) is None


def test_flux_divides_mass_by_cell_area_and_the_period_by_its_year():
    field = np.zeros(CANONICAL.shape, dtype=np.float32)
    field[CANONICAL.rows(0.05), CANONICAL.cols(0.05)] = 50.0
    cube = memory_snapshot(field, version="flux")
    tile = TMS.tile(0.05, 0.05, 9)

    values = read_npy(
        render_tile(
            cube,
            9,
            tile.x,
            tile.y,
            tile_format="npy",
            quantity="flux",
            cache=FieldCache(1),
        )
    )

    area_km2 = 123.643  # FC-15: the 0.1 degree cell at the equator
    expected = 50.0 / area_km2 * (365 / PERIOD.days)  # t km-2 yr-1
    assert np.nanmax(values) == pytest.approx(expected, rel=1e-4)
