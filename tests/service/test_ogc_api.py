"""``GET /ogc/...``: OGC API - Tiles discovery, from the landing page to a tile."""

import pytest

pytestmark = pytest.mark.anyio

REL = "http://www.opengis.net/def/rel/ogc/1.0/"


def link(document: dict, rel: str) -> str:
    (href,) = [entry["href"] for entry in document["links"] if entry["rel"] == rel]
    return str(href)


async def test_the_landing_page_links_conformance_collections_and_tiling_schemes(
    client,
):
    landing = (await client.get("/ogc")).json()

    assert landing["title"] == "methanemap"
    for rel in ("conformance", "data", "tiling-schemes"):
        response = await client.get(link(landing, REL + rel))
        assert response.status_code == 200, rel
    assert (await client.get(link(landing, "service-desc"))).status_code == 200


async def test_conformance_names_the_tiles_classes(client):
    classes = (await client.get("/ogc/conformance")).json()["conformsTo"]

    spec = "http://www.opengis.net/spec/"
    assert f"{spec}ogcapi-tiles-1/1.0/conf/core" in classes
    assert f"{spec}ogcapi-tiles-1/1.0/conf/tileset" in classes
    assert f"{spec}ogcapi-common-1/1.0/conf/landing-page" in classes


async def test_the_tile_matrix_set_is_web_mercator_quad(client):
    listing = (await client.get("/ogc/tileMatrixSets")).json()
    (entry,) = listing["tileMatrixSets"]
    definition = (await client.get(link(entry, "self"))).json()

    assert entry["id"] == "WebMercatorQuad"
    assert definition["id"] == "WebMercatorQuad"
    assert definition["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert definition["tileMatrices"][3]["matrixWidth"] == 8


async def test_every_sector_is_a_collection_with_its_time_extent(client):
    collections = (await client.get("/ogc/collections")).json()["collections"]

    assert [c["id"] for c in collections] == ["coal", "oil", "gas", "total"]
    interval = collections[0]["extent"]["temporal"]["interval"]
    assert interval == [["2022-01-01", "2022-01-25"]]


async def test_links_lead_from_a_collection_to_a_tile(client):
    collection = (await client.get("/ogc/collections/coal")).json()
    tilesets = (await client.get(link(collection, REL + "tilesets-map"))).json()
    (entry,) = tilesets["tilesets"]
    tileset = (await client.get(link(entry, "self"))).json()
    png, webp = [e for e in tileset["links"] if e["rel"] == "item"]

    assert tileset["dataType"] == "map"
    assert tileset["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    assert tileset["tileMatrixSetLimits"][2]["maxTileCol"] == 3
    assert png["type"] == "image/png" and png["templated"]
    tile = await client.get(png["href"].format(tileMatrix=5, tileRow=12, tileCol=26))
    assert tile.status_code == 200 and tile.headers["content-type"] == "image/png"
    assert webp["type"] == "image/webp"


async def test_an_ogc_tile_is_the_xyz_tile_in_row_column_order(client):
    ogc = await client.get(
        "/ogc/collections/coal/map/tiles/WebMercatorQuad/5/12/26",
        params={"period": "2022-P02", "scale": "linear"},
    )
    xyz = await client.get(
        "/tiles/5/26/12.png",
        params={"sector": "coal", "period": "2022-P02", "scale": "linear"},
    )
    dated = await client.get(
        "/ogc/collections/coal/map/tiles/WebMercatorQuad/5/12/26",
        params={"datetime": "2022-01-10", "scale": "linear"},
    )

    assert ogc.status_code == 200
    assert ogc.content == xyz.content == dated.content
    assert ogc.headers["etag"] == xyz.headers["etag"]


async def test_coverage_tiles_are_npy_values(client):
    response = await client.get(
        "/ogc/collections/total/coverage/tiles/WebMercatorQuad/0/0/0"
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-npy"


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        ("/ogc/collections/methane", 404, "collectionId"),
        ("/ogc/collections/coal/vector/tiles", 404, "dataType"),
        ("/ogc/collections/coal/map/tiles/WorldCRS84Quad", 404, "tileMatrixSetId"),
        ("/ogc/tileMatrixSets/NoSuchSet", 404, "tileMatrixSetId"),
        ("/ogc/collections/coal/map/tiles/WebMercatorQuad/0/1/0", 422, "tileRow"),
        ("/ogc/collections/coal/map/tiles/WebMercatorQuad/0/0/1", 422, "tileCol"),
        ("/ogc/collections/coal/map/tiles/WebMercatorQuad/13/0/0", 422, "tileMatrix"),
        ("/ogc/collections/coal/map/tiles/WebMercatorQuad/a/0/0", 422, "tileMatrix"),
        ("/ogc/collections/coal/map/tiles/WebMercatorQuad/0/0/0?f=npy", 422, "f"),
        (
            "/ogc/collections/coal/map/tiles/WebMercatorQuad/0/0/0?datetime=x",
            422,
            "period",
        ),
    ],
)
async def test_bad_ogc_requests_are_problems_naming_the_parameter(
    client, path, status, parameter
):
    response = await client.get(path)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == parameter
