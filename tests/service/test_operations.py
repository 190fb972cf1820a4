"""Operations: liveness, readiness, Prometheus metrics and request ids."""

import pytest

pytestmark = pytest.mark.anyio


async def test_ready_and_live_with_a_cube(client):
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["version"] == (await client.get("/periods")).json()["version"]
    assert (await client.get("/livez")).json() == {"status": "alive"}


async def test_not_ready_but_alive_without_a_cube(client_for, tmp_path):
    async with client_for(store=str(tmp_path / "none")) as client:
        assert (await client.get("/readyz")).status_code == 503
        assert (await client.get("/livez")).status_code == 200


async def test_metrics_count_requests_per_route_and_name_the_version(client):
    await client.get("/cells", params={"lat": 37.85, "lon": 112.55})
    await client.get("/tiles/5/25/12.png")
    await client.get("/no/such/route/12345")
    text = (await client.get("/metrics")).text
    version = (await client.get("/readyz")).json()["version"]
    assert 'methanemap_requests_total{method="GET",route="/cells",status="200"}' in text
    assert 'route="/tiles/{z}/{x}/{y}.{fmt}"' in text or 'route="/tiles/{z}' in text
    assert 'route="unmatched"' in text and "12345" not in text
    assert f'methanemap_cube_version_info{{version="{version}"}} 1.0' in text
    assert 'methanemap_tile_field_cache_lookups{result="miss"}' in text


async def test_every_answer_carries_a_request_id(client):
    fresh = await client.get("/periods")
    assert len(fresh.headers["x-request-id"]) == 32
    given = await client.get("/periods", headers={"X-Request-ID": "trace-42"})
    assert given.headers["x-request-id"] == "trace-42"
    hostile = await client.get("/periods", headers={"X-Request-ID": "a\x7fb" * 50})
    assert hostile.headers["x-request-id"] != "a\x7fb" * 50


def test_json_log_lines_carry_the_request_fields():
    import json
    import logging

    from methanemap.logs import JsonFormatter

    record = logging.makeLogRecord(
        {
            "name": "methanemap.service.middleware",
            "levelname": "INFO",
            "msg": "%s %s %d",
            "args": ("GET", "/cells", 200),
            "route": "/cells",
            "request_id": "abc",
            "duration_ms": 1.5,
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /cells 200"
    assert line["request_id"] == "abc" and line["duration_ms"] == 1.5
    assert line["level"] == "INFO"
