"""The cube on object storage: the real command line ingests the real default inputs
into a bucket of a real S3-compatible server on loopback (moto), updates it with a
year of real activity, lists its versions; the service serves it from there and
`open_dataset` reads it like a local cube."""

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import boto3
import httpx
import morecantile
import numpy as np
import pytest
import xarray as xr
from PIL import Image

from commands import methanemap
from live_service import free_port, live_service
from methanemap import open_dataset
from methanemap.errors import CubeNotFoundError, StoreError
from methanemap.grid import CANONICAL
from methanemap.sources import climatetrace
from methanemap.sources.registry import fetch
from methanemap.store import list_versions
from methanemap.store.repo import open_or_create_repository, s3_settings
from s3_server import S3Server, refusing_s3_server
from s3_server import s3_server_fixture as s3_server_fixture  # the fixture s3_server

pytestmark = pytest.mark.e2e

BUCKET = "methanemap-objects"
# IEA Global Methane Tracker 2023, energy rows for 2022 (kt CH4), data catalogue 5a.
IEA_WORLD_COAL_KT = 40_306.4
IEA_CHINA_COAL_KT = 20_227.8
SHANXI = (112.55, 37.85)  # lon, lat: the coal belt next to Taiyuan
#: Variables that other AWS settings (a developer's own) would add to the test's.
FOREIGN_AWS = (
    "AWS_ENDPOINT_URL_S3",
    "AWS_DEFAULT_REGION",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
)


@pytest.fixture(scope="module")
def s3(s3_server: S3Server):
    """The session's S3 server, its AWS variables set for this module (in-process
    readers and the command lines and services started from here)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in FOREIGN_AWS:
            patch.delenv(name, raising=False)
        for name, value in s3_server.env().items():
            patch.setenv(name, value)
        yield s3_server


@pytest.fixture(scope="module")
def cube(s3):
    """`methanemap ingest` of the default recipe (2022) into a new bucket, then
    `methanemap update --years 2021-2022 --tag r2021`: the store URL and the two
    published versions (ingested, updated)."""
    location = f"s3://{s3.create_bucket(BUCKET)}/cube"
    ingested = methanemap("ingest", "--store", location, timeout=900)
    assert ingested.returncode == 0, ingested.stderr[-3000:]
    first = list_versions(location)[0].id

    updated = methanemap(
        "update",
        "--store",
        location,
        "--years",
        "2021-2022",
        "--tag",
        "r2021",
        timeout=900,
    )
    assert updated.returncode == 0, updated.stderr[-3000:]
    second = list_versions(location)[0].id
    return location, first, second


def periods(location: str, version: str) -> xr.Dataset:
    """The stored global totals per period (t) of a version, loaded."""
    return open_dataset(location, version, group="periods").load()


def coal_kt(table: xr.Dataset, year: int) -> float:
    return float(table["global_emission_coal"].sel(time=str(year)).sum()) / 1e3


def test_the_cube_lives_in_the_bucket(s3, cube):
    _, first, second = cube
    client = boto3.client("s3", endpoint_url=s3.endpoint)
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix="cube/"
    )
    keys = {item["Key"] for page in pages for item in page.get("Contents", [])}

    assert {f"cube/snapshots/{first}", f"cube/snapshots/{second}", "cube/repo"} <= keys
    assert sum(key.startswith("cube/chunks/") for key in keys) > 1000


def test_ingest_publishes_the_iea_world_coal_of_2022(cube):
    location, first, _ = cube
    table = periods(location, first)

    assert table.sizes["time"] == 46
    assert coal_kt(table, 2022) == pytest.approx(IEA_WORLD_COAL_KT, rel=1e-3)


def test_a_period_read_from_s3_equals_the_same_cube_built_locally(cube, real_store):
    location, first, _ = cube
    remote = open_dataset(location, first)
    local = open_dataset(real_store)

    for period in (0, 45):
        s3_field = remote["emission_coal"][period].to_numpy()
        np.testing.assert_array_equal(s3_field, local["emission_coal"][period])
        grid_t = s3_field.sum(dtype=np.float64)
        stored = float(periods(location, first)["global_emission_coal"][period])
        assert grid_t == pytest.approx(stored, rel=1e-6)
    xr.testing.assert_equal(
        periods(location, first).drop_vars("fingerprint"),
        open_dataset(real_store, group="periods").load().drop_vars("fingerprint"),
    )


def test_update_publishes_a_new_version_and_the_old_stays_readable(cube):
    location, first, second = cube
    versions = list_versions(location)
    before, after = periods(location, first), periods(location, second)

    assert [v.id for v in versions[:2]] == [second, first]
    assert versions[0].tags == ("r2021",)
    assert "added 2021-P01..2021-P46" in versions[0].message
    assert before.sizes["time"] == 46 and after.sizes["time"] == 92
    xr.testing.assert_equal(after.sel(time="2022"), before)
    assert coal_kt(after, 2021) != pytest.approx(coal_kt(after, 2022), rel=1e-3)
    moved = open_dataset(location, second)["emission_coal"][46].to_numpy()
    np.testing.assert_array_equal(
        moved, open_dataset(location, first)["emission_coal"][0].to_numpy()
    )


def test_versions_command_lists_both_versions(cube):
    location, first, second = cube
    listed = methanemap("versions", "--store", location, timeout=120)

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith(f"{second}  ") and "  r2021  update default:" in lines[0]
    assert lines[1].startswith(f"{first}  ") and "ingest default:" in lines[1]


@pytest.fixture(scope="module")
def service(cube, tmp_path_factory):
    """The real service (uvicorn on loopback) with ``METHANEMAP_STORE=s3://...``."""
    log = tmp_path_factory.mktemp("s3-service") / "service.log"
    with live_service(cube[0], log) as url:
        yield url


def test_service_is_ready_on_the_latest_version(service, cube):
    answer = httpx.get(f"{service}/readyz", timeout=30)

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": cube[2], "periods": 92}


def test_service_draws_a_tile_over_a_coal_basin(service):
    tile = morecantile.tms.get("WebMercatorQuad").tile(*SHANXI, 6)
    answer = httpx.get(
        f"{service}/tiles/{tile.z}/{tile.x}/{tile.y}.png",
        params={"sector": "coal"},
        timeout=60,
    )

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(answer.content)).convert("RGBA")
    assert image.size == (256, 256)
    assert (np.asarray(image)[..., 3] > 0).sum() > 50  # many mines in Shanxi


def test_service_cell_is_the_cube_value(service, cube):
    location, first, _ = cube
    coal = open_dataset(location, first)["emission_coal"][-1]
    shanxi = coal.sel(lat=slice(34.5, 41), lon=slice(110, 114.6)).load()
    hottest = shanxi.argmax(dim=["lat", "lon"])
    lat = float(shanxi["lat"][hottest["lat"]])
    lon = float(shanxi["lon"][hottest["lon"]])
    answer = httpx.get(
        f"{service}/cells",
        params={"lon": lon, "lat": lat, "period": "2022-P46", "version": first},
        timeout=60,
    )

    assert answer.status_code == 200
    row, col = CANONICAL.rows(lat)[()], CANONICAL.cols(lon)[()]
    expected = float(coal[row, col])
    assert expected > 0
    assert answer.json()["values"]["coal"]["value"] == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("year", [2021, 2022])
def test_service_china_coal_is_iea_scaled_by_climate_trace(service, year):
    series = climatetrace.read_country_series(fetch("climatetrace_coal_country"))
    china = series[series["iso3"] == "CHN"].set_index("year")["emission_t"]
    factor = china[year] / china[2022]
    answer = httpx.get(
        f"{service}/countries/CHN/reconciliation",
        params={"sector": "coal", "start": f"{year}-P01", "end": f"{year}-P46"},
        timeout=60,
    )

    assert answer.status_code == 200
    attributed = answer.json()["sectors"]["coal"]["attributed"]["value"]
    assert attributed / 1e3 == pytest.approx(IEA_CHINA_COAL_KT * factor, rel=1e-3)
    assert (factor < 0.97) == (year == 2021)  # the 2021 figure is really scaled


def test_service_zarr_metadata_of_each_version(service, cube):
    _, first, second = cube
    shapes = {}
    for version, path in ((second, "zarr"), (first, f"zarr/versions/{first}")):
        answer = httpx.get(f"{service}/{path}/zarr.json", timeout=60)
        assert answer.status_code == 200
        nodes = answer.json()["consolidated_metadata"]["metadata"]
        shapes[version] = nodes["emission_coal"]["shape"]

    assert shapes == {second: [92, 1800, 3600], first: [46, 1800, 3600]}
    over_http = open_dataset(service, first)["emission_coal"][45, 1200:1300, 2800:3000]
    direct = open_dataset(cube[0], first)["emission_coal"][45, 1200:1300, 2800:3000]
    np.testing.assert_array_equal(over_http.to_numpy(), direct.to_numpy())
    assert float(direct.sum()) > 0  # the block holds Shanxi's mines


def test_a_missing_bucket_is_named_in_one_line(s3):
    location = "s3://no-such-bucket/cube"
    listed = methanemap("versions", "--store", location, timeout=120)

    assert listed.returncode == 1
    assert listed.stderr.strip().splitlines() == [
        f"error: no methanemap cube at {location!r} (no cube under that prefix, or no "
        f"bucket 'no-such-bucket'); create one with `methanemap ingest --store "
        f"{location}`"
    ]
    with pytest.raises(CubeNotFoundError, match="bucket 'no-such-bucket' does not"):
        open_or_create_repository(location)
    with pytest.raises(CubeNotFoundError, match="no bucket 'no-such-bucket'"):
        open_dataset(location)
    buckets = boto3.client("s3", endpoint_url=s3.endpoint).list_buckets()["Buckets"]
    assert "no-such-bucket" not in {bucket["Name"] for bucket in buckets}


def test_refused_credentials_are_named_in_one_line(s3, tmp_path: Path, monkeypatch):
    with refusing_s3_server(tmp_path / "moto.log") as strict:
        monkeypatch.setenv("AWS_ENDPOINT_URL", strict.endpoint)
        listed = methanemap("versions", "--store", "s3://any-bucket/cube", timeout=120)

    assert listed.returncode == 1
    assert listed.stderr.strip().splitlines() == [
        "error: store 's3://any-bucket/cube': the object store refused the "
        "credentials (InvalidAccessKeyId); check AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) and the bucket's permissions"
    ]


def test_the_service_stays_up_and_names_refused_credentials(
    s3, tmp_path: Path, monkeypatch
):
    """A service whose store refuses it is alive, not ready, and says why."""
    with refusing_s3_server(tmp_path / "moto.log") as strict:
        monkeypatch.setenv("AWS_ENDPOINT_URL", strict.endpoint)
        port = free_port()
        env = {**os.environ, "METHANEMAP_STORE": "s3://any-bucket/cube"}
        command = [sys.executable, "-m", "methanemap", "serve", "--port", str(port)]
        log = tmp_path / "service.log"
        with log.open("wb") as out:
            server = subprocess.Popen(command, env=env, stdout=out, stderr=out)
        try:
            url = f"http://127.0.0.1:{port}"
            alive = _first_answer(f"{url}/livez", server)
            ready = httpx.get(f"{url}/readyz", timeout=60)
        finally:
            server.terminate()
            server.wait(timeout=20)

    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert "refused the credentials (InvalidAccessKeyId)" in ready.json()["detail"]
    assert "Traceback" not in log.read_text()


def _first_answer(url: str, server: subprocess.Popen[bytes]) -> httpx.Response:
    for _ in range(300):
        assert server.poll() is None, "the service stopped"
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url}")


def test_an_unreachable_endpoint_is_named_in_one_line(s3, monkeypatch):
    endpoint = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)

    message = (
        f"store 's3://any-bucket/cube': cannot reach the object store at {endpoint} "
        "(Connection refused); check AWS_ENDPOINT_URL and the network"
    )
    with pytest.raises(StoreError, match=f"^{re.escape(message)}$"):
        open_dataset("s3://any-bucket/cube")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"AWS_ENDPOINT_URL": "http://127.0.0.1:9000"},
            ("http://127.0.0.1:9000", "us-east-1", True, True),
        ),
        (
            {
                "AWS_ENDPOINT_URL": "http://other:1",
                "AWS_ENDPOINT_URL_S3": "https://s3.example.org",
                "AWS_DEFAULT_REGION": "eu-west-3",
                "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "true",
            },
            ("https://s3.example.org", "eu-west-3", False, False),
        ),
        (
            {"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-west-3"},
            (None, "ap-south-1", False, False),
        ),
    ],
)
def test_s3_settings_follow_the_aws_variables(env, expected):
    settings = s3_settings(env)

    assert (
        settings.endpoint,
        settings.region,
        settings.allow_http,
        settings.path_style,
    ) == expected


def test_s3_credentials_come_in_pairs():
    keys = {"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret"}
    settings = s3_settings({**keys, "AWS_SESSION_TOKEN": "token"})

    assert (settings.access_key_id, settings.secret_access_key) == ("id", "secret")
    assert settings.session_token == "token"
    assert s3_settings({}).access_key_id is None  # the AWS SDK's own chain
    with pytest.raises(StoreError, match="AWS_SECRET_ACCESS_KEY is not set"):
        s3_settings({"AWS_ACCESS_KEY_ID": "id"})
