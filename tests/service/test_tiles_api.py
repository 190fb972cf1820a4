"""``GET /tiles/...``: PNG, WebP and NPY tiles, TileJSON, legends, problem+json for bad
requests, and HTTP caching (ETag, 304, Cache-Control, compression)."""

import io
from urllib.parse import parse_qs, urlsplit

import morecantile
import numpy as np
import pytest
from PIL import Image

from synthetic_cube import SHANXI, expected

pytestmark = pytest.mark.anyio

TMS = morecantile.tms.get("WebMercatorQuad")
SHANXI_Z5 = TMS.tile(SHANXI.lon, SHANXI.lat, 5)
SHANXI_URL = f"/tiles/5/{SHANXI_Z5.x}/{SHANXI_Z5.y}"


def decode(body: bytes, image_format: str = "PNG") -> np.ndarray:
    image = Image.open(io.BytesIO(body))
    assert image.format == image_format
    return np.asarray(image.convert("RGBA"))


def spot_pixel(tile: morecantile.Tile, size: int = 256) -> tuple[int, int]:
    x, y = TMS.xy(SHANXI.lon, SHANXI.lat)
    left, bottom, right, top = TMS.xy_bounds(tile)
    return int((top - y) / (top - bottom) * size), int(
        (x - left) / (right - left) * size
    )


@pytest.mark.parametrize(
    ("suffix", "media_type", "image_format", "size"),
    [
        (".png", "image/png", "PNG", 256),
        (".webp", "image/webp", "WEBP", 256),
        (".png?tile_size=512", "image/png", "PNG", 512),
        (".webp?tile_size=512", "image/webp", "WEBP", 512),
    ],
)
async def test_image_tiles_show_the_hot_spot_opaque(
    client, suffix, media_type, image_format, size
):
    joiner = "&" if "?" in suffix else "?"
    response = await client.get(f"{SHANXI_URL}{suffix}{joiner}sector=coal")

    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    pixels = decode(response.content, image_format)
    assert pixels.shape == (size, size, 4)
    row, col = spot_pixel(SHANXI_Z5, size)
    assert pixels[row, col, 3] == 255
    assert tuple(pixels[row, col, :3]) != (0, 0, 0)


async def test_npy_tiles_hold_the_cube_values(client):
    response = await client.get(f"{SHANXI_URL}.npy", params={"sector": "coal"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-npy"
    values = np.load(io.BytesIO(response.content), allow_pickle=False)
    assert values.shape == (256, 256) and values.dtype == np.float32
    row, col = spot_pixel(SHANXI_Z5)
    assert values[row, col] == pytest.approx(expected(SHANXI, "coal", 2))
    assert set(np.unique(values)) == {0.0, np.float32(expected(SHANXI, "coal", 2))}


async def test_the_world_tile_is_a_256_pixel_png(client):
    response = await client.get("/tiles/0/0/0.png")
    assert response.status_code == 200
    assert decode(response.content).shape == (256, 256, 4)


@pytest.mark.parametrize(("suffix", "image_format"), [("png", "PNG"), ("webp", "WEBP")])
async def test_an_empty_tile_is_a_small_transparent_image_with_200(
    client, suffix, image_format
):
    response = await client.get(f"/tiles/3/0/3.{suffix}")  # mid Pacific

    assert response.status_code == 200
    pixels = decode(response.content, image_format)
    assert pixels.shape == (256, 256, 4)
    assert (pixels[..., 3] == 0).all()
    assert len(response.content) < 200


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        # FC-07's paths are in tests/field_cases/test_fc07_tiles.py (a real server).
        ("/tiles/1/0/1e3.png", "y"),
        ("/tiles/99999999999999999999999/0/0.png", "z"),
        ("/tiles/0/0/0.png?tile_size=300", "tile_size"),
        ("/tiles/0/0/0.png?tile_size=abc", "tile_size"),
        ("/tiles/0/0/0.png?tile_size=1e9", "tile_size"),
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
        ({"quantity": "mass"}, 422, "quantity"),
        ({"vmin": "NaN"}, 422, "vmin"),
        ({"vmax": "inf"}, 422, "vmax"),
        ({"vmin": "abc"}, 422, "vmin"),
        ({"vmin": "1e309"}, 422, "vmin"),
        ({"vmin": "10", "vmax": "1"}, 422, "vmin"),
        ({"under": "blurple"}, 422, "under"),
        ({"over": "x" * 100}, 422, "over"),
        ({"period": "someday"}, 422, "period"),
        ({"period": "2031-P01"}, 404, "period"),
        ({"period": "2022-P47"}, 422, "period"),
        ({"version": "NOSUCHVERSION0000000"}, 404, "version"),
        ({"version": "<script>"}, 404, "version"),
        ({"sector": "c" * 1000}, 422, "sector"),
    ],
)
async def test_bad_tile_options_are_problems_naming_the_parameter(
    client, params, status, parameter
):
    response = await client.get(f"{SHANXI_URL}.png", params=params)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == parameter


async def test_tiles_carry_an_etag_and_answer_304_when_it_matches(client):
    first = await client.get(f"{SHANXI_URL}.png", params={"sector": "coal"})
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')

    again = await client.get(
        f"{SHANXI_URL}.png", params={"sector": "coal"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    weak = await client.get(
        f"{SHANXI_URL}.png",
        params={"sector": "coal"},
        headers={"If-None-Match": f'"other", W/{etag}'},
    )
    assert weak.status_code == 304


async def test_the_etag_changes_with_what_is_drawn(client):
    tags = set()
    for params in (
        {},
        {"sector": "coal"},
        {"period": "2022-P01"},
        {"scale": "linear"},
        {"quantity": "flux"},
        {"over": "red"},
        {"tile_size": "512"},
    ):
        response = await client.get(f"{SHANXI_URL}.png", params=params)
        tags.add(response.headers["etag"])
    webp = await client.get(f"{SHANXI_URL}.webp")
    assert len(tags | {webp.headers["etag"]}) == 8

    stale = await client.get(f"{SHANXI_URL}.png", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200


async def test_latest_tiles_are_kept_briefly_and_versioned_tiles_forever(client):
    version = (await client.get("/healthz")).json()["version"]

    latest = await client.get(f"{SHANXI_URL}.png")
    pinned = await client.get(f"{SHANXI_URL}.png", params={"version": version})

    assert latest.headers["cache-control"] == "public, max-age=300"
    assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert pinned.content == latest.content
    assert pinned.headers["etag"] == latest.headers["etag"]


async def test_json_and_npy_are_gzipped_but_images_are_not(client):
    gzip = {"Accept-Encoding": "gzip"}
    tilejson = await client.get("/tiles/tilejson.json", headers=gzip)
    npy = await client.get(f"{SHANXI_URL}.npy", headers=gzip)
    png = await client.get(f"{SHANXI_URL}.png", headers=gzip)
    webp = await client.get(f"{SHANXI_URL}.webp", headers=gzip)

    assert tilejson.headers["content-encoding"] == "gzip"
    assert npy.headers["content-encoding"] == "gzip"
    assert int(npy.headers["content-length"]) < 262_272 / 10
    assert "content-encoding" not in png.headers
    assert "content-encoding" not in webp.headers


async def test_tilejson_3_describes_one_sector_and_period_pinned_to_the_version(client):
    response = await client.get(
        "/tiles/tilejson.json", params={"sector": "gas", "period": "2022-01-12"}
    )

    assert response.status_code == 200
    document = response.json()
    assert document["tilejson"] == "3.0.0"
    assert document["scheme"] == "xyz"
    assert (document["minzoom"], document["maxzoom"]) == (0, 12)
    assert document["bounds"] == pytest.approx([-180, -85.0511, 180, 85.0511], abs=1e-4)
    (template,) = document["tiles"]
    url = urlsplit(template)
    assert url.path == "/tiles/{z}/{x}/{y}.png"
    query = parse_qs(url.query)
    assert query["sector"] == ["gas"] and query["period"] == ["2022-P02"]
    assert query["version"] == [document["methanemap"]["version"]]
    assert "legend.png" in document["legend"]


async def test_tilejson_tiles_and_legend_urls_answer(client):
    document = (
        await client.get("/tiles/tilejson.json", params={"format": "webp"})
    ).json()

    tile = await client.get(document["tiles"][0].format(z=0, x=0, y=0))
    legend = await client.get(document["legend"])
    stops = await client.get(document["methanemap"]["legend_json"])

    assert tile.status_code == 200 and tile.headers["content-type"] == "image/webp"
    assert "immutable" in tile.headers["cache-control"]
    assert legend.status_code == 200 and decode(legend.content).shape == (16, 256, 4)
    assert stops.status_code == 200 and len(stops.json()["stops"]) == 11


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/tiles/tilejson.json?format=gif", "format"),
        ("/tiles/tilejson.json?sector=nope", "sector"),
        ("/tiles/legend.png?width=0", "width"),
        ("/tiles/legend.png?colormap=nope", "colormap"),
        ("/tiles/legend.json?scale=cubic", "scale"),
    ],
)
async def test_bad_metadata_requests_name_the_parameter(client, path, parameter):
    response = await client.get(path)
    assert response.status_code == 422
    assert response.json()["parameter"] == parameter


async def test_the_legend_json_gives_the_range_and_colours_of_the_tiles(client):
    response = await client.get(
        "/tiles/legend.json",
        params={"sector": "coal", "scale": "linear", "vmin": 0, "vmax": 200},
    )

    legend = response.json()
    assert legend["range"] == [0.0, 200.0]
    assert legend["stops"][5]["value"] == pytest.approx(100.0)
    assert (
        legend["stops"][0]["color"].startswith("#")
        and len(legend["stops"][0]["color"]) == 9
    )
