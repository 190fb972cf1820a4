"""Tiles: each pixel shows the cell under its centre; no emission is transparent."""

import io

import morecantile
import numpy as np
import pytest
from PIL import Image

from methanemap.errors import NotInCubeError, QueryError
from methanemap.grid import CANONICAL
from methanemap.serve.colour import palette
from methanemap.serve.tiles import render_tile, validate_tile
from synthetic_cube import PERMIAN, SHANXI

TMS = morecantile.tms.get("WebMercatorQuad")
TOP_OF_VIRIDIS = (253, 231, 37, 255)


def decode(png: bytes | None) -> np.ndarray:
    """RGBA pixels of a PNG tile."""
    assert png is not None
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGBA"))


def pixel_of(tile: morecantile.Tile, lon: float, lat: float, size: int = 256):
    """(row, col) of the pixel of `tile` that holds a point."""
    x, y = TMS.xy(lon, lat)
    left, bottom, right, top = TMS.xy_bounds(tile)
    return int((top - y) / (top - bottom) * size), int(
        (x - left) / (right - left) * size
    )


def pixel_centres(tile: morecantile.Tile, size: int = 256):
    """Longitudes of the pixel columns' centres and latitudes of the rows' centres."""
    left, bottom, right, top = TMS.xy_bounds(tile)
    steps = (np.arange(size) + 0.5) / size
    lons = [TMS.lnglat(left + f * (right - left), top).x for f in steps]
    lats = [TMS.lnglat(left, top - f * (top - bottom)).y for f in steps]
    return np.array(lons), np.array(lats)


def test_the_hot_spot_is_opaque_in_the_top_colour_at_zoom_5(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 5)

    pixels = decode(
        render_tile(snapshot, tile.z, tile.x, tile.y, sector="coal", cache=cache)
    )

    assert pixels.shape == (256, 256, 4)
    row, col = pixel_of(tile, SHANXI.lon, SHANXI.lat)
    assert tuple(pixels[row, col]) == TOP_OF_VIRIDIS
    opaque = pixels[..., 3] > 0
    assert 1 <= opaque.sum() <= 9  # one 0.1 degree cell is about 2 x 3 pixels here
    assert set(np.unique(pixels[..., 3])) == {0, 255}


def test_opaque_pixels_are_exactly_those_whose_centre_is_in_the_cell(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 9)
    west, south, east, north = CANONICAL.cell_bounds(SHANXI.row, SHANXI.col)

    pixels = decode(
        render_tile(snapshot, tile.z, tile.x, tile.y, sector="coal", cache=cache)
    )

    lons, lats = pixel_centres(tile)
    inside = ((lats >= south) & (lats < north))[:, None] & (
        (lons >= west) & (lons < east)
    )[None, :]
    assert inside.sum() > 100
    np.testing.assert_array_equal(pixels[..., 3] == 255, inside)


def test_an_ocean_tile_is_empty(snapshot, cache):
    assert render_tile(snapshot, 3, 0, 3, cache=cache) is None  # mid Pacific


@pytest.mark.parametrize("size", [256, 512])
def test_tiles_have_the_requested_size(snapshot, cache, size):
    tile = TMS.tile(PERMIAN.lon, PERMIAN.lat, 6)
    png = render_tile(
        snapshot, tile.z, tile.x, tile.y, sector="gas", size=size, cache=cache
    )
    assert decode(png).shape == (size, size, 4)


def test_the_world_tile_renders(snapshot, cache):
    png = render_tile(snapshot, 0, 0, 0, cache=cache)
    # At zoom 0 a pixel is 1.4 degrees wide, so single cells may fall between centres.
    assert png is None or decode(png).shape == (256, 256, 4)


def test_a_tile_reads_only_the_chunks_under_it(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 7)
    render_tile(
        snapshot, tile.z, tile.x, tile.y, sector="coal", vmin=1, vmax=200, cache=cache
    )
    assert cache.loaded_blocks() == {(snapshot.version, "emission_coal", 2): (1, 18)}


def test_linear_scale_puts_vmax_at_the_top_and_values_in_between_lower(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 6)
    row, col = pixel_of(tile, SHANXI.lon, SHANXI.lat)
    draw = {"sector": "coal", "period": "2022-P03", "scale": "linear", "cache": cache}

    at_top = decode(render_tile(snapshot, 6, tile.x, tile.y, vmin=0, vmax=140, **draw))
    halfway = decode(render_tile(snapshot, 6, tile.x, tile.y, vmin=0, vmax=280, **draw))

    assert tuple(at_top[row, col]) == TOP_OF_VIRIDIS
    colours = np.frombuffer(palette("viridis"), dtype=np.uint8).reshape(256, 4)
    assert tuple(halfway[row, col]) == tuple(colours[1 + 127])


def test_the_default_range_comes_from_the_latest_period(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 6)
    row, col = pixel_of(tile, SHANXI.lon, SHANXI.lat)
    # The latest period's only coal cell sets the top of the range (140 t), so an
    # earlier, smaller value of that cell is drawn below the top on either scale.
    for scale in ("log", "linear"):
        draw = {"sector": "coal", "period": "2022-P01", "scale": scale}
        earlier = decode(render_tile(snapshot, 6, tile.x, tile.y, cache=cache, **draw))
        assert earlier[row, col, 3] == 255
        assert tuple(earlier[row, col]) != TOP_OF_VIRIDIS


@pytest.mark.parametrize(
    ("z", "x", "y", "parameter"),
    [
        (0, 10, 0, "x"),
        (0, 0, 1, "y"),
        (2, 0, 100, "y"),
        (3, -1, 0, "x"),
        (-1, 0, 0, "z"),
        (9999, 1, 1, "z"),
        (31, 1, 0, "z"),
        (13, 0, 0, "z"),
    ],
)
def test_tile_indices_outside_the_matrix_are_refused(snapshot, z, x, y, parameter):
    with pytest.raises(QueryError, match="out of range") as e:
        validate_tile(snapshot, z, x, y, max_zoom=12)
    assert e.value.parameter == parameter


def test_the_highest_zoom_is_allowed_and_over_zoom_draws(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 12)
    png = render_tile(
        snapshot, 12, tile.x, tile.y, sector="coal", max_zoom=12, cache=cache
    )
    pixels = decode(png)
    row, col = pixel_of(tile, SHANXI.lon, SHANXI.lat)
    assert tuple(pixels[row, col]) == TOP_OF_VIRIDIS
    assert (pixels[..., 3] == 255).mean() > 0.3  # one cell spans most of this tile


@pytest.mark.parametrize(
    ("options", "parameter", "message"),
    [
        ({"sector": "methane"}, "sector", "allowed are coal"),
        ({"colormap": "no-such-map"}, "colormap", "unknown"),
        ({"colormap": "<script>"}, "colormap", "unknown"),
        ({"scale": "sqrt"}, "scale", "allowed are log, linear"),
        ({"vmin": 5.0, "vmax": 5.0}, "vmin", "not below vmax"),
        ({"vmin": 0.0, "vmax": 5.0}, "vmin", "log scale"),
        ({"vmin": float("nan")}, "vmin", "finite"),
        ({"vmax": float("inf"), "scale": "linear"}, "vmax", "finite"),
        ({"size": 4096}, "size", "out of range"),
    ],
)
def test_bad_drawing_options_name_the_parameter(snapshot, options, parameter, message):
    with pytest.raises(QueryError, match=message) as e:
        validate_tile(snapshot, 0, 0, 0, **options)
    assert e.value.parameter == parameter


def test_a_period_outside_the_cube_is_not_in_cube(snapshot):
    with pytest.raises(NotInCubeError, match="2023-P01") as e:
        validate_tile(snapshot, 0, 0, 0, period="2023-P01")
    assert e.value.parameter == "period"


def test_one_sided_range_beyond_the_default_is_refused(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 5)
    with pytest.raises(QueryError, match="empty range") as e:
        render_tile(snapshot, 5, tile.x, tile.y, sector="coal", vmin=1e6, cache=cache)
    assert e.value.parameter == "vmin"
