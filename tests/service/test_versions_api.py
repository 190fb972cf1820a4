"""``/versions``, ``/versions/{base}/diff/{target}``, ``/stac``, ``?version=`` and the
hot reload of newly published versions, on small cubes."""

import asyncio

import pytest
from stac_pydantic import Collection
from starlette.concurrency import run_in_threadpool

from methanemap.store.transaction import tag_release
from small_cube import ANNUAL_T, CELLS, GRID, small_update

pytestmark = pytest.mark.anyio

ROW, COL = CELLS["coal"][0]
POINT = {"lat": float(GRID.lat[ROW]), "lon": float(GRID.lon[COL])}
#: Coal in that cell in an 8-day period of 2022 at scale 1 (t).
COAL_P01 = ANNUAL_T["coal"] * 8 / 365


@pytest.fixture(scope="module")
def versioned(tmp_path_factory):
    """A small cube of 2022 (tagged v1), then 2021 added and 2022 doubled."""
    location = str(tmp_path_factory.mktemp("versioned") / "cube")
    first = small_update(location, [2022])
    tag_release(location, "v1", first)
    second = small_update(location, [2021, 2022], {2022: 2.0})
    return location, first, second


@pytest.fixture
async def api(versioned, client_for):
    location, _, _ = versioned
    async with client_for(store=location) as started:
        yield started


async def test_versions_are_listed_newest_first(api, versioned):
    _, first, second = versioned
    body = (await api.get("/versions")).json()

    assert [v["id"] for v in body] == [second, first]
    assert body[1]["tags"] == ["v1"] and body[0]["parent"] == first
    assert "added 2021-P01..2021-P46" in body[0]["message"]
    assert "revised 2022-P01..2022-P46" in body[0]["message"]


async def test_a_diff_names_periods_added_and_revised_and_by_how_much(api, versioned):
    _, first, second = versioned
    body = (await api.get(f"/versions/v1/diff/{second}")).json()

    assert (body["base"], body["target"], body["units"]) == (first, second, "t")
    assert [p["period"] for p in body["added"]][:2] == ["2021-P01", "2021-P02"]
    assert len(body["added"]) == 46 and body["removed"] == []
    assert len(body["revised"]) == 46 and body["unchanged"] == 0
    coal = body["revised"][0]["sectors"]["coal"]
    assert coal["after"] == pytest.approx(2 * coal["before"])
    assert coal["change_percent"] == pytest.approx(100.0)
    assert body["revised"][0]["fingerprint_changed"] is True


async def test_data_routes_answer_from_the_version_asked_for(api, versioned):
    _, first, _ = versioned
    params = {**POINT, "period": "2022-P01"}
    latest = (await api.get("/cells", params=params)).json()
    old = (await api.get("/cells", params={**params, "version": first})).json()
    by_tag = (await api.get("/cells", params={**params, "version": "v1"})).json()
    periods = (await api.get("/periods", params={"version": first})).json()

    assert latest["values"]["coal"]["value"] == pytest.approx(2 * COAL_P01, rel=1e-6)
    assert old["values"]["coal"]["value"] == pytest.approx(COAL_P01, rel=1e-6)
    assert old["version"] == by_tag["version"] == first
    assert len(periods["periods"]) == 46 and periods["version"] == first


async def test_an_unknown_version_is_a_404_naming_the_parameter(api):
    response = await api.get("/periods", params={"version": "no-such-release"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == "version"


async def test_the_stac_collection_describes_the_version(api, versioned):
    _, first, second = versioned
    body = (await api.get("/stac")).json()
    old = (await api.get("/stac", params={"version": first})).json()

    Collection.model_validate(body)  # the STAC structure, checked offline
    assert body["type"] == "Collection" and body["version"] == second
    assert body["extent"]["temporal"]["interval"] == [
        ["2021-01-01T00:00:00Z", "2023-01-01T00:00:00Z"]
    ]
    assert body["extent"]["spatial"]["bbox"] == [[-180.0, -90.0, 180.0, 90.0]]
    assert set(body["cube:variables"]) >= {"emission_coal", "emission_total"}
    assert body["cube:dimensions"]["time"]["step"] == "P8D"
    assert body["assets"]["cube"]["roles"] == ["data"]
    assert old["version"] == first
    assert old["extent"]["temporal"]["interval"][0][0] == "2022-01-01T00:00:00Z"


async def test_a_running_service_serves_a_new_version_within_the_interval(
    client_for, tmp_path
):
    location = str(tmp_path / "cube")
    first = small_update(location, [2022])
    params = {**POINT, "period": "2022-P01"}

    async with client_for(store=location, reload_interval=0.2) as client:
        before = (await client.get("/cells", params=params)).json()
        second = await run_in_threadpool(small_update, location, [2022], {2022: 3.0})
        for _ in range(100):
            health = (await client.get("/healthz")).json()
            if health["version"] == second:
                break
            await asyncio.sleep(0.1)
        after = (await client.get("/cells", params=params)).json()

    assert before["version"] == first and health["version"] == second
    assert after["version"] == second
    assert after["values"]["coal"]["value"] == pytest.approx(3 * COAL_P01, rel=1e-6)
