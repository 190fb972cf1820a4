"""``GET /cells`` and ``GET /cells/history``: a point's values; bad points refused."""

import pytest

from synthetic_cube import NE_CELL, PERMIAN, SHANXI

pytestmark = pytest.mark.anyio


async def test_a_cell_answers_the_stored_value_of_each_sector(client):
    response = await client.get(
        "/cells", params={"lat": SHANXI.lat, "lon": SHANXI.lon, "period": "2022-P01"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["values"]["coal"] == {"value": 120.5, "units": "t"}
    assert body["values"]["total"] == {"value": 120.5, "units": "t"}
    assert body["period"]["id"] == "2022-P01"
    bounds = body["cell"]["bounds"]
    assert bounds["west"] <= SHANXI.lon < bounds["east"]
    assert bounds["south"] <= SHANXI.lat < bounds["north"]


async def test_a_point_on_the_corner_of_four_cells_gets_the_one_it_starts(client):
    response = await client.get("/cells", params={"lat": "40.0", "lon": "10.0"})

    body = response.json()
    assert body["values"]["gas"]["value"] == 7.0
    assert (body["cell"]["row"], body["cell"]["col"]) == (NE_CELL.row, NE_CELL.col)
    assert body["cell"]["bounds"]["south"] == 40.0
    assert body["cell"]["bounds"]["west"] == 10.0


async def test_missing_data_is_null_in_the_json(client):
    response = await client.get(
        "/cells",
        params={"lat": PERMIAN.lat, "lon": PERMIAN.lon, "period": "2022-01-10"},
    )
    assert response.status_code == 200
    assert '"value":null' in response.text.replace(" ", "")
    assert "NaN" not in response.text
    assert response.json()["values"]["oil"]["value"] is None


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"lat": "NaN", "lon": "10"}, "lat"),
        ({"lat": "nan", "lon": "10"}, "lat"),
        ({"lat": "inf", "lon": "10"}, "lat"),
        ({"lat": "-Infinity", "lon": "10"}, "lat"),
        ({"lat": "1e309", "lon": "10"}, "lat"),
        ({"lat": "91", "lon": "10"}, "lat"),
        ({"lat": "-90.5", "lon": "10"}, "lat"),
        ({"lat": "45", "lon": "180.5"}, "lon"),
        ({"lat": "45", "lon": "260.5"}, "lon"),
        ({"lat": "", "lon": "10"}, "lat"),
        ({"lat": "4O", "lon": "10"}, "lat"),
        ({"lon": "10"}, "lat"),
        ({"lat": "45"}, "lon"),
    ],
)
@pytest.mark.parametrize("path", ["/cells", "/cells/history"])
async def test_bad_points_are_422_problems_naming_the_parameter(
    client, path, params, parameter
):
    response = await client.get(path, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == parameter
    assert parameter in problem["detail"]


async def test_a_malformed_period_is_422(client):
    response = await client.get("/cells", params={"lat": 0, "lon": 0, "period": "P05"})
    assert response.status_code == 422
    assert response.json()["parameter"] == "period"


async def test_a_period_outside_the_cube_is_404(client):
    response = await client.get(
        "/cells", params={"lat": 0, "lon": 0, "period": "2019-P01"}
    )
    assert response.status_code == 404
    assert response.json()["type"] == "urn:methanemap:problem:not-in-cube"


async def test_the_history_lists_every_period_with_nulls_and_the_missing_ones(client):
    response = await client.get(
        "/cells/history", params={"lat": PERMIAN.lat, "lon": PERMIAN.lon}
    )

    assert response.status_code == 200
    body = response.json()
    assert [p["id"] for p in body["periods"]] == ["2022-P01", "2022-P02", "2022-P03"]
    assert body["values"]["oil"]["values"] == [5.0, None, 7.1]
    assert body["values"]["gas"] == {"units": "t", "values": [10.0, 20.0, 30.0]}
    assert body["missing"] == ["2022-P02"]
