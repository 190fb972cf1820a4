"""``GET /tiles/{z}/{x}/{y}.png``: PNG tiles, problem+json for bad paths, ETags."""

import io

import morecantile
import numpy as np
import pytest
from PIL import Image

from synthetic_cube import SHANXI

pytestmark = pytest.mark.anyio

TMS = morecantile.tms.get("WebMercatorQuad")
SHANXI_Z5 = TMS.tile(SHANXI.lon, SHANXI.lat, 5)
SHANXI_URL = f"/tiles/5/{SHANXI_Z5.x}/{SHANXI_Z5.y}.png"


def decode(body: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGBA"))


async def test_the_hot_spot_tile_is_a_png_with_the_spot_opaque(client):
    response = await client.get(SHANXI_URL, params={"sector": "coal"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    pixels = decode(response.content)
    assert pixels.shape == (256, 256, 4)
    x, y = TMS.xy(SHANXI.lon, SHANXI.lat)
    left, bottom, right, top = TMS.xy_bounds(SHANXI_Z5)
    row = int((top - y) / (top - bottom) * 256)
    col = int((x - left) / (right - left) * 256)
    assert pixels[row, col, 3] == 255
    assert tuple(pixels[row, col, :3]) != (0, 0, 0)


async def test_the_world_tile_is_a_256_pixel_png(client):
    response = await client.get("/tiles/0/0/0.png")
    assert response.status_code == 200
    assert decode(response.content).shape == (256, 256, 4)


async def test_an_empty_tile_is_a_transparent_png_not_an_error(client):
    response = await client.get("/tiles/3/0/3.png")  # mid Pacific

    assert response.status_code == 200
    pixels = decode(response.content)
    assert pixels.shape == (256, 256, 4)
    assert (pixels[..., 3] == 0).all()


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/tiles/0/10/0.png", "x"),
        ("/tiles/0/0/1.png", "y"),
        ("/tiles/2/0/100.png", "y"),
        ("/tiles/3/-1/0.png", "x"),
        ("/tiles/-1/0/0.png", "z"),
        ("/tiles/9999/1/1.png", "z"),
        ("/tiles/31/1/0.png", "z"),
        ("/tiles/abc/0/0.png", "z"),
        ("/tiles/1/0/1e3.png", "y"),
        ("/tiles/99999999999999999999999/0/0.png", "z"),
    ],
)
async def test_invalid_tile_paths_are_422_problems_naming_the_parameter(
    client, path, parameter
):
    response = await client.get(path)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["parameter"] == parameter
    assert problem["invalid-params"][0]["name"] == parameter
    assert problem["type"] == "urn:methanemap:problem:invalid-parameter"
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"sector": "methane"}, 422, "sector"),
        ({"colormap": "nope"}, 422, "colormap"),
        ({"scale": "sqrt"}, 422, "scale"),
        ({"vmin": "NaN"}, 422, "vmin"),
        ({"vmax": "inf"}, 422, "vmax"),
        ({"vmin": "abc"}, 422, "vmin"),
        ({"vmin": "10", "vmax": "1"}, 422, "vmin"),
        ({"period": "someday"}, 422, "period"),
        ({"period": "2031-P01"}, 404, "period"),
    ],
)
async def test_bad_tile_options_are_problems_naming_the_parameter(
    client, params, status, parameter
):
    response = await client.get(SHANXI_URL, params=params)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == parameter


async def test_tiles_carry_an_etag_and_answer_304_when_it_matches(client):
    first = await client.get(SHANXI_URL, params={"sector": "coal"})
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert "max-age=" in first.headers["cache-control"]

    again = await client.get(
        SHANXI_URL, params={"sector": "coal"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    weak = await client.get(
        SHANXI_URL,
        params={"sector": "coal"},
        headers={"If-None-Match": f'"other", W/{etag}'},
    )
    assert weak.status_code == 304


async def test_the_etag_changes_with_what_is_drawn(client):
    tags = set()
    for params in ({}, {"sector": "coal"}, {"period": "2022-P01"}, {"scale": "linear"}):
        response = await client.get(SHANXI_URL, params=params)
        tags.add(response.headers["etag"])
    assert len(tags) == 4

    stale = await client.get(SHANXI_URL, headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200
