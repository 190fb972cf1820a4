"""The web map page: served from the page directory, MapLibre from its node_modules."""

import shutil
from pathlib import Path

import pytest

from methanemap.service.web import MAPLIBRE_DIST, find_web_dir

pytestmark = pytest.mark.anyio

WEB_DIR = Path(__file__).parents[2] / "api" / "web"


def test_the_page_directory_is_found_in_the_checkout():
    assert find_web_dir(None) == WEB_DIR.resolve()
    assert find_web_dir(Path("/no/such/dir")) is None


async def test_the_page_loads_with_our_script_and_no_cdn(client):
    response = await client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "static/app.js" in response.text
    assert "https://" not in response.text

    script = await client.get("/static/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "maplibre/maplibre-gl.mjs" in script.text
    assert "periods" in script.text and "cells" in script.text


@pytest.mark.skipif(
    not (WEB_DIR / MAPLIBRE_DIST).is_dir(), reason="run `npm install` in api/web"
)
async def test_maplibre_is_served_from_node_modules_as_a_module(client):
    response = await client.get("/static/maplibre/maplibre-gl.mjs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/static/maplibre/maplibre-gl.css")).status_code == 200


async def test_without_node_modules_the_page_still_loads(client_for, tmp_path, cube):
    for name in ("index.html", "app.js", "style.css"):
        shutil.copy(WEB_DIR / name, tmp_path / name)

    async with client_for(store=cube, web_dir=tmp_path) as client:
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/static/app.js")).status_code == 200
        missing = await client.get("/static/maplibre/maplibre-gl.mjs")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
    assert "npm install" in (WEB_DIR / "app.js").read_text()


async def test_without_a_page_directory_the_root_says_where_it_is(client_for, cube):
    async with client_for(store=cube, web_dir=Path("/no/such/dir")) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert "METHANEMAP_WEB_DIR" in response.text
