"""Country queries over HTTP on the real cube: the same number as a notebook computes
from the Zarr, the reconciliation table as CSV, and no 5xx for any bad request.
"""

import csv
import json

import httpx
import numpy as np
import pytest

from methanemap.config import Settings
from methanemap.service.app import create_app
from methanemap.store import open_cube

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


@pytest.fixture(scope="module")
async def real_client(real_store):
    """A client of the service on the real cube, started once for the module."""
    app = create_app(Settings(store=str(real_store)))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


def notebook_country_total(store, iso3, variable, day):
    """What a researcher computes from the Zarr in a notebook, with xarray."""
    snapshot = open_cube(str(store))
    coverage = snapshot.countries
    mine = coverage["country"].to_numpy() == json.loads(coverage.attrs["iso3"]).index(
        iso3
    )
    field = snapshot.ds[variable].sel(time=day).to_numpy().astype(np.float64).ravel()
    cells = coverage["cell"].to_numpy()[mine]
    return float((field[cells] * coverage["coverage"].to_numpy()[mine]).sum())


async def test_a_country_total_over_http_is_the_notebook_total(real_client, real_store):
    response = await real_client.get(
        "/countries/USA", params={"sector": "gas", "period": "2022-05-01"}
    )

    assert response.status_code == 200
    served = response.json()["geographic"]["sectors"]["gas"]["sum"]["value"]
    notebook = notebook_country_total(real_store, "USA", "emission_gas", "2022-05-01")
    assert served == pytest.approx(notebook, rel=1e-6)


async def test_the_reconciliation_table_reads_back_as_csv(real_client):
    response = await real_client.get(
        "/reconciliation",
        params={"sector": "coal", "start": "2022-P01", "format": "csv"},
    )

    assert response.status_code == 200
    rows = list(csv.DictReader(r for r in response.text.splitlines() if r[:1] != "#"))
    by_id = {row["id"]: row for row in rows}
    assert float(by_id["CHN"]["national"]) == pytest.approx(20_227_800, rel=1e-3)
    countries = sum(float(r["geographic"]) for r in rows if r["kind"] == "country")
    world = float(by_id["world"]["geographic"])
    assert countries + float(by_id["offshore"]["geographic"]) == pytest.approx(world)


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/countries/ATL", {}, 404),
        (
            "/countries/chn",
            {"units": "kt yr-1", "start": "2022-P05", "end": "2022-P02"},
            422,
        ),
        ("/countries/CHN/reconciliation", {"sector": "wood"}, 422),
        ("/reconciliation", {"period": "1999-P01"}, 404),
        ("/rankings/countries", {"basis": "nowhere"}, 422),
        ("/rankings/cells", {"limit": 5000}, 422),
        ("/areas", {"bbox": "170,10,-170,20", "units": "t km-2 yr-1"}, 200),
        ("/countries/nor", {"units": "t km-2 yr-1"}, 200),
    ],
)
async def test_country_routes_answer_4xx_for_bad_input_and_never_5xx(
    real_client, path, params, status
):
    response = await real_client.get(path, params=params)
    assert response.status_code == status, response.text
