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
        health = await client.get("/healthz")
        assert health.status_code == 503
        assert health.headers["content-type"] == "application/problem+json"
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


def _samples(text: str) -> dict[str, float]:
    """Prometheus samples as ``name{label="value",...}`` -> value."""
    from prometheus_client.parser import text_string_to_metric_families

    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}"] = sample.value
    return out


async def test_metrics_time_each_route_and_count_tile_field_cache_hits(client):
    tile_route = "/tiles/{z}/{x}/{y}.{format}"
    before = _samples((await client.get("/metrics")).text)
    for _ in range(2):
        tile = await client.get("/tiles/3/6/3.png", params={"sector": "coal"})
        assert tile.status_code == 200
    after = _samples((await client.get("/metrics")).text)

    timed = f'methanemap_request_seconds_count{{route="{tile_route}"}}'
    assert after[timed] == before.get(timed, 0) + 2
    slow = f'methanemap_request_seconds_bucket{{le="+Inf",route="{tile_route}"}}'
    assert after[slow] == after[timed]
    hits = 'methanemap_tile_field_cache_lookups{result="hit"}'
    assert after[hits] >= before.get(hits, 0) + 1  # the second tile reuses the field


async def test_each_request_logs_one_structured_line_with_its_id(client, caplog):
    import json
    import logging

    from methanemap.logs import JsonFormatter

    caplog.set_level(logging.INFO, logger="methanemap.service.middleware")
    answer = await client.get("/periods", headers={"X-Request-ID": "trace-7"})
    [record] = [r for r in caplog.records if getattr(r, "request_id", "") == "trace-7"]
    line = json.loads(JsonFormatter().format(record))
    assert answer.headers["x-request-id"] == line["request_id"] == "trace-7"
    assert (line["route"], line["status"]) == ("/periods", 200)
    assert line["duration_ms"] > 0 and line["message"].startswith("GET /periods 200")
