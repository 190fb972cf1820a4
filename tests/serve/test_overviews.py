"""Overviews: the zoom picks the level, and tiles drawn from a level agree with tiles
drawn from the full grid, in emission per cell and in flux per area."""

import io

import numpy as np
import pytest
from memory_cube import coarsened, memory_snapshot, smooth_field
from test_tiles import decode

from methanemap.grid import CANONICAL
from methanemap.serve.fields import FieldCache
from methanemap.serve.tilematrix import (
    level_grids,
    overview_level,
    pixel_lats,
    pixel_lons,
)
from methanemap.serve.tiles import render_tile

LEVELS = (1, 2, 3)


def read_npy(tile: bytes | None) -> np.ndarray:
    assert tile is not None
    return np.load(io.BytesIO(tile), allow_pickle=False)


@pytest.fixture(scope="module", params=["emission", "flux"])
def smooth_cubes(request):
    """A quantity, and a field smooth in it with overviews 1 to 3, and without any."""
    field = smooth_field()
    if request.param == "flux":  # smooth per km2, so mass shrinks with cell area
        field = field * (CANONICAL.cell_area / CANONICAL.cell_area.max())[:, None]
    name = f"smooth-{request.param}"
    return (
        request.param,
        memory_snapshot(field, levels=LEVELS, version=f"{name}-overviews"),
        memory_snapshot(field, version=f"{name}-full"),
    )


@pytest.mark.parametrize(
    ("z", "size", "levels", "level"),
    [
        (0, 256, LEVELS, 3),  # a pixel is 1.41 degrees: 0.8 degree cells fit
        (1, 256, LEVELS, 2),
        (2, 256, LEVELS, 1),
        (3, 256, LEVELS, 0),  # 0.18 degree pixels: only the full grid
        (0, 512, LEVELS, 2),
        (1, 512, LEVELS, 1),
        (2, 512, LEVELS, 0),
        (0, 256, (1,), 1),
        (0, 256, (), 0),
        (0, 256, (4, 5), 0),  # coarser than a pixel: never used
    ],
)
def test_the_level_is_the_coarsest_whose_cells_fit_in_a_pixel(z, size, levels, level):
    assert overview_level(z, size, CANONICAL, levels) == level


def test_an_overview_of_the_wrong_shape_is_not_used():
    cube = memory_snapshot(smooth_field(), levels=(2,), version="bad-level")
    trimmed = cube.ds.isel(lat=slice(0, 1792))  # 1792 / 16 rows: not the grid's half
    cube.overviews[4] = coarsened(trimmed, 4)  # type: ignore[index]

    assert sorted(level_grids(cube)) == [0, 2]


@pytest.mark.parametrize(
    ("z", "x", "y"), [(0, 0, 0), (1, 1, 0), (1, 0, 1), (2, 2, 1), (2, 0, 2)]
)
def test_overview_tiles_agree_with_full_resolution_tiles(smooth_cubes, z, x, y):
    quantity, with_levels, full_only = smooth_cubes
    cache = FieldCache(4)
    draw = {"tile_format": "npy", "quantity": quantity, "cache": cache}

    coarse = read_npy(render_tile(with_levels, z, x, y, **draw))
    fine = read_npy(render_tile(full_only, z, x, y, **draw))

    used = {key[3] for key in cache.loaded_blocks() if key[0] == with_levels.version}
    assert used == {overview_level(z, 256, CANONICAL, LEVELS)}
    # Pixels on the 58 S edge of the field may sit on either side of it.
    both = (coarse > 0) & (fine > 0)
    assert both.mean() > 0.3 and ((coarse > 0) != (fine > 0)).mean() < 0.01
    np.testing.assert_allclose(coarse[both], fine[both], rtol=0.02)


def test_overview_colours_agree_with_full_resolution_colours(smooth_cubes):
    quantity, with_levels, full_only = smooth_cubes
    top = 1.6 if quantity == "emission" else 1.6 / 123.6 * 365 / 8
    draw = {"vmax": top, "scale": "linear", "quantity": quantity}

    coarse = decode(render_tile(with_levels, 1, 0, 0, cache=FieldCache(2), **draw))
    fine = decode(render_tile(full_only, 1, 0, 0, cache=FieldCache(2), **draw))

    differences = np.abs(coarse.astype(int) - fine).max(axis=-1)
    assert (differences <= 8).mean() > 0.99


def test_a_lone_hot_cell_shows_at_zoom_0_as_its_mass_spread_over_its_block():
    # A cell of the 8 x 8 block under pixel (60, 200) of the world tile, but not the
    # cell under that pixel's centre, which is all the full grid would show.
    centre_row = int(CANONICAL.rows(pixel_lats(0, 0, 256)[60]))
    centre_col = int(CANONICAL.cols(pixel_lons(0, 0, 256)[200]))
    row, col = centre_row // 8 * 8 + (centre_row + 4) % 8, centre_col
    field = np.zeros(CANONICAL.shape, dtype=np.float32)
    field[row, col] = 128.0
    with_levels = memory_snapshot(field, levels=LEVELS, version="lone-levels")
    full_only = memory_snapshot(field, version="lone-full")

    coarse = read_npy(render_tile(with_levels, 0, 0, 0, tile_format="npy"))
    fine = read_npy(render_tile(full_only, 0, 0, 0, tile_format="npy"))

    # Level 3 sums 8 x 8 cells: 128 t over 64 cells is 2 t per cell (at 60 N a
    # pixel is 0.7 degrees tall, so two pixel rows may show that 0.8 degree cell).
    assert coarse[60, 200] == 2.0 and set(np.unique(coarse)) == {0.0, 2.0}
    assert np.count_nonzero(coarse) <= 2
    assert not fine.any()
