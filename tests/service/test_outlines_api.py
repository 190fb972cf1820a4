"""``GET /countries.geojson``: the map's country outlines, or 503 without the input."""

import pytest

pytestmark = pytest.mark.anyio


async def test_outlines_are_geojson_polygons_with_codes_and_names(client):
    response = await client.get("/countries.geojson")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    by_code = {f["id"]: f for f in collection["features"]}
    assert 150 < len(by_code) < 200  # Natural Earth 1:110m, one feature per country
    china = by_code["CHN"]
    assert china["properties"]["name"] == "China"
    assert china["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    west, south, east, north = china["properties"]["bbox"]
    assert (west, south, east, north) == pytest.approx(
        (73.7, 18.2, 135.0, 53.5), abs=0.5
    )
    assert {"FRA", "NOR"} <= set(by_code)  # ISO_A3 is -99 for both in the source


async def test_without_the_input_the_outlines_are_unavailable(
    client_for, cube, tmp_path
):
    async with client_for(store=cube, data_mirror=tmp_path) as client:
        response = await client.get("/countries.geojson")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "naturalearth_110m" in response.json()["detail"]
