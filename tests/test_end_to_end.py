"""The main job end to end: ingest the real default inputs, serve them, fetch a tile."""

import io
import json
import os
import subprocess
import sys
import time

import httpx
import morecantile
import numpy as np
import pytest
from PIL import Image

from live_service import free_port
from methanemap.grid import CANONICAL
from methanemap.pipeline.recipe import default_recipe
from methanemap.pipeline.run import prepare
from methanemap.store import open_cube

pytestmark = pytest.mark.e2e

# IEA Global Methane Tracker 2023, energy rows for 2022 (kt CH4), data catalogue 5a.
IEA_WORLD_KT = {"coal": 40_306.4, "oil": 42_661.1, "gas": 34_262.1}
IEA_CHINA_COAL_KT = 20_227.8
SHANXI = (112.55, 37.85)  # lon, lat: the coal belt next to Taiyuan


@pytest.fixture(scope="module")
def store(real_store):
    """A cube built by the real command line from the real default inputs (shared
    with the other end-to-end tests of the session)."""
    return real_store


@pytest.fixture(scope="module")
def cube(store):
    return open_cube(str(store)).ds.chunk({"time": 1})


def tonnes(array):
    return float(array.astype("float64").sum().compute())


@pytest.mark.parametrize("sector", ["coal", "oil", "gas"])
def test_world_total_of_2022_is_the_iea_world_figure(cube, sector):
    kt = tonnes(cube[f"emission_{sector}"]) / 1e3
    assert kt == pytest.approx(IEA_WORLD_KT[sector], rel=1e-3)


def test_total_is_the_sum_of_the_sectors(cube):
    sectors = sum(tonnes(cube[f"emission_{s}"]) for s in ("coal", "oil", "gas"))
    assert tonnes(cube["emission_total"]) == pytest.approx(sectors, rel=1e-6)


def test_china_coal_is_the_iea_china_figure(cube):
    # A cell may hold mines of two countries (Saebyol, North Korea, shares one with a
    # Chinese mine), so China's part of each cell is its share of the allocation.
    pattern = prepare(default_recipe()).pattern
    coal = pattern[pattern["sector"] == "coal"]
    per_cell = coal.groupby(["row", "col"])["emission_t"].sum()
    china = coal[coal["unit"] == "CHN"].groupby(["row", "col"])["emission_t"].sum()
    share = china / per_cell.reindex(china.index)
    rows, cols = (china.index.get_level_values(k).to_numpy() for k in ("row", "col"))
    cells = cube["emission_coal"].sum("time").compute().to_numpy().astype(np.float64)
    china_kt = (cells[rows, cols] * share.to_numpy()).sum() / 1e3
    assert china_kt == pytest.approx(IEA_CHINA_COAL_KT, rel=1e-3)
    assert share.min() < 1  # the shared cell is really there


def test_cube_has_a_whole_year_of_8_day_periods_with_cf_metadata(cube):
    assert cube.sizes["time"] == 46
    assert cube.sizes["lat"] == 1800 and cube.sizes["lon"] == 3600
    bounds = cube["time_bnds"].to_numpy()
    assert (bounds[1:, 0] == bounds[:-1, 1]).all()
    assert str(bounds[-1, 1])[:10] == "2023-01-01"
    assert cube["emission_coal"].attrs["units"] == "t"
    assert cube["lat"].attrs["standard_name"] == "latitude"
    inputs = json.loads(cube.attrs["methanemap_inputs"])
    assert inputs["iea_methane_tracker"]["sha256"].startswith("c809efe3")
    vintages = json.loads(cube.attrs["methanemap_activity_vintages"])
    assert "release 2023-10" in vintages["climatetrace_coal_country"]
    assert cube.attrs["methanemap_version"]
    assert cube.attrs["date_created"][:2] == "20"
    assert (cube["provisional"].to_numpy() == 0).all()  # 2022 is long settled
    rel = cube["relative_uncertainty_coal"].to_numpy()
    assert rel.max() <= np.hypot(0.30, 1.0) + 1e-6 and rel.max() > 0.3


@pytest.fixture(scope="module")
def server(store):
    port = free_port()
    env = {**os.environ, "METHANEMAP_STORE": str(store)}
    command = [sys.executable, "-m", "methanemap", "serve", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not answer /healthz within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_served_tile_over_a_coal_basin_is_a_painted_png(server):
    tile = morecantile.tms.get("WebMercatorQuad").tile(*SHANXI, 6)
    response = httpx.get(
        f"{server}/tiles/{tile.z}/{tile.x}/{tile.y}.png", params={"sector": "coal"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("RGBA")
    assert image.size == (256, 256)
    opaque = np.asarray(image)[..., 3] > 0
    assert opaque.sum() > 50  # many mines in one zoom-6 tile of Shanxi


def test_served_cell_gives_the_cube_value_with_units(server, cube):
    # The hottest coal cell of the latest period in Shanxi (34.5-41 N, 110-114.6 E).
    box = dict(lat=slice(34.5, 41), lon=slice(110, 114.6))
    shanxi = cube["emission_coal"][-1].sel(box).compute()
    hottest = shanxi.argmax(dim=["lat", "lon"])
    lat = float(shanxi["lat"][hottest["lat"]])
    lon = float(shanxi["lon"][hottest["lon"]])
    response = httpx.get(f"{server}/cells", params={"lon": lon, "lat": lat})
    assert response.status_code == 200
    body = response.json()
    row, col = CANONICAL.rows(lat)[()], CANONICAL.cols(lon)[()]
    expected = float(cube["emission_coal"][-1, row, col])
    text = json.dumps(body)
    assert "coal" in text and '"t"' in text
    values = _sector_values(body)
    assert values["coal"] == pytest.approx(expected, rel=1e-6)
    assert expected > 0


def _sector_values(body):
    """Sector -> value from a /cells answer (a list or a mapping of sectors)."""
    sectors = body["sectors"] if "sectors" in body else body["values"]
    if isinstance(sectors, dict):
        return {
            k: (v["value"] if isinstance(v, dict) else v) for k, v in sectors.items()
        }
    return {item["sector"]: item["value"] for item in sectors}


@pytest.fixture(scope="module")
def attribution(store):
    return open_cube(str(store)).attribution


@pytest.fixture(scope="module")
def national(store):
    """IEA national totals per country and sector (t a-1), read independently."""
    from methanemap.sources import iea
    from methanemap.sources.registry import fetch

    totals = iea.read_national_totals(fetch("iea_methane_tracker"))
    countries = totals[totals["kind"] == "country"]
    return countries.groupby(["iso3", "sector"])["emission_t"].sum()


@pytest.mark.parametrize("period", [0, 17, 45])
def test_every_cell_is_the_sum_of_its_attributed_units(cube, attribution, period):
    cells = cube["emission_total"][period].compute().to_numpy().ravel()
    rebuilt = np.zeros(cells.size)
    for sector in ("coal", "oil", "gas"):
        cell = attribution[f"{sector}_cell"].to_numpy()
        unit = attribution[f"{sector}_unit_index"].to_numpy()
        annual = attribution[f"{sector}_annual"].to_numpy()
        weight = attribution[f"{sector}_weight"].to_numpy()[unit, period]
        rebuilt += np.bincount(cell, weights=annual * weight, minlength=cells.size)
    assert np.abs(rebuilt - cells).max() <= 1e-6 * cells.max()
    assert rebuilt.sum() == pytest.approx(cells.astype(np.float64).sum(), rel=1e-6)


@pytest.mark.parametrize("sector", ["coal", "oil", "gas"])
def test_every_country_and_period_holds_its_scaled_national_total(
    attribution, national, sector
):
    units = json.loads(attribution.attrs[f"{sector}_units"])
    unit = attribution[f"{sector}_unit_index"].to_numpy()
    annual = attribution[f"{sector}_annual"].to_numpy()
    weight = attribution[f"{sector}_weight"].to_numpy()  # (unit, period)
    per_unit = np.bincount(unit, weights=annual, minlength=len(units))
    days = [*attribution["time"].diff("time").dt.days.to_numpy().tolist(), 5]
    checked = 0
    for i, name in enumerate(units):
        if len(name) != 3 or (name, sector) not in national.index:
            continue  # remainder groups and the world residual
        expected = national[(name, sector)] * np.asarray(days) / 365  # 2022: factor 1
        assert per_unit[i] * weight[i] == pytest.approx(expected, rel=1e-4, abs=1e-6)
        checked += 1
    assert checked > 60


def test_offshore_fields_count_for_the_country_that_reports_them(attribution):
    # Norway's oil lies offshore, outside every land polygon, yet is Norway's.
    units = json.loads(attribution.attrs["oil_units"])
    norway = units.index("NOR")
    unit = attribution["oil_unit_index"].to_numpy()
    cells = attribution["oil_cell"].to_numpy()[unit == norway]
    lat = CANONICAL.lat[cells // CANONICAL.nlon]
    lon = CANONICAL.lon[cells % CANONICAL.nlon]
    north_sea = (lon < 5) & (lat > 56)  # west of the Norwegian coast: all sea
    share = attribution["oil_annual"].to_numpy()[unit == norway]
    assert share[north_sea].sum() / share.sum() > 0.5
