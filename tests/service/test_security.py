"""Security: the CORS policy map clients need, and the admin route, mounted only with a
token and answering only to it. Against ``methanemap serve`` and gunicorn (two
workers) on loopback; the settings' other values in process.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from live_service import DeployedService, deployed_service
from methanemap.config import Settings
from synthetic_cube import SHANXI, write_synthetic_cube

TOKEN = "test-admin-token-0123456789abcdef"
ORIGIN = "https://maps.example.org"
#: The Shanxi cell in the synthetic cube's second period, and its coal there (t).
NORMAL = {"lat": SHANXI.lat, "lon": SHANXI.lon, "period": "2022-P02"}
NORMAL_COAL = SHANXI.values["coal"][1]


@pytest.fixture(scope="module", params=["serve", "gunicorn"])
def store_and_service(
    request: pytest.FixtureRequest, tmp_path_factory
) -> Iterator[tuple[Path, DeployedService]]:
    """A synthetic cube of this module's own, served with an admin token."""
    folder = tmp_path_factory.mktemp(f"security-{request.param}")
    store = folder / "cube"
    write_synthetic_cube(store)
    with deployed_service(
        store,
        folder / "service.log",
        gunicorn=request.param == "gunicorn",
        admin_token=TOKEN,
    ) as running:
        yield store, running


@pytest.fixture(scope="module")
def service(store_and_service) -> DeployedService:
    return store_and_service[1]


def assert_still_serving(service: DeployedService) -> None:
    answer = httpx.get(f"{service.url}/cells", params=NORMAL, timeout=30)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["values"]["coal"]["value"] == pytest.approx(NORMAL_COAL)


def exposed(answer: httpx.Response) -> set[str]:
    header = answer.headers.get("access-control-expose-headers", "")
    return {name.strip().lower() for name in header.split(",")}


# --- CORS -------------------------------------------------------------------------


def test_a_preflight_for_a_geojson_post_is_allowed_from_any_origin(service):
    answer = httpx.options(
        f"{service.url}/areas",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )

    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    methods = answer.headers["access-control-allow-methods"].split(", ")
    assert {"GET", "HEAD", "POST", "OPTIONS"} <= set(methods)
    assert "content-type" in answer.headers["access-control-allow-headers"].lower()
    assert answer.headers["access-control-max-age"] == "600"
    assert_still_serving(service)


def test_a_simple_request_exposes_the_headers_map_clients_read(service):
    answer = httpx.get(
        f"{service.url}/cells", params=NORMAL, headers={"Origin": ORIGIN}
    )

    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert {"etag", "x-request-id", "content-range", "content-length"} <= exposed(
        answer
    )
    assert answer.json()["values"]["coal"]["value"] == pytest.approx(NORMAL_COAL)


def test_a_zarr_range_read_from_a_browser_sees_its_content_range(service):
    answer = httpx.get(
        f"{service.url}/zarr/zarr.json",
        headers={"Origin": ORIGIN, "Range": "bytes=0-9"},
    )

    assert answer.status_code == 206
    assert answer.headers["content-range"].startswith("bytes 0-9/")
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "content-range" in exposed(answer) and "etag" in exposed(answer)
    assert answer.content == httpx.get(f"{service.url}/zarr/zarr.json").content[:10]


def test_a_refusal_is_readable_by_a_browser_script_too(service):
    answer = httpx.get(
        f"{service.url}/areas",
        params={"bbox": "0,0,1,1", "pad": "x" * 10_000},
        headers={"Origin": ORIGIN},
    )

    assert answer.status_code == 414
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["access-control-allow-origin"] == "*"
    assert_still_serving(service)


@pytest.mark.anyio
async def test_the_origins_setting_limits_who_may_read(client_for, cube):
    async with client_for(store=cube, cors_origins=f"{ORIGIN}, https://b.org") as c:
        allowed = await c.get("/periods", headers={"Origin": ORIGIN})
        other = await c.get("/periods", headers={"Origin": "https://evil.example"})
        preflight = await c.options(
            "/areas",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "POST",
            },
        )

    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert other.status_code == 200  # the data are public: only browsers are kept out
    assert "access-control-allow-origin" not in other.headers
    assert preflight.status_code == 400


# --- Admin ------------------------------------------------------------------------


def test_admin_needs_a_bearer_token(service):
    url = f"{service.url}/admin/reload"
    missing = httpx.post(url)
    basic = httpx.post(url, headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    wrong = httpx.post(url, headers={"Authorization": f"Bearer {TOKEN[:-1]}x"})

    for answer in (missing, basic):
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == 'Bearer realm="methanemap-admin"'
        assert answer.headers["content-type"] == "application/problem+json"
        assert "Authorization: Bearer" in answer.json()["detail"]
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == "the admin token is wrong"
    assert_still_serving(service)


def test_admin_reload_serves_a_newly_published_version_at_once(store_and_service):
    store, service = store_and_service
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = httpx.get(f"{service.url}/healthz").json()["version"]

    unchanged = httpx.post(f"{service.url}/admin/reload", headers=auth)
    assert unchanged.status_code == 200
    assert unchanged.json() == {"previous": before, "version": before, "changed": False}

    published = write_synthetic_cube(store)  # checks for new versions are off here
    assert published != before
    reloaded = httpx.post(f"{service.url}/admin/reload", headers=auth)
    assert reloaded.status_code == 200
    assert reloaded.json() == {
        "previous": before,
        "version": published,
        "changed": True,
    }
    if len(service.pids()) == 1:  # with workers, the one that answered has reloaded
        assert httpx.get(f"{service.url}/healthz").json()["version"] == published
    assert_still_serving(service)


def test_admin_is_documented_when_on(service):
    document = httpx.get(f"{service.url}/openapi.json").json()
    assert "post" in document["paths"]["/admin/reload"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


@pytest.mark.anyio
async def test_admin_is_absent_without_a_token(client_for, cube, monkeypatch):
    monkeypatch.delenv("METHANEMAP_ADMIN_TOKEN", raising=False)
    async with client_for(store=cube) as client:
        reload = await client.post(
            "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        document = (await client.get("/openapi.json")).json()

    assert reload.status_code == 404
    assert reload.headers["content-type"] == "application/problem+json"
    assert not any(path.startswith("/admin") for path in document["paths"])
    assert "securitySchemes" not in document.get("components", {})


def test_a_short_admin_token_is_refused_at_start():
    with pytest.raises(ValueError, match="use at least 16"):
        Settings(admin_token="admin")
    assert Settings(admin_token="").admin_token is None
