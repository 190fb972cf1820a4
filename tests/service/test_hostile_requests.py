"""Hostile requests (FC-27 and path traversal) against the service as users run it:
``methanemap serve`` and gunicorn with two uvicorn workers, on the real cube, over raw
loopback sockets. Each refusal is problem+json stating its limit, and the service
answers a normal request right after with the right value.
"""

import http.client
import json
import math
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Mount

from live_service import DeployedService, deployed_service
from methanemap.config import Settings
from methanemap.serve import cell_values
from methanemap.service.app import create_app
from methanemap.store import open_cube

DEFAULTS = Settings()
#: The slow-client deadlines the servers under test run with, s (short, for speed).
HEAD_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0
#: Peak resident memory a worker may reach, MB (FC-27's budget).
MEMORY_BUDGET_MB = 1024
#: A cell of Shanxi and a period, asked between hostile requests.
NORMAL: dict[str, Any] = {"lat": 37.85, "lon": 112.55, "period": "2022-P17"}
WORLD = "-180,-90,180,90"


@pytest.fixture(scope="module", params=["serve", "gunicorn"])
def service(
    request: pytest.FixtureRequest, real_store: Path, tmp_path_factory
) -> Iterator[DeployedService]:
    """The real cube served by `methanemap serve`, then by gunicorn (two workers)."""
    log = tmp_path_factory.mktemp("hostile") / f"{request.param}.log"
    with deployed_service(
        real_store,
        log,
        gunicorn=request.param == "gunicorn",
        head_timeout=str(HEAD_TIMEOUT),
        body_timeout=str(BODY_TIMEOUT),
    ) as running:
        yield running


@pytest.fixture(scope="module")
def normal_value(real_store: Path) -> float:
    """The NORMAL cell's total, read from the cube without the service."""
    snapshot = open_cube(str(real_store))
    value = cell_values(snapshot, NORMAL["lon"], NORMAL["lat"], NORMAL["period"])
    total = value["values"]["total"]["value"]
    assert total is not None and total > 0
    return float(total)


def assert_still_serving(service: DeployedService, normal_value: float) -> None:
    answer = httpx.get(f"{service.url}/cells", params=NORMAL, timeout=30)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["values"]["total"]["value"] == pytest.approx(normal_value)


# --- A raw HTTP client: sends what it is told, reads the answer meanwhile ----------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    sent: int

    def problem(self) -> dict:
        assert self.headers["content-type"] == "application/problem+json", self.body
        problem = json.loads(self.body)
        assert problem["status"] == self.status
        return problem


def exchange(
    url: str, head: bytes, body: Iterable[bytes] = (), pause: float = 0.0
) -> Answer:
    """Send `head`, then `body` piece by piece (`pause` s apart) from a thread while
    the answer is read; sending stops when the server closes or has answered."""
    address = urllib.parse.urlsplit(url)
    sock = socket.create_connection((address.hostname, address.port), timeout=60)
    answered = threading.Event()
    sent = 0

    def send() -> None:
        nonlocal sent
        try:
            for piece in chain([head], body):
                if answered.is_set():
                    return
                sock.sendall(piece)
                sent += len(piece)
                time.sleep(pause)
        except OSError:  # the server answered and closed: the rest is not wanted
            return

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(sock)
        response.begin()
        content = response.read()
    finally:
        answered.set()
        sender.join(timeout=60)
        sock.close()
    return Answer(response.status, response.headers, content, sent - len(head))


def pieces(total: int, size: int) -> Iterator[bytes]:
    """`total` bytes of JSON-ish filler in pieces of `size`."""
    for _ in range(total // size):
        yield b" " * size


# --- FC-27 (1)-(3): oversized heads and bodies ------------------------------------


def test_a_100_kb_cookie_is_431(service, normal_value):
    head = (
        b"GET /cells?lat=1&lon=1 HTTP/1.1\r\nHost: t\r\nCookie: session="
        + b"c" * 100_000
        + b"\r\n\r\n"
    )
    answer = exchange(service.url, head)

    assert answer.status == 431
    problem = answer.problem()
    assert f"{DEFAULTS.max_header_bytes:,}" in problem["detail"]
    assert "METHANEMAP_MAX_HEADER_BYTES" in problem["detail"]
    assert problem["parameter"] == "cookie"
    assert_still_serving(service, normal_value)


def test_a_head_past_the_servers_cap_is_431_before_it_is_all_read(
    service, normal_value
):
    head = b"GET /cells?lat=1&lon=1 HTTP/1.1\r\nHost: t\r\nCookie: a="
    answer = exchange(service.url, head, pieces(50_000_000, 65_536))

    assert answer.status == 431
    assert "server's cap" in answer.problem()["detail"]
    assert answer.sent < 10_000_000  # refused early, not after the 50 MB
    assert_still_serving(service, normal_value)


# 3,500 vertices: FC-27's 50 KB GeoJSON, past what httptools parses (the server
# answers); 500: 12 KB, past the limit only (the app answers).
@pytest.mark.parametrize("vertices", [3_500, 500])
def test_a_geojson_in_the_query_string_is_414_pointing_to_post(
    service, normal_value, vertices
):
    ring = [[round(30 + i * 0.004, 4), 50 + (i % 7) * 0.1] for i in range(vertices)]
    geometry = json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    assert len(geometry) > (50_000 if vertices == 3_500 else 0)
    query = urllib.parse.quote(geometry)
    assert len(query) > DEFAULTS.max_url_bytes
    head = f"GET /areas?geometry={query} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
    answer = exchange(service.url, head)

    assert answer.status == 414
    problem = answer.problem()
    assert "POST /areas" in problem["detail"]
    assert f"{DEFAULTS.max_url_bytes:,}" in problem["detail"]
    assert_still_serving(service, normal_value)


def test_a_declared_200_mb_body_is_413_without_reading_it(service, normal_value):
    head = (
        b"POST /areas HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: 200000000\r\n\r\n"
    )
    answer = exchange(service.url, head, pieces(200_000_000, 1_048_576), pause=0.01)

    assert answer.status == 413
    problem = answer.problem()
    assert f"{DEFAULTS.max_body_bytes:,}" in problem["detail"]
    assert answer.headers["connection"] == "close"
    assert answer.sent < 50_000_000
    assert_still_serving(service, normal_value)


def test_a_chunked_200_mb_body_is_413_once_past_the_limit(service, normal_value):
    head = (
        b"POST /areas HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"100000\r\n" + b" " * 0x100000 + b"\r\n"  # 1 MiB chunks
    answer = exchange(service.url, head, (chunk for _ in range(200)))

    assert answer.status == 413
    assert f"{DEFAULTS.max_body_bytes:,}" in answer.problem()["detail"]
    assert answer.sent < 100 * len(chunk)
    assert max(service.peak_rss_mb().values()) < MEMORY_BUDGET_MB
    assert_still_serving(service, normal_value)


# --- FC-27 (4)-(6): a huge polygon, the whole world, twenty at once ----------------


def test_a_200000_vertex_polygon_is_413_stating_the_limit(service, normal_value):
    count = 200_000
    ring = [
        [
            round(105 + 75 * math.cos(2 * math.pi * i / count), 6),
            round(62 + 12 * math.sin(2 * math.pi * i / count), 6),
        ]
        for i in range(count)
    ]
    body = json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    answer = httpx.post(
        f"{service.url}/areas",
        content=body,
        headers={"content-type": "application/geo+json"},
        timeout=60,
    )

    assert answer.status_code == 413
    detail = answer.json()["detail"]
    assert f"{count + 1:,} vertices" in detail
    assert f"{DEFAULTS.max_polygon_vertices:,}" in detail
    assert_still_serving(service, normal_value)


@pytest.fixture(scope="module")
def world_totals(real_store: Path) -> list[float]:
    """The cube's world total per period (t), summed from the grid one period at a
    time in float64: a chunked reduction independent of the service's."""
    grid = open_cube(str(real_store)).ds["emission_total"]
    return [
        float(grid.isel(time=i).sum(dtype="float64")) for i in range(grid.sizes["time"])
    ]


def _world(service: DeployedService) -> httpx.Response:
    """The whole world over every period of the cube, from the first to the last."""
    periods = httpx.get(f"{service.url}/periods", timeout=30).json()["periods"]
    params = {
        "bbox": WORLD,
        "start": periods[0]["id"],
        "end": periods[-1]["id"],
        "sector": "total",
    }
    return httpx.get(f"{service.url}/areas", params=params, timeout=120)


def test_the_whole_world_over_all_periods_is_its_grid_total(
    service, normal_value, world_totals
):
    totals = world_totals
    answer = _world(service)

    assert answer.status_code == 200, answer.text[:300]
    total = answer.json()["sectors"]["total"]
    assert total["values"] == pytest.approx(totals, rel=1e-5)
    assert total["sum"]["value"] == pytest.approx(sum(totals), rel=1e-5)
    assert max(service.peak_rss_mb().values()) < MEMORY_BUDGET_MB

    # FC-27's literal range runs past the cube both ways: it selects every period the
    # cube holds, with the same total.
    params = {"bbox": WORLD, "start": "2000-01-01", "end": "2030-12-31"}
    past = httpx.get(f"{service.url}/areas", params=params, timeout=120)
    assert past.status_code == 200, past.text[:300]
    assert past.json()["sectors"]["total"]["values"] == pytest.approx(totals, rel=1e-5)
    assert_still_serving(service, normal_value)


def test_twenty_world_queries_at_once_queue_or_get_503(
    service, normal_value, world_totals
):
    totals = world_totals
    workers = service.pids()
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: _world(service), range(20)))

    for answer in answers:
        if answer.status_code == 503:
            assert int(answer.headers["retry-after"]) > 0
            assert answer.headers["content-type"] == "application/problem+json"
        else:
            assert answer.status_code == 200, answer.text[:300]
            sum_ = answer.json()["sectors"]["total"]["sum"]["value"]
            assert sum_ == pytest.approx(sum(totals), rel=1e-5)
    assert any(a.status_code == 200 for a in answers)
    assert service.pids() == workers  # no worker died or was replaced
    assert max(service.peak_rss_mb().values()) < MEMORY_BUDGET_MB
    assert_still_serving(service, normal_value)


# --- Slow clients -----------------------------------------------------------------


def _trickle_meanwhile(
    service: DeployedService, head: bytes, body: Iterable[bytes], normal_value: float
) -> tuple[Answer, float]:
    """Trickle a request in a thread; serve normal requests meanwhile; its answer."""
    result: list[Answer] = []
    started = time.monotonic()
    slow = threading.Thread(
        target=lambda: result.append(exchange(service.url, head, body, pause=0.2))
    )
    slow.start()
    time.sleep(0.5)
    while slow.is_alive() and time.monotonic() - started < 30:
        assert_still_serving(service, normal_value)  # others are served meanwhile
        time.sleep(0.3)
    slow.join(timeout=30)
    return result[0], time.monotonic() - started


def test_a_client_trickling_its_headers_gets_408_and_others_are_served(
    service, normal_value
):
    head = b"GET /periods HTTP/1.1\r\n"
    headers = (bytes([byte]) for byte in b"Host: t\r\nX-Slow: " + b"s" * 500)
    answer, seconds = _trickle_meanwhile(service, head, headers, normal_value)

    assert answer.status == 408
    assert "METHANEMAP_HEAD_TIMEOUT" in answer.problem()["detail"]
    assert HEAD_TIMEOUT <= seconds < HEAD_TIMEOUT + 5


def test_a_silent_connection_is_closed_with_408(service, normal_value):
    started = time.monotonic()
    answer = exchange(service.url, b"")

    assert answer.status == 408
    assert answer.problem()["title"] == "Request timeout"
    assert time.monotonic() - started < HEAD_TIMEOUT + 5
    assert_still_serving(service, normal_value)


def test_a_client_trickling_its_body_gets_408_and_others_are_served(
    service, normal_value
):
    head = (
        b"POST /areas HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n"
    )
    answer, seconds = _trickle_meanwhile(service, head, [b" "] * 1000, normal_value)

    assert answer.status == 408
    assert "METHANEMAP_BODY_TIMEOUT" in answer.problem()["detail"]
    assert BODY_TIMEOUT <= seconds < BODY_TIMEOUT + 5


def test_a_body_nobody_reads_is_not_waited_for(service, normal_value):
    address = urllib.parse.urlsplit(service.url)
    sock = socket.create_connection((address.hostname, address.port), timeout=10)
    sock.sendall(
        b"POST /periods HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n "
    )
    response = http.client.HTTPResponse(sock)
    response.begin()
    problem = json.loads(response.read())
    answered = time.monotonic()

    closed = False
    sock.settimeout(0.1)
    while not closed and time.monotonic() - answered < 10:
        try:
            sock.send(b" ")  # a byte of the body every 0.1 s: it never ends
            closed = sock.recv(1) == b""
        except TimeoutError:
            continue
        except OSError:
            closed = True
    sock.close()

    assert response.status == 405 and problem["status"] == 405
    assert closed and time.monotonic() - answered < 2
    assert_still_serving(service, normal_value)


# --- Path traversal in every path parameter of every route ------------------------

SECRET = "methanemap-must-never-serve-this-9f2c"
_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def route_templates() -> list[str]:
    """Every route template of the app with a path parameter (mounts as ``{path}``),
    admin routes included."""
    app = create_app(Settings(admin_token="a-token-long-enough-to-mount"))
    templates = set()
    for route in app.routes:
        path = getattr(route, "path", "")
        if isinstance(route, Mount):
            path = f"{path}/{{path}}"
        if _PARAMETER.search(path):
            templates.add(path)
    return sorted(templates)


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory) -> Path:
    """A file outside the store that no answer may ever contain."""
    path = tmp_path_factory.mktemp("outside") / "secret.txt"
    path.write_text(SECRET)
    return path


def hostile_values(secret: Path) -> list[str]:
    """Path-parameter values aiming outside the store, raw as they go on the wire."""
    up = "../" * 12 + str(secret).lstrip("/")
    return [
        "..",
        "%2e%2e",
        up,
        urllib.parse.quote(up, safe=""),  # encoded slashes
        up.replace("/", "%2f").replace(".", "%2e"),
        "..%5c..%5c" + secret.name,
        "/" + str(secret).lstrip("/"),  # absolute
        "x%00.json",
        "%00",
    ]


@pytest.mark.parametrize("template", route_templates())
def test_no_path_parameter_reaches_outside_the_store(
    service, normal_value, secret_file, template
):
    address = urllib.parse.urlsplit(service.url)
    for hostile in hostile_values(secret_file):
        for name in _PARAMETER.findall(template):
            path = _PARAMETER.sub(
                lambda m, n=name, h=hostile: h if m.group(1) == n else "1", template
            )
            # http.client sends the path as written; httpx would normalise dots away
            connection = http.client.HTTPConnection(address.hostname, address.port)
            connection.request("GET", path)
            answer = connection.getresponse()
            body = answer.read()
            connection.close()

            assert 400 <= answer.status < 500, (path, answer.status, body[:200])
            assert answer.getheader("content-type") == "application/problem+json", path
            assert SECRET.encode() not in body and b"root:" not in body
    assert_still_serving(service, normal_value)


@pytest.mark.parametrize("route", ["/cells", "/areas", "/tiles/2/1/1.png", "/stac"])
def test_a_hostile_version_is_a_4xx(service, secret_file, route):
    params = {"lat": 1, "lon": 1, "bbox": "0,0,1,1"}
    for hostile in hostile_values(secret_file):
        query = urllib.parse.urlencode({**params, "version": hostile})
        answer = httpx.get(f"{service.url}{route}?{query}", timeout=30)
        assert 400 <= answer.status_code < 500, (hostile, answer.text[:200])
        assert answer.headers["content-type"] == "application/problem+json"
        assert SECRET not in answer.text


# --- The query slots, deterministically (in process) ------------------------------


@pytest.mark.anyio
async def test_a_query_past_the_slots_waits_then_gets_503_with_retry_after(
    cube, serve_app
):
    app = create_app(Settings(store=cube, max_concurrent_queries=1, query_wait=0.2))
    async with serve_app(app) as client:
        async with app.state.query_slots.hold():  # the one slot, taken
            started = time.monotonic()
            busy = await client.get("/areas", params={"bbox": "110,35,115,40"})
            waited = time.monotonic() - started
        free = await client.get("/areas", params={"bbox": "110,35,115,40"})

    assert busy.status_code == 503 and waited >= 0.2
    assert busy.headers["retry-after"] == "5"
    problem = busy.json()
    assert problem["type"] == "urn:methanemap:problem:busy"
    assert "METHANEMAP_MAX_CONCURRENT_QUERIES" in problem["detail"]
    assert free.status_code == 200
    assert free.json()["sectors"]["coal"]["sum"]["value"] > 0
