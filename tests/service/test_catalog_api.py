"""``GET /periods``, ``GET /healthz`` and the API docs; 503 while there is no cube."""

import pytest

pytestmark = pytest.mark.anyio


async def test_periods_lists_periods_and_sectors(client):
    response = await client.get("/periods")

    assert response.status_code == 200
    body = response.json()
    assert [p["id"] for p in body["periods"]] == ["2022-P01", "2022-P02", "2022-P03"]
    assert body["periods"][-1]["end"] == "2022-01-25"
    assert {s["id"]: s["units"] for s in body["sectors"]} == {
        "coal": "t",
        "oil": "t",
        "gas": "t",
        "total": "t",
    }


async def test_health_is_ok_with_the_cube_version(client):
    health = (await client.get("/healthz")).json()
    periods = (await client.get("/periods")).json()

    assert health["status"] == "ok"
    assert health["version"] == periods["version"]
    assert health["periods"] == 3


async def test_the_docs_and_the_openapi_schema_list_every_route(client):
    assert (await client.get("/docs")).status_code == 200
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert set(paths) >= {
        "/cells",
        "/cells/history",
        "/periods",
        "/versions",
        "/versions/{base}/diff/{target}",
        "/stac",
        "/healthz",
    }


async def test_without_a_cube_data_routes_answer_503_and_the_page_still_loads(
    client_for, tmp_path
):
    async with client_for(store=str(tmp_path / "nothing-here")) as client:
        for path in ("/healthz", "/periods", "/tiles/0/0/0.png", "/cells?lat=0&lon=0"):
            response = await client.get(path)
            assert response.status_code == 503, path
            assert response.headers["content-type"] == "application/problem+json"
            assert "nothing-here" in response.json()["detail"]
        assert (await client.get("/")).status_code == 200


async def test_an_unknown_route_is_a_404_problem(client):
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
