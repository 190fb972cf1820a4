"""Tiles: each pixel shows the cell under its centre; no emission is transparent."""

import io

import morecantile
import numpy as np
import pytest
from PIL import Image

from methanemap.errors import NotInCubeError, QueryError
from methanemap.grid import CANONICAL
from methanemap.serve.colour import colormap_steps, palette
from methanemap.serve.fields import FieldCache
from methanemap.serve.tiles import render_tile, validate_tile
from synthetic_cube import PERMIAN, SHANXI

TMS = morecantile.tms.get("WebMercatorQuad")
TOP_OF_VIRIDIS = (253, 231, 37, 255)


def decode(tile: bytes | None, image_format: str = "PNG") -> np.ndarray:
    """RGBA pixels of a PNG or WebP tile."""
    assert tile is not None
    image = Image.open(io.BytesIO(tile))
    assert image.format == image_format
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
    assert render_tile(snapshot, 3, 0, 3, tile_format="webp", cache=cache) is None


@pytest.mark.parametrize("size", [256, 512])
@pytest.mark.parametrize(
    ("tile_format", "decoded_as"), [("png", "PNG"), ("webp", "WEBP")]
)
def test_tiles_have_the_requested_size_and_format(
    snapshot, cache, size, tile_format, decoded_as
):
    tile = TMS.tile(PERMIAN.lon, PERMIAN.lat, 6)
    drawn = render_tile(
        snapshot,
        tile.z,
        tile.x,
        tile.y,
        sector="gas",
        tile_format=tile_format,
        size=size,
        cache=cache,
    )

    pixels = decode(drawn, decoded_as)
    assert pixels.shape == (size, size, 4)
    row, col = pixel_of(tile, PERMIAN.lon, PERMIAN.lat, size)
    assert tuple(pixels[row, col]) == TOP_OF_VIRIDIS


def test_a_512_tile_shows_the_same_map_as_256_at_double_resolution(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 8)
    draw = {"sector": "coal", "cache": cache}
    small = decode(render_tile(snapshot, tile.z, tile.x, tile.y, size=256, **draw))
    large = decode(render_tile(snapshot, tile.z, tile.x, tile.y, size=512, **draw))

    assert (large[..., 3] > 0).sum() == pytest.approx(
        4 * (small[..., 3] > 0).sum(), 0.2
    )


def test_the_world_tile_renders(snapshot, cache):
    png = render_tile(snapshot, 0, 0, 0, cache=cache)
    # At zoom 0 a pixel is 1.4 degrees wide, so single cells may fall between centres
    # when the cube has no overviews.
    assert png is None or decode(png).shape == (256, 256, 4)


def test_a_tile_reads_only_the_chunks_under_it(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 7)
    render_tile(
        snapshot, tile.z, tile.x, tile.y, sector="coal", vmin=1, vmax=200, cache=cache
    )
    assert cache.loaded_blocks() == {(snapshot.version, "emission_coal", 2, 0): (1, 18)}


def test_the_cache_keeps_the_chunks_read_within_its_byte_budget(snapshot):
    chunk = 600 * 600 * 4  # one float32 storage chunk of the 0.1 degree grid
    cache = FieldCache(max_fields=8, max_bytes=2 * chunk)
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 7)
    for period in ("2022-P01", "2022-P02", "2022-P03"):
        render_tile(
            snapshot, tile.z, tile.x, tile.y, sector="coal", period=period,
            vmin=1, vmax=200, cache=cache,
        )  # fmt: skip

    # One chunk per period was read; the oldest period's field went to stay in budget.
    kept = cache.loaded_blocks()
    assert sorted(key[2] for key in kept) == [1, 2]
    assert set(kept.values()) == {(1, 18)}
    assert cache.nbytes() == 2 * chunk


def test_linear_scale_puts_vmax_at_the_top_and_values_in_between_lower(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 6)
    row, col = pixel_of(tile, SHANXI.lon, SHANXI.lat)
    draw = {"sector": "coal", "period": "2022-P03", "scale": "linear", "cache": cache}

    at_top = decode(render_tile(snapshot, 6, tile.x, tile.y, vmin=0, vmax=140, **draw))
    halfway = decode(render_tile(snapshot, 6, tile.x, tile.y, vmin=0, vmax=280, **draw))

    assert tuple(at_top[row, col]) == TOP_OF_VIRIDIS
    steps = colormap_steps("viridis")
    assert tuple(halfway[row, col]) == tuple(steps[len(steps) // 2])


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        (None, TOP_OF_VIRIDIS),
        ("#ff0000", (255, 0, 0, 255)),
        ("transparent", (0, 0, 0, 0)),
    ],
)
def test_values_above_the_range_take_the_over_colour(snapshot, cache, over, expected):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 6)
    row, col = pixel_of(tile, SHANXI.lon, SHANXI.lat)
    draw = {"sector": "coal", "scale": "linear", "vmin": 0, "vmax": 100, "over": over}

    pixels = decode(render_tile(snapshot, 6, tile.x, tile.y, cache=cache, **draw))

    assert tuple(pixels[row, col]) == expected


def test_values_below_the_range_take_the_under_colour(snapshot, cache):
    tile = TMS.tile(SHANXI.lon, SHANXI.lat, 6)
    row, col = pixel_of(tile, SHANXI.lon, SHANXI.lat)
    draw = {"sector": "coal", "vmin": 500, "vmax": 1000, "cache": cache}

    ends = decode(render_tile(snapshot, 6, tile.x, tile.y, **draw))
    blue = decode(render_tile(snapshot, 6, tile.x, tile.y, under="blue", **draw))

    assert tuple(ends[row, col]) == tuple(palette("viridis")[1])  # the low end
    assert tuple(blue[row, col]) == (0, 0, 255, 255)


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
        ({"quantity": "mass"}, "quantity", "allowed are emission, flux"),
        ({"vmin": 5.0, "vmax": 5.0}, "vmin", "not below vmax"),
        ({"vmin": 0.0, "vmax": 5.0}, "vmin", "log scale"),
        ({"vmin": float("nan")}, "vmin", "finite"),
        ({"vmax": float("inf"), "scale": "linear"}, "vmax", "finite"),
        ({"under": "not-a-colour"}, "under", "not a colour"),
        ({"over": "#12"}, "over", "not a colour"),
        ({"size": 4096}, "tile_size", "allowed are 256, 512"),
        ({"size": 300}, "tile_size", "allowed are 256, 512"),
        ({"tile_format": "gif"}, "format", "allowed are png, webp, npy"),
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
